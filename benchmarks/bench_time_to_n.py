"""Cumulative wall time of the first N value_and_grad calls from a fresh process, empty cache.

    python benchmarks/bench_time_to_n.py [--programs NAME ...] [--who WHO ...] [--max-n N]
                                         [--busy] [--timeout SECONDS]

What is measured: for each program and each of optad (the default tiered first call: long
kernels answer from the NumPy evaluator while a worker process compiles them), optad with
``OPTAD_TIERED=0`` (the first call compiles in the calling process) and JAX
(``jax.jit(jax.value_and_grad(f))``, float64, ``block_until_ready`` on every result), one fresh
Python process with its own empty ``OPTAD_CACHE_DIR`` (a temporary folder removed afterwards)
makes the calls one after another on the same arguments.  The clock starts after the imports
and the data set-up, so it includes tracing, differentiation, compilation and the calls; the
cumulative time is read after call 1, 10, 100, 1,000 and 10,000 (one run gives every N).

Programs, written as a user writes them (plain NumPy for optad, the ``jax.numpy`` twin for JAX,
the same float64 data): least squares with A 500 x 100; the wine MLP h = 16 (tanh, mean
squared error, as ``optad.problems.wine_mlp`` defines it, X 13 x 178); tanh MLPs of 8 and 32
16 x 16 layers on 64 samples with a softmax cross-entropy head, written as a Python loop over a
list of weights (bench_programs.py's definition); an explicit-Euler pendulum, 1,000 steps of
``optad.fori_loop`` / ``jax.lax.fori_loop`` whose state is built by ``np.stack``.

``--busy`` keeps one other Python process spinning on a core for the whole run.  The table
gives seconds and, per program, optad / JAX; the load average at the start is printed too.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

from bench_programs import PROGRAMS as GROWING_PROGRAMS
from fresh_runs import prepare_interpreter, has_jax, jax_version, load_average, run_fresh
from timing import BusyNeighbour

CHECKPOINTS = (1, 10, 100, 1_000, 10_000)
WHO = {"optad": ("optad", "auto"), "optad TIERED=0": ("optad", "0"), "JAX": ("jax", "0")}
PROGRAMS = ("least squares 500x100", "wine MLP h=16", "MLP 8 layers", "MLP 32 layers",
            "pendulum fori_loop 1,000 steps")


def least_squares(np, fori_loop):
    import numpy as onp
    rng = onp.random.default_rng(0)
    A, b = rng.standard_normal((500, 100)), rng.standard_normal(500)

    def f(x, A, b):
        return 0.5 * np.sum((A @ x - b) ** 2)
    return f, (onp.zeros(100), A, b)


def wine_mlp(np, fori_loop):
    import numpy as onp
    wine = onp.load(WINE_PATH[0])      # optad.data.load_wine(), saved by the parent process
    X, y = wine["X"], wine["y"]
    rng = onp.random.default_rng(0)    # uniform on [0, 1) as optad.problems.wine_mlp starts

    def f(params, X, y):
        W1, W2 = params
        prediction = W2 @ np.tanh(W1 @ X)
        error = prediction - y
        return np.mean(error * error)
    return f, ((rng.random((16, 13)), rng.random((1, 16))), X, y)


def mlp(layers):
    def make(np, fori_loop):
        namespace = {}
        exec(GROWING_PROGRAMS, namespace)
        return namespace["mlp"](np, fori_loop, layers)
    return make


def pendulum(np, fori_loop):
    import numpy as onp

    def f(p):
        c = p[0]

        def step(i, x):
            return x + 0.01 * np.stack([x[1], -np.sin(x[0]) - c * x[1]])
        x = fori_loop(0, 1000, step, p[1:])
        return np.sum(x ** 2)
    return f, (onp.array([0.3, 1.0, 0.0]),)     # damping c, then the initial state x0


WINE_PATH = [None]   # set in the child
MAKERS = dict(zip(PROGRAMS, (least_squares, wine_mlp, mlp(8), mlp(32), pendulum)))


def running_workers(library):
    """optad's list of this process's running compile workers (a tiered kernel's worker is in
    it until the kernel has loaded the compiled code), or None."""
    if library != "optad":
        return None
    from optad.backends.numba import tiered
    return tiered._running


def child(library, program, wine, max_n):
    """Runs in the fresh process: imports, data, then the timed calls; prints JSON."""
    WINE_PATH[0] = wine
    if library == "optad":
        import numpy as np
        import optad
        fori_loop, value_and_grad, block = optad.fori_loop, optad.value_and_grad, lambda r: r
    else:
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as np
        fori_loop, block = jax.lax.fori_loop, jax.block_until_ready
        value_and_grad = lambda f: jax.jit(jax.value_and_grad(f))      # noqa: E731
    f, args = MAKERS[program](np, fori_loop)
    if library != "optad":
        args = block(jax.tree_util.tree_map(np.asarray, args))
    marks, cumulative = [n for n in CHECKPOINTS if n <= max_n], {}
    start, cpu = time.perf_counter(), time.process_time()
    vg = value_and_grad(f)
    workers = running_workers(library)
    started, switched = False, None
    for n in range(1, max_n + 1):
        value, grads = block(vg(*args))
        if workers is not None and switched is None:   # a tiered kernel's compile worker
            started = started or bool(workers)
            if started and not workers:
                switched = [n, time.perf_counter() - start]
        if n in marks:
            cumulative[n] = time.perf_counter() - start
            if n == 1:
                first_value = float(value)
    # this process's CPU time (not a compile worker's): tells load from work in a noisy run
    print(json.dumps({"cumulative": cumulative, "cpu": time.process_time() - cpu,
                      "compiled from call": switched,
                      "first_value": first_value, "last_value": float(value)}))


def cell(row, n):
    if "error" in row:
        return "error" if n == CHECKPOINTS[0] else ""
    t = row["cumulative"].get(str(n))
    return "" if t is None else f"{t:.3f}" if t < 10 else f"{t:.1f}"


def ratio(a, b, n):
    if "error" in a or "error" in b or str(n) not in a["cumulative"]:
        return ""
    return f"{a['cumulative'][str(n)] / b['cumulative'][str(n)]:.2f}"


def print_table(results, marks):
    print("| program | who | " + " | ".join(f"N = {n:,}" if n == 1 else f"{n:,}"
                                           for n in marks) + " |")
    print("|---|---|" + "---:|" * len(marks))
    for program, rows in results.items():
        for who, row in rows.items():
            print(f"| {program} | {who} | " + " | ".join(cell(row, n) for n in marks) + " |")
        for who in ("optad", "optad TIERED=0"):
            if who in rows and "JAX" in rows:
                print(f"| {program} | {who} / JAX | "
                      + " | ".join(ratio(rows[who], rows["JAX"], n) for n in marks) + " |")
    errors = [(p, w, r["error"]) for p, rows in results.items() for w, r in rows.items()
              if "error" in r]
    for program, who, error in errors:
        print(f"\n{program}, {who}: {error}")


def save_wine(path):
    from optad.data import load_wine
    import numpy as onp
    X, y = load_wine()
    onp.savez(path, X=X, y=y)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", nargs="+", default=list(PROGRAMS), metavar="NAME",
                        help="programs whose name contains one of these (default: all)")
    parser.add_argument("--who", nargs="+", default=list(WHO), choices=list(WHO))
    parser.add_argument("--max-n", type=int, default=CHECKPOINTS[-1])
    parser.add_argument("--busy", action="store_true",
                        help="keep one other process spinning on a core beside the whole run")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per subprocess")
    options = parser.parse_args()
    seconds = prepare_interpreter()
    print(f"first tier's interpreter (compiled once per machine, in {os.environ['OPTAD_MACHINE_DIR']}): "
          f"{'unavailable' if seconds < 0 else f'ready in {seconds:.1f} s'}", flush=True)
    programs = [p for p in PROGRAMS if any(s.lower() in p.lower() for s in options.programs)]
    who = list(options.who)
    if "JAX" in who and not has_jax():
        print("JAX is not installed (`pip install jax jaxlib`, a benchmark-only dependency): "
              "its rows are left out.\n")
        who.remove("JAX")
    marks = [n for n in CHECKPOINTS if n <= options.max_n]
    print(f"load average at start: {load_average()}; busy neighbour: {options.busy}; "
          + (f"JAX {jax_version()}" if "JAX" in who else "no JAX"), flush=True)
    with tempfile.TemporaryDirectory(prefix="optad-bench-data-") as data:
        wine = f"{data}/wine.npz"
        save_wine(wine)
        results = {}
        busy = BusyNeighbour() if options.busy else None
        if busy is not None:
            busy.__enter__()
        try:
            for program in programs:
                results[program] = {}
                for name in who:
                    library, tiered = WHO[name]
                    row = run_fresh(__file__, ["--child", library, program, wine,
                                               options.max_n], tiered, options.timeout)
                    results[program][name] = row
                    print(program, "|", name, "|", json.dumps(row), flush=True)
        finally:
            if busy is not None:
                busy.__exit__()
    print(f"\nload average at end: {load_average()}\n")
    print_table(results, marks)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        main()
