"""The first tier's interpreter: one Numba function that runs any assembled program.

This file is not imported as part of the package: ``machine/loader.py`` loads its text through
the kernel cache (``cache.load_module``), so it is compiled once per machine, in a compile
worker, and its machine code is cached beside every kernel's.  ``call(code, ws, n_regs,
inputs, input_at, outputs, output_at)`` executes the instruction rows ``code`` (built by
``machine/assemble.py``) over the workspace ``ws``: one float64 array holding every value of
the program (booleans as 0.0 / 1.0, integers as exact floats), with the inputs copied in from
one flat array and the outputs copied out to another.

An instruction is one row of int64: its operation, then offsets into ``ws`` and sizes (the
column names are in ``assemble.py``).  Elementwise operations work on contiguous values of one
size (the assembler writes a literal out to that size once, as a constant); the strided ones
(copies between layouts: broadcast, transpose,
slice, pad, concatenate) and reductions walk up to four axes with per-axis strides.  Loops are
jumps over the same rows, with counters in a small integer register file.
"""
import math

import numpy as np
from numba import njit

from optad.backends.numba.elementary import fast_exp, fast_expm1, fast_tanh, maximum, minimum, sign

_JIT = dict(cache=True, error_model="numpy", nogil=True)

# columns of an instruction row
OP, OUT, A, B, C, N, SA, SB, SC = 0, 1, 2, 3, 4, 5, 6, 7, 8
D0 = 9          # four sizes (strided ops, reductions) or batch, m, k, n (matmul)
IS0 = 13        # four input strides
OS0 = 17        # four output strides
WIDTH = 21

# operations: unary 1-39, binary 40-69, others from 70
NEG, EXP, LOG, LOG1P, EXPM1, SIN, COS, TANH, SQRT, ABS, SIGN, FLOOR, NOT = range(1, 14)
ASIN, ACOS, ATAN, ASINH, ACOSH, ATANH, TO_BOOL, TRUNC, SQUARE, RECIP = range(14, 24)
ADD, SUB, MUL, DIV, POW, MAX, MIN, LT, LE, GT, GE, EQ, NE, AND, OR, ATAN2, FLOORDIV, REM = \
    range(40, 58)
SELECT, COPY, FILL, STRIDED, RSUM, RMAX, RMIN, MATMUL, GATHER, SCATTER_ADD, CUMSUM = \
    range(70, 81)
LOOP_INIT, LOOP_TEST, ROW_IN, ROW_OUT, LOOP_NEXT, JUMP_IF_ZERO, JUMP, INDEX = range(90, 98)
# one value each (scalar code: a loop's small state in registers); C holds the operation of
# SUNARY and SBINARY
SADD, SSUB, SMUL, SCOPY, SUNARY, SBINARY = range(100, 106)


@njit(**_JIT)
def _unary(op, ws, o, a, n):
    x = ws[a:a + n]
    z = ws[o:o + n]
    if op == NEG:
        for i in range(n):
            z[i] = -x[i]
    elif op == EXP:
        for i in range(n):
            z[i] = fast_exp(x[i])
    elif op == LOG:
        for i in range(n):
            z[i] = np.log(x[i])
    elif op == LOG1P:
        for i in range(n):
            z[i] = np.log1p(x[i])
    elif op == EXPM1:
        for i in range(n):
            z[i] = fast_expm1(x[i])
    elif op == SIN:
        for i in range(n):
            z[i] = np.sin(x[i])
    elif op == COS:
        for i in range(n):
            z[i] = np.cos(x[i])
    elif op == TANH:
        for i in range(n):
            z[i] = fast_tanh(x[i])
    elif op == SQRT:
        for i in range(n):
            z[i] = np.sqrt(x[i])
    elif op == ABS:
        for i in range(n):
            z[i] = abs(x[i])
    elif op == SIGN:
        for i in range(n):
            z[i] = sign(x[i])
    elif op == FLOOR:
        for i in range(n):
            z[i] = np.floor(x[i])
    elif op == NOT:
        for i in range(n):
            z[i] = 1.0 if x[i] == 0.0 else 0.0
    elif op == ASIN:
        for i in range(n):
            z[i] = np.arcsin(x[i])
    elif op == ACOS:
        for i in range(n):
            z[i] = np.arccos(x[i])
    elif op == ATAN:
        for i in range(n):
            z[i] = np.arctan(x[i])
    elif op == ASINH:
        for i in range(n):
            z[i] = np.arcsinh(x[i])
    elif op == ACOSH:
        for i in range(n):
            z[i] = np.arccosh(x[i])
    elif op == ATANH:
        for i in range(n):
            z[i] = np.arctanh(x[i])
    elif op == TO_BOOL:
        for i in range(n):
            z[i] = 1.0 if x[i] != 0.0 else 0.0
    elif op == TRUNC:
        for i in range(n):
            z[i] = float(np.int64(x[i]))
    elif op == SQUARE:
        for i in range(n):
            z[i] = x[i] * x[i]
    elif op == RECIP:
        for i in range(n):
            z[i] = 1.0 / x[i]


