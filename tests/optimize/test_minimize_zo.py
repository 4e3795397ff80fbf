"""Zero-order gradient descent: convergence, honest counting, linear growth with dimension."""
import numba
import numpy as np
import pytest

from optad.optimize import minimize


def quadratic(n):
    lam = np.linspace(1.0, 4.0, n)   # condition number 4 in every dimension
    return lam, (lambda x: 0.5 * np.sum(lam * x ** 2))


@pytest.mark.slow
@pytest.mark.parametrize("estimator", ["sphere", "gaussian", "coordinate"])
def test_zo_gd_converges_on_quadratic_and_counts_evaluations(estimator):
    lam, f = quadratic(6)
    calls = []

    def counted(x):
        calls.append(1)
        return f(x)

    # backend="numpy": the Python loop calls `counted` for every evaluation it reports
    r = minimize(counted, np.ones(6), method="zo-gd", backend="numpy",
                 options={"estimator": estimator, "seed": 0, "maxiter": 5000, "gtol": 1e-7})
    assert r.success, r.message
    assert r.fun < 1e-12 and np.abs(r.x).max() < 1e-5
    assert r.nfev == len(calls) and r.njev == 0 and r.nhev == 0 and r.jac is None
    assert r.history.nfev[-1] == r.nfev
    # the default backend traces f once into optad's kernel and runs the compiled loop, which
    # counts the same evaluations
    compiled = minimize(f, np.ones(6), method="zo-gd",
                        options={"estimator": estimator, "seed": 0, "maxiter": 5000,
                                 "gtol": 1e-7})
    assert compiled.nfev == r.nfev and compiled.nit == r.nit
    # the same steps; the kernel's sums round differently from NumPy's, and over thousands of
    # steps those last bits move components that have shrunk to ~1e-11 by a few 1e-12
    np.testing.assert_allclose(compiled.x, r.x, rtol=1e-9, atol=1e-10)


@pytest.mark.slow
def test_zo_gd_fixed_theory_step_and_max_nfev():
    lam, f = quadratic(5)
    r = minimize(f, np.ones(5), method="zo-gd",
                 options={"estimator": "gaussian", "lipschitz": lam.max(), "seed": 1,
                          "max_nfev": 400})
    assert r.status == 5 and not r.success and r.nfev <= 400
    assert r.fun < f(np.ones(5))


def iterations_to_reach(n, seed, target=1e-6):
    lam, f = quadratic(n)
    x0 = np.ones(n) / np.sqrt(n)
    f0 = f(x0)
    # the NumPy backend: the Python loop is quick here, and compiling a kernel and a loop for
    # every dimension would cost more than the runs
    r = minimize(f, x0, method="zo-gd", backend="numpy",
                 options={"estimator": "sphere", "lipschitz": lam.max(), "seed": seed,
                          "gtol": 0, "maxiter": 400 * n})
    below = np.flatnonzero(r.history.f[:-1] <= target * f0)
    assert below.size, "did not reach the target"
    return below[0]


def test_zo_gd_iterations_grow_linearly_with_dimension():
    dims = np.array([4, 8, 16, 32])
    iters = np.array([np.mean([iterations_to_reach(n, s) for s in range(3)]) for n in dims])
    slope = np.polyfit(np.log(dims), np.log(iters), 1)[0]
    assert 0.8 <= slope <= 1.2, (iters, slope)
    per_dim = iters / dims
    assert per_dim.max() / per_dim.min() < 1.6, per_dim


@numba.njit
def _quad_value(x, lam):
    return 0.5 * np.sum(lam * x ** 2)


@numba.njit
def _quad_value_and_grad(x, lam):
    return 0.5 * np.sum(lam * x ** 2), lam * x


