"""Bounded steps under both drivers: the compiled driver (the whole loop in Numba, on the
user's njit functions or optad's kernels) and the Python driver (the same step code in Python,
on the same machine code for f, g and Hv) take the same path.  One loop compile per method on
one shared problem: the slow tier."""
import numba
import numpy as np
import pytest

from optad.backends.numba import driver as compiled_driver
from optad.optimize import minimize

from bounded_problems import (C, QUAD_BOUNDS, QUAD_LOWER, QUAD_SOLUTION, QUAD_UPPER, QUAD_X0,
                              W, assert_feasible, quad)
from scipy_problems import assert_same_run

pytestmark = pytest.mark.slow


@numba.njit
def quad_vg(x, w, c):
    r = x - c
    return 0.5 * np.sum(w * r * r), w * r


@numba.njit
def quad_value(x, w, c):
    r = x - c
    return 0.5 * np.sum(w * r * r)


@numba.njit
def quad_hessp(x, p, w, c):
    return w * p


@pytest.fixture
def drives(monkeypatch):
    """The number of compiled-driver runs so far."""
    calls = []
    real = compiled_driver.drive
    monkeypatch.setattr(compiled_driver, "drive", lambda *a: calls.append(1) or real(*a))
    return calls


RUNS = [
    ("gd", [{}, {"step": 0.2}, {"momentum": 0.5}]),     # one compiled loop, three paths
    ("adam", [{"step": 0.05, "maxiter": 3000, "gtol": 1e-6}]),
    ("sgd", [{"step": 0.05, "gtol": 1e-6}]),
    ("lbfgs", [{}]),
    ("newton-cg", [{}]),
    ("trust-ncg", [{}]),
]


@pytest.mark.parametrize("method, option_sets", RUNS, ids=[name for name, _ in RUNS])
def test_compiled_and_python_drivers_agree_with_bounds(method, option_sets, drives):
    hessp = {"hessp": quad_hessp} if method in ("newton-cg", "trust-ncg") else {}
    python_hessp = {"hessp": lambda x, p, w, c: quad_hessp(x, p, w, c)} if hessp else {}
    for options in option_sets:
        before = len(drives)
        compiled = minimize(quad_vg, QUAD_X0, args=(W, C), jac=True, method=method,
                            bounds=QUAD_BOUNDS, options=options, **hessp)
        assert len(drives) == before + 1
        python = minimize(lambda x, w, c: quad_vg(x, w, c), QUAD_X0, args=(W, C), jac=True,
                          method=method, bounds=QUAD_BOUNDS, options=options, **python_hessp)
        assert len(drives) == before + 1          # the Python driver
        assert compiled.success, compiled.message
        assert_feasible(compiled.x, QUAD_LOWER, QUAD_UPPER)
        np.testing.assert_allclose(compiled.x, QUAD_SOLUTION, atol=1e-6)
        assert_same_run(compiled, python)


@pytest.mark.parametrize("options", [{"seed": 0, "gtol": 1e-4, "max_nfev": 3000},
                                     {"seed": 1, "step": 0.05, "gtol": 1e-4, "max_nfev": 3000}])
def test_zo_gd_compiled_and_python_agree_with_bounds(options, drives):
    compiled = minimize(quad_value, QUAD_X0, args=(W, C), method="zo-gd", bounds=QUAD_BOUNDS,
                        options=options)
    assert drives
    python = minimize(quad_value, QUAD_X0, args=(W, C), method="zo-gd", bounds=QUAD_BOUNDS,
                      options=options, backend="numpy")
    assert compiled.success, compiled.message
    assert_feasible(compiled.x, QUAD_LOWER, QUAD_UPPER)
    np.testing.assert_allclose(compiled.x, QUAD_SOLUTION, atol=1e-4)
    assert compiled.nit == python.nit and compiled.nfev == python.nfev
    np.testing.assert_allclose(compiled.x, python.x, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(compiled.history.f, python.history.f, rtol=1e-9, atol=1e-14)


def test_optad_kernels_compiled_loop_and_callback_loop_agree(drives):
    """On optad's own derivatives: the compiled loop, and a callback (the Python loop calling
    the compiled step once per iteration) see the same bounded iterates."""
    compiled = minimize(quad, QUAD_X0, args=(W, C), method="lbfgs", bounds=QUAD_BOUNDS)
    assert len(drives) == 1
    seen = []
    stepped = minimize(quad, QUAD_X0, args=(W, C), method="lbfgs", bounds=QUAD_BOUNDS,
                       callback=lambda r: seen.append(r.x.copy()))
    assert len(drives) == 1 and len(seen) == stepped.nit + 1   # before every step
    for x in seen:
        assert_feasible(x, QUAD_LOWER, QUAD_UPPER)
    assert compiled.success
    assert_same_run(compiled, stepped)
    np.testing.assert_allclose(compiled.x, QUAD_SOLUTION, atol=1e-6)
    assert compiled.x[0] == 1.0 and compiled.x[1] == 0.0


@numba.njit
def chained_rosen_vg(x):
    d = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[:-1] = -400.0 * x[:-1] * d - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * d
    return np.sum(100.0 * d * d + (1.0 - x[:-1]) ** 2), g


def test_lbfgs_b_compiled_and_python_agree_on_rosenbrock_boxes(drives):
    """L-BFGS-B's pieces (Cauchy point through several breakpoints, subspace step, projected
    and truncated points, memory resets) under Numba: the same path as in Python on boxes that
    hold some variables on their bounds, one compiled loop for all of them."""
    for seed in (3, 7, 13):
        rng = np.random.default_rng(seed)
        lower = rng.uniform(-2.0, 0.5, 10)
        upper = lower + rng.uniform(0.2, 2.5, 10)
        free = rng.random(10) < 0.3
        lower[free], upper[free] = -np.inf, np.inf
        x0 = np.clip(np.tile([-1.2, 1.0], 5), lower, upper)
        bounds = list(zip(lower, upper))
        compiled = minimize(chained_rosen_vg, x0, jac=True, method="lbfgs", bounds=bounds)
        python = minimize(lambda x: chained_rosen_vg(x), x0, jac=True, method="lbfgs",
                          bounds=bounds)
        assert compiled.success, compiled.message
        assert_feasible(compiled.x, lower, upper)
        assert np.any((compiled.x == lower) | (compiled.x == upper))
        assert_same_run(compiled, python)
    assert len(drives) == 3
