"""Hutchinson's estimate of the trace of the wine-MLP Hessian (h = 16, 224 parameters) from
Hessian-vector products, Tr(H) ~ mean of v^T H v over Rademacher probes v, against the exact
trace of the full Hessian, as the number of probes grows.

    python experiments/hutchinson.py                # writes figures/hutchinson.png
"""
import numpy as np

import optad
from common import parse_args, plt, save, transform, write_csv
from optad.data import load_wine

args = parse_args(__doc__.splitlines()[0])
h = 16
X, y = load_wine()
sizes = (h * 13, h)


def loss(w, X, y):
    W1 = w[:sizes[0]].reshape(h, 13)
    W2 = w[sizes[0]:].reshape(1, h)
    error = W2 @ np.tanh(W1 @ X) - y
    return np.mean(error * error)


rng = np.random.default_rng(0)
w = np.concatenate([rng.random(sizes[0]), rng.random(sizes[1])])  # the lecture's uniform start
hessian = transform(optad.hessian, loss, args.backend)
hvp = transform(optad.hvp, loss, args.backend)
H = hessian(w, X, y)
exact = float(np.trace(H))
print(f"exact trace {exact:.6g}; Hessian {H.shape}, symmetric to "
      f"{np.abs(H - H.T).max():.1e}")

probe_counts = [1, 2, 5, 10, 20, 50] if args.quick else [1, 2, 5, 10, 20, 50, 100, 200, 500]
repeats = 5 if args.quick else 30
largest = probe_counts[-1]
quadratic_forms = np.empty((repeats, largest))
for r in range(repeats):
    probes = np.random.default_rng(100 + r).choice([-1.0, 1.0], size=(largest, w.size))
    for k, v in enumerate(probes):
        quadratic_forms[r, k] = v @ hvp(w, v, X, y)

rows = []
for count in probe_counts:
    estimates = quadratic_forms[:, :count].mean(axis=1)
    relative = np.abs(estimates - exact) / abs(exact)
    rows.append((count, estimates.mean(), np.median(relative), relative.max()))
    print(f"{count:4d} probes: mean estimate {estimates.mean():.6g}, "
          f"median relative error {np.median(relative):.3f}")
write_csv(args.out, "hutchinson", ("probes", "mean_estimate", "median_rel_error",
                                   "max_rel_error"), rows)

counts = np.array(probe_counts)
running = np.cumsum(quadratic_forms, axis=1) / np.arange(1, largest + 1)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
for r in range(min(repeats, 8)):
    left.semilogx(np.arange(1, largest + 1), running[r], color="tab:blue", alpha=0.45, lw=1)
left.axhline(exact, color="black", lw=1.5, label=f"exact trace (optad.hessian) = {exact:.4g}")
left.plot([], [], color="tab:blue", label="running Hutchinson estimate (8 repeats)")
left.set_xlabel("probe vectors (one HVP each)")
left.set_ylabel("trace estimate")
left.legend(frameon=False)
left.grid(True, which="both", alpha=0.3)
errors = np.abs(running[:, counts - 1] - exact) / abs(exact)
right.loglog(counts, np.median(errors, axis=0), "o-", color="tab:orange", lw=1.8,
             label=f"median over {repeats} repeats")
right.fill_between(counts, errors.min(axis=0), errors.max(axis=0), color="tab:orange",
                   alpha=0.2, lw=0, label="best to worst repeat")
right.loglog(counts, np.median(errors[:, 0]) / np.sqrt(counts), "--", color="grey",
             label="1 / sqrt(probes)")
right.set_xlabel("probe vectors")
right.set_ylabel("relative error |estimate - Tr H| / |Tr H|")
right.legend(frameon=False)
right.grid(True, which="both", alpha=0.3)
fig.suptitle(f"Hutchinson trace of the wine-MLP Hessian (h = 16, {w.size} parameters, "
             f"Rademacher probes; backend '{hvp.state['backend']}')")
fig.tight_layout()
save(fig, args.out, "hutchinson")
