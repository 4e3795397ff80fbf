"""MDS with every point pinned to the unit circle: recover N points on the circle from noisy
squared distances, min sum_ij (||w_i - w_j||^2 - D_ij)^2 subject to ||w_i||^2 = 1 (N equality
constraints), by optad's augmented Lagrangian ("auglag") against scipy's SLSQP and
trust-constr fed optad's exact derivatives, as N grows.

    python experiments/constrained_mds.py           # writes figures/constrained_mds.png + .csv
    python experiments/constrained_mds.py --quick   # N = 8, 16 and one seed

Ground truth: N angles uniform on [0, 2 pi); D = squared distances of the truth times
(1 + 0.05 e), e standard normal and symmetric.  Every solver starts from the same standard
normal W0 (per seed) and gets optad's derivatives: SLSQP the gradient (optad.value_and_grad) and
the constraints' Jacobian (optad.jacobian, compiled with optad.jit); trust-constr also the
objective's Hessian-vector product (optad.hvp) and the constraints' Hessian
sum_i v_i grad^2 c_i (optad.hessian of v.c, compiled).
Times are end to end per solve after one untimed solve of the same size (so the kernels,
optad's compiled loops and programs exist for every solver; OPTAD_TIERED=0, as in `optad run`,
so no kernel switches tiers inside a timed solve); the machine was shared, so compare ratios.
A solve counts as reaching the best minimum when its f is within 1e-6 (relative) of the lowest
f any solver found from that start, with the constraints met to 1e-6.
"""
import os
import time
import warnings

os.environ.setdefault("OPTAD_TIERED", "0")   # as in `optad run`: time compiled optimisation
import numpy as np  # noqa: E402
import scipy.optimize as so  # noqa: E402

import optad  # noqa: E402
from common import parse_args, plt, save, write_csv  # noqa: E402

args = parse_args(__doc__.splitlines()[0])
SIZES = [8, 16] if args.quick else [8, 16, 32, 64]
SEEDS = [0] if args.quick else [0, 1, 2]


def stress(w, D):
    W = w.reshape(-1, 2)
    diff = W[:, None, :] - W[None, :, :]
    residual = np.sum(diff * diff, axis=2) - D
    return np.sum(residual * residual)


def on_circle(w):
    W = w.reshape(-1, 2)
    return np.sum(W * W, axis=1) - 1.0


def weighted_constraints(w, v):
    return np.sum(v * on_circle(w))


def problem(N, seed):
    rng = np.random.default_rng([N, seed])
    angles = rng.uniform(0.0, 2.0 * np.pi, N)
    truth = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    noise = rng.standard_normal((N, N))
    D = np.sum((truth[:, None, :] - truth[None, :, :]) ** 2, axis=2) * \
        (1.0 + 0.05 * (noise + noise.T) / np.sqrt(2.0))
    np.fill_diagonal(D, 0.0)
    return D, truth, rng.standard_normal(2 * N)


backend = args.backend if args.backend != "cuda" else "numba"
value_and_grad = optad.value_and_grad(stress, backend=backend)
hvp = optad.hvp(stress, backend=backend)
jacobian = optad.jit(optad.jacobian(on_circle), backend=backend)      # one kernel each
constraint_hessian = optad.jit(optad.hessian(weighted_constraints), backend=backend)


def solve_optad(D, w0):
    res = optad.minimize(stress, w0, args=(D,), backend=backend,
                         constraints={"type": "eq", "fun": on_circle})
    return res.x, res.fun, res.nit


def solve_slsqp(D, w0):
    res = so.minimize(value_and_grad, w0, args=(D,), jac=True, method="SLSQP",
                      constraints={"type": "eq", "fun": on_circle, "jac": jacobian},
                      options={"ftol": 1e-12, "maxiter": 2000})
    return res.x, res.fun, res.nit


