"""Helpers the generated kernels call (as ``rt.<name>``): the fast elementary functions, the
reassociable sum update, BLAS matrix products on contiguous operands, and the loops behind
gather, scatter-add and cumsum.  (NaN-propagating max/min/sign are scalar templates shared by
every backend: backends/scalar_semantics.py.)"""
from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import intrinsic, overload

from .elementary import fast_exp, fast_expm1, fast_tanh  # noqa: F401  (used by kernels)

_JIT = dict(cache=True, error_model="numpy")


# --------------------------------------------------------------------------- sums

@intrinsic
def _add_reassociable(typingctx, a, b):
    """a + b as an ``fadd`` carrying LLVM's ``reassoc`` flag and nothing else: a loop summing
    with it may keep several partial sums (and so vectorise, with exp or tanh in the summand)
    the way NumPy's pairwise np.sum does; everything else in the loop keeps strict IEEE order."""
    if not (isinstance(a, types.Float) and a == b):
        return None

    def codegen(context, builder, signature, args):
        return builder.fadd(args[0], args[1], flags=("reassoc",))

    return a(a, b), codegen


def sum_add(acc, value):
    """The update of a sum accumulator (kernels write ``acc = rt.sum_add(acc, value)``)."""


@overload(sum_add)
def _sum_add(acc, value):
    if isinstance(acc, types.Float) and acc == value:
        return lambda acc, value: _add_reassociable(acc, value)
    if acc == types.float64 and value == types.float32:
        # a float32 sum accumulates in float64 (lowering.py starts it at 0.0): 10**6 values of
        # 0.1 sum to 100000.0, where a float32 accumulator drifts to 99985
        return lambda acc, value: _add_reassociable(acc, np.float64(value))
    return lambda acc, value: acc + value


# --------------------------------------------------------------------------- allocation

# Kernels allocate through these instead of np.empty/np.zeros/np.full: Numba compiles its own
# implementation of those again in every process (50-100 ms for each rank and dtype, paid by
# the first kernel of a process), while these are compiled once per rank and dtype and then
# loaded from Numba's cache.

@njit(**_JIT)
def empty(shape, dtype):
    return np.empty(shape, dtype)


@njit(**_JIT)
def zeros(shape, dtype):
    return np.zeros(shape, dtype)


@njit(**_JIT)
def full(shape, value, dtype):
    return np.full(shape, value, dtype)


# --------------------------------------------------------------------------- matrix products

def blas_operand(a):
    """``a`` itself when BLAS can read it (C or Fortran order), else a C-contiguous copy."""


@overload(blas_operand)
def _blas_operand(a):
    if isinstance(a, types.Array) and a.layout in ("C", "F"):
        return lambda a: a
    return lambda a: np.ascontiguousarray(a)


def matmul_any(a, b):
    """2-D matrix product: BLAS for floats, loops otherwise."""


@overload(matmul_any)
def _matmul_any(a, b):
    if isinstance(a.dtype, types.Float) and a.dtype == b.dtype:
        def blas(a, b):
            a_, b_ = blas_operand(a), blas_operand(b)
            m, n = a_.shape[0], b_.shape[1]
            # a matrix times one column (or one row times a matrix) is a matrix-vector
            # product: BLAS gemv streams the matrix once, where gemm with n = 1 is slower
            if n == 1 and m > 1:
                return np.dot(a_, np.ascontiguousarray(b_[:, 0])).reshape((m, 1))
            if m == 1 and n > 1:
                return np.dot(b_.T, np.ascontiguousarray(a_[0])).reshape((1, n))
            return np.dot(a_, b_)
        return blas

    def loops(a, b):
        m, k = a.shape
        n = b.shape[1]
        out = np.zeros((m, n), a.dtype)
        for i in range(m):
            for p in range(k):
                aip = a[i, p]
                for j in range(n):
                    out[i, j] += aip * b[p, j]
        return out
    return loops


@njit(**_JIT)
def matmul(a, b):
    """A separate cached function (not inlined), so kernels link to its machine code instead of
    compiling NumPy's dot again."""
    return matmul_any(a, b)


@njit(**_JIT)
def matmul_batched(a, b, batch):
    a3 = np.ascontiguousarray(a).reshape((batch, a.shape[-2], a.shape[-1]))
    b3 = np.ascontiguousarray(b).reshape((batch, b.shape[-2], b.shape[-1]))
    out = np.empty((batch, a3.shape[1], b3.shape[2]), a.dtype)
    for t in range(batch):
        out[t] = matmul(a3[t], b3[t])
    return out


# --------------------------------------------------------------------------- gathers

@njit(**_JIT)
def _index_error(index, n):
    raise IndexError("index " + str(index) + " is out of bounds for axis with size " + str(n))


@njit(**_JIT)
def checked_indices(indices, n):
    """The indices flattened, with negative ones counted from the end as NumPy does; raises
    IndexError (as np.take does) for one outside [-n, n).  One pass over the index array, before
    the loops that use it, so they read and write only inside their buffers."""
    flat = np.ascontiguousarray(indices).reshape(-1)
    out = np.empty(flat.size, np.int64)
    for q in range(flat.size):
        j = np.int64(flat[q])
        if j < -n or j >= n:
            _index_error(j, n)
        out[q] = j + n if j < 0 else j
    return out


@njit(**_JIT)
def gather(x, indices, pre, n, post):
    """np.take(x, indices, axis) on x viewed as (pre, n, post); result (pre, m, post)."""
    x3 = np.ascontiguousarray(x).reshape((pre, n, post))
    flat = checked_indices(indices, n)
    m = flat.size
    out = np.empty((pre, m, post), x.dtype)
    for p in range(pre):
        for q in range(m):
            j = flat[q]
            for r in range(post):
                out[p, q, r] = x3[p, j, r]
    return out


