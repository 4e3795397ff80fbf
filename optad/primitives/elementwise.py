"""Elementwise primitives: unary maps, binary arithmetic, comparisons, select and casts.

Operands of a binary primitive have one shape and one dtype (scalar literals aside); the
NumPy-facing wrappers in ``optad.numpy`` insert the broadcasts and casts.  An elementwise
Jacobian is diagonal, so each VJP is the JVP applied to the cotangent (``_vjp_from_jvp``).

Non-smooth points follow one convention: d|x|/dx = sign(x) (0 at 0); sign, comparisons,
rounding and floor division have derivative 0, so d(x % y)/dx = 1 and d(x % y)/dy = -(x // y)
(one-sided at the jumps); atan2 has derivative 0 at the origin; maximum/minimum split ties
equally (d max(x, y) = (dx + dy)/2 at x == y), so relu = maximum(x, 0) has derivative 1/2 at 0.
Rules whose local derivative can be infinite (sqrt, log, log1p, div, pow, the inverse
trigonometric and hyperbolic functions) give exactly 0 for a zero (co)tangent
(``zero_where_zero``), so masked singularities differentiate to 0, not NaN.
"""
from __future__ import annotations

import numpy as np

from ..ir.program import ShapedArray
from ..trace.tracer import bind
from .registry import impl_rules, jvp_rules, primitive, shape_rules, vjp_rules


class ShapeError(ValueError):
    pass


def _elementwise_shape(avals, lits, out_dtype=None, opname=""):
    shapes = {a.shape for a, lit in zip(avals, lits) if not lit}
    dtypes = {a.dtype for a in avals}
    if len(shapes) > 1:
        raise ShapeError(f"{opname}: operands have different shapes "
                         f"{[a.shape for a in avals]} (broadcast them first)")
    if len(dtypes) > 1:
        raise ShapeError(f"{opname}: operands have different dtypes {[str(a.dtype) for a in avals]}")
    shape = shapes.pop() if shapes else ()
    return (ShapedArray(shape, np.dtype(out_dtype) if out_dtype else avals[0].dtype),)


# --------------------------------------------------------------------------- helpers for rules

def add_tangents(a, b):
    """Sum of two tangents where None is a symbolic zero."""
    if a is None:
        return b
    if b is None:
        return a
    return add(a, b)


def scale(t, factor):
    """t * factor with a symbolic-zero tangent passing through."""
    return None if t is None else mul(t, factor)


def _vjp_from_jvp(prim):
    def vjp(ct, primals, outs, **params):
        rule = jvp_rules[prim]
        cts = []
        for i in range(len(primals)):
            tangents = [None] * len(primals)
            tangents[i] = ct
            cts.append(rule(primals, tangents, outs, **params))
        return cts
    return vjp


def zero_where_zero(t, value):
    """``value`` (a tangent or cotangent times a local derivative), except exactly 0 where
    ``t`` is 0 and the product is NaN: a zero (co)tangent contributes nothing even where the
    local derivative is infinite (sqrt, log, div, pow, arcsin ... at their singular points).
    So a branch that ``np.where`` or ``np.tril`` masks out gives a zero gradient instead of
    0 * inf = NaN, to every order: the select is written with optad's own ops and
    differentiates again.  Where the local derivative is finite the product is kept, so its
    own derivative survives: a cotangent that is 0 only at this point (``x`` in
    ``x * log(x + 2)`` at x = 0) still carries its tangent into a Hessian-vector product."""
    return select(logical_and(eq(t, 0.0), ne(value, value)), 0.0, value)


def _guarded(jvp):
    """A unary JVP (x, t, y) -> t * f'(x) whose derivative can be infinite, zero where t is."""
    return lambda x, t, y: zero_where_zero(t, jvp(x, t, y))


# --------------------------------------------------------------------------- unary

def _unary(name, impl, jvp):
    p = primitive(name, "elementwise")
    impl_rules[p] = impl
    shape_rules[p] = lambda x, lits: _elementwise_shape([x], lits, opname=name)
    jvp_rules[p] = lambda primals, tangents, outs: (None if tangents[0] is None
                                                    else jvp(primals[0], tangents[0], outs))
    vjp_rules[p] = _vjp_from_jvp(p)
    return p


