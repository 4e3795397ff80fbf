"""Rounding and the complex-part functions on (real) traced arrays, built from floor, sign and
select: ``np.round``/``np.around`` (with ``decimals``), ``np.rint``, ``np.trunc``; ``np.real``,
``np.imag``, ``np.conj``/``np.conjugate``, ``np.angle``, ``np.real_if_close``.

Rounded values are piecewise constant, so their derivative is 0 everywhere (also at the jumps,
as in JAX).  optad's arrays are real, so ``real`` and ``conj`` are the identity and ``imag`` is
zeros (derivatives 1, 1 and 0); ``angle`` is 0 or pi (derivative 0) and ``real_if_close`` the
identity."""
from __future__ import annotations

import numpy as np

from ..primitives import elementwise as ew
from ._promote import any_tracer, as_operand
from .arrays import zeros_like
from .elementwise import (_as_float, add, divide, floor, greater, less, multiply, remainder,
                          sign, subtract, where)


def rint(x):
    """Round half to even, like NumPy: floor, then up above the half and at an odd floor's
    exact half."""
    x = as_operand(x)
    if not any_tracer(x):
        return np.rint(x)
    x = _as_float(x)
    low = floor(x)
    frac = subtract(x, low)
    at_half = add(low, remainder(low, 2.0))   # the even one of low, low + 1
    return where(greater(frac, 0.5), add(low, 1.0), where(less(frac, 0.5), low, at_half))


def round(a, decimals=0, out=None):  # noqa: A001 - mirrors np.round
    a = as_operand(a)
    if not any_tracer(a):
        return np.round(a, decimals, out)
    if out is not None:
        raise NotImplementedError("np.round(..., out=...) cannot write into a traced array")
    if a.dtype.kind in "biu" and decimals >= 0:
        return a
    if decimals == 0:
        return rint(a)
    a = _as_float(a)  # NumPy's own method: scale, round half to even, scale back
    if decimals > 0:
        scale = 10.0 ** decimals
        return divide(rint(multiply(a, scale)), scale)
    scale = 10.0 ** -decimals
    return multiply(rint(divide(a, scale)), scale)


around = round


def trunc(x):
    x = as_operand(x)
    if not any_tracer(x):
        return np.trunc(x)
    x = _as_float(x)
    return multiply(sign(x), floor(ew.abs(x)))


def real(val):
    return val if any_tracer(val) else np.real(val)


def imag(val):
    return zeros_like(val) if any_tracer(val) else np.imag(val)


def conjugate(x):
    return x if any_tracer(x) else np.conjugate(x)


conj = conjugate


def real_if_close(a, tol=100):
    """The array itself: optad's arrays are real."""
    return a if any_tracer(a) else np.real_if_close(a, tol)


def angle(z, deg=False):
    """The argument of a real number: 0 for x > 0 (and +0.0), pi for x < 0 (and -0.0), as
    arctan2(0, x); derivative 0."""
    if not any_tracer(z):
        return np.angle(z, deg)
    z = _as_float(as_operand(z))
    out = ew.atan2(zeros_like(z), z)
    return multiply(out, 180.0 / np.pi) if deg else out
