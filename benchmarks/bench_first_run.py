"""Time to a result in a fresh process: import, compile or load kernels and loops, minimise.

    python benchmarks/bench_first_run.py

Each case runs in a new Python process twice, on a kernel cache of its own: first with the
cache empty (everything compiled), then warm (machine code loaded).  Times are measured inside the
process, from before ``import optad`` to after the result.  Cases: Newton-CG, fixed-step GD and
zero-order GD on a 50-dimensional Rosenbrock function, each with the data passed as ``args``
and closed over by a lambda, and one value_and_grad call of the wine MLP.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent("""
    import sys, time
    t0 = time.perf_counter()
    sys.path.insert(0, {root!r})
    import numpy as np
    import optad
    t1 = time.perf_counter()
    case = sys.argv[1]
    if case == "wine value_and_grad":
        from optad.data import load_wine
        X, y = load_wine()
        rng = np.random.default_rng(0)
        W = (rng.standard_normal((16, 13)) * 0.3, rng.standard_normal((1, 16)) * 0.3)
        loss = lambda W, X, y: np.mean((W[1] @ np.tanh(W[0] @ X) - y) ** 2)  # noqa: E731
        optad.value_and_grad(loss)(W, X, y)
    else:
        method, style = case.split()
        c = np.linspace(1.0, 2.0, 50)
        def rosen(x, c):
            return np.sum(100.0 * c[1:] * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
        options = {{"gd": dict(step=1e-4, maxiter=2000), "zo-gd": dict(maxiter=2000, seed=0),
                   "newton-cg": None}}[method]
        x0 = np.full(50, -1.0)
        if style == "args":
            optad.minimize(rosen, x0, args=(c,), method=method, options=options)
        else:
            optad.minimize(lambda x: rosen(x, c), x0, method=method, options=options)
    t2 = time.perf_counter()
    print(t1 - t0, t2 - t1)
""")

CASES = ["newton-cg args", "newton-cg closure", "gd args", "gd closure", "zo-gd args",
         "zo-gd closure", "wine value_and_grad"]


def run(case, cache):
    env = dict(os.environ, OPTAD_CACHE_DIR=cache)
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(root=str(ROOT)), case], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def main():
    print("seconds in a fresh process: import optad (Numba included) + the case\n")
    print("| case | empty cache: import + run | warm cache: import + run | warm total |")
    print("|---|---:|---:|---:|")
    for case in CASES:
        with tempfile.TemporaryDirectory() as cache:   # every case starts from an empty cache
            cold, warm = run(case, cache), run(case, cache)
            print(f"| {case} | {cold[0]:.2f} + {cold[1]:.2f} | {warm[0]:.2f} + {warm[1]:.2f} | "
                  f"{sum(warm):.2f} |")


if __name__ == "__main__":
    main()
