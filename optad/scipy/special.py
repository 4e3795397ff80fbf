"""``scipy.special`` on traced values, composed from optad's NumPy functions.

Every function here is written so that all its derivatives are right everywhere it is
finite: where two formulas cover two ranges (expit, log_expit), each branch is fed an input
clamped to its own range before ``np.where`` picks one, so the branch not taken never sees an
overflowing value (a zero cotangent times an infinite local derivative would be NaN).

``gammaln`` and ``digamma`` (and ``betaln`` from them) are a shifted asymptotic series: the
recurrence moves x above 6 and Stirling's series (the psi series for digamma) takes over;
below 1/2 the reflection formula applies.  Absolute error about 1e-15 where the value is
O(1); their derivatives are those of the series, within 1e-13 of the true ones.

The special functions with no composition from optad's primitives (erf, erfc, ndtr,
log_ndtr, polygamma, i0, i1 ...) have no rule: ``NO_PRIMITIVE`` names them, and a traced
value given to one raises an error that says so.  Given constants they are SciPy's own.
"""
from __future__ import annotations

import numpy as np

from .. import numpy as onp
from ..numpy._promote import any_tracer, as_operand, cast


def _float(x):
    x = as_operand(x)
    if isinstance(x, (bool, int)):
        return float(x)
    if isinstance(x, float):
        return x
    return x if x.dtype.kind == "f" else cast(x, np.float64)


def _scipy(name):
    import scipy.special
    return getattr(scipy.special, name)


# --------------------------------------------------------------------------- logistic

def expit(x):
    """1 / (1 + exp(-x)), with no overflow at either end."""
    if not any_tracer(x):
        return _scipy("expit")(x)
    x = _float(x)
    nonneg = onp.greater_equal(x, 0.0)
    e_pos = onp.exp(onp.negative(onp.where(nonneg, x, 0.0)))   # exp(-x) for x >= 0
    e_neg = onp.exp(onp.where(nonneg, 0.0, x))                 # exp(x) for x < 0
    return onp.where(nonneg, onp.divide(1.0, onp.add(1.0, e_pos)),
                     onp.divide(e_neg, onp.add(1.0, e_neg)))


def log_expit(x):
    """log(expit(x)) = -log(1 + exp(-x)), with no overflow at either end."""
    if not any_tracer(x):
        return _scipy("log_expit")(x)
    x = _float(x)
    nonneg = onp.greater_equal(x, 0.0)
    x_pos = onp.where(nonneg, x, 0.0)
    x_neg = onp.where(nonneg, 0.0, x)
    return onp.where(nonneg, onp.negative(onp.log1p(onp.exp(onp.negative(x_pos)))),
                     onp.subtract(x_neg, onp.log1p(onp.exp(x_neg))))


def logit(p):
    """log(p / (1 - p))."""
    if not any_tracer(p):
        return _scipy("logit")(p)
    p = _float(p)
    return onp.subtract(onp.log(p), onp.log1p(onp.negative(p)))


# --------------------------------------------------------------------------- x log y

def xlogy(x, y):
    """x * log(y), 0 where x == 0 (unless y is NaN).  d/dy is x / y (0 where x == 0);
    d/dx is log(y), taken as 0 at x == 0 where y <= 0 (there log y is not finite)."""
    if not any_tracer(x, y):
        return _scipy("xlogy")(x, y)
    x, y = _float(x), _float(y)
    # where x == 0 and log(y) is not finite, evaluate at y = 1 instead (x * 0 = 0)
    bad = onp.logical_and(onp.equal(x, 0.0), onp.less_equal(y, 0.0))
    return onp.multiply(x, onp.log(onp.where(bad, 1.0, y)))


def xlog1py(x, y):
    """x * log1p(y), 0 where x == 0; the same conventions as ``xlogy``."""
    if not any_tracer(x, y):
        return _scipy("xlog1py")(x, y)
    x, y = _float(x), _float(y)
    bad = onp.logical_and(onp.equal(x, 0.0), onp.less_equal(y, -1.0))
    return onp.multiply(x, onp.log1p(onp.where(bad, 0.0, y)))


# --------------------------------------------------------------------------- log-sum-exp family