neg_p = _unary("neg", np.negative, lambda x, t, y: neg(t))
exp_p = _unary("exp", np.exp, lambda x, t, y: mul(t, y))
log_p = _unary("log", np.log, _guarded(lambda x, t, y: div(t, x)))
log1p_p = _unary("log1p", np.log1p, _guarded(lambda x, t, y: div(t, add(x, 1.0))))
expm1_p = _unary("expm1", np.expm1, lambda x, t, y: mul(t, add(y, 1.0)))
sin_p = _unary("sin", np.sin, lambda x, t, y: mul(t, cos(x)))
cos_p = _unary("cos", np.cos, lambda x, t, y: neg(mul(t, sin(x))))
tanh_p = _unary("tanh", np.tanh, lambda x, t, y: mul(t, sub(1.0, mul(y, y))))
sqrt_p = _unary("sqrt", np.sqrt, _guarded(lambda x, t, y: div(t, mul(y, 2.0))))
abs_p = _unary("abs", np.abs, lambda x, t, y: mul(t, sign(x)))
sign_p = _unary("sign", np.sign, lambda x, t, y: None)
floor_p = _unary("floor", np.floor, lambda x, t, y: None)


def neg(x): return bind(neg_p, x)
def exp(x): return bind(exp_p, x)
def log(x): return bind(log_p, x)
def log1p(x): return bind(log1p_p, x)
def expm1(x): return bind(expm1_p, x)
def sin(x): return bind(sin_p, x)
def cos(x): return bind(cos_p, x)
def tanh(x): return bind(tanh_p, x)
def sqrt(x): return bind(sqrt_p, x)
def abs(x): return bind(abs_p, x)  # noqa: A001 - mirrors np.abs
def sign(x): return bind(sign_p, x)
def floor(x): return bind(floor_p, x)


# --------------------------------------------------------------------------- binary arithmetic

def _binary(name, impl, jvp, out_dtype=None):
    p = primitive(name, "elementwise")
    impl_rules[p] = impl
    shape_rules[p] = lambda x, y, lits: _elementwise_shape([x, y], lits, out_dtype, opname=name)
    if jvp is None:
        jvp_rules[p] = lambda primals, tangents, outs: None
        vjp_rules[p] = lambda ct, primals, outs: [None, None]
    else:
        jvp_rules[p] = lambda primals, tangents, outs: (
            None if tangents[0] is None and tangents[1] is None
            else jvp(*primals, *tangents, outs))
        vjp_rules[p] = _vjp_from_jvp(p)
    return p


def _static_exponent(y):
    """``y`` as a Python float when it is a constant scalar (an exponent, a divisor), else
    None."""
    if isinstance(y, (int, float, np.number)) or (isinstance(y, np.ndarray) and y.ndim == 0):
        return float(y)
    return None


def _div_jvp(x, y, tx, ty, out):
    # d(x/y) = tx / y - out * ty / y, each term zero where its (co)tangent is zero (not
    # needed for tx / y when y is a nonzero constant, as in a mean)
    t = None
    if tx is not None:
        t = div(tx, y)
        if _static_exponent(y) in (None, 0.0):
            t = zero_where_zero(tx, t)
    if ty is not None:
        t = add_tangents(t, zero_where_zero(ty, neg(div(mul(out, ty), y))))
    return t


def _safe_log(x):
    """log(x) where x > 0 and 0 elsewhere: d(x**y)/dy at x = 0 is 0 for y > 0."""
    positive = gt(x, 0.0)
    return select(positive, log(select(positive, x, 1.0)), 0.0)


def _pow_jvp(x, y, tx, ty, out):
    # d(x**y)/dx = y x**(y - 1): 0 where y == 0 (x**0 is constant, also at x = 0); infinite
    # at x = 0 only for y < 1, so a constant exponent of 0 or >= 1 needs no zero guard
    t = None
    if tx is not None:
        k = _static_exponent(y)
        if k is None:
            dx = select(eq(y, 0.0), 0.0, mul(y, pow(x, sub(y, 1.0))))
            t = zero_where_zero(tx, mul(tx, dx))
        elif k != 0.0:
            t = mul(tx, mul(y, pow(x, sub(y, 1.0))))
            if k < 1.0:
                t = zero_where_zero(tx, t)
    if ty is not None:
        t = add_tangents(t, zero_where_zero(ty, mul(ty, mul(out, _safe_log(x)))))
    return t


