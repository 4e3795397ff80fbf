"""Fast, accurate elementary functions for generated kernels.

Numba's ``math.exp``/``math.tanh`` call libm one element at a time, which stops LLVM from
vectorising a loop.  These versions are straight-line code (range reduction, a polynomial and
selects, no branches), emitted as LLVM instructions at each call site (Numba intrinsics), so a
loop that calls them vectorises and Numba's frontend has nothing to type or inline.

exp(x) = 2**k * exp(r), with k = round(x / ln 2) and r = x - k ln 2 (|r| <= ln(2)/2) computed
in two parts (Cody-Waite), exp(r) - 1 by its degree-13 Taylor polynomial (truncation below
1e-17), and 2**k built from its bits.  tanh(x) = -t / (t + 2) with t = expm1(-2|x|), which
keeps full relative accuracy near 0 (the naive (1 - e)/(1 + e) form loses digits there).
Accuracy: a few ulp over the whole range (tested against NumPy in
tests/backends/test_numba_backend.py).

Generated kernels reach this module as ``sc``: it also compiles the shared NaN-aware scalar
functions of ``backends/scalar_semantics.py`` (``sc.maximum``, ``sc.minimum``, ``sc.sign``).
"""
from __future__ import annotations

from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from .. import scalar_semantics

_JIT = dict(cache=True, error_model="numpy", inline="always")

LOG2E = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01   # ln 2 with its low 32 bits cleared: k * LN2_HI is exact
LN2_LO = 1.90821492927058770002e-10


class _Straight:
    """The formulas of the module docstring as LLVM instructions at the call site.  Written
    as Numba functions inlined into every kernel, each call site cost Numba's frontend
    0.1-0.2 s (typing and lowering the inlined bodies); as instructions it costs microseconds,
    and the loop around it still vectorises.  Every operation is the one Numba emitted for the
    earlier Python version (fma is ``llvm.fma``: exact, not a fastmath contraction;
    comparisons ordered, ``!=`` unordered, min and max as selects), so values are unchanged
    bit for bit."""

    def __init__(self, builder):
        self.b = builder
        self.f64 = ir.DoubleType()
        self.i64 = ir.IntType(64)

    def c(self, value):
        return ir.Constant(self.f64, value)

    def call(self, name, *args):
        signature = ir.FunctionType(self.f64, [self.f64] * len(args))
        return self.b.call(self.b.module.declare_intrinsic(name, [self.f64], signature),
                           list(args))

    def max(self, x, bound):           # Python's max(x, bound): bound if bound > x else x
        return self.b.select(self.b.fcmp_ordered(">", self.c(bound), x), self.c(bound), x)

    def min(self, x, bound):           # min(x, bound): bound if bound < x else x
        return self.b.select(self.b.fcmp_ordered("<", self.c(bound), x), self.c(bound), x)

    def is_nan(self, x):
        return self.b.fcmp_unordered("!=", x, x)

    def floor(self, x):
        return self.call("llvm.floor", x)

    def pow2(self, k):
        """2.0 ** k for an integer-valued float k in [-1022, 1023]."""
        b = self.b
        bits = b.shl(b.add(b.fptosi(k, self.i64), ir.Constant(self.i64, 1023)),
                     ir.Constant(self.i64, 52))
        return b.bitcast(bits, self.f64)

    def reduce(self, x):
        """k = round(x / ln 2) and r = x - k ln 2."""
        b = self.b
        k = self.floor(b.fadd(b.fmul(x, self.c(LOG2E)), self.c(0.5)))
        r = b.fsub(b.fsub(x, b.fmul(k, self.c(LN2_HI))), b.fmul(k, self.c(LN2_LO)))
        return k, r

    def expm1_reduced(self, r):
        """exp(r) - 1 for |r| <= ln(2)/2: Taylor polynomial of degree 13 in Horner form."""
        b = self.b
        q = b.fma(r, self.c(1.0 / 6227020800.0), self.c(1.0 / 479001600.0))
        for n in (39916800.0, 3628800.0, 362880.0, 40320.0, 5040.0, 720.0, 120.0, 24.0, 6.0):
            q = b.fma(r, q, self.c(1.0 / n))
        q = b.fma(r, q, self.c(0.5))
        return b.fadd(r, b.fmul(b.fmul(r, r), q))

    def exp(self, x):
        b = self.b
        k, r = self.reduce(self.min(self.max(x, -746.0), 710.0))
        k1 = self.floor(b.fmul(k, self.c(0.5)))  # 2**k in two factors, both normal numbers
        y = b.fmul(b.fmul(b.fadd(self.c(1.0), self.expm1_reduced(r)), self.pow2(k1)),
                   self.pow2(b.fsub(k, k1)))
        return b.select(self.is_nan(x), x, y)

    def expm1_nonpositive(self, x):
        """exp(x) - 1 for x <= 0 (any x <= 0; below -50 the result is -1 to double precision)."""
        b = self.b
        k, r = self.reduce(self.max(x, -50.0))
        s = self.pow2(k)
        return b.fadd(b.fmul(s, self.expm1_reduced(r)), b.fsub(s, self.c(1.0)))

    def expm1(self, x):
        b = self.b
        k, r = self.reduce(self.min(self.max(x, -50.0), 700.0))
        k1 = self.floor(b.fmul(k, self.c(0.5)))
        s1, s2 = self.pow2(k1), self.pow2(b.fsub(k, k1))
        y = b.fadd(b.fmul(b.fmul(s1, self.expm1_reduced(r)), s2),
                   b.fsub(b.fmul(s1, s2), self.c(1.0)))
        y = b.select(b.fcmp_ordered("<=", x, self.c(700.0)), y, self.exp(x))
        # NaN, and the sign of a zero, pass through
        keep = b.or_(self.is_nan(x), b.fcmp_ordered("==", x, self.c(0.0)))
        return b.select(keep, x, y)

    def tanh(self, x):
        b = self.b
        t = self.expm1_nonpositive(b.fmul(self.c(-2.0), self.call("llvm.fabs", x)))
        magnitude = b.fdiv(b.fneg(t), b.fadd(t, self.c(2.0)))
        y = self.call("llvm.copysign", magnitude, x)
        return b.select(self.is_nan(x), x, y)


def _elementary(formula):
    """An intrinsic computing ``formula`` in float64 (any real argument is converted first)."""
    @intrinsic
    def function(typingctx, x):
        if not isinstance(x, (types.Float, types.Integer, types.Boolean)):
            return None

        def codegen(context, builder, signature, args):
            value = context.cast(builder, args[0], signature.args[0], types.float64)
            return getattr(_Straight(builder), formula)(value)

        return types.float64(x), codegen
    function.__name__ = function.__qualname__ = f"fast_{formula}"
    return function


fast_exp = _elementary("exp")
fast_expm1 = _elementary("expm1")
fast_tanh = _elementary("tanh")


# NumPy's NaN and signed-zero rules for max/min/sign, one definition for every backend
maximum = njit(**_JIT)(scalar_semantics.maximum)
minimum = njit(**_JIT)(scalar_semantics.minimum)
sign = njit(**_JIT)(scalar_semantics.sign)