@njit(**_JIT)
def _binary(op, ws, o, a, b, n):
    x = ws[a:a + n]
    y = ws[b:b + n]
    z = ws[o:o + n]
    if op == ADD:
        for i in range(n):
            z[i] = x[i] + y[i]
    elif op == SUB:
        for i in range(n):
            z[i] = x[i] - y[i]
    elif op == MUL:
        for i in range(n):
            z[i] = x[i] * y[i]
    elif op == DIV:
        for i in range(n):
            z[i] = x[i] / y[i]
    elif op == POW:
        for i in range(n):
            z[i] = x[i] ** y[i]
    elif op == MAX:
        for i in range(n):
            z[i] = maximum(x[i], y[i])
    elif op == MIN:
        for i in range(n):
            z[i] = minimum(x[i], y[i])
    elif op == LT:
        for i in range(n):
            z[i] = 1.0 if x[i] < y[i] else 0.0
    elif op == LE:
        for i in range(n):
            z[i] = 1.0 if x[i] <= y[i] else 0.0
    elif op == GT:
        for i in range(n):
            z[i] = 1.0 if x[i] > y[i] else 0.0
    elif op == GE:
        for i in range(n):
            z[i] = 1.0 if x[i] >= y[i] else 0.0
    elif op == EQ:
        for i in range(n):
            z[i] = 1.0 if x[i] == y[i] else 0.0
    elif op == NE:
        for i in range(n):
            z[i] = 1.0 if x[i] != y[i] else 0.0
    elif op == AND:
        for i in range(n):
            z[i] = 1.0 if (x[i] != 0.0 and y[i] != 0.0) else 0.0
    elif op == OR:
        for i in range(n):
            z[i] = 1.0 if (x[i] != 0.0 or y[i] != 0.0) else 0.0
    elif op == ATAN2:
        for i in range(n):
            z[i] = np.arctan2(x[i], y[i])
    elif op == FLOORDIV:
        for i in range(n):
            z[i] = x[i] // y[i]
    elif op == REM:
        for i in range(n):
            z[i] = x[i] % y[i]


@njit(**_JIT)
def _unary1(op, x):
    if op == NEG:
        return -x
    elif op == EXP:
        return fast_exp(x)
    elif op == LOG:
        return np.log(x)
    elif op == LOG1P:
        return np.log1p(x)
    elif op == EXPM1:
        return fast_expm1(x)
    elif op == SIN:
        return np.sin(x)
    elif op == COS:
        return np.cos(x)
    elif op == TANH:
        return fast_tanh(x)
    elif op == SQRT:
        return np.sqrt(x)
    elif op == ABS:
        return abs(x)
    elif op == SIGN:
        return sign(x)
    elif op == FLOOR:
        return np.floor(x)
    elif op == NOT:
        return 1.0 if x == 0.0 else 0.0
    elif op == ASIN:
        return np.arcsin(x)
    elif op == ACOS:
        return np.arccos(x)
    elif op == ATAN:
        return np.arctan(x)
    elif op == ASINH:
        return np.arcsinh(x)
    elif op == ACOSH:
        return np.arccosh(x)
    elif op == ATANH:
        return np.arctanh(x)
    elif op == TO_BOOL:
        return 1.0 if x != 0.0 else 0.0
    elif op == TRUNC:
        return float(np.int64(x))
    elif op == SQUARE:
        return x * x
    elif op == RECIP:
        return 1.0 / x
    return np.nan