def _max_weight(x, y):
    """1 where x > y, 1/2 where x == y, 0 where x < y (ties split equally)."""
    dtype = out_dtype_of(x, y)
    return add(convert(gt(x, y), dtype), mul(convert(eq(x, y), dtype), 0.5))


def out_dtype_of(*xs):
    for x in xs:
        if hasattr(x, "dtype") and getattr(x, "shape", ()) != () or hasattr(x, "_trace"):
            return x.dtype
    return np.result_type(*xs)


def _minmax_jvp(first_wins):
    def jvp(x, y, tx, ty, out):
        w = first_wins(x, y)
        return add_tangents(scale(tx, w), scale(ty, sub(1.0, w)))
    return jvp


add_p = _binary("add", np.add, lambda x, y, tx, ty, out: add_tangents(tx, ty))
sub_p = _binary("sub", np.subtract,
                lambda x, y, tx, ty, out: add_tangents(tx, None if ty is None else neg(ty)))
mul_p = _binary("mul", np.multiply,
                lambda x, y, tx, ty, out: add_tangents(scale(tx, y), scale(ty, x)))
div_p = _binary("div", np.divide, _div_jvp)
pow_p = _binary("pow", np.power, _pow_jvp)
max_p = _binary("max", np.maximum, _minmax_jvp(_max_weight))
min_p = _binary("min", np.minimum, _minmax_jvp(lambda x, y: _max_weight(y, x)))

lt_p = _binary("lt", np.less, None, bool)
le_p = _binary("le", np.less_equal, None, bool)
gt_p = _binary("gt", np.greater, None, bool)
ge_p = _binary("ge", np.greater_equal, None, bool)
eq_p = _binary("eq", np.equal, None, bool)
ne_p = _binary("ne", np.not_equal, None, bool)
and_p = _binary("and", np.logical_and, None, bool)
or_p = _binary("or", np.logical_or, None, bool)
not_p = _unary("not", np.logical_not, lambda x, t, y: None)


def add(x, y): return bind(add_p, x, y)
def sub(x, y): return bind(sub_p, x, y)
def mul(x, y): return bind(mul_p, x, y)
def div(x, y): return bind(div_p, x, y)
def pow(x, y): return bind(pow_p, x, y)  # noqa: A001 - mirrors np.power
def maximum(x, y): return bind(max_p, x, y)
def minimum(x, y): return bind(min_p, x, y)
def lt(x, y): return bind(lt_p, x, y)
def le(x, y): return bind(le_p, x, y)
def gt(x, y): return bind(gt_p, x, y)
def ge(x, y): return bind(ge_p, x, y)
def eq(x, y): return bind(eq_p, x, y)
def ne(x, y): return bind(ne_p, x, y)
def logical_and(x, y): return bind(and_p, x, y)
def logical_or(x, y): return bind(or_p, x, y)
def logical_not(x): return bind(not_p, x)


# --------------------------------------------------------------------------- inverse trigonometric
# and hyperbolic functions, the two-argument arctangent, remainder and floor division

def _one_minus_square(x):
    return sub(1.0, mul(x, x))


asin_p = _unary("asin", np.arcsin,
                _guarded(lambda x, t, y: div(t, sqrt(_one_minus_square(x)))))
acos_p = _unary("acos", np.arccos,
                _guarded(lambda x, t, y: neg(div(t, sqrt(_one_minus_square(x))))))
atan_p = _unary("atan", np.arctan, lambda x, t, y: div(t, add(mul(x, x), 1.0)))
asinh_p = _unary("asinh", np.arcsinh, lambda x, t, y: div(t, sqrt(add(mul(x, x), 1.0))))
acosh_p = _unary("acosh", np.arccosh,
                 _guarded(lambda x, t, y: div(t, mul(sqrt(sub(x, 1.0)), sqrt(add(x, 1.0))))))
