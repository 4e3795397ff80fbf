"""Time to solve a batch of small problems end to end: the 28 Moré-Garbow-Hillstrom problems.

    python benchmarks/bench_time_to_solution.py [--solvers lbfgs newton-cg trust-ncg]
                                                [--problems NAME ...] [--busy] [--timeout S]

What is measured: each solver solves the problems of tests/optimize/mgh_problems.py one after
another in one fresh Python process with its own empty kernel cache (``OPTAD_CACHE_DIR``, a
temporary folder removed afterwards); the clock starts after the imports and the problem set-up
and stops after the last problem, so tracing, compiling and solving are all inside.  optad's
``lbfgs``, ``newton-cg`` and ``trust-ncg`` run with its default tiered first call and again with
``OPTAD_TIERED=0`` (everything compiled in the calling process); each is compared with scipy's
``L-BFGS-B``, ``Newton-CG`` and ``trust-ncg`` fed JAX derivatives: ``jax.jit`` of
``jax.value_and_grad`` and of a forward-over-reverse Hessian-vector product, compiled per
problem inside the timed batch, as every problem is new to JAX too.  The JAX twins are the same
Python functions: the module's source run with ``np`` bound to ``jax.numpy`` (float64).

Settings as benchmarks/bench_mgh.py: gtol 1e-8, at most 5000 iterations (scipy's L-BFGS-B with
ftol 0, its Newton-CG with xtol 1e-10).  Solved = the final f is one of the minimum values the
paper reports (``mgh_problems.solved``), whatever the solver says.  ``--busy`` keeps one other
Python process spinning on a core for the whole run.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

from fresh_runs import prepare_interpreter, ROOT, has_jax, jax_version, load_average, run_fresh
from timing import BusyNeighbour

MGH = ROOT / "tests" / "optimize" / "mgh_problems.py"
GTOL, MAXITER = 1e-8, 5000
# optad method -> (scipy method, scipy options, whether scipy gets hessp)
PAIRS = {
    "lbfgs": ("L-BFGS-B", {"gtol": GTOL, "ftol": 0.0, "maxiter": MAXITER,
                           "maxfun": 4 * MAXITER}, False),
    "newton-cg": ("Newton-CG", {"xtol": 1e-10, "maxiter": MAXITER}, True),
    "trust-ncg": ("trust-ncg", {"gtol": GTOL, "maxiter": MAXITER}, True),
}
WHO = {"optad": ("optad", "auto"), "optad TIERED=0": ("optad", "0"),
       "scipy + JAX": ("jax", "0")}


def problems_module(library):
    """mgh_problems as written (NumPy), or its source run with ``np`` bound to jax.numpy."""
    sys.path.insert(0, str(MGH.parent))
    import mgh_problems
    if library == "optad":
        return mgh_problems
    source = MGH.read_text()
    assert source.count("import numpy as np\n") == 1, "mgh_problems.py changed its imports"
    namespace = {"__name__": "mgh_problems_jax"}
    exec(compile(source.replace("import numpy as np\n", "import jax.numpy as np\n"),
                 str(MGH), "exec"), namespace)
    return namespace


def scipy_with_jax(method, fun):
    """A solve function: scipy's ``method`` fed jitted JAX derivatives of ``fun``."""
    import jax
    import numpy as onp
    import scipy.optimize as so
    scipy_method, options, wants_hessp = PAIRS[method]
    value_and_grad = jax.jit(jax.value_and_grad(fun))
    gradient = jax.grad(fun)
    hvp = jax.jit(lambda x, p: jax.jvp(gradient, (x,), (p,))[1])

    def fg(x):
        value, g = value_and_grad(x)
        return float(value), onp.asarray(g)

    def hessp(x, p):
        return onp.asarray(hvp(x, p))

    return lambda x0: so.minimize(fg, x0, jac=True, hessp=hessp if wants_hessp else None,
                                  method=scipy_method, options=dict(options))


