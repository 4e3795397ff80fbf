"""Linear algebra: batched matrix products, linear solves and singular values.

The adjoints are the closed forms of the lecture notes:
    x = solve(A, b):   dL/db = A^{-T} g,   dL/dA = -A^{-T} g x^T
    s = svdvals(W):    dL/dW = U diag(dL/ds) V^T
The decompositions (inverse, determinant, Cholesky, eigen, QR, the singular vectors,
pseudo-inverse) and their adjoints are in decompositions.py.  Every primitive works on stacks
of matrices (..., m, n), like NumPy.
"""
from __future__ import annotations

import numpy as np

from ..ir.program import ShapedArray
from ..trace.tracer import bind
from .elementwise import ShapeError, add_tangents, mul, neg, sub
from .reductions import reduce_sum
from .registry import impl_rules, jvp_rules, primitive, shape_rules, vjp_rules
from .shape import broadcast_to, reshape, transpose


def swap_last(x):
    n = len(np.shape(x))
    return transpose(x, tuple(range(n - 2)) + (n - 1, n - 2))


# --------------------------------------------------------------------------- matmul

matmul_p = primitive("matmul", "linalg")
impl_rules[matmul_p] = np.matmul


def _matmul_shape(a, b, lits):
    if len(a.shape) < 2 or len(b.shape) < 2 or a.shape[:-2] != b.shape[:-2] \
            or a.shape[-1] != b.shape[-2]:
        raise ShapeError(f"matmul: shapes {a.shape} and {b.shape} are not aligned "
                         f"(need (..., m, k) @ (..., k, n) with equal batch shapes)")
    if a.dtype != b.dtype:
        raise ShapeError(f"matmul: dtypes differ {a.dtype}, {b.dtype}")
    return (ShapedArray(a.shape[:-1] + b.shape[-1:], a.dtype),)


shape_rules[matmul_p] = _matmul_shape


def _matmul_jvp(primals, tangents, outs):
    a, b = primals
    ta, tb = tangents
    return add_tangents(None if ta is None else matmul(ta, b),
                        None if tb is None else matmul(a, tb))


jvp_rules[matmul_p] = _matmul_jvp
vjp_rules[matmul_p] = lambda ct, primals, outs: [matmul(ct, swap_last(primals[1])),
                                                 matmul(swap_last(primals[0]), ct)]


def matmul(a, b):
    return bind(matmul_p, a, b)


# --------------------------------------------------------------------------- solve

solve_p = primitive("solve", "linalg")
impl_rules[solve_p] = np.linalg.solve


def _solve_shape(a, b, lits):
    """A (..., n, n) with b (n,) or (n, k) unbatched, or b (..., n, k) with A's batch shape."""
    batched = len(a.shape) > 2
    if len(a.shape) < 2 or a.shape[-1] != a.shape[-2] or \
            (not batched and (len(b.shape) not in (1, 2) or b.shape[0] != a.shape[0])) or \
            (batched and (b.shape[:-1] != a.shape[:-1])):
        raise ShapeError(f"solve: need square matrices A (..., n, n) and b of shape (n,), (n, k) "
                         f"or (..., n, k) with A's batch shape; got A {a.shape}, b {b.shape}")
    if a.dtype != b.dtype:
        raise ShapeError(f"solve: dtypes differ {a.dtype}, {b.dtype}")
    return (ShapedArray(b.shape, b.dtype),)


shape_rules[solve_p] = _solve_shape


def _as_matrix(v):
    return reshape(v, (np.shape(v)[0], 1)) if len(np.shape(v)) == 1 else v


def _solve_jvp(primals, tangents, outs):
    a, b = primals
    ta, tb = tangents
    x = outs
    rhs = tb
    if ta is not None:
        ta_x = reshape(matmul(ta, _as_matrix(x)), np.shape(x))
        rhs = neg(ta_x) if rhs is None else sub(rhs, ta_x)
    return None if rhs is None else solve(a, rhs)


def _solve_vjp(ct, primals, outs):
    a, b = primals
    gb = solve(swap_last(a), ct)
    ga = neg(matmul(_as_matrix(gb), swap_last(_as_matrix(outs))))
    return [ga, gb]


jvp_rules[solve_p] = _solve_jvp
vjp_rules[solve_p] = _solve_vjp


def solve(a, b):
    return bind(solve_p, a, b)


# --------------------------------------------------------------------------- singular values

svd_p = primitive("svd", "linalg", multiple_results=True)
impl_rules[svd_p] = lambda a: tuple(np.linalg.svd(a, full_matrices=False))


def _svd_shape(a, lits):
    if len(a.shape) < 2:
        raise ShapeError(f"svd: need a matrix (or a stack of matrices), got shape {a.shape}")
    *batch, m, n = a.shape
    batch = tuple(batch)
    k = min(m, n)
    return (ShapedArray(batch + (m, k), a.dtype), ShapedArray(batch + (k,), a.dtype),
            ShapedArray(batch + (k, n), a.dtype))


shape_rules[svd_p] = _svd_shape

svdvals_p = primitive("svdvals", "linalg")
impl_rules[svdvals_p] = lambda a: np.linalg.svd(a, compute_uv=False)
shape_rules[svdvals_p] = lambda a, lits: _svd_shape(a, lits)[1:2]


def _svdvals_jvp(primals, tangents, outs):
    (a,), (ta,) = primals, tangents
    if ta is None:
        return None
    u, _, vt = svd(a)
    # ds_i = u_i^T dA v_i
    return reduce_sum(mul(u, matmul(ta, swap_last(vt))), (len(np.shape(u)) - 2,))


def _svdvals_vjp(ct, primals, outs):
    u, _, vt = svd(primals[0])
    return [matmul(mul(u, expand_row(ct, np.shape(u))), vt)]


jvp_rules[svdvals_p] = _svdvals_jvp
vjp_rules[svdvals_p] = _svdvals_vjp


def svd(a):
    return bind(svd_p, a)


def svdvals(a):
    return bind(svdvals_p, a)


def expand_row(v, shape):
    """v (..., k) broadcast along the second-to-last axis of ``shape`` (..., m, k)."""
    shape = tuple(shape)
    return broadcast_to(reshape(v, shape[:-2] + (1, shape[-1])), shape)


def expand_column(v, shape):
    """v (..., m) broadcast along the last axis of ``shape`` (..., m, k)."""
    shape = tuple(shape)
    return broadcast_to(reshape(v, shape[:-2] + (shape[-2], 1)), shape)