@pytest.mark.slow
@pytest.mark.parametrize("options", [
    {"estimator": "sphere", "step": 0.02, "maxiter": 300},
    {"estimator": "gaussian", "directions": 3, "maxiter": 200},
    {"estimator": "coordinate", "maxiter": 100},
])
def test_compiled_zo_loop_matches_python_loop(options):
    lam = np.linspace(1.0, 4.0, 5)
    opts = dict(options, seed=7, gtol=0)
    compiled = minimize(_quad_value, np.ones(5), args=(lam,), method="zo-gd", options=opts)
    python = minimize(lambda x, l: _quad_value(x, l), np.ones(5), args=(lam,), method="zo-gd",
                      options=opts)
    assert compiled.nit == python.nit and compiled.nfev == python.nfev
    np.testing.assert_allclose(compiled.x, python.x, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(compiled.history.f, python.history.f, rtol=1e-9, atol=1e-14)
    assert len(compiled.history) == compiled.nit + 1


@pytest.mark.slow
@pytest.mark.parametrize("options", [{"step": 0.2}, {"step": 0.2, "momentum": 0.5},
                                     {"step": 0.2, "momentum": 0.5, "nesterov": True}])
def test_compiled_gd_loop_matches_python_loop(options):
    lam = np.linspace(1.0, 4.0, 5)
    compiled = minimize(_quad_value_and_grad, np.ones(5), args=(lam,), jac=True, method="gd",
                        options=options)
    python = minimize(lambda x, l: _quad_value_and_grad(x, l), np.ones(5), args=(lam,),
                      jac=True, method="gd", options=options)
    assert compiled.success and compiled.nit == python.nit and compiled.nfev == python.nfev
    np.testing.assert_allclose(compiled.x, python.x, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(compiled.history.f, python.history.f, rtol=1e-12)
    np.testing.assert_allclose(compiled.history.grad_norm, python.history.grad_norm,
                               rtol=1e-12)
    assert np.all(np.diff(compiled.history.time) >= 0)


@pytest.mark.parametrize("options", [{}, {"step": 0.1}, {"estimator": "coordinate"},
                                     {"estimator": "gaussian", "directions": 2}])
def test_zo_gd_is_not_successful_on_an_unbounded_function(options):
    """f = -sum(x) runs off to x ~ 1e11, where x +- eps v rounds to x: the estimate is 0, but
    only because f's differences are rounding noise; that is no small gradient."""
    res = minimize(lambda x: -np.sum(x), np.zeros(3), method="zo-gd", backend="numpy",
                   options=dict(options, seed=0))
    assert not res.success
    assert res.status in (1, 3, 10), res.message
    if res.status == 10:
        assert "rounding" in res.message and res.fun < -1e9


def test_zo_gd_success_at_a_minimum_with_a_large_value():
    """A minimum with f* = 1e3: the differences there are still resolved, so success stands."""
    res = minimize(lambda x: np.sum((x - 3.0) ** 2) + 1e3, np.zeros(3), method="zo-gd",
                   backend="numpy", options={"seed": 0})
    assert res.success, res.message
    np.testing.assert_allclose(res.x, 3.0, atol=1e-5)


@pytest.mark.parametrize("method, options", [
    ("gd", {"step": 0.1, "maxiter": 30}), ("gd", {"step": 0.1, "momentum": 0.5, "nesterov": True}),
    ("zo-gd", {"step": 0.1, "maxiter": 30, "seed": 0}), ("zo-gd", {"seed": 0, "maxiter": 30})])
def test_fixed_step_runs_keep_float32(method, options):
    seen = []
    res = minimize(lambda x: np.sum((x - 1.0) ** 2), np.zeros(3, dtype=np.float32),
                   method=method, options=options, callback=lambda r: seen.append(r.x.dtype))
    assert res.x.dtype == np.float32 and set(seen) == {np.dtype(np.float32)}
    if res.jac is not None:
        assert res.jac.dtype == np.float32
    tree = minimize(lambda p: np.sum((p["a"] - 1.0) ** 2) + np.sum(p["b"] ** 2),
                    {"a": np.zeros(3, np.float32), "b": np.ones(2, np.float32)},
                    method=method, options=options)
    assert tree.x["a"].dtype == tree.x["b"].dtype == np.float32


@pytest.mark.parametrize("method", ["newton-cg", "lbfgs", "trust-ncg", "gd"])
def test_default_gtol_scales_with_the_dtype(method):
    from optad.optimize.options import default_gtol
    assert default_gtol(np.float64) == 1e-6
    assert 5e-4 < default_gtol(np.float32) < 1e-3
    # float32 least squares: the gradient's rounding (~5e-5 here) is above 1e-6, so gtol = 1e-6
    # cannot be met; the float32 default can
    rng = np.random.default_rng(0)
    A = (3 * rng.standard_normal((40, 10))).astype(np.float32)
    b = (10 * rng.standard_normal(40)).astype(np.float32)
    fun = lambda x, A, b: np.sum((A @ x - b) ** 2)  # noqa: E731
    x0 = np.zeros(10, np.float32)
    strict = minimize(fun, x0, args=(A, b), method=method, backend="numpy",
                      options={"gtol": 1e-6})
    assert not strict.success
    res = minimize(fun, x0, args=(A, b), method=method, backend="numpy")
    assert res.success, res.message
    assert res.x.dtype == np.float32
    x_star = np.linalg.lstsq(A.astype(float), b.astype(float), rcond=None)[0]
    np.testing.assert_allclose(res.x, x_star, atol=1e-4)
