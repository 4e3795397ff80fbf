"""Differentiable programming, the lecture notes' trebuchet: a small tanh network maps (wind,
target distance) to a launch angle and speed; an RK4 integration of the projectile with air
drag (300 steps, ``optad.fori_loop``) gives the distance reached; the network is trained
through the solver with GD and Newton-CG.

The same simulation written as a plain Python loop is rerolled by optad into the same loop;
the script checks that both give the same loss and gradient and reports their first-call
times.

    python experiments/trebuchet.py          # writes figures/trebuchet.png and trebuchet.csv
"""
import time

import numpy as np

import optad
from common import parse_args, plt, save, write_csv

args = parse_args(__doc__.splitlines()[0])
STEPS, DT = (60, 0.1) if args.quick else (300, 0.02)
ITERS_GD, ITERS_NEWTON = (20, 5) if args.quick else (400, 60)
GRAVITY, DRAG = 9.81, 0.02
rng = np.random.default_rng(0)
winds = rng.uniform(-5.0, 5.0, 24)
targets = rng.uniform(20.0, 60.0, 24)


def launch(params, wind, target):
    """The network: (wind, target) -> (angle, speed), one hidden tanh layer of 16."""
    W1, b1, W2, b2 = params
    features = np.stack([wind / 5.0, (target - 40.0) / 20.0])          # 2 x batch
    out = W2 @ np.tanh(W1 @ features + b1[:, None]) + b2[:, None]      # 2 x batch
    return 0.8 + 0.5 * np.tanh(out[0]), 25.0 * np.exp(0.4 * np.tanh(out[1]))


def acceleration(vx, vy, wind):
    speed = np.sqrt((vx - wind) ** 2 + vy ** 2)
    return -DRAG * speed * (vx - wind), -GRAVITY - DRAG * speed * vy


def rk4_step(state, wind):
    """One RK4 step of (x, y, vx, vy), and the landing point interpolated at the step where
    y crosses 0 (frozen after landing)."""
    x, y, vx, vy, landed_at, flying = state

    def deriv(vx, vy):
        ax, ay = acceleration(vx, vy, wind)
        return vx, vy, ax, ay

    k1 = deriv(vx, vy)
    k2 = deriv(vx + 0.5 * DT * k1[2], vy + 0.5 * DT * k1[3])
    k3 = deriv(vx + 0.5 * DT * k2[2], vy + 0.5 * DT * k2[3])
    k4 = deriv(vx + DT * k3[2], vy + DT * k3[3])
    new = [s + DT / 6.0 * (a + 2 * b + 2 * c + d)
           for s, a, b, c, d in zip((x, y, vx, vy), k1, k2, k3, k4)]
    crossing = (flying > 0.5) & (new[1] < 0.0)
    drop = np.where(crossing, y - new[1], 1.0)            # finite where unused (double where)
    landing = x + (new[0] - x) * np.where(crossing, y, 0.0) / drop
    landed_at = np.where(crossing, landing, landed_at)
    flying = np.where(crossing, 0.0, flying)
    return (*new, landed_at, flying)


def distance_loop(params, wind, target):
    angle, speed = launch(params, wind, target)
    zero = 0.0 * wind
    state = (zero, zero, speed * np.cos(angle), speed * np.sin(angle), zero, zero + 1.0)
    x, _, _, _, landed_at, flying = optad.fori_loop(
        0, STEPS, lambda i, s: rk4_step(s, wind), state)
    return np.where(flying > 0.5, x, landed_at)


def distance_python(params, wind, target):
    angle, speed = launch(params, wind, target)
    zero = 0.0 * wind
    state = (zero, zero, speed * np.cos(angle), speed * np.sin(angle), zero, zero + 1.0)
    for _ in range(STEPS):
        state = rk4_step(state, wind)
    x, _, _, _, landed_at, flying = state
    return np.where(flying > 0.5, x, landed_at)


def make_loss(distance):
    def loss(params, wind, target):
        return np.mean((distance(params, wind, target) - target) ** 2) / 100.0
    return loss


loss = make_loss(distance_loop)
params0 = (0.5 * rng.standard_normal((16, 2)), np.zeros(16), 0.1 * rng.standard_normal((2, 16)),
           np.zeros(2))
data = (winds, targets)

timings = {}
for name, fun in (("fori_loop", loss), ("python loop", make_loss(distance_python))):
    start = time.perf_counter()
    value, grad = optad.value_and_grad(fun, backend=args.backend)(params0, *data)
    timings[name] = (time.perf_counter() - start, value, grad)
    print(f"{name}: first value_and_grad {timings[name][0]:.2f} s, loss {value:.6f}")
flat = [np.concatenate([np.ravel(g) for g in timings[k][2]]) for k in timings]
assert np.allclose(flat[0], flat[1], rtol=1e-9, atol=1e-12), "loop and rerolled loop differ"

histories = {}
for method, options in (("gd", {"step": 0.02, "maxiter": ITERS_GD}),
                        ("newton-cg", {"maxiter": ITERS_NEWTON})):
    start = time.perf_counter()
    res = optad.minimize(loss, params0, args=data, method=method, options=options,
                         backend=args.backend)
    histories[method] = (res, time.perf_counter() - start)
    print(f"{method}: loss {res.fun:.4g} after {res.nit} iterations "
          f"({histories[method][1]:.1f} s), {res.message}")

best = histories["newton-cg"][0].x
grid_w, grid_t = np.meshgrid(np.linspace(-5, 5, 41), np.linspace(20, 60, 41))
reached = optad.jit(distance_loop, backend=args.backend)(best, grid_w.ravel(), grid_t.ravel())
miss = (reached - grid_t.ravel()).reshape(grid_w.shape)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
for method, (res, seconds) in histories.items():
    ax1.semilogy(res.history.f, label=f"{method} ({seconds:.1f} s)")
ax1.set_xlabel("iteration")
ax1.set_ylabel("mean squared miss / 100 (m²)")
ax1.set_title(f"training through a {STEPS}-step RK4 solver")
ax1.legend()
image = ax2.pcolormesh(grid_w, grid_t, miss, cmap="RdBu_r", shading="auto",
                       vmin=-np.abs(miss).max(), vmax=np.abs(miss).max())
ax2.scatter(winds, targets, s=10, c="k", label="training targets")
fig.colorbar(image, ax=ax2, label="miss distance (m)")
ax2.set_xlabel("wind (m/s)")
ax2.set_ylabel("target distance (m)")
ax2.set_title("Newton-CG network: reached - target")
ax2.legend(loc="lower right")
save(fig, args.out, "trebuchet")
write_csv(args.out, "trebuchet", ["method", "final_loss", "iterations", "seconds"],
          [[m, f"{r.fun:.6g}", r.nit, f"{s:.2f}"] for m, (r, s) in histories.items()] +
          [[f"first value_and_grad ({k})", f"{v[1]:.6g}", "", f"{v[0]:.2f}"]
           for k, v in timings.items()])