@njit(**_JIT)
def _binary1(op, x, y):
    if op == ADD:
        return x + y
    elif op == SUB:
        return x - y
    elif op == MUL:
        return x * y
    elif op == DIV:
        return x / y
    elif op == POW:
        return x ** y
    elif op == MAX:
        return maximum(x, y)
    elif op == MIN:
        return minimum(x, y)
    elif op == LT:
        return 1.0 if x < y else 0.0
    elif op == LE:
        return 1.0 if x <= y else 0.0
    elif op == GT:
        return 1.0 if x > y else 0.0
    elif op == GE:
        return 1.0 if x >= y else 0.0
    elif op == EQ:
        return 1.0 if x == y else 0.0
    elif op == NE:
        return 1.0 if x != y else 0.0
    elif op == AND:
        return 1.0 if (x != 0.0 and y != 0.0) else 0.0
    elif op == OR:
        return 1.0 if (x != 0.0 or y != 0.0) else 0.0
    elif op == ATAN2:
        return np.arctan2(x, y)
    elif op == FLOORDIV:
        return x // y
    elif op == REM:
        return x % y
    return np.nan


@njit(**_JIT)
def _strided(ws, row):
    """ws[out + sum(i_k * os_k)] = ws[a + sum(i_k * is_k)] over four axes."""
    o, a = row[OUT], row[A]
    d0, d1, d2, d3 = row[D0], row[D0 + 1], row[D0 + 2], row[D0 + 3]
    i0, i1, i2, i3 = row[IS0], row[IS0 + 1], row[IS0 + 2], row[IS0 + 3]
    o0, o1, o2, o3 = row[OS0], row[OS0 + 1], row[OS0 + 2], row[OS0 + 3]
    for j0 in range(d0):
        for j1 in range(d1):
            for j2 in range(d2):
                src = a + j0 * i0 + j1 * i1 + j2 * i2
                dst = o + j0 * o0 + j1 * o1 + j2 * o2
                for j3 in range(d3):
                    ws[dst + j3 * o3] = ws[src + j3 * i3]


@njit(**_JIT)
def _reduce(op, ws, row):
    """A sum, max or min into ws[out + ...] (out strides 0 along the reduced axes)."""
    o, a, n = row[OUT], row[A], row[N]
    if op == RSUM:
        start = 0.0
    elif op == RMAX:
        start = -np.inf
    else:
        start = np.inf
    for i in range(n):
        ws[o + i] = start
    d0, d1, d2, d3 = row[D0], row[D0 + 1], row[D0 + 2], row[D0 + 3]
    i0, i1, i2, i3 = row[IS0], row[IS0 + 1], row[IS0 + 2], row[IS0 + 3]
    o0, o1, o2, o3 = row[OS0], row[OS0 + 1], row[OS0 + 2], row[OS0 + 3]
    for j0 in range(d0):
        for j1 in range(d1):
            for j2 in range(d2):
                src = a + j0 * i0 + j1 * i1 + j2 * i2
                dst = o + j0 * o0 + j1 * o1 + j2 * o2
                if op == RSUM:
                    if o3 == 0:
                        # four partial sums: a chain LLVM can vectorise, NumPy-like accuracy
                        s0 = 0.0
                        s1 = 0.0
                        s2 = 0.0
                        s3 = 0.0
                        j3 = 0
                        while j3 + 4 <= d3:
                            s0 += ws[src + j3 * i3]
                            s1 += ws[src + (j3 + 1) * i3]
                            s2 += ws[src + (j3 + 2) * i3]
                            s3 += ws[src + (j3 + 3) * i3]
                            j3 += 4
                        while j3 < d3:
                            s0 += ws[src + j3 * i3]
                            j3 += 1
                        ws[dst] += (s0 + s1) + (s2 + s3)
                    else:
                        for j3 in range(d3):
                            ws[dst + j3 * o3] += ws[src + j3 * i3]
                elif op == RMAX:
                    for j3 in range(d3):
                        ws[dst + j3 * o3] = maximum(ws[dst + j3 * o3], ws[src + j3 * i3])
                else:
                    for j3 in range(d3):
                        ws[dst + j3 * o3] = minimum(ws[dst + j3 * o3], ws[src + j3 * i3])