def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    return tuple(int(a) % ndim if ndim else 0 for a in axes)


def _shift(a, axes):
    """The maximum of ``a`` over ``axes`` (kept), 0 where it is not finite (all -inf)."""
    m = onp.max(a, axis=axes, keepdims=True)
    return onp.where(onp.isfinite(m), m, 0.0)


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """log(sum(b * exp(a))) over ``axis``, shifted by the maximum (whose derivative cancels)."""
    if not any_tracer(a, b):
        return _scipy("logsumexp")(a, axis=axis, b=b, keepdims=keepdims,
                                   return_sign=return_sign)
    a = _float(a)
    if b is not None:
        b = _float(b)
        shape = np.broadcast_shapes(np.shape(a), np.shape(b))
        a, b = onp.broadcast_to(a, shape), onp.broadcast_to(b, shape)
        a = onp.where(onp.equal(b, 0.0), -np.inf, a)   # as SciPy: b == 0 drops the term
    a = as_operand(a)
    axes = _axes(axis, np.ndim(a))
    m = _shift(a, axes)
    terms = onp.exp(onp.subtract(a, m))
    if b is not None:
        terms = onp.multiply(b, terms)
    s = onp.sum(terms, axis=axes, keepdims=True)
    sign = None
    if return_sign:
        sign = onp.sign(s)
        s = onp.absolute(s)
    out = onp.add(onp.log(s), m)
    if not keepdims:
        shape = tuple(n for i, n in enumerate(np.shape(out)) if i not in axes)
        out = onp.reshape(out, shape)
        if sign is not None:
            sign = onp.reshape(sign, shape)
    return (out, sign) if return_sign else out


def softmax(x, axis=None):
    """exp(x) / sum(exp(x)) over ``axis``."""
    if not any_tracer(x):
        return _scipy("softmax")(x, axis=axis)
    x = as_operand(_float(x))
    axes = _axes(axis, x.ndim)
    e = onp.exp(onp.subtract(x, _shift(x, axes)))
    return onp.divide(e, onp.sum(e, axis=axes, keepdims=True))


def log_softmax(x, axis=None):
    """x - logsumexp(x) over ``axis``."""
    if not any_tracer(x):
        return _scipy("log_softmax")(x, axis=axis)
    x = as_operand(_float(x))
    axes = _axes(axis, x.ndim)
    shifted = onp.subtract(x, _shift(x, axes))
    return onp.subtract(shifted, onp.log(onp.sum(onp.exp(shifted), axis=axes, keepdims=True)))


# --------------------------------------------------------------------------- log-gamma family

_SHIFT = 6   # the recurrence moves x to x + 6 >= 6.5 before the series is used
# Stirling's series for log Gamma(z): B_2k / (2k (2k - 1) z^(2k-1)), k = 1..8
_STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156,
             -3617 / 122400]
# the psi (digamma) series: -B_2k / (2k z^2k), k = 1..8
_PSI = [-1 / 12, 1 / 120, -1 / 252, 1 / 240, -1 / 132, 691 / 32760, -1 / 12, 3617 / 8160]


def _odd_series(z, coefficients):
    """sum_k c_k z^-(2k - 1), by Horner's rule in 1/z^2."""
    w = onp.divide(1.0, onp.multiply(z, z))
    total = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        total = onp.add(onp.multiply(total, w), c)
    return onp.divide(total, z)


def _gammaln_positive(x):
    """log Gamma(x) for x >= 1/2."""
    z = onp.add(x, float(_SHIFT))
    log_z = onp.log(z)
    stirling = onp.add(onp.subtract(onp.multiply(onp.subtract(z, 0.5), log_z), z),
                       0.5 * np.log(2 * np.pi))
    stirling = onp.add(stirling, _odd_series(z, _STIRLING))
    for k in range(_SHIFT):   # log Gamma(x) = log Gamma(x + 6) - log(x (x + 1) ... (x + 5))
        stirling = onp.subtract(stirling, onp.log(onp.add(x, float(k))))
    return stirling


