"""Per-call cost of guarded control flow: a function with a Python ``if`` on a traced value
against the same function written with ``np.where``, once compiled (Numba backend).

    python benchmarks/bench_guards.py [--rounds 15] [--sizes 3,1000]

Both versions are compiled first (every path of the guarded one), then timed in one process,
interleaved (benchmarks/timing.py: one sample of each method per round in a new random order;
a sample is a batch of calls; the median over rounds).  "steady" calls stay on one path;
"switching" alternates the path on every call (each call after a switch first runs the
other path's kernel, whose guard fails).  The ratio column is guarded / np.where of the
medians; "min ratio" that of the fastest samples (the least disturbed on a busy machine).  The
load average is printed first: on a shared machine compare ratios, not absolute times.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OPTAD_TIERED", "0")   # time the compiled kernels, not the first tier

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import optad  # noqa: E402
from timing import time_interleaved  # noqa: E402


def piecewise(x):
    s = np.sum(x)
    if s > 0:
        return np.sum(x ** 3) + s
    return np.sum(np.sin(x) * x)


def piecewise_where(x):
    s = np.sum(x)
    return np.where(s > 0, np.sum(x ** 3) + s, np.sum(np.sin(x) * x))


def huber_norm(x, A, b):
    r = A @ x - b
    n = np.sqrt(np.sum(r * r))
    if n > 1.0:
        return n - 0.5
    return 0.5 * n * n


def huber_norm_where(x, A, b):
    r = A @ x - b
    n = np.sqrt(np.sum(r * r))
    return np.where(n > 1.0, n - 0.5, 0.5 * n * n)


def cases(n, rng):
    x_pos = np.abs(rng.normal(size=n)) + 0.1
    A = rng.normal(size=(n, n)) / n
    b = A @ x_pos
    return {
        "piecewise": (piecewise, piecewise_where, (x_pos,), (-x_pos,)),
        "huber_norm": (huber_norm, huber_norm_where, (x_pos + 0.1 / np.sqrt(n), A, b),
                       (x_pos + 10.0, A, b)),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--sizes", default="3,1000")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'function':<11} {'n':>5} {'transform':<15} {'guarded us':>11} {'np.where us':>12} "
          f"{'ratio':>6} {'min ratio':>9} {'switching us':>13}")
    for n in [int(s) for s in args.sizes.split(",")]:
        for name, (guarded, where, one, other) in cases(n, rng).items():
            for kind in ["jit", "value_and_grad", "hvp"]:
                if kind == "jit":
                    g, w = optad.jit(guarded, "numba"), optad.jit(where, "numba")
                    a, c = one, other
                elif kind == "value_and_grad":
                    g = optad.value_and_grad(guarded, backend="numba")
                    w = optad.value_and_grad(where, backend="numba")
                    a, c = one, other
                else:
                    g, w = optad.hvp(guarded, backend="numba"), optad.hvp(where, backend="numba")
                    v = np.ones_like(one[0])
                    a, c = (one[0], v) + one[1:], (other[0], v) + other[1:]
                for point in (a, c):   # compile every path, and check the two agree
                    np.testing.assert_allclose(np.asarray(g(*point)[-1] if kind ==
                                                          "value_and_grad" else g(*point)),
                                               np.asarray(w(*point)[-1] if kind ==
                                                          "value_and_grad" else w(*point)),
                                               rtol=1e-12, atol=1e-14)
                flip = [0]

                def switching(g=g, a=a, c=c):
                    flip[0] ^= 1
                    return g(*(a if flip[0] else c))

                samples = time_interleaved({"guarded": lambda: g(*a), "where": lambda: w(*a),
                                            "switching": switching}, args.rounds, median=False)
                times = {k: float(np.median(s)) for k, s in samples.items()}
                fastest = {k: float(np.min(s)) for k, s in samples.items()}
                print(f"{name:<11} {n:>5} {kind:<15} {times['guarded'] * 1e6:>11.2f} "
                      f"{times['where'] * 1e6:>12.2f} {times['guarded'] / times['where']:>6.2f} "
                      f"{fastest['guarded'] / fastest['where']:>9.2f} "
                      f"{times['switching'] * 1e6:>13.2f}", flush=True)


if __name__ == "__main__":
    main()
