"""Every method with bounds, run by the Python driver (NumPy backend: nothing to compile): the
iterates stay in the box exactly, the projected gradient meets gtol, the solution is the
analytic one or as good as scipy's (L-BFGS-B, lsq_linear), ``jac`` is the true gradient, and
without finite bounds each method takes exactly its unbounded path."""
import numpy as np
import pytest
import scipy.optimize as so

from optad.optimize import minimize

from bounded_problems import (C, QUAD_BOUNDS, QUAD_LOWER, QUAD_SOLUTION, QUAD_UPPER, QUAD_X0,
                              ROSEN_BOUNDS, ROSEN_X0, W, assert_feasible, least_squares, lsq,
                              projected_gradient_norm, quad, quad_grad, rosen, rosen_grad)

# each method with options that reach the quadratic's solution in a modest budget
QUAD_RUNS = {
    "gd": {},
    "gd-fixed": {"step": 0.2},
    "gd-momentum": {"momentum": 0.5},
    "gd-nesterov": {"step": 0.1, "momentum": 0.5, "nesterov": True},
    "adam": {"step": 0.05, "maxiter": 3000, "gtol": 1e-6},
    "sgd": {"step": 0.05, "gtol": 1e-6},
    "zo-gd": {"seed": 0, "gtol": 1e-4, "max_nfev": 3000},
    "zo-gd-fixed": {"seed": 1, "step": 0.05, "gtol": 1e-4, "max_nfev": 3000},
    "zo-gd-coordinate": {"estimator": "coordinate", "gtol": 1e-6},
    "lbfgs": {},
    "newton-cg": {},
    "trust-ncg": {},
}
SECOND_ORDER = ["lbfgs", "newton-cg", "trust-ncg"]
LOWER_R = np.array([-np.inf if lo is None else lo for lo, _ in ROSEN_BOUNDS])
UPPER_R = np.array([np.inf if hi is None else hi for _, hi in ROSEN_BOUNDS])


def method_of(run):
    return run.split("-fixed")[0].split("-momentum")[0].split("-nesterov")[0]\
        .split("-coordinate")[0]


@pytest.mark.parametrize("run", sorted(QUAD_RUNS))
def test_every_method_solves_the_bounded_quadratic(run):
    res = minimize(quad, QUAD_X0, args=(W, C), method=method_of(run), bounds=QUAD_BOUNDS,
                   options=QUAD_RUNS[run], backend="numpy")
    assert res.success, res.message
    assert_feasible(res.x, QUAD_LOWER, QUAD_UPPER)
    zero_order = res.jac is None
    tol = 1e-4 if zero_order else 1e-6
    np.testing.assert_allclose(res.x, QUAD_SOLUTION, atol=tol)
    # the solution sits on the bounds it should, exactly
    assert res.x[0] == 1.0 and res.x[1] == 0.0
    if not zero_order:
        np.testing.assert_allclose(res.jac, quad_grad(res.x), rtol=1e-12)   # the true gradient
        assert np.linalg.norm(res.jac) > 1.0                                # not the projected
        assert projected_gradient_norm(res.x, res.jac, QUAD_LOWER, QUAD_UPPER) <= 1e-6
        assert res.history.grad_norm[-1] <= 1e-6          # history: the projected norm


@pytest.mark.parametrize("method", SECOND_ORDER)
def test_bounded_rosenbrock_matches_scipy_lbfgsb(method):
    ref = so.minimize(rosen, ROSEN_X0, jac=rosen_grad, method="L-BFGS-B", bounds=ROSEN_BOUNDS,
                      options={"ftol": 0, "gtol": 1e-10})
    res = minimize(rosen, ROSEN_X0, method=method, bounds=ROSEN_BOUNDS, backend="numpy")
    assert res.success, res.message
    assert_feasible(res.x, LOWER_R, UPPER_R)
    assert projected_gradient_norm(res.x, rosen_grad(res.x), LOWER_R, UPPER_R) <= 1e-6
    assert res.fun <= ref.fun + 1e-9 * abs(ref.fun)
    np.testing.assert_allclose(res.x, ref.x, atol=1e-6)
    assert np.sum(res.x == 0.8) >= 1                     # the bound that cuts the minimum off


