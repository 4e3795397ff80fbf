"""Scalar device functions that generated CUDA kernels call as ``sc.<name>``.

- The shared NaN-aware ``maximum``, ``minimum`` and ``sign`` (``backends/scalar_semantics.py``,
  the same definitions the Numba backend compiles).
- ``math`` functions guarded so that every input, NaN and +-inf included, gives NumPy's value:
  outside a function's domain the result is NaN (``log(-1)``), at a pole the signed infinity
  (``log(0)``, ``atanh(1)``), on overflow inf (``exp(710)``), and ``floor`` stays a float
  (``math.floor`` returns an integer, which has no NaN or inf).  On a GPU most of these cases
  already come out right; under the simulator ``math`` raises instead, so the guards make the
  two agree.  Results are cast to float64 (under the simulator: NumPy scalars, so arithmetic
  on them follows NumPy's rules, not Python's exceptions).

Imported by generated kernel modules only: importing optad needs no CUDA.
"""
from __future__ import annotations

import math

from numba import cuda, float64  # module globals: the CUDA simulator patches them

from .. import scalar_semantics

_device = cuda.jit(device=True)

maximum = _device(scalar_semantics.maximum)
minimum = _device(scalar_semantics.minimum)
sign = _device(scalar_semantics.sign)

EXP_OVERFLOW = 709.782712893384   # log of the largest float64


@_device
def exp(x):
    if x > EXP_OVERFLOW:
        return float64(math.inf)
    return float64(math.exp(x))


@_device
def expm1(x):
    if x > EXP_OVERFLOW:
        return float64(math.inf)
    return float64(math.expm1(x))


@_device
def log(x):
    if x > 0.0:
        return float64(math.log(x))
    if x == 0.0:
        return float64(-math.inf)
    return float64(math.nan)   # negative or NaN


@_device
def log1p(x):
    if x > -1.0:
        return float64(math.log1p(x))
    if x == -1.0:
        return float64(-math.inf)
    return float64(math.nan)


@_device
def sqrt(x):
    if x >= 0.0:
        return float64(math.sqrt(x))   # keeps -0.0
    return float64(math.nan)


@_device
def sin(x):
    if x - x == 0.0:   # finite
        return float64(math.sin(x))
    return float64(math.nan)


@_device
def cos(x):
    if x - x == 0.0:
        return float64(math.cos(x))
    return float64(math.nan)


@_device
def tanh(x):
    return float64(math.tanh(x))


@_device
def floor(x):
    if x == 0.0 or not abs(x) < 4503599627370496.0:   # zeros, NaN, inf, integers >= 2**52
        return float64(x)
    return float64(math.floor(x))


@_device
def asin(x):
    if abs(x) <= 1.0:
        return float64(math.asin(x))
    return float64(math.nan)


@_device
def acos(x):
    if abs(x) <= 1.0:
        return float64(math.acos(x))
    return float64(math.nan)


@_device
def atan(x):
    return float64(math.atan(x))


@_device
def asinh(x):
    return float64(math.asinh(x))


@_device
def acosh(x):
    if x >= 1.0:
        return float64(math.acosh(x))
    return float64(math.nan)


@_device
def atanh(x):
    if abs(x) < 1.0:
        return float64(math.atanh(x))
    if x == 1.0:
        return float64(math.inf)
    if x == -1.0:
        return float64(-math.inf)
    return float64(math.nan)


@_device
def atan2(y, x):
    return float64(math.atan2(y, x))