def child(library, method, names):
    """Runs in the fresh process: imports and problem set-up, then the timed batch; prints
    JSON with the batch's wall and CPU time and each problem's final f."""
    import numpy as onp
    if library == "optad":
        import optad
        import optad.optimize  # noqa: F401  (minimize's module, imported lazily by optad)
    else:
        import jax
        jax.config.update("jax_enable_x64", True)
        import scipy.optimize  # noqa: F401
    module = problems_module(library)
    reference = problems_module("optad")
    funs = module.PROBLEMS if library == "optad" else module["PROBLEMS"]
    chosen = [(p, twin[1]) for p, twin in zip(reference.PROBLEMS, funs) if p[0] in names]
    warnings.simplefilter("ignore")        # overflow warnings at the solvers' trial points
    rows = []
    start, cpu = time.perf_counter(), time.process_time()
    for (name, fun, x0, minima), twin in chosen:
        x0 = onp.array(x0, dtype=float)
        t = time.perf_counter()
        try:
            if library == "optad":
                res = optad.minimize(fun, x0, method=method,
                                     options={"gtol": GTOL, "maxiter": MAXITER})
            else:
                res = scipy_with_jax(method, twin)(x0)
            f = float(res.fun)
            ok = bool(onp.isfinite(f)) and reference.solved(f, minima)
            rows.append({"name": name, "f": f, "nit": int(res.nit), "solved": ok,
                         "seconds": time.perf_counter() - t})
        except Exception as error:            # noqa: BLE001  (report it, go on with the batch)
            rows.append({"name": name, "error": f"{type(error).__name__}: {error}"[:300],
                         "solved": False, "seconds": time.perf_counter() - t})
    print(json.dumps({"wall": time.perf_counter() - start, "cpu": time.process_time() - cpu,
                      "problems": rows}))


def unsolved(row):
    missed = [f"{p['name']} ({'error' if 'error' in p else 'f = %.6g' % p['f']})"
              for p in row["problems"] if not p["solved"]]
    return ", ".join(missed) if len(missed) <= 4 else f"{len(missed)} problems"


def print_table(results, count):
    print(f"| solver | who | batch wall time | process CPU time | solved (of {count}) "
          "| optad / scipy + JAX | not solved |")
    print("|---|---|---:|---:|---:|---:|---|")
    for method, rows in results.items():
        theirs = rows.get("scipy + JAX")
        for who, row in rows.items():
            label = PAIRS[method][0] if who == "scipy + JAX" else method
            if "error" in row:
                print(f"| {label} | {who} | {row['error']} | | | | |")
                continue
            solved = sum(p["solved"] for p in row["problems"])
            ratio = ""
            if who != "scipy + JAX" and theirs is not None and "error" not in theirs:
                ratio = f"{row['wall'] / theirs['wall']:.2f}"
            print(f"| {label} | {who} | {row['wall']:.2f} s | {row['cpu']:.2f} s | {solved} "
                  f"| {ratio} | {unsolved(row) or '-'} |")
    for method, rows in results.items():
        for who, row in rows.items():
            for p in row.get("problems", []):
                if "error" in p:
                    print(f"\n{method}, {who}, {p['name']}: {p['error']}")


def main():
    sys.path.insert(0, str(MGH.parent))
    from mgh_problems import PROBLEMS
    all_names = [p[0] for p in PROBLEMS]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--solvers", nargs="+", default=list(PAIRS), choices=list(PAIRS))
    parser.add_argument("--who", nargs="+", default=list(WHO), choices=list(WHO))
    parser.add_argument("--problems", nargs="+", default=all_names, metavar="NAME",
                        help="MGH problems by name (default: all 28), solved in this order")
    parser.add_argument("--busy", action="store_true",
                        help="keep one other process spinning on a core beside the whole run")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per subprocess")
    options = parser.parse_args()
    seconds = prepare_interpreter()
    print(f"first tier's interpreter (compiled once per machine, in {os.environ['OPTAD_MACHINE_DIR']}): "
          f"{'unavailable' if seconds < 0 else f'ready in {seconds:.1f} s'}", flush=True)
    unknown = set(options.problems) - set(all_names)
    if unknown:
        parser.error(f"unknown problems {sorted(unknown)}; known: {', '.join(all_names)}")
    who = list(options.who)
    if "scipy + JAX" in who and not has_jax():
        print("JAX is not installed (`pip install jax jaxlib`, a benchmark-only dependency): "
              "the scipy + JAX rows are left out.\n")
        who.remove("scipy + JAX")
    print(f"load average at start: {load_average()}; busy neighbour: {options.busy}; "
          + (f"JAX {jax_version()}" if "scipy + JAX" in who else "no JAX"), flush=True)
    names = ",".join(options.problems)
    results = {}
    busy = BusyNeighbour() if options.busy else None
    if busy is not None:
        busy.__enter__()
    try:
        for method in options.solvers:
            results[method] = {}
            for name in who:
                library, tiered = WHO[name]
                row = run_fresh(__file__, ["--child", library, method, names], tiered,
                                options.timeout)
                results[method][name] = row
                summary = {k: v for k, v in row.items() if k != "problems"}
                summary["seconds per problem"] = {p["name"]: round(p["seconds"], 2)
                                                  for p in row.get("problems", [])}
                print(method, "|", name, "|", json.dumps(summary), flush=True)
    finally:
        if busy is not None:
            busy.__exit__()
    print(f"\nload average at end: {load_average()}\n")
    print_table(results, len(options.problems))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3], sys.argv[4].split(","))
    else:
        main()
