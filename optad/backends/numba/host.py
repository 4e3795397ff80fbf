"""What compiled loops ask the host process: the time, and whether Ctrl-C was pressed.

Both are C functions linked by symbol name (an address would stop Numba from caching the loops
that call them): ``clock_gettime(CLOCK_MONOTONIC)`` from libc (Linux) and the interpreter's
``PyErr_CheckSignals``, which runs pending Python signal handlers; the loop holds the GIL, as
any njit function called from Python does.
"""
from __future__ import annotations

import sys

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

# clock_gettime is linked by symbol, with Linux's clock id and a 64-bit timespec
HAVE_CLOCK = sys.platform.startswith("linux") and sys.maxsize > 2 ** 32


@intrinsic
def _clock_monotonic(typingctx):
    """Seconds of CLOCK_MONOTONIC, from libc's ``clock_gettime``."""
    def codegen(context, builder, signature, args):
        i32, i64, f64 = ir.IntType(32), ir.IntType(64), ir.DoubleType()
        timespec = ir.LiteralStructType([i64, i64])
        fnty = ir.FunctionType(i32, [i32, timespec.as_pointer()])
        clock_gettime = cgutils.get_or_insert_function(builder.module, fnty, "clock_gettime")
        ts = cgutils.alloca_once(builder, timespec)
        builder.call(clock_gettime, [ir.Constant(i32, 1), ts])   # 1 = CLOCK_MONOTONIC on Linux
        sec = builder.sitofp(builder.load(cgutils.gep_inbounds(builder, ts, 0, 0)), f64)
        nsec = builder.sitofp(builder.load(cgutils.gep_inbounds(builder, ts, 0, 1)), f64)
        return builder.fadd(sec, builder.fmul(nsec, ir.Constant(f64, 1e-9)))

    return types.float64(), codegen


@intrinsic
def _check_signals(typingctx):
    """True when a signal handler raised (Ctrl-C: KeyboardInterrupt).  The exception is
    cleared, so the loop can return normally; its caller raises KeyboardInterrupt."""
    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        check = cgutils.get_or_insert_function(builder.module, ir.FunctionType(i32, []),
                                               "PyErr_CheckSignals")
        clear = cgutils.get_or_insert_function(builder.module,
                                               ir.FunctionType(ir.VoidType(), []), "PyErr_Clear")
        raised = builder.icmp_signed("!=", builder.call(check, []), ir.Constant(i32, 0))
        with builder.if_then(raised):
            builder.call(clear, [])
        return raised

    return types.boolean(), codegen


if HAVE_CLOCK:
    @numba.njit(cache=True)
    def now():
        return _clock_monotonic()
else:  # pragma: no cover - no per-iteration times elsewhere
    @numba.njit(cache=True)
    def now():
        return np.nan


@numba.njit(cache=True)
def interrupted():
    return _check_signals()
