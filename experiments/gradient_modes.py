"""Forward- versus reverse-mode gradient of the wine-MLP loss with respect to W1 as the hidden
width h grows (the lecture: forward mode, one one-hot tangent per entry of W1, was about two
orders of magnitude slower than reverse mode at h = 16).

    python experiments/gradient_modes.py            # writes figures/gradient_modes.png
"""
import numpy as np

import optad
from common import best_time, parse_args, plot_modes, save, transform, write_csv
from optad.data import load_wine

args = parse_args(__doc__.splitlines()[0])
widths = [2, 8, 16] if args.quick else [2, 4, 8, 16, 32, 64, 128]
X, y = load_wine()


def loss(W1, W2, X, y):
    error = W2 @ np.tanh(W1 @ X) - y
    return np.mean(error * error)


rows = []
for h in widths:
    rng = np.random.default_rng(h)
    W1, W2 = rng.random((h, 13)), rng.random((1, h))
    forward = transform(optad.jacfwd, loss, args.backend)   # h * 13 JVPs
    reverse = transform(optad.grad, loss, args.backend)     # one VJP
    np.testing.assert_allclose(forward(W1, W2, X, y), reverse(W1, W2, X, y), rtol=1e-10,
                               atol=1e-12)
    repeat = 2 if args.quick else 5
    t_fwd = best_time(forward, W1, W2, X, y, repeat=repeat)
    t_rev = best_time(reverse, W1, W2, X, y, repeat=repeat)
    rows.append((h, 13 * h, t_fwd, t_rev))
    print(f"h = {h:4d} ({13 * h:5d} entries of W1): forward {t_fwd * 1e3:9.3f} ms   "
          f"reverse {t_rev * 1e3:8.3f} ms   ratio {t_fwd / t_rev:7.1f}")

backend = forward.state["backend"]
write_csv(args.out, "gradient_modes", ("h", "entries_of_W1", "forward_s", "reverse_s"), rows)
h_values, _, t_fwd, t_rev = map(np.array, zip(*rows))
fig, ax = plot_modes(h_values, t_fwd, t_rev, "forward mode (jacfwd): 13 h JVPs",
                     "reverse mode (grad): 1 VJP", "hidden width h",
                     "time per gradient w.r.t. W1 [s]",
                     f"Wine MLP loss, gradient w.r.t. W1 (h x 13)\noptad backend '{backend}', "
                     f"best of repeated timings")
for h, tf, tr in zip(h_values, t_fwd, t_rev):
    if h in (16, h_values[-1]):
        ax.annotate(f"x{tf / tr:.0f}", (h, np.sqrt(tf * tr)), ha="center", fontsize=9)
save(fig, args.out, "gradient_modes")
