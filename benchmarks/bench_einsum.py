"""einsum and tensordot on the Numba backend against np.einsum(..., optimize=True), per call:
a matrix chain and a batched bilinear form (forward value, and value_and_grad for reference).

    python benchmarks/bench_einsum.py [--quick]

Methods are timed interleaved (one sample of each per round, in a new random order each round),
float64; a sample is a batch of calls, a method's time the median over rounds.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# compiled kernels are timed: they compile in this process (a new kernel would otherwise answer
# from the NumPy evaluator until hot; benchmarks/bench_time_to_n.py measures the tiers)
os.environ.setdefault("OPTAD_TIERED", "0")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import optad  # noqa: E402


def median_time(calls, rounds, batch):
    times = {name: [] for name in calls}
    rng = np.random.default_rng(0)
    for _ in range(rounds):
        for name in rng.permutation(list(calls)):
            fn = calls[name]
            start = time.perf_counter()
            for _ in range(batch):
                fn()
            times[name].append((time.perf_counter() - start) / batch)
    return {name: float(np.median(t)) for name, t in times.items()}


def problems(quick):
    rng = np.random.default_rng(1)
    n = 60 if quick else 200
    a, b, c = (rng.normal(size=s) for s in [(n, n // 2), (n // 2, n), (n, 8)])
    chain = ("ij,jk,kl->il", [a, b, c])
    bsz, d = (16, 32) if quick else (64, 64)
    x, w, y = rng.normal(size=(bsz, d)), rng.normal(size=(bsz, d, d)), rng.normal(size=(bsz, d))
    bilinear = ("bi,bij,bj->b", [x, w, y])
    return {"matrix chain": chain, "batched bilinear": bilinear}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rounds, batch = (5, 20) if args.quick else (15, 50)
    print(f"{'problem':18} {'np.einsum(optimize=True)':>26} {'optad jit':>12} "
          f"{'optad tensordot/matmul':>23} {'optad value_and_grad':>22}")
    for name, (subscripts, operands) in problems(args.quick).items():
        einsum = optad.jit(lambda *ops: np.einsum(subscripts, *ops))
        if name == "matrix chain":  # the order NumPy's path optimiser picks: a (b c)
            td = optad.jit(lambda a, b, c: np.tensordot(a, np.tensordot(b, c, 1), 1))
        else:  # no batch axes in tensordot: contract w with y, then x row by row
            td = optad.jit(lambda x, w, y: np.sum(x * np.squeeze(w @ y[:, :, None], -1), 1))
        vg = optad.value_and_grad(lambda first, *rest: np.sum(np.einsum(subscripts, first,
                                                                         *rest)))
        for fn in (einsum, td):
            np.testing.assert_allclose(fn(*operands), np.einsum(subscripts, *operands,
                                                                optimize=True), rtol=1e-9)
        vg(*operands)
        calls = {
            "numpy": lambda: np.einsum(subscripts, *operands, optimize=True),
            "optad": lambda: einsum(*operands),
            "tensordot": lambda: td(*operands),
            "vg": lambda: vg(*operands),
        }
        t = median_time(calls, rounds, batch)
        print(f"{name:18} {t['numpy'] * 1e6:23.1f} us {t['optad'] * 1e6:9.1f} us "
              f"{t['tensordot'] * 1e6:20.1f} us {t['vg'] * 1e6:19.1f} us")


if __name__ == "__main__":
    main()
