"""optad's constrained method beside scipy's SLSQP and trust-constr on the Hock-Schittkowski
problems (benchmarks/hock_schittkowski_problems.py), and lbfgs with bounds beside L-BFGS-B on
a large bound-constrained problem.

    python benchmarks/bench_hock_schittkowski.py             # Markdown tables
    python benchmarks/bench_hock_schittkowski.py --rounds 3 --problems 71 77

scipy gets exact derivatives from JAX (jax.jit of grad, jacfwd and Hessians of the very same
function text, float64): SLSQP the gradient and the constraints' Jacobians; trust-constr also
the objective's Hessian and each constraint's Hessian-of-v.c.  optad ("auglag") uses its own
derivatives.  Solved = |f - f*| <= 1e-5 max(1, |f*|) and every bound and constraint met to
1e-6, whatever the solver says about itself.  Settings: SLSQP ftol 1e-10, maxiter 1000;
trust-constr gtol 1e-8, xtol 1e-10, maxiter 3000; optad auglag its defaults (gtol 1e-6,
ctol 1e-8).

Time is end to end per solve, solvers interleaved problem by problem in one process:
"first" builds everything for a new function object (optad: trace, then its tiered kernels,
answering from the NumPy evaluator until a kernel is hot and compiled in the background, or
from its disk cache; JAX: trace and XLA compile of every derivative), "again" repeats the solve
on the same objects (optad reuses its traced programs and kernels; JAX its compiled
functions).  optad runs with its default settings (OPTAD_TIERED=auto).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.optimize as so

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
from hock_schittkowski_problems import PROBLEMS, solved, violation, with_numpy  # noqa: E402

SLSQP_OPTIONS = {"ftol": 1e-10, "maxiter": 1000}
TRUST_CONSTR_OPTIONS = {"gtol": 1e-8, "xtol": 1e-10, "maxiter": 3000}


def fresh(problem, module):
    """The problem's functions as new function objects on ``module`` (numpy or jax.numpy)."""
    return (with_numpy(problem.f, module), with_numpy(problem.eq, module),
            with_numpy(problem.ineq, module))


# ---- optad
def solve_optad(problem, funs=None):
    import optad
    f, eq, ineq = funs or fresh(problem, np)
    constraints = [{"type": t, "fun": c} for t, c in (("eq", eq), ("ineq", ineq)) if c]
    res = optad.minimize(f, np.array(problem.x0), method="auglag", bounds=problem.bounds,
                         constraints=constraints)
    return res.x, float(res.fun)


# ---- scipy fed JAX's derivatives
def jax_derivatives(problem):
    import jax
    import jax.numpy as jnp
    f, eq, ineq = fresh(problem, jnp)
    d = {"f": jax.jit(f), "g": jax.jit(jax.grad(f)), "h": jax.jit(jax.hessian(f))}
    for name, c in (("eq", eq), ("ineq", ineq)):
        if c is not None:
            d[name] = (jax.jit(c), jax.jit(jax.jacfwd(c)),
                       jax.jit(lambda x, v, c=c: jax.hessian(lambda z: jnp.dot(v, c(z)))(x)))
    return d


def _np(fn):
    return lambda *a: np.asarray(fn(*a), dtype=np.float64)


def solve_slsqp(problem, d=None):
    d = d or jax_derivatives(problem)
    constraints = [{"type": t, "fun": _np(d[t][0]), "jac": _np(d[t][1])}
                   for t in ("eq", "ineq") if t in d]
    res = so.minimize(_np(d["f"]), np.array(problem.x0), jac=_np(d["g"]), method="SLSQP",
                      bounds=problem.bounds, constraints=constraints, options=SLSQP_OPTIONS)
    return res.x, float(res.fun)


def solve_trust_constr(problem, d=None):
    d = d or jax_derivatives(problem)
    constraints = []
    for t in ("eq", "ineq"):
        if t in d:
            fun, jac, hess = (_np(fn) for fn in d[t])
            m = fun(np.array(problem.x0)).size
            ub = np.zeros(m) if t == "eq" else np.full(m, np.inf)
            constraints.append(so.NonlinearConstraint(fun, np.zeros(m), ub, jac=jac, hess=hess))
    bounds = None
    if problem.bounds is not None:
        bounds = so.Bounds([-np.inf if lo is None else lo for lo, _ in problem.bounds],
                           [np.inf if hi is None else hi for _, hi in problem.bounds])
    res = so.minimize(_np(d["f"]), np.array(problem.x0), jac=_np(d["g"]), hess=_np(d["h"]),
                      method="trust-constr", bounds=bounds, constraints=constraints,
                      options=TRUST_CONSTR_OPTIONS)
    return res.x, float(res.fun)


