"""optad.scipy's tables against SciPy itself: every rule names a real SciPy function, the
README's SciPy rows list them, the composed special functions match SciPy's to near machine
precision over their range (extremes included), and a traced value given to a SciPy function
without a rule raises an error that names it and says why."""
import numpy as np
import pytest
import scipy.linalg as sl
import scipy.special as sp
import scipy.stats as st

import optad
from optad.numpy import catalogue
from optad.scipy import catalogue as scipy_catalogue, linalg, special, stats


def test_every_rule_names_a_scipy_function():
    for name in special.UFUNC_RULES:
        assert isinstance(getattr(sp, name), np.ufunc), name
    for name in list(special.FUNCTION_RULES) + list(special.NO_PRIMITIVE):
        assert callable(getattr(sp, name)), name
    for name in list(linalg.FUNCTION_RULES) + list(linalg.NO_RULE):
        assert callable(getattr(sl, name)), name
    for dist, methods in stats.METHOD_RULES.items():
        for method in methods:
            assert callable(getattr(getattr(st, dist), method)), (dist, method)


def test_readme_rows_list_every_scipy_rule():
    rendered = catalogue.render_supported_operations()
    for family, module, names, _ in scipy_catalogue.families():
        row = next(line for line in rendered.splitlines() if line.startswith(f"| {family} |"))
        assert f"`{module}." in row
        for name in names:
            assert f" {name}" in row or f".{name}" in row, (family, name)
    table = [(f, n) for f, _, names, _ in scipy_catalogue.families() for n in names]
    assert len(table) == len(special.UFUNC_RULES) + len(special.FUNCTION_RULES) + \
        len(linalg.FUNCTION_RULES) + sum(len(m) for m in stats.METHOD_RULES.values())


GRID = {
    "expit": (sp.expit, np.array([-745.0, -700.0, -40.0, -1.0, 0.0, 1e-8, 3.0, 36.0, 800.0])),
    "log_expit": (sp.log_expit, np.array([-800.0, -40.0, -1.0, 0.0, 2.0, 40.0, 800.0])),
    "logit": (sp.logit, np.array([1e-12, 0.01, 0.5, 0.73, 1 - 1e-9])),
    "gammaln": (sp.gammaln, np.concatenate([np.linspace(0.05, 30.0, 41), [1.0, 2.0, 1e-6, 1e5,
                                                                          -0.5, -3.7, 0.0,
                                                                          -2.0]])),
    "digamma": (sp.digamma, np.concatenate([np.linspace(0.05, 30.0, 41), [1e-6, 1e5, -0.5,
                                                                          -3.7, 0.0, -2.0]])),
}


@pytest.mark.parametrize("name", sorted(GRID))
def test_composed_special_functions_match_scipy(name):
    fun, x = GRID[name]
    with np.errstate(divide="ignore", invalid="ignore"):   # the poles
        got = optad.jit(fun, backend="numpy")(x)
    want = fun(x)
    np.testing.assert_allclose(got, want, rtol=2e-14, atol=4e-15, err_msg=name)


def test_gradients_at_the_extremes_are_finite_and_right():
    x = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    g = optad.grad(lambda x: np.sum(sp.expit(x) + sp.log_expit(x)), backend="numpy")(x)
    s, one_minus_s = sp.expit(x), sp.expit(-x)   # (1 - s without cancellation)
    np.testing.assert_allclose(g, s * one_minus_s + one_minus_s, rtol=1e-14, atol=1e-300)
    h = optad.hvp(lambda x: np.sum(sp.log_expit(x)), backend="numpy")(x, np.ones(5))
    np.testing.assert_allclose(h, -s * one_minus_s, rtol=1e-14, atol=1e-300)


def test_logistic_regression_hessian_at_zero():
    """A Newton step's first HVP, at w = 0 exactly: -X^T diag(s(1 - s)) X v."""
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 2, size=6).astype(float)

    def nll(w):
        z = X @ w
        return -np.sum(y * sp.log_expit(z) + (1 - y) * sp.log_expit(-z))

    v = rng.normal(size=3)
    h = optad.hvp(nll, backend="numpy")(np.zeros(3), v)
    np.testing.assert_allclose(h, 0.25 * X.T @ (X @ v), rtol=1e-13)


@pytest.mark.parametrize("call, words", [
    (lambda x: sp.erf(x), ["scipy.special.erf", "primitive"]),
    (lambda x: sp.log_ndtr(x), ["scipy.special.log_ndtr", "primitive"]),
    (lambda x: st.norm.logcdf(x), ["scipy.stats.norm.logcdf", "erf"]),
    (lambda x: st.norm(1.0, 2.0).cdf(x), ["scipy.stats.norm.cdf", "erf"]),
    (lambda x: sl.lu_factor(np.outer(x, x) + np.eye(3)), ["scipy.linalg.lu_factor",
                                                          "scipy.linalg.solve"]),
    (lambda x: sl.expm(np.outer(x, x)), ["scipy.linalg.expm"]),
    (lambda x: sp.gamma(x), ["scipy.special.gamma", "gammaln"]),
    (lambda x: sp.polygamma(1, x), ["scipy.special.polygamma", "primitive"]),
])
def test_scipy_functions_without_a_rule_say_so(call, words):
    with pytest.raises(NotImplementedError) as info:
        optad.grad(lambda x: np.sum(call(x)), backend="numpy")(np.array([0.1, 0.2, 0.3]))
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_constants_still_reach_scipy_inside_a_trace():
    """erf of a constant inside a traced loss is SciPy's, folded into the program."""
    c = np.array([0.3, 1.2, -0.4])
    g = optad.grad(lambda x: np.sum(x * sp.erf(c) + st.norm.cdf(c) * x ** 2),
                   backend="numpy")(np.ones(3))
    np.testing.assert_allclose(g, sp.erf(c) + 2 * st.norm.cdf(c), rtol=1e-15)
