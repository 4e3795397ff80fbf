"""Log-densities of ``scipy.stats`` distributions on traced values.

``norm.logpdf(x, loc, scale)``, ``multivariate_normal.logpdf(x, mean, cov)`` and the others in
``METHOD_RULES`` are written from their formulas with optad's functions, so any of their
arguments may be traced (shape parameters through ``gammaln``, see special.py); ``pdf``/``pmf``
is the exponential of the log.  Outside the support the log-density is -inf, as SciPy's; an
invalid parameter (a scale <= 0, a probability outside [0, 1]) is not checked on traced values.
Frozen distributions (``norm(0, 2).logpdf(x)``) reach the same rules.

The CDFs (``cdf``, ``logcdf``, ``sf``, ``ppf`` ...) of the normal family need erf, which is
not an optad primitive: given a traced value they raise an error that says so.
"""
from __future__ import annotations

import numpy as np

from .. import numpy as onp
from ..numpy._promote import as_operand, cast
from .linalg import solve_triangular
from .special import _float, betaln, gammaln, xlog1py, xlogy

_LOG_2PI = float(np.log(2 * np.pi))


_f = _float   # an operand as a float (special.py)


def _standardise(x, loc, scale):
    return onp.divide(onp.subtract(_f(x), loc), scale)


def _on_support(inside, value):
    return onp.where(inside, value, -np.inf)


def _exp(logdensity):
    def density(*args, **kwargs):
        return onp.exp(logdensity(*args, **kwargs))
    return density


# --------------------------------------------------------------------------- continuous

def norm_logpdf(x, loc=0.0, scale=1.0):
    y = _standardise(x, loc, scale)
    return onp.subtract(onp.multiply(onp.multiply(y, y), -0.5),
                        onp.add(onp.log(_f(scale)), 0.5 * _LOG_2PI))


def t_logpdf(x, df, loc=0.0, scale=1.0):
    y = _standardise(x, loc, scale)
    df = _f(df)
    half = onp.multiply(onp.add(df, 1.0), 0.5)
    const = onp.subtract(onp.subtract(gammaln(half), gammaln(onp.multiply(df, 0.5))),
                         onp.multiply(onp.log(onp.multiply(df, np.pi)), 0.5))
    tail = onp.multiply(half, onp.log1p(onp.divide(onp.multiply(y, y), df)))
    return onp.subtract(onp.subtract(const, tail), onp.log(_f(scale)))


def laplace_logpdf(x, loc=0.0, scale=1.0):
    y = _standardise(x, loc, scale)
    return onp.subtract(onp.negative(onp.absolute(y)), onp.log(onp.multiply(_f(scale), 2.0)))


def expon_logpdf(x, loc=0.0, scale=1.0):
    y = _standardise(x, loc, scale)
    inside = onp.greater_equal(y, 0.0)
    return _on_support(inside, onp.subtract(onp.negative(y), onp.log(_f(scale))))


def gamma_logpdf(x, a, loc=0.0, scale=1.0):
    y = _standardise(x, loc, scale)
    inside = onp.greater(y, 0.0)
    y = onp.where(inside, y, 1.0)
    a = _f(a)
    value = onp.subtract(onp.subtract(xlogy(onp.subtract(a, 1.0), y), y), gammaln(a))
    return _on_support(inside, onp.subtract(value, onp.log(_f(scale))))


def beta_logpdf(x, a, b, loc=0.0, scale=1.0):
    y = _standardise(x, loc, scale)
    inside = onp.logical_and(onp.greater(y, 0.0), onp.less(y, 1.0))
    y = onp.where(inside, y, 0.5)
    a, b = _f(a), _f(b)
    value = onp.add(xlogy(onp.subtract(a, 1.0), y), xlog1py(onp.subtract(b, 1.0),
                                                              onp.negative(y)))
    value = onp.subtract(onp.subtract(value, betaln(a, b)), onp.log(_f(scale)))
    return _on_support(inside, value)


