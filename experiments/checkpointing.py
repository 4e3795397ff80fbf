"""Activation checkpointing: peak memory and time of the gradient of a deep tanh MLP, without
checkpointing and with ``optad.checkpoint`` around segments of k layers (the segment's
activations are recomputed in the backward sweep instead of stored).

Peak memory is measured with tracemalloc, which sees NumPy's allocations, so this study runs on
the NumPy backend by default (compiled kernels allocate outside tracemalloc's view).

    python experiments/checkpointing.py             # writes figures/checkpointing.png
"""
import tracemalloc

import numpy as np

import optad
from common import best_time, parse_args, plt, save, write_csv


def extra(parser):
    parser.set_defaults(backend="numpy")


args = parse_args(__doc__.splitlines()[0], extra)
depth, width, batch = (8, 16, 512) if args.quick else (32, 64, 2048)
segments = [1, 2, 4, 8] if args.quick else [1, 2, 4, 8, 16, 32]
rng = np.random.default_rng(0)
weights = tuple(rng.standard_normal((width, width)) / np.sqrt(width) for _ in range(depth))
inputs = rng.standard_normal((width, batch))


def layers(Ws, H):
    for W in Ws:
        H = np.tanh(W @ H)
    return H


def make_loss(segment):
    """Loss of the whole network; segment = 0 stores everything, else checkpoint every
    ``segment`` consecutive layers."""
    def loss(Ws, X):
        H = X
        if segment == 0:
            H = layers(Ws, H)
        else:
            for start in range(0, depth, segment):
                H = optad.checkpoint(layers)(Ws[start:start + segment], H)
        return np.sum(H * H) / batch
    return loss


def measure(segment, repeats):
    gradient = optad.grad(make_loss(segment), backend=args.backend)
    reference = gradient(weights, inputs)  # trace and compile outside the measurement
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    gradient(weights, inputs)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return reference, peak, best_time(gradient, weights, inputs, repeat=repeats)


repeats = 3 if args.quick else 7
baseline, peak0, time0 = measure(0, repeats)
rows = [("none", peak0, time0)]
print(f"no checkpointing: peak {peak0 / 2**20:8.2f} MiB, {time0 * 1e3:8.2f} ms")
for k in segments:
    grads, peak, seconds = measure(k, repeats)
    for a, b in zip(grads, baseline):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    rows.append((k, peak, seconds))
    print(f"checkpoint every {k:2d} layers: peak {peak / 2**20:8.2f} MiB, "
          f"{seconds * 1e3:8.2f} ms")
write_csv(args.out, "checkpointing", ("segment_layers", "peak_bytes", "seconds"), rows)

activation = width * batch * 8 / 2**20
labels = ["none"] + [str(k) for k in segments]
peaks = np.array([r[1] for r in rows]) / 2**20
seconds = np.array([r[2] for r in rows]) * 1e3
colours = ["tab:grey"] + ["tab:blue"] * len(segments)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
left.bar(labels, peaks, color=colours)
left.axhline(depth * activation, color="black", ls=":", lw=1,
             label=f"{depth} stored activations ({depth * activation:.1f} MiB)")
left.set_xlabel("layers per checkpointed segment")
left.set_ylabel("peak memory during the gradient [MiB]")
left.legend(frameon=False)
right.bar(labels, seconds, color=colours)
right.set_xlabel("layers per checkpointed segment")
right.set_ylabel("time per gradient [ms]")
for ax in (left, right):
    ax.grid(True, axis="y", alpha=0.3)
fig.suptitle(f"Gradient of a {depth}-layer tanh MLP (width {width}, batch {batch}) with "
             f"optad.checkpoint; backend '{args.backend}', tracemalloc peak, best time")
fig.tight_layout()
save(fig, args.out, "checkpointing")