@njit(**_JIT)
def _dot(ws, a, b, o, m, k, n, ta, tb):
    """ws[o] (m, n) = A @ B through BLAS, A (m, k) at a (stored transposed when ``ta``), B
    (k, n) at b likewise; a product with a single row or column is a matrix-vector product.
    (Each branch names its layouts, so that every np.dot is typed on contiguous arrays.)"""
    if n == 1:
        if ta:
            np.dot(ws[a:a + m * k].reshape((k, m)).T, ws[b:b + k], ws[o:o + m])
        else:
            np.dot(ws[a:a + m * k].reshape((m, k)), ws[b:b + k], ws[o:o + m])
    elif m == 1:
        if tb:
            np.dot(ws[b:b + k * n].reshape((n, k)), ws[a:a + k], ws[o:o + n])
        else:
            np.dot(ws[b:b + k * n].reshape((k, n)).T, ws[a:a + k], ws[o:o + n])
    else:
        z = ws[o:o + m * n].reshape((m, n))
        if ta:
            x = ws[a:a + m * k].reshape((k, m)).T
            if tb:
                np.dot(x, ws[b:b + k * n].reshape((n, k)).T, z)
            else:
                np.dot(x, ws[b:b + k * n].reshape((k, n)), z)
        else:
            x = ws[a:a + m * k].reshape((m, k))
            if tb:
                np.dot(x, ws[b:b + k * n].reshape((n, k)).T, z)
            else:
                np.dot(x, ws[b:b + k * n].reshape((k, n)), z)


@njit(**_JIT)
def _matmul(ws, row):
    batch, m, k, n = row[D0], row[D0 + 1], row[D0 + 2], row[D0 + 3]
    ta, tb = row[SA], row[SB]
    # strides of A's rows and columns, B's rows and columns
    ar, ac = (1, m) if ta else (k, 1)
    br, bc = (1, k) if tb else (n, 1)
    for t in range(batch):
        a = row[A] + t * m * k
        b = row[B] + t * k * n
        o = row[OUT] + t * m * n
        if m * k * n >= 2048 and (m > 1 or n > 1):
            _dot(ws, a, b, o, m, k, n, ta, tb)
        else:
            for i in range(m * n):
                ws[o + i] = 0.0
            for i in range(m):
                for p in range(k):
                    x = ws[a + i * ar + p * ac]
                    for j in range(n):
                        ws[o + i * n + j] += x * ws[b + p * br + j * bc]


@njit(**_JIT)
def _index(ws, at, n):
    """The integer stored at ws[at] as an index into an axis of length n (negative ones count
    from the end, as np.take's); IndexError outside."""
    k = np.int64(ws[at])
    if k < 0:
        k += n
    if k < 0 or k >= n:
        raise IndexError("index out of bounds in a gather or scatter (first tier)")
    return k


@njit(**_JIT)
def _gather(ws, row, scatter):
    """x (pre, n, post) with indices (m,) -> (pre, m, post); its transpose when ``scatter``
    (sums into a zeroed (pre, n, post))."""
    o, a, b = row[OUT], row[A], row[B]
    pre, n, m, post = row[D0], row[D0 + 1], row[D0 + 2], row[D0 + 3]
    if scatter:
        for i in range(pre * n * post):
            ws[o + i] = 0.0
    for p in range(pre):
        for j in range(m):
            k = _index(ws, b + j, n)
            short = (p * m + j) * post    # the row in the (pre, m, post) array
            long = (p * n + k) * post     # the row in the (pre, n, post) array
            if scatter:
                for i in range(post):
                    ws[o + long + i] += ws[a + short + i]
            else:
                for i in range(post):
                    ws[o + short + i] = ws[a + long + i]


@njit(**_JIT)
def _cumsum(ws, row):
    """Running sums along the middle axis of (pre, n, post), from the end when SA is set."""
    o, a = row[OUT], row[A]
    pre, n, post = row[D0], row[D0 + 1], row[D0 + 2]
    for p in range(pre):
        for i in range(post):
            total = 0.0
            for t in range(n):
                j = n - 1 - t if row[SA] else t
                at = (p * n + j) * post + i
                total += ws[a + at]
                ws[o + at] = total


