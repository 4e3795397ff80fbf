"""optad's lbfgs with bounds against scipy's L-BFGS-B on bound-constrained problems
(benchmarks/bound_problems.py): problems solved and function evaluations.

    python benchmarks/bench_bounds.py              # the table (Markdown)
    python benchmarks/bench_bounds.py --detail     # and one row per problem
    python benchmarks/bench_bounds.py --time 9     # and the n = 2000 row timed, 9 rounds

Both solvers get optad's value_and_grad of each problem (NumPy backend; scipy with jac=True,
so one call is one value-and-gradient evaluation for both) and stop on the projected gradient
at 1e-6 with at most 15000 iterations: optad on its 2-norm ||P(x - g) - x||, L-BFGS-B on the
largest entry (its pgtol, an equal or looser test), with ftol = 0 so only that and its limits
stop it.  A problem counts as solved by a solver when it ends at a first-order point (projected
gradient 2-norm <= 1e-4) whose f is the lowest either solver reached, to 1e-6 relative
(max(1, |f|)) -- whatever the solver says about itself.  The evaluation ratio is optad's nfev
over L-BFGS-B's on each problem both solved; the table gives its median.

``--time`` times the n = 2000 row end to end per solve on the Numba backend, after one untimed
solve (so optad's kernels and its compiled lbfgs loop exist; OPTAD_TIERED=0, as in `optad run`,
compiles them in this process), both solvers interleaved in one process (benchmarks/timing.py,
a new order each round): optad lbfgs with bounds against L-BFGS-B fed optad's compiled
value_and_grad.  Compare the ratio; the machine is shared.
"""
from __future__ import annotations

import argparse
import os
import statistics
import warnings

import numpy as np
import scipy.optimize as so

import optad
from bound_problems import bounded_mgh, large_rosenbrock, random_boxes

GTOL, MAXITER = 1e-6, 15000


def projected_gradient(vg, x, lower, upper):
    g = vg(x)[1]
    return float(np.linalg.norm(np.clip(x - g, lower, upper) - x))


def run_both(fun, x0, lower, upper):
    """{solver: (f, projected gradient, nfev)}."""
    vg = optad.value_and_grad(fun, backend="numpy")
    bounds = so.Bounds(lower, upper)
    out = {}
    res = optad.minimize(fun, x0, method="lbfgs", bounds=bounds, backend="numpy",
                         options={"gtol": GTOL, "maxiter": MAXITER})
    out["optad lbfgs"] = (float(res.fun), projected_gradient(vg, res.x, lower, upper),
                          int(res.nfev))
    res = so.minimize(vg, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                      options={"gtol": GTOL, "ftol": 0.0, "maxiter": MAXITER,
                               "maxfun": 2 * MAXITER})
    out["scipy L-BFGS-B"] = (float(res.fun), projected_gradient(vg, res.x, lower, upper),
                             int(res.nfev))
    return out


def solved_by(out):
    best = min(f for f, _, _ in out.values())
    return {name: abs(f - best) <= 1e-6 * max(1.0, abs(best)) and pg <= 1e-4
            for name, (f, pg, _) in out.items()}


def time_large_row(rounds):
    """{solver: median seconds per solve} of the n = 2000 row, interleaved."""
    from timing import time_interleaved
    os.environ["OPTAD_TIERED"] = "0"
    (_, fun, x0, lower, upper), = large_rosenbrock()
    bounds = so.Bounds(lower, upper)
    vg = optad.value_and_grad(fun)
    options = {"gtol": GTOL, "maxiter": MAXITER}

    def optad_solve():
        return optad.minimize(fun, x0, method="lbfgs", bounds=bounds, options=options)

    def scipy_solve():
        return so.minimize(vg, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                           options={**options, "ftol": 0.0, "maxfun": 2 * MAXITER})
    counts = {"optad lbfgs": optad_solve().nfev, "scipy L-BFGS-B": scipy_solve().nfev}
    times = time_interleaved({"optad lbfgs": optad_solve, "scipy L-BFGS-B": scipy_solve},
                             rounds)
    return times, counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detail", action="store_true")
    parser.add_argument("--time", type=int, metavar="ROUNDS", default=0,
                        help="also time the n = 2000 row (interleaved rounds)")
    a = parser.parse_args()
    warnings.simplefilter("ignore")
    groups = {
        "chained Rosenbrock n = 10, 30 random boxes": random_boxes(),
        "chained Rosenbrock n = 2000, every other in [-0.5, 0.8]": large_rosenbrock(),
        "MGH 1-28, half the variables bounded": bounded_mgh(
            lambda f: optad.value_and_grad(f, backend="numpy")),
    }
    rows, everything = [], {"optad": [], "scipy": [], "ratios": [], "n": 0}
    for group, problems in groups.items():
        solved = {"optad lbfgs": 0, "scipy L-BFGS-B": 0}
        nfev = {"optad lbfgs": [], "scipy L-BFGS-B": []}
        ratios = []
        for name, fun, x0, lower, upper in problems:
            out = run_both(fun, x0, lower, upper)
            ok = solved_by(out)
            for solver in out:
                solved[solver] += ok[solver]
                nfev[solver].append(out[solver][2])
            if all(ok.values()):
                ratios.append(out["optad lbfgs"][2] / out["scipy L-BFGS-B"][2])
            if a.detail:
                print(f"| {name} | " + " | ".join(
                    f"{f:.10g}, {pg:.1e}, {n}{'' if ok[s] else ' (not solved)'}"
                    for s, (f, pg, n) in out.items()) + " |")
        rows.append((group, len(problems), solved, nfev, ratios))
        everything["n"] += len(problems)
        everything["optad"] += nfev["optad lbfgs"]
        everything["scipy"] += nfev["scipy L-BFGS-B"]
        everything["ratios"] += ratios
    print("\n| problems | count | solved: optad lbfgs / L-BFGS-B | median nfev: optad / "
          "L-BFGS-B | median nfev ratio (both solved) |")
    print("|---|---:|---:|---:|---:|")
    for group, count, solved, nfev, ratios in rows:
        print(f"| {group} | {count} | {solved['optad lbfgs']} / {solved['scipy L-BFGS-B']} | "
              f"{statistics.median(nfev['optad lbfgs']):g} / "
              f"{statistics.median(nfev['scipy L-BFGS-B']):g} | "
              f"{statistics.median(ratios):.2f} ({len(ratios)}) |")
    total_optad = sum(r[2]["optad lbfgs"] for r in rows)
    total_scipy = sum(r[2]["scipy L-BFGS-B"] for r in rows)
    print(f"| all | {everything['n']} | {total_optad} / {total_scipy} | "
          f"{statistics.median(everything['optad']):g} / "
          f"{statistics.median(everything['scipy']):g} | "
          f"{statistics.median(everything['ratios']):.2f} ({len(everything['ratios'])}) |")
    if a.time:
        times, counts = time_large_row(a.time)
        print(f"\nn = 2000 row, Numba backend, median of {a.time} interleaved rounds per solve:\n")
        print("| solver | nfev | time per solve | ratio to L-BFGS-B |")
        print("|---|---:|---:|---:|")
        for name, seconds in times.items():
            print(f"| {name} | {counts[name]} | {1e3 * seconds:.0f} ms | "
                  f"{seconds / times['scipy L-BFGS-B']:.2f} |")


if __name__ == "__main__":
    main()