def multivariate_normal_logpdf(x, mean=None, cov=1, allow_singular=False):
    """log N(x; mean, cov) through the Cholesky factor of cov (a (d, d) matrix, a vector of
    variances or a scalar variance); x is one point (d,) or points (..., d)."""
    x = _f(x)
    cov = as_operand(_f(cov))
    d = np.shape(cov)[-1] if np.ndim(cov) else (np.shape(mean)[-1] if mean is not None and
                                                np.ndim(mean) else np.shape(x)[-1])
    if d == 1 and np.ndim(x) >= 1 and np.shape(x)[-1] != 1:
        x = onp.expand_dims(x, -1)   # as SciPy: with d = 1 a vector is n points
    diff = x if mean is None else onp.subtract(x, _f(mean))
    if np.ndim(cov) < 2:   # a scalar variance or a vector of variances
        var = onp.multiply(cov, np.ones(d)) if np.ndim(cov) == 0 else cov
        z2 = onp.sum(onp.divide(onp.multiply(diff, diff), var), axis=-1)
        half_logdet = onp.multiply(onp.sum(onp.log(var)), 0.5)
    else:
        low = onp.linalg.cholesky(cov)
        flat = onp.reshape(diff, (-1, d))
        z = solve_triangular(low, onp.transpose(flat), lower=True)   # (d, n)
        z2 = onp.reshape(onp.sum(onp.multiply(z, z), axis=0), np.shape(diff)[:-1])
        half_logdet = onp.sum(onp.log(onp.diagonal(low)))
    return onp.subtract(onp.multiply(z2, -0.5), onp.add(half_logdet, 0.5 * d * _LOG_2PI))


# --------------------------------------------------------------------------- discrete

def _integer_support(k, low, high=None):
    inside = onp.logical_and(onp.equal(onp.floor(k), k), onp.greater_equal(k, low))
    if high is not None:
        inside = onp.logical_and(inside, onp.less_equal(k, high))
    return inside


def poisson_logpmf(k, mu, loc=0):
    k = onp.subtract(_f(k), loc)
    inside = _integer_support(k, 0.0)
    k = onp.where(inside, k, 0.0)
    value = onp.subtract(onp.subtract(xlogy(k, mu), gammaln(onp.add(k, 1.0))), mu)
    return _on_support(inside, value)


def binom_logpmf(k, n, p, loc=0):
    k = onp.subtract(_f(k), loc)
    n = _f(n)
    inside = _integer_support(k, 0.0, n)
    k = onp.where(inside, k, 0.0)
    choose = onp.subtract(gammaln(onp.add(n, 1.0)),
                          onp.add(gammaln(onp.add(k, 1.0)),
                                  gammaln(onp.add(onp.subtract(n, k), 1.0))))
    value = onp.add(choose, onp.add(xlogy(k, p), xlog1py(onp.subtract(n, k), onp.negative(p))))
    return _on_support(inside, value)


def bernoulli_logpmf(k, p, loc=0):
    k = onp.subtract(_f(k), loc)
    inside = _integer_support(k, 0.0, 1.0)
    k = onp.where(inside, k, 0.0)
    value = onp.add(xlogy(k, p), xlog1py(onp.subtract(1.0, k), onp.negative(p)))
    return _on_support(inside, value)


# (scipy.stats name, {method: rule}); the rules take the method's arguments after self
METHOD_RULES = {
    "norm": {"logpdf": norm_logpdf, "pdf": _exp(norm_logpdf)},
    "t": {"logpdf": t_logpdf, "pdf": _exp(t_logpdf)},
    "laplace": {"logpdf": laplace_logpdf, "pdf": _exp(laplace_logpdf)},
    "expon": {"logpdf": expon_logpdf, "pdf": _exp(expon_logpdf)},
    "gamma": {"logpdf": gamma_logpdf, "pdf": _exp(gamma_logpdf)},
    "beta": {"logpdf": beta_logpdf, "pdf": _exp(beta_logpdf)},
    "multivariate_normal": {"logpdf": multivariate_normal_logpdf,
                            "pdf": _exp(multivariate_normal_logpdf)},
    "poisson": {"logpmf": poisson_logpmf, "pmf": _exp(poisson_logpmf)},
    "binom": {"logpmf": binom_logpmf, "pmf": _exp(binom_logpmf)},
    "bernoulli": {"logpmf": bernoulli_logpmf, "pmf": _exp(bernoulli_logpmf)},
}

# methods that stay SciPy's and refuse a traced value with a clear error
NO_RULE_METHODS = ("cdf", "logcdf", "sf", "logsf", "ppf", "isf")


def no_rule_error(dist, method):
    return NotImplementedError(
        f"scipy.stats.{dist}.{method} was given a traced value: optad has no rule for it (the "
        "normal family's CDFs need erf, which is not an optad primitive). Traced log-densities: "
        + ", ".join(f"{d}.{m}" for d, ms in METHOD_RULES.items() for m in ms) + ".")