def gammaln(x):
    """log |Gamma(x)|: inf at 0 and the negative integers, as SciPy."""
    if not any_tracer(x):
        return _scipy("gammaln")(x)
    x = _float(x)
    small = onp.less(x, 0.5)
    right = _gammaln_positive(onp.where(small, onp.subtract(1.0, x), x))
    # reflection: log|Gamma(x)| = log(pi / |sin(pi x)|) - log Gamma(1 - x) for x < 1/2
    sin_pi_x = onp.absolute(onp.sin(onp.multiply(np.pi, onp.where(small, x, 0.5))))
    left = onp.subtract(onp.subtract(np.log(np.pi), onp.log(sin_pi_x)), right)
    pole = onp.logical_and(small, onp.equal(onp.floor(x), x))
    return onp.where(pole, np.inf, onp.where(small, left, right))


def _digamma_positive(x):
    z = onp.add(x, float(_SHIFT))
    w = onp.divide(1.0, onp.multiply(z, z))
    total = _PSI[-1]
    for c in reversed(_PSI[:-1]):
        total = onp.add(onp.multiply(total, w), c)
    psi = onp.add(onp.subtract(onp.log(z), onp.divide(0.5, z)), onp.multiply(total, w))
    for k in range(_SHIFT):   # psi(x) = psi(x + 6) - sum_k 1 / (x + k)
        psi = onp.subtract(psi, onp.divide(1.0, onp.add(x, float(k))))
    return psi


def digamma(x):
    """psi(x) = d log Gamma(x) / dx; -inf at 0 and NaN at the negative integers, as SciPy."""
    if not any_tracer(x):
        return _scipy("digamma")(x)
    x = _float(x)
    small = onp.less(x, 0.5)
    right = _digamma_positive(onp.where(small, onp.subtract(1.0, x), x))
    # reflection: psi(x) = psi(1 - x) - pi / tan(pi x)
    tan_pi_x = onp.tan(onp.multiply(np.pi, onp.where(small, x, 0.25)))
    left = onp.subtract(right, onp.divide(np.pi, tan_pi_x))
    pole = onp.logical_and(small, onp.equal(onp.floor(x), x))
    pole_value = onp.where(onp.equal(x, 0.0), -np.inf, np.nan)
    return onp.where(pole, pole_value, onp.where(small, left, right))


def betaln(a, b):
    """log |B(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b)."""
    if not any_tracer(a, b):
        return _scipy("betaln")(a, b)
    return onp.subtract(onp.add(gammaln(a), gammaln(b)), gammaln(onp.add(a, b)))


# --------------------------------------------------------------------------- the tables

# ufuncs of scipy.special (a traced argument reaches them through __array_ufunc__)
UFUNC_RULES = {"expit": expit, "log_expit": log_expit, "logit": logit, "xlogy": xlogy,
               "xlog1py": xlog1py, "gammaln": gammaln, "digamma": digamma, "psi": digamma,
               "betaln": betaln}
# plain Python functions of scipy.special, wrapped while a trace runs
FUNCTION_RULES = {"logsumexp": logsumexp, "softmax": softmax, "log_softmax": log_softmax}

# functions whose traced version would need a new primitive (with a backend lowering)
NO_PRIMITIVE = {
    "erf": "erf", "erfc": "erfc", "erfinv": "erfinv", "erfcinv": "erfcinv", "ndtr": "erf",
    "log_ndtr": "erfc (a log-scaled one)", "ndtri": "erfinv", "polygamma": "polygamma",
    "gamma": "gamma (use np.exp(gammaln(x)) for x > 0)", "i0": "i0", "i1": "i1",
    "i0e": "i0e", "i1e": "i1e", "gammainc": "gammainc", "gammaincc": "gammaincc",
    "zeta": "zeta", "betainc": "betainc", "multigammaln": "multigammaln",
}


def no_rule_error(name):
    needs = NO_PRIMITIVE.get(name)
    why = (f"it needs a primitive optad does not have ({needs}, with a derivative and a "
           "compiled version)" if needs else "optad has no rule for it")
    return NotImplementedError(
        f"scipy.special.{name} was given a traced value: {why}. SciPy's own function still "
        "works on constants (arguments that are not differentiated). The traced scipy.special "
        f"functions are: {', '.join(sorted(UFUNC_RULES) + sorted(FUNCTION_RULES))}.")
