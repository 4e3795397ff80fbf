"""Bad input: clear errors before starting, or success=False with a message and the best point."""
import numpy as np
import pytest
import scipy.optimize as so

from optad.optimize import OptimizeWarning, minimize

X0 = np.array([-1.2, 1.0])
DERIVS = dict(jac=so.rosen_der, hessp=so.rosen_hess_prod)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_x0(bad):
    with pytest.raises(ValueError, match="NaN or inf"):
        minimize(so.rosen, np.array([1.0, bad]), **DERIVS)


def test_unknown_method_lists_known_ones():
    with pytest.raises(ValueError, match="gd, zo-gd, newton-cg"):
        minimize(so.rosen, X0, method="bfgs", **DERIVS)


def test_non_scalar_fun():
    with pytest.raises(ValueError, match="scalar"):
        minimize(lambda x: x ** 2, X0, jac=lambda x: 2 * x, method="gd")
    with pytest.raises(ValueError, match="scalar"):
        minimize(lambda x: x ** 2, X0, method="zo-gd")


def test_jac_shape_mismatch():
    with pytest.raises(ValueError, match="gradient does not match x0"):
        minimize(so.rosen, X0, jac=lambda x: np.ones(3), hessp=so.rosen_hess_prod)


@pytest.mark.parametrize("method, options", [
    ("newton-cg", {"gtol": -1.0}), ("newton-cg", {"xtol": -1e-3}), ("gd", {"step": 0.0}),
    ("gd", {"step": -0.1}), ("gd", {"momentum": 1.0}), ("gd", {"maxiter": 0}),
    ("zo-gd", {"eps": 0.0}), ("zo-gd", {"directions": 0}), ("zo-gd", {"estimator": "cube"}),
    ("zo-gd", {"step": np.inf}), ("newton-cg", {"cg_maxiter": -3}),
])
def test_bad_options_raise(method, options):
    with pytest.raises((ValueError, TypeError)):
        minimize(so.rosen, X0, method=method, options=options, **(
            DERIVS if method == "newton-cg" else {"jac": so.rosen_der} if method == "gd" else {}))


def test_bad_tol_and_nesterov_without_momentum():
    with pytest.raises(ValueError, match="tol"):
        minimize(so.rosen, X0, tol=-1.0, **DERIVS)
    with pytest.raises(ValueError, match="nesterov"):
        minimize(so.rosen, X0, method="gd", jac=so.rosen_der, options={"nesterov": True})


def test_unknown_option_warns_at_the_users_line():
    with pytest.warns(OptimizeWarning, match="gtoll") as record:
        minimize(so.rosen, X0, options={"gtoll": 1e-3}, **DERIVS)
    assert record[0].filename == __file__


def test_fun_returning_nan_mid_run_keeps_best_point():
    calls = {"n": 0}

    def fun(x):
        calls["n"] += 1
        return so.rosen(x) if calls["n"] < 15 else np.nan

    r = minimize(fun, X0, method="gd", jac=so.rosen_der, options={"step": 1e-4})
    assert not r.success and r.status == 3 and "NaN" in r.message
    assert np.all(np.isfinite(r.x)) and np.isfinite(r.fun)
    assert r.fun == min(r.history.f[np.isfinite(r.history.f)])


def test_newton_cg_gradient_nan_reports_failure():
    def jac(x):
        return so.rosen_der(x) if x[0] < -0.5 else np.full(2, np.nan)

    r = minimize(so.rosen, X0, jac=jac, hessp=so.rosen_hess_prod)
    assert not r.success
    assert np.all(np.isfinite(r.x)) and r.fun <= so.rosen(X0)


def test_inconsistent_gradient_line_search_failure_keeps_best_point():
    # the gradient points the wrong way: no descent is possible along -jac
    r = minimize(so.rosen, X0, jac=lambda x: -so.rosen_der(x), hessp=so.rosen_hess_prod)
    assert not r.success and r.status == 2
    np.testing.assert_array_equal(r.x, X0)
    assert r.fun == so.rosen(X0)


def test_diverging_fixed_step_gd_stops_with_message():
    r = minimize(lambda x: np.sum(x ** 2), np.ones(3), method="gd", jac=lambda x: 2 * x,
                 options={"step": 10.0, "maxiter": 100000})
    assert not r.success and r.status == 3
    assert np.all(np.isfinite(r.x)) and r.fun == 3.0  # best point: x0


def test_zero_order_ignores_derivatives_with_warning():
    with pytest.warns(OptimizeWarning, match="function values only"):
        minimize(so.rosen, X0, method="zo-gd", jac=so.rosen_der, options={"maxiter": 3})
