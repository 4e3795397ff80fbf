"""Tiers of a kernel (backends/numba/tiered.py): the NumPy evaluator answers a new program; once
hot, another process compiles it and the compiled kernel takes over; never a different result,
never a stuck kernel."""
import shutil
import warnings

import numpy as np
import pytest

import optad
from optad.backends import numba as numba_backend
from optad.backends.numba import tiered
from optad.backends.numpy_backend import NumpyKernel

# slow: each case starts a compiling process; each test has a cache folder (so a lock) of its own
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("cache_of_its_own")]


def _loss(W, X):
    h = np.tanh(W @ X)
    return np.sum(h * h) + np.sum(np.exp(-h)) / X.shape[1]


def _program(scale):
    rng = np.random.default_rng(0)
    W, X = rng.standard_normal((4, 4)) * scale, rng.standard_normal((4, 6))
    # the scale is a constant of the program, so each test compiles a kernel of its own
    program = optad.make_program(optad.value_and_grad(lambda W, X: scale * _loss(W, X)), W, X)
    return program, (W, X)


def _close(outputs, expected):
    assert len(outputs) == len(expected)
    for got, want in zip(outputs, expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_first_call_from_numpy_then_compiled(monkeypatch):
    monkeypatch.setenv("OPTAD_TIERED", "1")
    program, args = _program(0.5)
    expected = NumpyKernel(program)(*args)
    kernel = numba_backend.compile_program(program)
    assert isinstance(kernel, tiered.TieredKernel)
    assert kernel.entry is not None and kernel.source   # the compiled kernel's attributes
    _close(kernel(*args), expected)           # answered by the NumPy evaluator
    assert kernel.worker is not None and not kernel.compiled
    kernel.wait(timeout=300)
    assert kernel.worker.returncode == 0
    _close(kernel(*args), expected)           # now compiled, the worker's machine code
    assert kernel.compiled
    assert tiered.marker(kernel.module).exists()
    # compiled once: a new kernel of the same program is a plain compiled kernel
    again = numba_backend.compile_program(program)
    assert not isinstance(again, tiered.TieredKernel)
    _close(again(*args), expected)


def test_a_failed_worker_leaves_the_evaluator_answering(monkeypatch):
    """A worker that fails is counted in the cache; the next kernel of the program tries once
    more; then no worker starts for it and a warning says how to see the error."""
    monkeypatch.setenv("OPTAD_TIERED", "1")
    monkeypatch.setattr(tiered.sys, "executable", shutil.which("false"))
    program, args = _program(0.25)
    expected = NumpyKernel(program)(*args)
    kernel = numba_backend.compile_program(program)
    _close(kernel(*args), expected)
    kernel.wait(timeout=60)
    assert kernel.worker.returncode != 0
    _close(kernel(*args), expected)           # the evaluator still answers
    assert not kernel.compiled and kernel.gave_up
    assert tiered.failures(kernel.module) == 1
    second = numba_backend.compile_program(program)   # as a later process would: once more
    _close(second(*args), expected)
    with pytest.warns(RuntimeWarning, match="OPTAD_TIERED=0"):   # once per process
        second.wait(timeout=60)
    _close(second(*args), expected)
    assert tiered.failures(kernel.module) == tiered.MAX_FAILURES
    third = numba_backend.compile_program(program)
    _close(third(*args), expected)
    assert third.worker is None and third.gave_up and not third.compiled


def test_a_kernel_compiles_only_once_hot(monkeypatch):
    monkeypatch.setenv("OPTAD_TIERED", "auto")
    program, args = _program(0.375)
    expected = NumpyKernel(program)(*args)
    kernel = numba_backend.compile_program(program)
    assert isinstance(kernel, tiered.TieredKernel)   # short kernels too: the evaluator first
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            _close(kernel(*args), expected)
    assert kernel.worker is None, "a few cheap calls start no compile"
    kernel.evaluated = tiered.HOT_SECONDS   # as if it had been called for that long
    _close(kernel(*args), expected)
    assert kernel.worker is not None
    kernel.wait(timeout=300)
    _close(kernel(*args), expected)
    assert kernel.compiled


def test_turned_off_and_long_running_programs_are_not_tiered(monkeypatch):
    program, args = _program(0.125)
    monkeypatch.setenv("OPTAD_TIERED", "0")
    assert not isinstance(numba_backend.compile_program(program), tiered.TieredKernel)

    def pendulum(th):
        def body(i, c):
            return (c[0] + 1e-5 * c[1], c[1] - 1e-5 * th[0] * np.sin(c[0]))
        x, v = optad.fori_loop(0, 100_000, body, (th[0] * 0 + 1.0, th[1] * 0))
        return x * x + v * v

    long_running = optad.make_program(pendulum, np.array([0.3, 2.0]))
    assert tiered.evaluated_equations(long_running) > tiered.MAX_EVALUATED
