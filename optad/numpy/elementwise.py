"""NumPy's elementwise functions on traced values: promotion and broadcasting, then one
primitive.  A few (square, reciprocal, tan, sinh, cosh, log2, ...) are derived."""
from __future__ import annotations

import numpy as np

from ..primitives import elementwise as ew
from ._promote import any_tracer, as_operand, prepare, result_dtype


def _float_dtype(*xs):
    dtype = result_dtype(*xs)
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _unary(prim_op, np_func, float_only=True):
    def op(x):
        x = as_operand(x)
        if not any_tracer(x):
            return np_func(x)
        if float_only and x.dtype.kind != "f":
            x = ew.convert(x, _float_dtype(x))
        return prim_op(x)
    op.__name__ = np_func.__name__
    op.__doc__ = f"np.{np_func.__name__} on traced arrays."
    return op


def _binary(prim_op, np_func, kind="same"):
    def op(x, y):
        if not any_tracer(x, y):
            return np_func(x, y)
        if kind == "float":
            x, y = prepare(x, y, dtype=_float_dtype(as_operand(x), as_operand(y)))
        else:
            x, y = prepare(x, y)
        return prim_op(x, y)
    op.__name__ = np_func.__name__
    op.__doc__ = f"np.{np_func.__name__} on traced arrays."
    return op


negative = _unary(ew.neg, np.negative, float_only=False)
exp = _unary(ew.exp, np.exp)
log = _unary(ew.log, np.log)
log1p = _unary(ew.log1p, np.log1p)
expm1 = _unary(ew.expm1, np.expm1)
sin = _unary(ew.sin, np.sin)
cos = _unary(ew.cos, np.cos)
tanh = _unary(ew.tanh, np.tanh)
sqrt = _unary(ew.sqrt, np.sqrt)
absolute = _unary(ew.abs, np.absolute, float_only=False)
abs = absolute  # noqa: A001
sign = _unary(ew.sign, np.sign, float_only=False)
floor = _unary(ew.floor, np.floor)
logical_not = _unary(ew.logical_not, np.logical_not, float_only=False)
arcsin = _unary(ew.asin, np.arcsin)
arccos = _unary(ew.acos, np.arccos)
arctan = _unary(ew.atan, np.arctan)
arcsinh = _unary(ew.asinh, np.arcsinh)
arccosh = _unary(ew.acosh, np.arccosh)
arctanh = _unary(ew.atanh, np.arctanh)

add = _binary(ew.add, np.add)
subtract = _binary(ew.sub, np.subtract)
multiply = _binary(ew.mul, np.multiply)
divide = _binary(ew.div, np.divide, kind="float")
true_divide = divide
_power = _binary(ew.pow, np.power)
arctan2 = _binary(ew.atan2, np.arctan2, kind="float")
remainder = mod = _binary(ew.rem, np.remainder)
maximum = _binary(ew.maximum, np.maximum)
minimum = _binary(ew.minimum, np.minimum)
less = _binary(ew.lt, np.less)
less_equal = _binary(ew.le, np.less_equal)
greater = _binary(ew.gt, np.greater)
greater_equal = _binary(ew.ge, np.greater_equal)
equal = _binary(ew.eq, np.equal)
not_equal = _binary(ew.ne, np.not_equal)
logical_and = _binary(ew.logical_and, np.logical_and)
logical_or = _binary(ew.logical_or, np.logical_or)


def positive(x):
    return x


def square(x):
    return multiply(x, x)


def reciprocal(x):
    return divide(1.0, x)


def tan(x):
    return divide(sin(x), cos(x))


def sinh(x):
    return multiply(subtract(exp(x), exp(negative(x))), 0.5)


def cosh(x):
    return multiply(add(exp(x), exp(negative(x))), 0.5)


def exp2(x):
    return exp(multiply(x, np.log(2.0)))


def log2(x):
    return divide(log(x), np.log(2.0))


def log10(x):
    return divide(log(x), np.log(10.0))


_floor_divide = _binary(ew.floordiv, np.floor_divide)


def floor_divide(x, y):
    """x // y rounded towards -inf; integer operands give an integer result, like NumPy."""
    return _floor_divide(x, y)


def divmod(x, y):  # noqa: A001 - mirrors np.divmod
    return floor_divide(x, y), remainder(x, y)


def power(x, y):
    if any_tracer(x, y) and not any_tracer(y) and result_dtype(
            as_operand(x), as_operand(y)).kind in "iu" and np.any(np.asarray(y) < 0):
        raise ValueError("Integers to negative integer powers are not allowed (as in NumPy); "
                         "make the base a float, e.g. x.astype(float) ** -1")
    return _power(x, y)