@njit(**_JIT)
def call(code, ws, n_regs, inputs, input_at, outputs, output_at):
    """Copy the flat ``inputs`` into ``ws`` (``input_at``: rows [offset in inputs, offset in
    ws, size]), execute ``code`` over ``ws`` (see the module docstring), and copy the outputs
    out likewise.  (One function, not a call of another: Numba optimises a caller together with
    the code of every function it calls, so each level of calls would compile them all again.)"""
    for r in range(input_at.shape[0]):
        src, dst, n = input_at[r, 0], input_at[r, 1], input_at[r, 2]
        for i in range(n):
            ws[dst + i] = inputs[src + i]
    regs = np.zeros(max(n_regs, 1), np.int64)
    pc = 0
    end = code.shape[0]
    while pc < end:
        op = code[pc, OP]
        if op >= SADD:   # first: the cheapest rows, run most often in scalar loops
            o = code[pc, OUT]
            a = code[pc, A]
            if op == SADD:
                ws[o] = ws[a] + ws[code[pc, B]]
            elif op == SMUL:
                ws[o] = ws[a] * ws[code[pc, B]]
            elif op == SSUB:
                ws[o] = ws[a] - ws[code[pc, B]]
            elif op == SCOPY:
                ws[o] = ws[a]
            elif op == SUNARY:
                ws[o] = _unary1(code[pc, C], ws[a])
            else:
                ws[o] = _binary1(code[pc, C], ws[a], ws[code[pc, B]])
            pc += 1
            continue
        row = code[pc]
        pc += 1
        if op < 70:
            if op < 40:
                _unary(op, ws, row[OUT], row[A], row[N])
            else:
                _binary(op, ws, row[OUT], row[A], row[B], row[N])
        elif op == SELECT:
            n = row[N]
            c = ws[row[A]:row[A] + n]
            x = ws[row[B]:row[B] + n]
            y = ws[row[C]:row[C] + n]
            z = ws[row[OUT]:row[OUT] + n]
            for i in range(n):
                z[i] = x[i] if c[i] != 0.0 else y[i]
        elif op == COPY:
            o, a, n = row[OUT], row[A], row[N]
            if row[SA] == 1:
                ws[o:o + n] = ws[a:a + n]
            else:   # a scalar written out
                value = ws[a]
                for i in range(n):
                    ws[o + i] = value
        elif op == FILL:
            o, n = row[OUT], row[N]
            value = ws[row[A]]
            for i in range(n):
                ws[o + i] = value
        elif op == STRIDED:
            _strided(ws, row)
        elif op == RSUM or op == RMAX or op == RMIN:
            _reduce(op, ws, row)
        elif op == MATMUL:
            _matmul(ws, row)
        elif op == GATHER:
            _gather(ws, row, False)
        elif op == SCATTER_ADD:
            _gather(ws, row, True)
        elif op == CUMSUM:
            _cumsum(ws, row)
        elif op == LOOP_INIT:
            regs[row[OUT]] = 0
        elif op == LOOP_TEST:
            # OUT: counter register, N: length, B: position register, SA: reverse,
            # C: jump target when done
            count = regs[row[OUT]]
            if count >= row[N]:
                pc = row[C]
            else:
                regs[row[B]] = row[N] - 1 - count if row[SA] else count
        elif op == INDEX:
            # ws[OUT] = START (in A) + the position in register B
            ws[row[OUT]] = float(row[A] + regs[row[B]])
        elif op == ROW_IN:
            o, n = row[OUT], row[N]
            a = row[A] + regs[row[B]] * n
            for i in range(n):
                ws[o + i] = ws[a + i]
        elif op == ROW_OUT:
            n = row[N]
            o = row[OUT] + regs[row[B]] * n
            a = row[A]
            for i in range(n):
                ws[o + i] = ws[a + i]
        elif op == LOOP_NEXT:
            regs[row[OUT]] += 1
            pc = row[C]
        elif op == JUMP_IF_ZERO:
            if ws[row[A]] == 0.0:
                pc = row[C]
        elif op == JUMP:
            pc = row[C]


    for r in range(output_at.shape[0]):
        dst, src, n = output_at[r, 0], output_at[r, 1], output_at[r, 2]
        for i in range(n):
            outputs[dst + i] = ws[src + i]
    return 0


def warm_up():
    """Compile ``call`` for the one signature every program uses (the compile worker runs
    this)."""
    code = np.zeros((1, WIDTH), np.int64)
    code[0, OP] = COPY
    code[0, OUT] = 1
    code[0, N] = 1
    code[0, SA] = 1
    ws = np.zeros(2)
    at = np.array([[0, 0, 1]], np.int64)
    out = np.zeros(1)
    call(code, ws, 1, np.ones(1), at, out, np.array([[0, 1, 1]], np.int64))
    return out[0] == 1.0