SOLVERS = {
    "optad auglag": (solve_optad, lambda p: fresh(p, np)),
    "scipy SLSQP": (solve_slsqp, jax_derivatives),
    "scipy trust-constr": (solve_trust_constr, jax_derivatives),
}


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def hs_table(problems, rounds):
    rows = {name: {"solved": 0, "first": [], "again": [], "missed": []} for name in SOLVERS}
    for p in problems:
        for r in range(rounds):
            order = list(SOLVERS) if r % 2 == 0 else list(reversed(SOLVERS))
            for name in order:
                solve, build = SOLVERS[name]
                (x, f), first = timed(lambda: solve(p, build(p)))
                if r == 0:
                    ok = solved(f, violation(p, x), p)
                    rows[name]["solved"] += ok
                    if not ok:
                        rows[name]["missed"].append(f"{p.name} ({f:.6g})")
                    built = build(p)
                    solve(p, built)     # the objects' first solve (untimed), then again
                    _, again = timed(lambda: solve(p, built))
                    rows[name]["again"].append(again)
                rows[name]["first"].append(first)
        print(f"  {p.name} done", file=sys.stderr)
    return rows


def large_bounded(n=2000):
    """Chained Rosenbrock, n variables, box [-0.5, 0.8] on every other variable (the solution
    moves onto the bounds): optad lbfgs with bounds against L-BFGS-B fed optad's gradient."""
    import optad

    def chained(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    x0 = np.tile([-1.2, 1.0], n // 2)
    lo = np.where(np.arange(n) % 2 == 0, -0.5, -np.inf)
    hi = np.where(np.arange(n) % 2 == 0, 0.8, np.inf)
    bounds = so.Bounds(lo, hi)
    vg = optad.value_and_grad(chained)
    vg(x0)
    out = {}
    for name in ("optad lbfgs", "scipy L-BFGS-B"):
        t0 = time.perf_counter()
        if name == "optad lbfgs":
            res = optad.minimize(chained, x0, method="lbfgs", bounds=bounds,
                                 options={"gtol": 1e-6, "maxiter": 20000})
        else:
            res = so.minimize(vg, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                              options={"gtol": 1e-6, "ftol": 0.0, "maxiter": 20000,
                                       "maxfun": 40000})
        dt = time.perf_counter() - t0
        g = vg(res.x)[1]
        pg = float(np.linalg.norm(np.clip(res.x - g, lo, hi) - res.x))
        out[name] = (float(res.fun), pg, int(res.nfev), dt)
    return n, out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--problems", type=int, nargs="*", help="HS numbers (default: all)")
    parser.add_argument("--no-large", action="store_true")
    a = parser.parse_args()
    warnings.simplefilter("ignore")
    import jax
    jax.config.update("jax_enable_x64", True)
    problems = [p for p in PROBLEMS if not a.problems or p.number in a.problems]
    rows = hs_table(problems, a.rounds)
    print(f"\n{len(problems)} Hock-Schittkowski problems; time per solve, median over problems "
          f"(first: median of {a.rounds} rounds per problem)\n")
    print("| solver | solved | first solve, median | first solve, total | again, median | "
          "not solved (f reached) |")
    print("|---|---:|---:|---:|---:|---|")
    for name, r in rows.items():
        per_problem = [statistics.median(r["first"][k * a.rounds:(k + 1) * a.rounds])
                       for k in range(len(problems))]
        print(f"| {name} | {r['solved']} / {len(problems)} | "
              f"{1e3 * statistics.median(per_problem):.1f} ms | {sum(per_problem):.2f} s | "
              f"{1e3 * statistics.median(r['again']):.1f} ms | "
              f"{', '.join(r['missed']) or '-'} |")
    if not a.no_large:
        n, out = large_bounded()
        print(f"\nChained Rosenbrock, n = {n}, every other variable in [-0.5, 0.8]\n")
        print("| solver | f | projected gradient | nfev | time |")
        print("|---|---:|---:|---:|---:|")
        for name, (f, pg, nfev, dt) in out.items():
            print(f"| {name} | {f:.10g} | {pg:.1e} | {nfev} | {dt:.2f} s |")


if __name__ == "__main__":
    main()
