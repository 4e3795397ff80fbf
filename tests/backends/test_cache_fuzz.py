"""The kernel cache across processes gives the answers of a fresh cache: a short run of the
differential fuzzer (benchmarks/fuzz_cache.py), and the scenario of issue 21 (a second problem
of the same size solved in one process got the first one's compiled loop, and so its solution,
with success=True, once an earlier process had solved the second problem)."""
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numba")

ROOT = Path(__file__).resolve().parents[2]
METHODS = ["lbfgs", "trust-ncg", "newton-cg", "gd"]
OPTIONS = {"gd": {"maxiter": 2000}}   # Armijo GD needs more than its default on Rosenbrock

# The two losses of the repro, in the same np.stack form (same size, other minima).
PROBLEMS = textwrap.dedent("""
    import json, sys
    import numpy as np
    import optad

    def rosen(x):
        return np.sum(np.stack([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]]) ** 2)

    def g(x):
        return np.sum(np.stack([x[0] - 3.0, x[1] + 2.0]) ** 2)

    def solve(f, x0, method):
        r = optad.minimize(f, np.array(x0), method=method, options=OPTIONS.get(method, {}))
        return {"x": [float(t) for t in r.x], "success": bool(r.success)}
""")

# Process 1: g alone with every method (its kernels and compiled loops go to the cache).
SOLVE_G = PROBLEMS + textwrap.dedent("""
    print(json.dumps({m: solve(g, [0.5, 0.5], m) for m in sys.argv[1].split(",")}))
""")

# Process 2: rosen, then g, with one method.
SOLVE_ROSEN_THEN_G = PROBLEMS + textwrap.dedent("""
    m = sys.argv[1]
    print(json.dumps([solve(rosen, [-1.2, 1.0], m), solve(g, [0.5, 0.5], m)]))
""")


def run(script, cache_dir, *args, timeout=300):
    import json
    env = dict(os.environ, OPTAD_CACHE_DIR=str(cache_dir), OPTAD_TIERED="0",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    source = f"OPTIONS = {OPTIONS!r}\n" + script
    proc = subprocess.run([sys.executable, "-c", source, *args], env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def cache_with_g(tmp_path_factory):
    """A cache in which one process solved g with every method."""
    cache_dir = tmp_path_factory.mktemp("cache_with_g")
    alone = run(SOLVE_G, cache_dir, ",".join(METHODS))
    for method in METHODS:
        assert np.allclose(alone[method]["x"], [3.0, -2.0], atol=1e-4), (method, alone)
    return cache_dir


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_second_problem_after_a_cached_one_gets_its_own_solution(method, cache_with_g,
                                                                 tmp_path):
    cache_dir = tmp_path / "cache"
    shutil.copytree(cache_with_g, cache_dir)    # each method sees only g's process before it
    rosen, g = run(SOLVE_ROSEN_THEN_G, cache_dir, method)
    assert np.allclose(g["x"], [3.0, -2.0], atol=1e-4), g
    assert g["success"]
    # Armijo GD is still on its way along Rosenbrock's valley after 2,000 steps
    assert np.allclose(rosen["x"], [1.0, 1.0], atol=0.1 if method == "gd" else 1e-3), rosen


@pytest.mark.slow
def test_short_cache_fuzz_finds_no_difference():
    """A few random processes (fixed seed, two side by side, with kills and damage) on one
    cache, every result equal to the fresh-cache oracle's."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("OPTAD_CACHE_DIR", None)   # the fuzzer makes its own caches
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "fuzz_cache.py"),
                           "--quick", "--seed", "3", "--combinations", "8", "--workers", "2",
                           "--methods", "lbfgs,gd", "--max-seconds", "300", "--no-shrink"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert " 0 differences" in proc.stdout
