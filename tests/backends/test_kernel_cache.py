"""The kernel cache of the Numba backend: a second process loads the machine code instead of
compiling, a corrupt cache file is rebuilt, and concurrent compiles of one kernel both succeed."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("numba")

ROOT = Path(__file__).resolve().parents[2]

# Builds the MLP-style gradient program, compiles it with the Numba backend, calls it, and prints
# whether the segment was compiled in this process or loaded from the cache.
SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    from optad.ir.program import ShapedArray
    from optad.primitives import elementwise as ew, linalg as la, reductions as rd
    from optad.trace.tracer import make_program_flat
    from optad.transforms import grad_program, simplify
    from optad.backends import numba as backend, numpy_backend

    f8 = np.dtype("f8")
    def loss(w, x):
        return [rd.reduce_sum(ew.tanh(la.matmul(w, x)), (0, 1))]

    program = make_program_flat(loss, [ShapedArray((3, 4), f8), ShapedArray((4, 5), f8)])
    grad = simplify(grad_program(program, wrt=[True, False]))
    kernel = backend.compile_program(grad)
    w = np.linspace(-1, 1, 12).reshape(3, 4)
    x = np.linspace(0, 2, 20).reshape(4, 5)
    got = kernel(w, x)
    # a cached kernel loads without Numba's compiler set-up or the scipy.linalg package
    lean = "numba.np.arraymath" not in sys.modules and "scipy.linalg" not in sys.modules
    want = numpy_backend.compile_program(grad)(w, x)
    ok = all(np.allclose(g, h, rtol=1e-10) for g, h in zip(got, want))
    mod = [m for name, m in sys.modules.items() if name.startswith("optad_")][0]
    stats = mod.segment_0.stats
    if "--after" in sys.argv:  # SciPy's BLAS module and new compiles work as usual afterwards
        import scipy.linalg
        assert scipy.linalg.cython_blas.__pyx_capi__
        value = backend.compile_program(program)(w, x)[0]
        ok = ok and np.isclose(value, np.tanh(w @ x).sum(), rtol=1e-12)
    print(json.dumps({"ok": bool(ok), "lean": lean, "hits": sum(stats.cache_hits.values()),
                      "misses": sum(stats.cache_misses.values()), "path": kernel.path}))
""")


def run_script(cache_dir, *args):
    env = dict(os.environ, OPTAD_CACHE_DIR=str(cache_dir),
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, "-c", SCRIPT, *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def result(proc):
    import json
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory):
    cache_dir = tmp_path_factory.mktemp("optad_cache")
    first = result(run_script(cache_dir))
    return cache_dir, first


@pytest.mark.slow
def test_second_process_loads_without_compiling(warm_cache):
    cache_dir, first = warm_cache
    assert first["ok"] and first["misses"] == 1 and first["hits"] == 0
    second = result(run_script(cache_dir, "--after"))
    assert second["ok"] and second["hits"] == 1 and second["misses"] == 0
    assert second["lean"] and not first["lean"]
    assert second["path"] == first["path"]
    assert Path(first["path"]).parent == cache_dir


@pytest.mark.slow
def test_corrupt_cache_file_is_rebuilt(warm_cache):
    cache_dir, first = warm_cache
    path = Path(first["path"])
    text = path.read_text()
    path.write_text(text[: len(text) // 2])  # truncated, as by a crash mid-write
    again = result(run_script(cache_dir))
    assert again["ok"]
    assert path.read_text() == text  # rewritten in full


@pytest.mark.slow
def test_corrupt_machine_code_is_rebuilt(warm_cache):
    cache_dir, first = warm_cache
    data = list((cache_dir / "__pycache__").glob("*.nbc"))
    assert data
    for f in data:
        f.write_bytes(f.read_bytes()[:40])
    again = result(run_script(cache_dir))
    assert again["ok"]
    after = result(run_script(cache_dir))
    assert after["ok"] and after["hits"] == 1


@pytest.mark.slow
def test_concurrent_compiles_both_succeed(tmp_path):
    procs = [run_script(tmp_path) for _ in range(2)]
    results = [result(p) for p in procs]
    assert all(r["ok"] for r in results)
    assert results[0]["path"] == results[1]["path"]
    assert not list(tmp_path.glob("*.tmp"))  # no temporary file left behind
    third = result(run_script(tmp_path))
    assert third["ok"]


def test_cache_dir_defaults_to_user_cache(monkeypatch):
    from optad.backends.numba import cache
    monkeypatch.delenv("OPTAD_CACHE_DIR", raising=False)
    assert cache.cache_dir() == Path.home() / ".cache" / "optad"
    monkeypatch.setenv("OPTAD_CACHE_DIR", "/some/where")
    assert cache.cache_dir() == Path("/some/where")


# Runs the compiled driver of each method on a small problem (data passed as args, then
# closed over) and reports whether Numba
# compiled them in this process or loaded them from the kernel cache.
LOOPS_SCRIPT = textwrap.dedent("""
    import json
    import numpy as np
    import optad
    from optad.backends.numba import driver

    def loss(x, a):
        return np.sum(a * (x - 1.0) ** 2) + 0.1 * np.sum(x ** 4)

    a = np.linspace(1.0, 2.0, 5)
    x0 = np.zeros(5)
    runs = [optad.minimize(loss, x0, args=(a,), method="gd", options=dict(step=0.05)),
            optad.minimize(loss, x0, args=(a,), method="newton-cg"),
            optad.minimize(loss, x0, args=(a,), method="zo-gd",
                           options=dict(maxiter=50, seed=0))]
    # the same with the data closed over: bound as constants, passed to the cached loops
    closure = lambda x: loss(x, a)  # noqa: E731
    runs += [optad.minimize(closure, x0, method="gd", options=dict(step=0.05)),
             optad.minimize(closure, x0, method="newton-cg"),
             optad.minimize(closure, x0, method="zo-gd", options=dict(maxiter=50, seed=0))]
    same = all(np.allclose(r.x, c.x, rtol=1e-12) for r, c in zip(runs[:3], runs[3:]))
    loops = [functions[0] for functions in driver._DRIVERS.values()]  # each drive()
    print(json.dumps({"ok": all(np.isfinite(r.fun) for r in runs) and runs[1].success and same,
                      "loops": len(loops),
                      "hits": sum(sum(d.stats.cache_hits.values()) for d in loops),
                      "misses": sum(sum(d.stats.cache_misses.values()) for d in loops)}))
""")


@pytest.mark.slow
def test_compiled_loops_load_from_the_cache_in_a_new_process(tmp_path):
    env = dict(os.environ, OPTAD_CACHE_DIR=str(tmp_path),
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))

    def run():
        proc = subprocess.Popen([sys.executable, "-c", LOOPS_SCRIPT], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return result(proc)

    first, second = run(), run()
    assert first["ok"] and second["ok"]
    assert first["loops"] == second["loops"] >= 3   # one driver per method and problem
    assert first["misses"] >= 3
    assert second["misses"] == 0 and second["hits"] >= 3
