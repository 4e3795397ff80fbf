"""How far apart the tiers' answers are: the same ``optad.minimize`` call on the first tier and
fully compiled.

    python benchmarks/tier_agreement.py [--methods lbfgs newton-cg trust-ncg] [--problems N ...]

A new problem starts on the first tier: the method's steps in Python on the NumPy evaluator's
plan.  Once hot, the kernels and then the method's loop are compiled (Numba), and a later call
runs there.  The two tiers do the same arithmetic in a different order where the compiled
kernel fuses or accumulates differently (NumPy's pairwise sums against a kernel's running sums,
BLAS against loops), so one evaluation differs in its last bits, and an optimiser's path can
amplify that.  This runs each problem of tests/optimize/mgh_problems.py twice in one process:
``backend="numpy"`` (the first tier's NumPy plan throughout; ``--first interpreter``: its
compiled interpreter, ``backend="interpreter"``) and ``backend="numba"`` with everything
compiled before it runs (``OPTAD_TIERED=0``), and prints, per method, how far the final f, x
and iteration counts are apart, and whether both reached a minimum the paper reports.
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("OPTAD_TIERED", "0")   # the compiled runs compile here, before they run

import numpy as np  # noqa: E402

import optad  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "optimize"))
import mgh_problems  # noqa: E402

OPTIONS = {"gtol": 1e-8, "maxiter": 5000}


FIRST = ["numpy"]   # the first tier's backend: "numpy" (its plan) or "interpreter"


def one_value_and_grad(fun, x0):
    """Relative difference of f and of the gradient between the tiers at x0 (one call)."""
    f_a, g_a = optad.value_and_grad(fun, backend=FIRST[0])(x0)
    f_b, g_b = optad.value_and_grad(fun, backend="numba")(x0)
    df = abs(float(f_a) - float(f_b)) / max(abs(float(f_a)), 1e-300)
    dg = np.linalg.norm(np.asarray(g_a) - np.asarray(g_b)) / max(np.linalg.norm(g_a), 1e-300)
    return df, dg


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--methods", nargs="+", default=["lbfgs", "newton-cg", "trust-ncg"])
    parser.add_argument("--problems", nargs="+", default=None,
                        help="names from mgh_problems (default: all 28)")
    parser.add_argument("--first", choices=["numpy", "interpreter"], default="numpy",
                        help="the first tier's half to compare: the NumPy plan, or the compiled "
                             "interpreter (backend='interpreter')")
    args = parser.parse_args()
    FIRST[0] = args.first
    problems = [p for p in mgh_problems.PROBLEMS
                if args.problems is None or p[0] in args.problems]
    print("| method | problem | one call: f, gradient rel. diff | final f (first tier) | "
          "final f (compiled) | |x diff| / |x| | iterations | both solved |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    summary = {}
    for method in args.methods:
        rows = []
        for name, fun, x0, minima in problems:
            x0 = np.asarray(x0, dtype=np.float64)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                df, dg = one_value_and_grad(fun, x0)
                a = optad.minimize(fun, x0, method=method, options=OPTIONS, backend=FIRST[0])
                b = optad.minimize(fun, x0, method=method, options=OPTIONS, backend="numba")
            dx = np.linalg.norm(a.x - b.x) / max(np.linalg.norm(a.x), 1.0)
            solved = [mgh_problems.solved(r.fun, minima) for r in (a, b)]
            same = a.nit == b.nit and a.fun == b.fun and np.array_equal(a.x, b.x)
            rows.append((dx, same, solved))
            print(f"| {method} | {name} | {df:.1e}, {dg:.1e} | {a.fun:.6e} | {b.fun:.6e} | "
                  f"{dx:.1e} | {a.nit} / {b.nit} | {'yes' if all(solved) else solved} |",
                  flush=True)
        summary[method] = rows
    print()
    for method, rows in summary.items():
        identical = sum(same for _, same, _ in rows)
        agree = sum(all(s) or not any(s) for _, _, s in rows)
        print(f"{method}: {identical}/{len(rows)} bit for bit identical runs; both tiers solved "
              f"(or both missed) {agree}/{len(rows)}; largest |x diff|/|x| "
              f"{max(dx for dx, _, _ in rows):.1e}")


if __name__ == "__main__":
    main()
