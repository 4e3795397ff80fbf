"""The tiered compiled loop of optad.minimize (backends/numba/driver.py ``loop_ready``): while a
worker process compiles a method's loop, calls run the same steps in Python; once it has
finished, the compiled loop runs, with the same result."""
import numpy as np
import pytest

import optad
from optad.backends.numba import driver, tiered

# slow: a worker compiles the loop; each test has a cache folder (so a compile lock) of its own
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("cache_of_its_own")]


def _loss(x, c):   # a loss of this test's own, so no other test has compiled its loop
    return np.sum(1.7 * c[1:] * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _compiled_drives():
    return [fns[0] for fns in driver._DRIVERS.values() if fns[0].signatures]


def test_python_steps_while_the_loop_compiles_then_the_compiled_loop(monkeypatch):
    monkeypatch.setenv("OPTAD_TIERED", "auto")
    monkeypatch.setattr(driver, "LOOP_HOT_SECONDS", 0.0)   # the loop hot from its first call
    c = np.linspace(1.0, 1.5, 8)
    x0 = np.full(8, -0.5)
    options = dict(step=2e-3, maxiter=400)
    before = set(driver._LOOP_WORKERS)
    first = optad.minimize(_loss, x0, args=(c,), method="gd", options=options)
    started = set(driver._LOOP_WORKERS) - before
    assert len(started) == 1, "the first call starts one worker compiling the loop"
    file = started.pop()
    worker = driver._LOOP_WORKERS[file][0]
    assert not any(f.py_func.__globals__.get("__file__") == file for f in _compiled_drives())
    worker.wait(timeout=600)
    assert worker.returncode == 0
    assert tiered.marker(type("M", (), {"__file__": file})).exists()

    second = optad.minimize(_loss, x0, args=(c,), method="gd", options=options)
    assert file not in driver._LOOP_WORKERS
    assert any(f.py_func.__globals__.get("__file__") == file for f in _compiled_drives())
    assert first.nit == second.nit and first.status == second.status
    np.testing.assert_allclose(second.x, first.x, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(second.fun, first.fun, rtol=1e-10, atol=1e-14)


def test_off_compiles_in_the_calling_process(monkeypatch):
    monkeypatch.setenv("OPTAD_TIERED", "0")
    c = np.linspace(1.0, 1.25, 6)
    before = set(driver._LOOP_WORKERS)
    result = optad.minimize(_loss, np.full(6, -0.5), args=(c,), method="gd",
                            options=dict(step=2e-3, maxiter=50))
    assert set(driver._LOOP_WORKERS) == before
    assert result.nit == 50


def test_a_loop_compiles_once_its_python_steps_are_hot(monkeypatch):
    monkeypatch.setenv("OPTAD_TIERED", "auto")
    # 3 steps stay far below it, 3,000 far above, even on the compiled first tier (~10 us a step)
    monkeypatch.setattr(driver, "LOOP_HOT_SECONDS", 0.005)
    c = np.linspace(1.0, 1.125, 5)
    x0 = np.full(5, -0.5)
    before = set(driver._LOOP_WORKERS)
    first = optad.minimize(_loss, x0, args=(c,), method="gd", options=dict(step=2e-3, maxiter=3))
    assert set(driver._LOOP_WORKERS) == before, "a short first run compiles nothing"
    long = optad.minimize(_loss, x0, args=(c,), method="gd",
                          options=dict(step=2e-3, maxiter=3000))
    assert first.nit == 3 and long.nit == 3000
    tiered.wait_all()   # a kernel of the loss may have become hot and hold the compile lock
    optad.minimize(_loss, x0, args=(c,), method="gd", options=dict(step=2e-3, maxiter=3))
    assert len(set(driver._LOOP_WORKERS) - before) == 1, "hot now: a worker compiles it"
