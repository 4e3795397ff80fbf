"""Guarded control flow on the Numba backend: each path is a compiled kernel checking its own
guard, so these tests compile many kernels (marked slow).  Results are checked against the
NumPy evaluator and the function run eagerly, switching paths back and forth, in one process
and in a second process that reads the kernels from the on-disk cache."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import optad

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from guarded_functions import piecewise, piecewise_where  # noqa: E402
from fd import assert_close  # noqa: E402

pytestmark = pytest.mark.slow


def test_numba_paths_switch_back_and_forth_like_the_numpy_evaluator():
    v = np.array([0.3, -1.1, 0.7])
    fns = {name: (make(piecewise, backend="numba"), make(piecewise_where, backend="numpy"))
           for name, make in [("value_and_grad", optad.value_and_grad), ("hvp", optad.hvp)]}
    jit = optad.jit(piecewise, "numba")
    rng = np.random.default_rng(7)
    for k in range(30):
        x = rng.normal(size=3)
        if k % 4 == 3:
            x = x - np.sum(x) / 3 + (1e-12 if k % 8 == 3 else -1e-12)   # just either side
        assert_close(jit(x), piecewise(x), rtol=1e-13, what=f"value {k}")
        got, want = fns["value_and_grad"][0](x), fns["value_and_grad"][1](x)
        assert_close(got[0], want[0], rtol=1e-13)
        assert_close(got[1], want[1], rtol=1e-12, atol=1e-14, what=f"grad {k}")
        assert_close(fns["hvp"][0](x, v), fns["hvp"][1](x, v), rtol=1e-12, atol=1e-14)
    (paths,) = jit._cache.values()
    assert sorted(e.decisions for e in paths.entries) == [(False,), (True,)]


def test_numba_decisions_in_a_rerolled_loop():
    def layered(Ws, X):
        h = X
        for W in Ws:
            h = np.tanh(W @ h)
            if np.sum(h) > 0:
                h = h * 1.5
            else:
                h = h - 0.1
        return np.sum(h ** 2)

    rng = np.random.default_rng(1)
    Ws = [np.eye(3) * 0.9 + 0.01 * rng.standard_normal((3, 3)) for _ in range(12)]
    X = np.ones((3, 2))
    compiled = optad.value_and_grad(layered, backend="numba")
    reference = optad.value_and_grad(layered, backend="numpy")
    for k in [5, 11, 5]:
        flipped = [-W if i == k else W for i, W in enumerate(Ws)]
        for ws in (Ws, flipped):
            (v, g), (v_ref, g_ref) = compiled(ws, X), reference(ws, X)
            assert_close(v, layered(ws, X), rtol=1e-13)
            assert_close(v, v_ref, rtol=1e-13)
            for a, b in zip(g, g_ref):
                assert_close(a, b, rtol=1e-12, atol=1e-14)


def test_numba_minimize_runs_the_python_driver_on_checked_kernels():
    def f(x):
        if x[0] > 0:
            return np.sum((x - 2.0) ** 2)
        return np.sum((x + 1.0) ** 2) + 10.0

    result = optad.minimize(f, np.array([0.5, 0.0]), method="lbfgs", backend="numba")
    assert_close(result.x, [2.0, 2.0], atol=1e-5)
    result = optad.minimize(f, np.array([-0.5, 0.0]), method="newton-cg", backend="numba")
    assert_close(result.x, [-1.0, -1.0], atol=1e-5)


SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    import optad

    def f(x):
        if x[0] > 0:
            return np.sum(np.exp(x))
        return np.sum(x ** 4)

    grad = optad.grad(f, backend="numba")
    points = json.loads(sys.argv[1])
    print(json.dumps([grad(np.array(p)).tolist() for p in points]))
""")


def test_a_second_process_with_the_disk_cache_takes_each_call_own_path():
    def run(points):
        out = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(points)],
                             capture_output=True, text=True, timeout=900, env=dict(os.environ),
                             cwd=os.path.dirname(os.path.dirname(optad.__file__)))
        assert out.returncode == 0, out.stderr[-3000:]
        return [np.array(g) for g in json.loads(out.stdout.strip().splitlines()[-1])]

    def expected(p):
        p = np.array(p)
        return np.exp(p) if p[0] > 0 else 4 * p ** 3

    first = [[1.0, 0.5], [-1.0, 0.5], [2.0, -0.5]]
    # the second process starts on the other path, from kernels compiled by the first
    second = [[-2.0, 1.5], [0.5, 0.25], [-0.5, -1.0], [3.0, 0.0], [-3.0, 1.0]]
    for points in (first, second):
        for got, p in zip(run(points), points):
            assert_close(got, expected(p), rtol=1e-13, what=str(p))
