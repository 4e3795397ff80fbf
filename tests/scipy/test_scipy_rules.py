"""SciPy inside losses (issue 22, item 2): each function as users call it, against central
finite differences of SciPy's own function (value, JVP, VJP, and H v against the difference
of the gradient), on the NumPy backend; on Numba, also every array against the NumPy backend
(tests/rule_checks.py).  Inputs are drawn where the function is smooth."""
import numpy as np
import pytest
import scipy.linalg as sl
import scipy.optimize
import scipy.special as sp
import scipy.stats as st

from rule_checks import case_results, check_against_finite_differences, check_same_results


def anyv(*shape):
    return lambda rng: rng.normal(size=shape)


def pos(*shape):
    return lambda rng: rng.uniform(0.5, 2.5, size=shape)


def prob(*shape):
    return lambda rng: rng.uniform(0.1, 0.9, size=shape)


def spd(n):
    def make(rng):
        m = rng.normal(size=(n, n))
        return m @ m.T + n * np.eye(n)
    return make


def well_conditioned(n):
    return lambda rng: rng.normal(size=(n, n)) * 0.3 + 2.0 * np.eye(n)


def sym(a):
    return (a + a.T) / 2


def fixed(value):
    return lambda rng: np.array(value, dtype=float)


X4 = np.array([[0.3, -1.1], [1.2, 0.4], [-0.7, 0.9], [0.1, 0.2]])
COUNTS = np.array([0.0, 1.0, 3.0, 2.0])


def gp_negative_log_likelihood(theta, y):
    """GP regression written the usual way: Cholesky factor, cho_solve, log-determinant."""
    ls, sf, sn = np.exp(theta)
    d2 = np.sum((X4[:, None, :] - X4[None, :, :]) ** 2, axis=-1)
    k = sf ** 2 * np.exp(-0.5 * d2 / ls ** 2) + sn ** 2 * np.eye(4)
    low = sl.cholesky(k, lower=True)
    alpha = sl.cho_solve((low, True), y)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(low)))