def solve_trust_constr(D, w0):
    n = w0.size
    constraint = so.NonlinearConstraint(on_circle, 0.0, 0.0, jac=jacobian,
                                        hess=lambda w, v: constraint_hessian(w, v))
    res = so.minimize(value_and_grad, w0, args=(D,), jac=True, method="trust-constr",
                      hessp=lambda w, p, D: hvp(w, p, D), constraints=[constraint],
                      options={"gtol": 1e-8, "xtol": 1e-10, "maxiter": 5000})
    assert res.x.size == n
    return res.x, res.fun, res.nit


SOLVERS = {"optad auglag": solve_optad, "scipy SLSQP": solve_slsqp,
           "scipy trust-constr": solve_trust_constr}
COLORS = {"optad auglag": "tab:blue", "scipy SLSQP": "tab:orange",
          "scipy trust-constr": "tab:green"}

rows, times, reached = [], {s: {} for s in SOLVERS}, {s: {} for s in SOLVERS}
shown = {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for N in SIZES:
        D, _, w0 = problem(N, 99)
        for solve in SOLVERS.values():        # untimed: programs, kernels, JIT of this size
            solve(D, w0)
        for seed in SEEDS:
            D, truth, w0 = problem(N, seed)
            results = {}
            for name in (SOLVERS if seed % 2 == 0 else reversed(SOLVERS)):
                t0 = time.perf_counter()
                x, f, nit = SOLVERS[name](D, w0)
                results[name] = (x, float(f), nit, time.perf_counter() - t0)
            best = min(f for x, f, _, _ in results.values()
                       if np.max(np.abs(on_circle(x))) <= 1e-6)
            for name, (x, f, nit, dt) in results.items():
                violation = float(np.max(np.abs(on_circle(x))))
                ok = violation <= 1e-6 and f <= best + 1e-6 * max(1.0, abs(best))
                times[name].setdefault(N, []).append(dt)
                reached[name].setdefault(N, []).append(ok)
                rows.append((N, seed, name, f, violation, nit, dt, ok))
                print(f"N = {N:3d} seed {seed}: {name:19s} f = {f:.8g}  violation "
                      f"{violation:.1e}  iterations {nit:5d}  {dt:.3f} s"
                      f"{'' if ok else '  (not the best minimum)'}")
            if N == SIZES[-1] and seed == 0:
                shown = {"truth": truth, "optad": results["optad auglag"][0].reshape(-1, 2)}

write_csv(args.out, "constrained_mds", ("N", "seed", "solver", "f", "violation", "iterations",
                                        "seconds", "best_minimum"), rows)


def aligned(points, truth):
    """points rotated/reflected onto the truth (orthogonal Procrustes)."""
    u, _, vt = np.linalg.svd(points.T @ truth)
    return points @ (u @ vt)


fig, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4.4))
for name in SOLVERS:
    medians = [np.median(times[name][N]) for N in SIZES]
    left.loglog(SIZES, medians, "o-", color=COLORS[name], label=name)
    middle.plot(SIZES, [np.mean(reached[name][N]) for N in SIZES], "o-", color=COLORS[name],
                label=name)
left.set_xlabel("N (points; 2N variables, N equality constraints)")
left.set_ylabel("seconds per solve (median over seeds)")
left.set_title("time to solution")
left.legend()
middle.set_ylim(-0.05, 1.05)
middle.set_xscale("log")
middle.set_xlabel("N")
middle.set_ylabel("fraction of starts reaching the best minimum found")
middle.set_title("quality (feasible to 1e-6, f within 1e-6 of the best)")
theta = np.linspace(0, 2 * np.pi, 200)
right.plot(np.cos(theta), np.sin(theta), color="0.8", lw=1)
right.plot(*shown["truth"].T, "o", mfc="none", color="black", label="truth")
right.plot(*aligned(shown["optad"], shown["truth"]).T, ".", color="tab:blue",
           label="optad auglag (aligned)")
right.set_aspect("equal")
right.set_title(f"N = {SIZES[-1]}, seed 0")
right.legend(loc="lower left", fontsize=8)
fig.suptitle("MDS on the unit circle: min stress s.t. ||w_i||^2 = 1")
save(fig, args.out, "constrained_mds")