def ceil(x):
    x = _as_float(x)
    return negative(floor(negative(x))) if any_tracer(x) else np.ceil(x)


def fabs(x):
    return absolute(_as_float(x))


def _as_float(x):
    x = as_operand(x)
    if any_tracer(x) and x.dtype.kind != "f":
        return ew.convert(x, np.float64)
    return x


def deg2rad(x):
    return multiply(_as_float(x), np.pi / 180.0)


def rad2deg(x):
    return multiply(_as_float(x), 180.0 / np.pi)


radians, degrees = deg2rad, rad2deg


def isnan(x):
    x = as_operand(x)
    return not_equal(x, x) if any_tracer(x) else np.isnan(x)


def isinf(x):
    return equal(absolute(_as_float(x)), np.inf) if any_tracer(x) else np.isinf(x)


def isfinite(x):
    return less(absolute(_as_float(x)), np.inf) if any_tracer(x) else np.isfinite(x)


def fmax(x, y):
    """np.fmax: the maximum, ignoring a NaN operand (derivative as np.maximum's)."""
    if not any_tracer(x, y):
        return np.fmax(x, y)
    return where(isnan(y), x, where(isnan(x), y, maximum(x, y)))


def fmin(x, y):
    if not any_tracer(x, y):
        return np.fmin(x, y)
    return where(isnan(y), x, where(isnan(x), y, minimum(x, y)))


def logaddexp2(x, y):
    ln2 = np.log(2.0)
    return divide(logaddexp(multiply(x, ln2), multiply(y, ln2)), ln2)


# sin(pi x) / (pi x) with its Taylor series near 0, so every derivative at 0 is exact
_SINC_SERIES = (1.0, -1.0 / 6.0, 1.0 / 120.0, -1.0 / 5040.0)


def sinc(x):
    if not any_tracer(x):
        return np.sinc(x)
    y = multiply(_as_float(x), np.pi)
    small = less(absolute(y), 1e-2)
    y2 = multiply(y, y)
    series = _SINC_SERIES[-1]
    for c in reversed(_SINC_SERIES[:-1]):
        series = add(multiply(series, y2), c)
    return where(small, series, divide(sin(y), where(small, 1.0, y)))


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    if not any_tracer(x):
        return np.nan_to_num(x, copy=copy, nan=nan, posinf=posinf, neginf=neginf)
    x = as_operand(x)
    if x.dtype.kind != "f":
        return x
    info = np.finfo(x.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    x = where(isnan(x), float(nan), x)
    x = where(equal(x, np.inf), float(posinf), x)
    return where(equal(x, -np.inf), float(neginf), x)


def logaddexp(x, y):
    m = maximum(x, y)
    return add(m, log(add(exp(subtract(x, m)), exp(subtract(y, m)))))


def safe_sqrt(s):
    """sqrt(s) whose derivative at s = 0 is 0 instead of inf * 0 = NaN: the gradient of a norm,
    of hypot or of a standard deviation at zero is the zero subgradient (the second derivative
    there is 0 too, not the one-sided limit)."""
    zero = equal(s, 0.0)
    return where(zero, 0.0, sqrt(where(zero, 1.0, s)))


def hypot(x, y):
    return safe_sqrt(add(multiply(x, x), multiply(y, y)))


def clip(x, a_min=None, a_max=None, **kwargs):
    if a_min is None and "min" in kwargs:
        a_min = kwargs.pop("min")
    if a_max is None and "max" in kwargs:
        a_max = kwargs.pop("max")
    if kwargs:
        raise NotImplementedError(f"np.clip: unsupported arguments {sorted(kwargs)}")
    if a_min is not None:
        x = maximum(x, a_min)
    if a_max is not None:
        x = minimum(x, a_max)
    return x


def where(condition, x=None, y=None):
    if x is None or y is None:
        raise NotImplementedError("np.where(condition) with one argument returns data-dependent "
                                  "shapes and cannot be traced; use np.where(condition, x, y)")
    if not any_tracer(condition, x, y):
        return np.where(condition, x, y)
    condition = as_operand(condition)
    if not (getattr(condition, "dtype", None) == np.bool_ or isinstance(condition, bool)):
        condition = not_equal(condition, 0)
    x, y = prepare(x, y)
    dtype = result_dtype(x, y)
    x, y = (np.asarray(v, dtype) if isinstance(v, (bool, int, float)) else v for v in (x, y))
    condition, x, y = _broadcast3(condition, x, y)
    return ew.select(condition, x, y)


def _broadcast3(c, x, y):
    from ._promote import broadcast_all
    return broadcast_all(c, x, y)