CASES = {
    # scipy.special
    "expit": (lambda x: sp.expit(x) ** 2 + sp.expit(2 * x),
              [fixed([-40.0, -3.0, -0.2, 0.0, 0.4, 2.5, 35.0])]),
    "log_expit": (lambda x: sp.log_expit(x) ** 2, [fixed([-30.0, -2.0, 0.0, 0.7, 3.0, 40.0])]),
    "logit": (lambda p: sp.logit(p) * p, [prob(5)]),
    "xlogy": (lambda x, y: sp.xlogy(x, y) + sp.xlogy(x ** 2, 2.0), [anyv(5), pos(5)]),
    "xlog1py": (lambda x, y: sp.xlog1py(x, y) * x, [anyv(5), pos(5)]),
    "logsumexp": (lambda a: sp.logsumexp(a) + sp.logsumexp(a, axis=0) ** 2, [anyv(3, 4)]),
    "logsumexp_b_keepdims": (lambda a, b: sp.logsumexp(a, axis=1, b=b, keepdims=True) * a,
                             [anyv(2, 3), pos(2, 3)]),
    "logsumexp_return_sign": (lambda a, b: np.multiply(*sp.logsumexp(a, axis=0, b=b,
                                                                      return_sign=True)),
                              [anyv(3, 2), fixed([[1.0, -2.0], [0.5, -0.1], [-0.3, -1.5]])]),
    "softmax_log_softmax": (lambda x: sp.softmax(x, axis=1) * sp.log_softmax(x, axis=0)
                            + sp.softmax(x)[0, 0], [anyv(3, 4)]),
    "gammaln": (lambda x: sp.gammaln(x) * x, [lambda rng: rng.uniform(0.2, 12.0, size=6)]),
    "gammaln_negative": (sp.gammaln, [fixed([-2.7, -1.4, -0.3, 0.3, 60.0])]),
    "digamma_psi": (lambda x: sp.digamma(x) + sp.psi(x) ** 2,
                    [fixed([-1.6, -0.4, 0.2, 0.9, 2.0, 7.5, 40.0])]),
    "betaln": (sp.betaln, [pos(4), pos(4)]),
    # scipy.linalg
    "cholesky_lower_upper": (lambda a: sl.cholesky(a, lower=True) + sl.cholesky(a) ** 2,
                             [spd(3)]),
    "cholesky_reads_upper": (lambda a: sl.cholesky(a), [lambda rng: np.triu(spd(3)(rng))]),
    "cho_factor_cho_solve": (lambda a, b: sl.cho_solve(sl.cho_factor(a), b)
                             + sl.cho_solve(sl.cho_factor(a, lower=True), b) ** 2,
                             [spd(3), anyv(3, 2)]),
    "cho_factor_value": (lambda a: sl.cho_factor(a)[0] * 2, [spd(3)]),
    "solve_triangular": (lambda a, b: sl.solve_triangular(a, b, lower=True)
                         + sl.solve_triangular(a, b, trans="T", unit_diagonal=True),
                         [well_conditioned(3), anyv(3)]),
    "solve_assume_a": (lambda a, b: sl.solve(a, b) + sl.solve(a, b, assume_a="sym")
                       + sl.solve(a + 4 * np.eye(3), b, assume_a="pos", lower=True)
                       + sl.solve(a, b, transposed=True), [well_conditioned(3), anyv(3, 2)]),
    "inv_det": (lambda a: sl.inv(a) * sl.det(a), [well_conditioned(3)]),
    "eigh": (lambda a: sl.eigh(sym(a), eigvals_only=True) ** 2
             + sl.eigvalsh(a, lower=False), [anyv(3, 3)]),
    "svd_values_qr": (lambda a: sl.svdvals(a) * sl.svd(a, compute_uv=False)
                      + np.abs(sl.qr(a, mode="economic")[1]).sum(), [anyv(4, 3)]),
    "gp_regression": (gp_negative_log_likelihood, [fixed([0.1, -0.2, -0.5]), anyv(4)]),
    # scipy.stats
    "norm_logpdf_pdf": (lambda x, mu, s: st.norm.logpdf(x, mu, s) + st.norm.pdf(x, loc=mu)
                        + st.norm(0.3, 2.0).logpdf(x), [anyv(4), anyv(4), pos(4)]),
    "t_logpdf": (lambda x, df: st.t.logpdf(x, df) + st.t.logpdf(x, 3.0, loc=0.5, scale=2.0),
                 [anyv(4), pos(4)]),
    "gamma_logpdf": (lambda x, a: st.gamma.logpdf(x, a, scale=1.5), [pos(4), pos(4)]),
    "beta_logpdf": (lambda x, a, b: st.beta.logpdf(x, a, b), [prob(4), pos(4), pos(4)]),
    "expon_laplace": (lambda x, s: st.expon.logpdf(x, scale=s) + st.laplace.logpdf(x, 0.2, s),
                      [pos(4), pos(4)]),
    "poisson_logpmf": (lambda mu: st.poisson.logpmf(COUNTS, mu), [pos(4)]),
    "binom_bernoulli": (lambda p: st.binom.logpmf(COUNTS, 5, p)
                        + st.bernoulli.logpmf(np.array([0, 1, 1, 0]), p), [prob(4)]),
    "multivariate_normal": (lambda x, m, a: st.multivariate_normal.logpdf(x, m, a @ a.T
                                                                          + np.eye(3)),
                            [anyv(5, 3), anyv(3), anyv(3, 3)]),
    "multivariate_normal_frozen_diag": (
        lambda x: st.multivariate_normal(np.ones(3), np.eye(3) * 2).logpdf(x)
        + st.multivariate_normal.logpdf(x, np.zeros(3), np.array([1.0, 2.0, 0.5])), [anyv(2, 3)]),
    # scipy.optimize's test functions call NumPy on their inputs
    "rosen": (scipy.optimize.rosen, [anyv(4)]),
}

FAST_NUMBA_CASES = {"gp_regression", "expit"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_jvp_and_vjp_match_finite_differences(name):
    result = case_results(name, CASES[name], "numpy", second_order=False)
    check_against_finite_differences(CASES[name], result, value_rtol=1e-12, value_atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_hvp_matches_finite_differences_of_gradient(name):
    result = case_results(name, CASES[name], "numpy")
    check_against_finite_differences(CASES[name], result, value_rtol=1e-12, value_atol=1e-12)


@pytest.mark.skipif("numba" not in __import__("conftest").BACKENDS, reason="numba backend absent")
@pytest.mark.parametrize("name", [name if name in FAST_NUMBA_CASES else
                                  pytest.param(name, marks=pytest.mark.slow)
                                  for name in sorted(CASES)])
def test_numba_backend_matches_finite_differences_and_numpy_backend(name):
    case = CASES[name]
    result = case_results(name, case, "numba")
    check_against_finite_differences(case, result, value_rtol=1e-12, value_atol=1e-12)
    check_same_results(result, case_results(name, case, "numpy"), rtol=1e-9, atol=1e-11,
                       backends=("numba", "numpy"))
