"""Solver report: optad's methods beside scipy.optimize on the Moré-Garbow-Hillstrom problems
1-28, and evaluation counts on the problems the tests compare with scipy.

    python benchmarks/bench_mgh.py                 # both tables (Markdown)
    python benchmarks/bench_mgh.py --table mgh     # or: --table evals

Every solver gets the same derivatives: optad's value_and_grad and hvp of each problem on the
NumPy backend (handed to scipy as jac=True / hessp).  A problem counts as solved when the final
f is one of the minimum values Moré, Garbow & Hillstrom report (tests/optimize/mgh_problems.py),
whatever the solver says about itself.  Settings: gtol 1e-8 and at most 5000 iterations for
every gradient method (scipy's L-BFGS-B with ftol 0 so only gtol and maxiter stop it; its
Newton-CG with xtol 1e-10); gd is Armijo-backtracking gradient descent; adam (step 1e-2),
sgd (step 1e-3, momentum 0.9) and zo-gd run with the same budget: they are not built for
1e-6-relative accuracy and are listed for completeness.  Counts are a property of these runs, not pinned by
the tests (which assert optad's own solved counts).
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import scipy.optimize as so

import optad

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "optimize"))
from mgh_problems import PROBLEMS, solved  # noqa: E402
from scipy_problems import PROBLEMS as SCIPY_PROBLEMS  # noqa: E402

GTOL, MAXITER = 1e-8, 5000
OPTAD = {
    "lbfgs": {"gtol": GTOL, "maxiter": MAXITER},
    "trust-ncg": {"gtol": GTOL, "maxiter": MAXITER},
    "newton-cg": {"gtol": GTOL, "maxiter": MAXITER},
    "gd": {"gtol": GTOL, "maxiter": MAXITER},
    "adam": {"maxiter": MAXITER, "step": 1e-2},
    "sgd": {"maxiter": MAXITER, "step": 1e-3},
    "zo-gd": {"gtol": GTOL, "maxiter": MAXITER, "seed": 0},
}
SCIPY = {
    "BFGS": {"gtol": GTOL, "maxiter": MAXITER},
    "L-BFGS-B": {"gtol": GTOL, "ftol": 0.0, "maxiter": MAXITER, "maxfun": 4 * MAXITER},
    "Newton-CG": {"xtol": 1e-10, "maxiter": MAXITER},
    "trust-ncg": {"gtol": GTOL, "maxiter": MAXITER},
}


def _derivatives(fun):
    return optad.value_and_grad(fun, backend="numpy"), optad.hvp(fun, backend="numpy")


def run_optad(method, fun, x0, options):
    return optad.minimize(fun, x0, method=method, backend="numpy", options=dict(options))


def run_scipy(method, fun, x0, options, vg, hvp):
    hessp = hvp if method in ("Newton-CG", "trust-ncg") else None
    return so.minimize(vg, x0, jac=True, hessp=hessp, method=method, options=dict(options))


def mgh_table():
    columns = [f"optad {m}" for m in OPTAD] + [f"scipy {m}" for m in SCIPY]
    solved_count = dict.fromkeys(columns, 0)
    iterations = dict.fromkeys(columns, 0)
    unsolved = {c: [] for c in columns}
    for name, fun, x0, minima in PROBLEMS:
        x0 = np.array(x0, dtype=float)
        vg, hvp = _derivatives(fun)
        results = {f"optad {m}": run_optad(m, fun, x0, o) for m, o in OPTAD.items()}
        results.update({f"scipy {m}": run_scipy(m, fun, x0, o, vg, hvp)
                        for m, o in SCIPY.items()})
        for column, res in results.items():
            ok = bool(np.isfinite(res.fun)) and solved(float(res.fun), minima)
            solved_count[column] += ok
            iterations[column] += int(res.nit)
            if not ok:
                unsolved[column].append(f"{name} (f = {float(res.fun):.6g})")
    print(f"Moré-Garbow-Hillstrom problems 1-28 (gtol {GTOL:g}, maxiter {MAXITER}; same "
          "derivatives for every solver)\n")
    print("| solver | solved (of 28) | total iterations | not solved |")
    print("|---|---:|---:|---|")
    for column in columns:
        missed = unsolved[column]
        listed = ", ".join(missed) if len(missed) <= 3 else f"{len(missed)} problems"
        print(f"| {column} | {solved_count[column]} | {iterations[column]} | {listed or '-'} |")


def evals_table():
    print("\nEvaluations on the scipy-comparison problems (tests/optimize/scipy_problems.py; "
          "gtol 1e-8; each value-and-gradient call counts once in nfev)\n")
    print("| problem | optad lbfgs nit / nfev, final ‖g‖ | scipy L-BFGS-B nit / nfev, final ‖g‖ | "
          "optad trust-ncg nit / nfev / nhev, final ‖g‖ | "
          "scipy trust-ncg nit / nfev / nhev, final ‖g‖ |")
    print("|---|---:|---:|---:|---:|")
    for name, build in SCIPY_PROBLEMS.items():
        fun, jac, hessp, x0, _ = build()
        ours_l = optad.minimize(fun, x0, method="lbfgs", jac=jac, options={"gtol": GTOL})
        ref_l = so.minimize(fun, x0, method="L-BFGS-B", jac=jac,
                            options={"gtol": GTOL, "ftol": 0.0, "maxiter": 20000})
        ours_t = optad.minimize(fun, x0, method="trust-ncg", jac=jac, hessp=hessp,
                                options={"gtol": GTOL})
        ref_t = so.minimize(fun, x0, method="trust-ncg", jac=jac, hessp=hessp,
                            options={"gtol": GTOL})
        g = [f"{np.linalg.norm(jac(r.x)):.1e}" for r in (ours_l, ref_l, ours_t, ref_t)]
        print(f"| {name} | {ours_l.nit} / {ours_l.nfev}, {g[0]} | "
              f"{ref_l.nit} / {ref_l.nfev}, {g[1]} | "
              f"{ours_t.nit} / {ours_t.nfev} / {ours_t.nhev}, {g[2]} | "
              f"{ref_t.nit} / {ref_t.nfev} / {ref_t.nhev}, {g[3]} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", choices=["mgh", "evals"])
    args = parser.parse_args()
    warnings.simplefilter("ignore")      # overflow warnings of scipy's and our trial points
    if args.table in (None, "mgh"):
        mgh_table()
    if args.table in (None, "evals"):
        evals_table()


if __name__ == "__main__":
    main()