@pytest.fixture(scope="module")
def bounded_lsq():
    A, b = least_squares()
    ref = so.lsq_linear(A, b, bounds=(0, 1), method="bvls", tol=1e-14)
    return A, b, ref.x, lsq(ref.x, A, b)


@pytest.mark.parametrize("method", SECOND_ORDER + ["gd"])
def test_bounded_least_squares_matches_lsq_linear(method, bounded_lsq):
    A, b, x_ref, f_ref = bounded_lsq
    n = A.shape[1]
    res = minimize(lsq, np.full(n, 0.5), args=(A, b), method=method, bounds=[(0, 1)] * n,
                   backend="numpy")
    assert res.success, res.message
    assert_feasible(res.x, 0.0, 1.0)
    assert projected_gradient_norm(res.x, A.T @ (A @ res.x - b), 0.0, 1.0) <= 1e-6
    assert abs(res.fun - f_ref) <= 1e-10 * f_ref + 1e-12
    np.testing.assert_allclose(res.x, x_ref, atol=1e-5)
    active = (x_ref == 0) | (x_ref == 1)
    assert active.sum() > 20 and np.array_equal(res.x[active], x_ref[active])


@pytest.mark.parametrize("method", SECOND_ORDER)
def test_pytree_x0_with_pytree_bounds(method):
    def fun(p):
        return quad(np.concatenate([p["a"], p["b"].reshape(-1)]), W, C)
    x0 = {"b": np.zeros((1, 2)), "a": np.zeros(2)}
    bounds = {"a": [(-1.0, 1.0), (None, 0.0)], "b": (np.array([[-1.0, -np.inf]]), None)}
    res = minimize(fun, x0, method=method, bounds=bounds, backend="numpy")
    assert res.success, res.message
    assert set(res.x) == {"a", "b"} and res.x["b"].shape == (1, 2)
    np.testing.assert_allclose(res.x["a"], QUAD_SOLUTION[:2], atol=1e-6)
    np.testing.assert_allclose(res.x["b"][0], QUAD_SOLUTION[2:], atol=1e-6)
    assert res.x["a"][0] == 1.0 and res.x["a"][1] == 0.0
    np.testing.assert_allclose(res.jac["a"], quad_grad(QUAD_SOLUTION)[:2], rtol=1e-6)


def test_bounds_object_and_fixed_variables():
    # lb == ub fixes a variable; scalars broadcast
    bounds = so.Bounds([-1.0, 0.25, -1.0, -5.0], [1.0, 0.25, np.inf, np.inf])
    res = minimize(quad, [0.0, 0.25, 0.0, 0.0], args=(W, C), method="lbfgs", bounds=bounds,
                   backend="numpy")
    assert res.success
    np.testing.assert_allclose(res.x, [1.0, 0.25, 0.5, -4.0], atol=1e-7)
    assert res.x[1] == 0.25


def test_float32_iterates_stay_in_float32_bounds():
    x0 = np.zeros(4, np.float32)
    res = minimize(quad, x0, args=(W.astype(np.float32), C.astype(np.float32)), method="lbfgs",
                   bounds=[(-0.1, 0.3)] * 4, backend="numpy")
    assert res.success and res.x.dtype == np.float32
    lower, upper = np.float32(-0.1), np.float32(0.3)
    assert np.all(res.x >= lower) and np.all(res.x <= upper)
    assert float(res.x.max()) <= 0.3 and float(res.x.min()) >= -0.1


@pytest.mark.parametrize("run", sorted(QUAD_RUNS))
def test_infinite_bounds_take_the_unbounded_path(run):
    """All-infinite bounds are no bounds: the very same iterates as bounds=None."""
    common = dict(args=(W, C), method=method_of(run), options=QUAD_RUNS[run], backend="numpy")
    plain = minimize(quad, np.ones(4), **common)
    infinite = minimize(quad, np.ones(4), bounds=[(None, np.inf)] * 4, **common)
    assert (plain.nit, plain.nfev, plain.status) == (infinite.nit, infinite.nfev,
                                                       infinite.status)
    np.testing.assert_array_equal(plain.x, infinite.x)
    np.testing.assert_array_equal(plain.history.f, infinite.history.f)