@njit(**_JIT)
def scatter_add(x, indices, pre, size, post):
    """Transpose of gather: out (pre, size, post) with out[:, indices[q], :] += x[:, q, :]."""
    flat = checked_indices(indices, size)
    m = flat.size
    x3 = np.ascontiguousarray(x).reshape((pre, m, post))
    out = np.zeros((pre, size, post), x.dtype)
    for p in range(pre):
        for q in range(m):
            j = flat[q]
            for r in range(post):
                out[p, j, r] += x3[p, q, r]
    return out


@njit(**_JIT)
def cumsum(x, pre, n, post, reverse):
    x3 = np.ascontiguousarray(x).reshape((pre, n, post))
    out = np.empty((pre, n, post), x.dtype)
    for p in range(pre):
        acc = np.zeros(post, x.dtype)
        for q in range(n):
            j = n - 1 - q if reverse else q
            for r in range(post):
                acc[r] += x3[p, j, r]
                out[p, j, r] = acc[r]
    return out


@njit(cache=True)
def touch_blas():
    """Calls once each BLAS routine kernels use (gemm, gemv, dot; float64 and float32), so
    Numba fetches their addresses (see warm_start.py)."""
    total = 0.0
    a, v = np.ones((2, 2)), np.ones(2)
    total += np.dot(a, a)[0, 0] + np.dot(a, v)[0] + np.dot(v, v)
    a32, v32 = np.ones((2, 2), np.float32), np.ones(2, np.float32)
    total += np.dot(a32, a32)[0, 0] + np.dot(a32, v32)[0] + np.dot(v32, v32)
    return total


# --------------------------------------------------------------------------- stacks of matrices
# np.linalg on each matrix of a stack (batch, m, n): Numba's np.linalg takes one matrix.

@njit(**_JIT)
def solve_batched(a, b, batch):
    n = a.shape[-1]
    a3 = np.ascontiguousarray(a).reshape((batch, n, n))
    b3 = np.ascontiguousarray(b).reshape((batch, n, b.shape[-1]))
    out = np.empty(b3.shape, b.dtype)
    for t in range(batch):
        out[t] = np.linalg.solve(a3[t], b3[t])
    return out


@njit(**_JIT)
def inv_batched(a, batch):
    n = a.shape[-1]
    a3 = np.ascontiguousarray(a).reshape((batch, n, n))
    out = np.empty((batch, n, n), a.dtype)
    for t in range(batch):
        out[t] = np.linalg.inv(a3[t])
    return out


@njit(**_JIT)
def slogdet_batched(a, batch):
    n = a.shape[-1]
    a3 = np.ascontiguousarray(a).reshape((batch, n, n))
    sign = np.empty(batch, a.dtype)
    logabsdet = np.empty(batch, a.dtype)
    for t in range(batch):
        s, l = np.linalg.slogdet(a3[t])
        sign[t] = s
        logabsdet[t] = l
    return sign, logabsdet


@njit(**_JIT)
def cholesky_batched(a, batch):
    n = a.shape[-1]
    a3 = np.ascontiguousarray(a).reshape((batch, n, n))
    out = np.empty((batch, n, n), a.dtype)
    for t in range(batch):
        out[t] = np.linalg.cholesky(a3[t])
    return out


@njit(**_JIT)
def eigh_batched(a, batch):
    """Reads the lower triangle, as np.linalg.eigh does."""
    n = a.shape[-1]
    a3 = np.ascontiguousarray(a).reshape((batch, n, n))
    w = np.empty((batch, n), a.dtype)
    v = np.empty((batch, n, n), a.dtype)
    for t in range(batch):
        lower = np.tril(a3[t])
        w[t], v[t] = np.linalg.eigh(lower + np.tril(lower, -1).T)
    return w, v


@njit(**_JIT)
def eig_batched(a, batch):
    """Real eigenvalues only: Numba raises for a matrix with complex ones."""
    n = a.shape[-1]
    a3 = np.ascontiguousarray(a).reshape((batch, n, n))
    w = np.empty((batch, n), a.dtype)
    v = np.empty((batch, n, n), a.dtype)
    for t in range(batch):
        w[t], v[t] = np.linalg.eig(a3[t])
    return w, v


@njit(**_JIT)
def qr_batched(a, batch):
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    a3 = np.ascontiguousarray(a).reshape((batch, m, n))
    q = np.empty((batch, m, k), a.dtype)
    r = np.empty((batch, k, n), a.dtype)
    for t in range(batch):
        q[t], r[t] = np.linalg.qr(a3[t])
    return q, r


@njit(**_JIT)
def svd_batched(a, batch):
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    a3 = np.ascontiguousarray(a).reshape((batch, m, n))
    u = np.empty((batch, m, k), a.dtype)
    s = np.empty((batch, k), a.dtype)
    vt = np.empty((batch, k, n), a.dtype)
    for t in range(batch):
        u[t], s[t], vt[t] = np.linalg.svd(a3[t], full_matrices=False)
    return u, s, vt


@njit(**_JIT)
def pinv_batched(a, batch, rcond):
    m, n = a.shape[-2], a.shape[-1]
    a3 = np.ascontiguousarray(a).reshape((batch, m, n))
    out = np.empty((batch, n, m), a.dtype)
    for t in range(batch):
        out[t] = np.linalg.pinv(a3[t], rcond)
    return out


@njit(**_JIT)
def argsort_rows(x, rows, n):
    """The stable sorting permutation of each row of x viewed as (rows, n); NaNs last."""
    x2 = np.ascontiguousarray(x).reshape((rows, n))
    out = np.empty((rows, n), np.int64)
    for r in range(rows):
        out[r] = np.argsort(x2[r], kind="mergesort")
    return out
