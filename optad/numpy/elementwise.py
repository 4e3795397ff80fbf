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

add = _binary(ew.add, np.add)
subtract = _binary(ew.sub, np.subtract)
multiply = _binary(ew.mul, np.multiply)
divide = _binary(ew.div, np.divide, kind="float")
true_divide = divide
power = _binary(ew.pow, np.power)
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


def floor_divide(x, y):
    return floor(divide(x, y))


def logaddexp(x, y):
    m = maximum(x, y)
    return add(m, log(add(exp(subtract(x, m)), exp(subtract(y, m)))))


def hypot(x, y):
    return sqrt(add(multiply(x, x), multiply(y, y)))


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
