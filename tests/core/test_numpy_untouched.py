"""``import optad`` leaves NumPy as it is: every public name of numpy and its submodules is the
same object before and after the import and after a trace; the wrappers that let traced code
give lists to NumPy exist only while a trace runs, and another thread calling NumPy meanwhile
gets NumPy's results; names bound from NumPy before optad was imported trace like ``np.*``."""
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import optad

NAMESPACES = ["numpy", "numpy.linalg", "numpy.fft", "numpy.random", "numpy.polynomial",
              "numpy.lib", "numpy.ma"]


def run_script(script, tmp_path=None, **env):
    env = dict(os.environ, OPTAD_BACKEND="numpy", **env)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    return out.stdout


@pytest.mark.slow
def test_import_and_trace_leave_every_numpy_name_identical():
    out = run_script(f"""
        import importlib
        import numpy as np

        def snapshot():
            names = {{}}
            for module_name in {NAMESPACES!r}:
                module = importlib.import_module(module_name)
                for name in dir(module):
                    names[module_name, name] = getattr(module, name)
            return names

        def changed(before, after):
            return sorted(f"{{m}}.{{n}}" for (m, n) in set(before) | set(after)
                          if before.get((m, n)) is not after.get((m, n)))

        before = snapshot()
        import optad
        assert not changed(before, snapshot()), changed(before, snapshot())
        inside = []
        def f(x):
            inside.append(np.array)
            return np.mean([x[0], 2 * x[1]]) + np.sum(np.sqrt([x[0], x[1]]))
        print(optad.grad(f)(np.array([1.0, 4.0])))
        assert inside and inside[0] is not before["numpy", "array"]  # wrapped while tracing
        assert not changed(before, snapshot()), changed(before, snapshot())
        try:
            optad.grad(lambda x: np.mean([x, x]) + undefined_name)(1.0)
        except NameError:
            pass
        assert not changed(before, snapshot()), "a trace that raised left a wrapper"
        print("identical")
    """)
    assert "identical" in out


def plain_numpy_calls(failures, stop):
    """What another thread sees while traces run: NumPy's own results and types."""
    values = [1.0, 4.0]
    expected = {"array": np.array(values), "sqrt": np.sqrt(values), "mean": np.mean(values),
                "r_": np.r_[values, 9.0], "norm": np.linalg.norm(values)}
    while not stop.is_set():
        got = {"array": np.array(values), "sqrt": np.sqrt(values), "mean": np.mean(values),
               "r_": np.r_[values, 9.0], "norm": np.linalg.norm(values)}
        for name, value in got.items():
            if type(value) is not type(expected[name]) or not np.array_equal(value,
                                                                              expected[name]):
                failures.append((name, value))
        if type(np.asarray(values)) is not np.ndarray:
            failures.append(("asarray", np.asarray(values)))
        try:
            assert np.add.reduce(np.array(values)) == 5.0 and np.sqrt.nin == 1
            np.add.at(np.zeros(2), [0, 1], values)
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(("ufunc attributes", exc))


def test_a_thread_calling_numpy_during_traces_gets_numpy_results():
    failures, stop = [], threading.Event()
    other = threading.Thread(target=plain_numpy_calls, args=(failures, stop))
    other.start()
    try:
        x = np.array([1.0, 4.0])
        for i in range(30):
            def loss(x, i=i):  # a new function each time: each call traces
                stacked = np.array([x[0], i * x[1]]) + np.asarray([x[1], 1.0])
                return np.mean([x[0], x[1]]) + np.sum(np.sqrt([x[0], x[1]])) + \
                    np.sum(stacked) + np.sum(np.r_[x, 1.0])
            g = optad.grad(loss, backend="numpy")(x)
            np.testing.assert_allclose(g, [0.5 + 0.5 + 1 + 1, 0.5 + 0.25 + i + 1 + 1])
    finally:
        stop.set()
        other.join()
    assert not failures, failures[:5]
    assert isinstance(np.sqrt, np.ufunc) and not hasattr(np.array, "optad_wrapped")


def test_two_threads_tracing_at_once_both_trace():
    errors = []

    def work(scale):
        try:
            for i in range(20):
                f = lambda x, i=i: np.sum(np.sqrt([x[0], scale * x[1]])) + i  # noqa: E731
                g = optad.grad(f, backend="numpy")(np.array([4.0, 1.0]))
                np.testing.assert_allclose(g, [0.25, scale / (2 * np.sqrt(scale))])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s,)) for s in (1.0, 4.0)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert isinstance(np.sqrt, np.ufunc) and not hasattr(np.array, "optad_wrapped")


@pytest.mark.slow
def test_names_bound_from_numpy_before_optad_trace_like_np_names(tmp_path):
    (tmp_path / "bound_early.py").write_text(textwrap.dedent("""
        from numpy import asarray, atleast_2d, mean, r_, sqrt, sum

        def loss(x):
            v = atleast_2d(asarray([0.0, x[0]] + list(x[1:])))
            return sum(sqrt(v ** 2 + 1.0)) + mean([x[0], x[1]]) + sum(sqrt([x[0], x[1]])) \\
                + sum(r_[x, 2.0])
    """))
    out = run_script("""
        import numpy as np
        import bound_early
        import optad

        x = np.array([1.5, 2.0, 0.5])
        def by_np(x):
            v = np.atleast_2d(np.asarray([0.0, x[0]] + list(x[1:])))
            return np.sum(np.sqrt(v ** 2 + 1.0)) + np.mean([x[0], x[1]]) \\
                + np.sum(np.sqrt([x[0], x[1]])) + np.sum(np.r_[x, 2.0])
        for backend in ("numpy", "numba"):
            g_early = optad.grad(bound_early.loss, backend=backend)(x)
            g_np = optad.grad(by_np, backend=backend)(x)
            assert np.allclose(g_early, g_np, rtol=1e-12, atol=0), (g_early, g_np)
        assert bound_early.asarray is np.asarray and bound_early.sqrt is np.sqrt
        print("same")
    """, tmp_path=tmp_path, PYTHONPATH=os.pathsep.join(
        [str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    assert "same" in out
