"""Forward- versus reverse-mode Jacobian of f(x) = A x with n = 100 inputs as the number of
outputs m grows (the lecture's figure: forward mode costs one pass per input, reverse mode one
pass per output, so they cross near m = n).

    python experiments/jacobian_modes.py            # writes figures/jacobian_modes.png
"""
import numpy as np

import optad
from common import best_time, parse_args, plot_modes, save, transform, write_csv

args = parse_args(__doc__.splitlines()[0])
n = 100
ms = [2, 10, 50, 100, 200, 500] if args.quick else [1, 3, 10, 30, 100, 300, 1000, 3000]
rng = np.random.default_rng(0)
x = rng.standard_normal(n)


def f(x, A):
    return A @ x


rows = []
for m in ms:
    A = rng.standard_normal((m, n))
    forward = transform(optad.jacfwd, f, args.backend)
    reverse = transform(optad.jacrev, f, args.backend)
    np.testing.assert_allclose(forward(x, A), A, atol=1e-12)
    np.testing.assert_allclose(reverse(x, A), A, atol=1e-12)
    repeat = 2 if args.quick else 5
    t_fwd = best_time(forward, x, A, repeat=repeat)
    t_rev = best_time(reverse, x, A, repeat=repeat)
    rows.append((m, t_fwd, t_rev))
    print(f"m = {m:5d}: forward {t_fwd * 1e3:9.3f} ms   reverse {t_rev * 1e3:9.3f} ms")

backend = forward.state["backend"]
write_csv(args.out, "jacobian_modes", ("m", "forward_s", "reverse_s"), rows)
m_values, t_fwd, t_rev = map(np.array, zip(*rows))
fig, ax = plot_modes(m_values, t_fwd, t_rev, "forward mode (jacfwd): n = 100 JVPs",
                     "reverse mode (jacrev): m VJPs", "outputs m (inputs fixed at n = 100)",
                     "time per Jacobian [s]",
                     f"Jacobian of f(x) = A x, n = 100 inputs\noptad backend '{backend}', "
                     f"best of repeated timings")
ax.axvline(n, color="grey", ls=":", lw=1)
ax.text(n * 1.08, ax.get_ylim()[0] * 1.5, "m = n", color="grey")
save(fig, args.out, "jacobian_modes")
