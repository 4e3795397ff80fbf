"""Fast, accurate elementary functions for generated kernels.

Numba's ``math.exp``/``math.tanh`` call libm one element at a time, which stops LLVM from
vectorising a loop.  These versions are straight-line code (range reduction, a polynomial and
selects, no branches), so a loop that calls them vectorises when compiled with
``error_model="numpy"``.

exp(x) = 2**k * exp(r), with k = round(x / ln 2) and r = x - k ln 2 (|r| <= ln(2)/2) computed
in two parts (Cody-Waite), exp(r) - 1 by its degree-13 Taylor polynomial (truncation below
1e-17), and 2**k built from its bits.  tanh(x) = -t / (t + 2) with t = expm1(-2|x|), which
keeps full relative accuracy near 0 (the naive (1 - e)/(1 + e) form loses digits there).
Accuracy: a few ulp over the whole range (tested against NumPy in tests/test_numba_backend.py).

Generated kernels reach this module as ``sc``: it also compiles the shared NaN-aware scalar
functions of ``backends/scalar_semantics.py`` (``sc.maximum``, ``sc.minimum``, ``sc.sign``).
"""
from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from .. import scalar_semantics

_JIT = dict(cache=True, error_model="numpy", inline="always")

LOG2E = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01   # ln 2 with its low 32 bits cleared: k * LN2_HI is exact
LN2_LO = 1.90821492927058770002e-10


@intrinsic
def _float_from_bits(typingctx, bits):
    """Reinterpret the bits of an int64 as a float64 (a bit cast, no conversion)."""
    if bits != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@intrinsic
def fma(typingctx, a, b, c):
    """a * b + c with one rounding (``llvm.fma.f64``: one vectorisable instruction on CPUs with
    FMA; exact, not a fastmath contraction, so results do not depend on the compiler's mood)."""
    if not (a == b == c == types.float64):
        return None

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return types.float64(types.float64, types.float64, types.float64), codegen


@njit(**_JIT)
def pow2(k):
    """2.0 ** k for an integer-valued float k in [-1022, 1023]."""
    return _float_from_bits((np.int64(k) + np.int64(1023)) << np.int64(52))


@njit(**_JIT)
def _expm1_reduced(r):
    """exp(r) - 1 for |r| <= ln(2)/2: Taylor polynomial of degree 13 in Horner form."""
    q = fma(r, 1.0 / 6227020800.0, 1.0 / 479001600.0)
    q = fma(r, q, 1.0 / 39916800.0)
    q = fma(r, q, 1.0 / 3628800.0)
    q = fma(r, q, 1.0 / 362880.0)
    q = fma(r, q, 1.0 / 40320.0)
    q = fma(r, q, 1.0 / 5040.0)
    q = fma(r, q, 1.0 / 720.0)
    q = fma(r, q, 1.0 / 120.0)
    q = fma(r, q, 1.0 / 24.0)
    q = fma(r, q, 1.0 / 6.0)
    q = fma(r, q, 0.5)
    return r + (r * r) * q


@njit(**_JIT)
def _reduce(x):
    """k = round(x / ln 2) and r = x - k ln 2."""
    k = np.floor(x * LOG2E + 0.5)
    r = (x - k * LN2_HI) - k * LN2_LO
    return k, r


@njit(**_JIT)
def fast_exp(x):
    x = np.float64(x)
    xc = min(max(x, -746.0), 710.0)
    k, r = _reduce(xc)
    k1 = np.floor(k * 0.5)          # split 2**k in two factors so both stay normal numbers
    y = ((1.0 + _expm1_reduced(r)) * pow2(k1)) * pow2(k - k1)
    return x if x != x else y


@njit(**_JIT)
def _expm1_nonpositive(x):
    """exp(x) - 1 for x <= 0 (any x <= 0; below -50 the result is -1 to double precision)."""
    xc = max(x, -50.0)
    k, r = _reduce(xc)
    s = pow2(k)
    return s * _expm1_reduced(r) + (s - 1.0)


@njit(**_JIT)
def fast_expm1(x):
    x = np.float64(x)
    xc = min(max(x, -50.0), 700.0)
    k, r = _reduce(xc)
    k1 = np.floor(k * 0.5)
    s1 = pow2(k1)
    s2 = pow2(k - k1)
    y = (s1 * _expm1_reduced(r)) * s2 + ((s1 * s2) - 1.0)
    y = y if x <= 700.0 else fast_exp(x)
    return x if (x != x or x == 0.0) else y   # NaN, and the sign of a zero, pass through


@njit(**_JIT)
def fast_tanh(x):
    x = np.float64(x)
    t = _expm1_nonpositive(-2.0 * abs(x))
    y = math.copysign(-t / (t + 2.0), x)
    return x if x != x else y


# NumPy's NaN and signed-zero rules for max/min/sign, one definition for every backend
maximum = njit(**_JIT)(scalar_semantics.maximum)
minimum = njit(**_JIT)(scalar_semantics.minimum)
sign = njit(**_JIT)(scalar_semantics.sign)