atanh_p = _unary("atanh", np.arctanh, _guarded(lambda x, t, y: div(t, _one_minus_square(x))))


def asin(x): return bind(asin_p, x)
def acos(x): return bind(acos_p, x)
def atan(x): return bind(atan_p, x)
def asinh(x): return bind(asinh_p, x)
def acosh(x): return bind(acosh_p, x)
def atanh(x): return bind(atanh_p, x)


def _atan2_jvp(y, x, ty, tx, out):
    # d atan2(y, x) = (x dy - y dx) / (x^2 + y^2); 0 at the origin, where the numerator is 0
    numer = add_tangents(scale(ty, x), None if tx is None else neg(mul(tx, y)))
    r2 = add(mul(x, x), mul(y, y))
    return div(numer, select(eq(r2, 0.0), 1.0, r2))


atan2_p = _binary("atan2", np.arctan2, _atan2_jvp)


def atan2(y, x): return bind(atan2_p, y, x)


# floor division and remainder with NumPy's (and Python's) semantics: x // y rounds towards
# -inf, x % y has the sign of y, and x == (x // y) * y + x % y.  The quotient is piecewise
# constant (derivative 0), so d(x % y) = dx - (x // y) dy.
floordiv_p = _binary("floordiv", np.floor_divide, None)


def _rem_jvp(x, y, tx, ty, out):
    return add_tangents(tx, None if ty is None else neg(mul(ty, floordiv(x, y))))


rem_p = _binary("rem", np.remainder, _rem_jvp)


def floordiv(x, y): return bind(floordiv_p, x, y)
def rem(x, y): return bind(rem_p, x, y)


# --------------------------------------------------------------------------- select

select_p = primitive("select", "elementwise")
impl_rules[select_p] = lambda c, x, y: np.where(c, x, y)


def _select_shape(c, x, y, lits):
    if c.dtype != np.bool_:
        raise ShapeError(f"select: condition must be boolean, got {c.dtype}")
    shapes = {a.shape for a, lit in zip((c, x, y), lits) if not lit}
    if len(shapes) > 1:
        raise ShapeError(f"select: operands have different shapes {[c.shape, x.shape, y.shape]}")
    if x.dtype != y.dtype:
        raise ShapeError(f"select: branches have different dtypes {x.dtype}, {y.dtype}")
    return (ShapedArray(shapes.pop() if shapes else (), x.dtype),)


shape_rules[select_p] = _select_shape


def _dtype_of(x):
    return x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype


def _select_jvp(primals, tangents, outs):
    c, x, y = primals
    _, tx, ty = tangents
    if tx is None and ty is None:
        return None
    zero = np.zeros((), _dtype_of(tx if ty is None else ty))
    return select(c, zero if tx is None else tx, zero if ty is None else ty)


def _select_vjp(ct, primals, outs):
    zero = np.zeros((), _dtype_of(ct))  # typed: ct may be a constant, c is boolean
    return [None, select(primals[0], ct, zero), select(primals[0], zero, ct)]


jvp_rules[select_p] = _select_jvp
vjp_rules[select_p] = _select_vjp


def select(c, x, y): return bind(select_p, c, x, y)


# --------------------------------------------------------------------------- convert

convert_p = primitive("convert", "elementwise")
impl_rules[convert_p] = lambda x, dtype: np.asarray(x).astype(dtype)
shape_rules[convert_p] = lambda x, lits, dtype: (ShapedArray(x.shape, np.dtype(dtype)),)


def _is_float(dtype):
    return np.dtype(dtype).kind == "f"


jvp_rules[convert_p] = lambda primals, tangents, outs, dtype: (
    convert(tangents[0], dtype) if tangents[0] is not None and _is_float(dtype) else None)
vjp_rules[convert_p] = lambda ct, primals, outs, dtype: [
    convert(ct, primals[0].dtype) if _is_float(primals[0].dtype) else None]


def convert(x, dtype):
    dtype = np.dtype(dtype)
    if getattr(x, "dtype", None) == dtype:
        return x
    return bind(convert_p, x, dtype=dtype)
