"""Linear algebra: batched matrix products, linear solves and singular values.

The adjoints are the closed forms of the lecture notes:
    x = solve(A, b):   dL/db = A^{-T} g,   dL/dA = -A^{-T} g x^T
    s = svdvals(W):    dL/dW = U diag(dL/ds) V^T
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
    if len(a.shape) != 2 or a.shape[0] != a.shape[1] or len(b.shape) not in (1, 2) \
            or b.shape[0] != a.shape[0]:
        raise ShapeError(f"solve: need a square matrix A (n, n) and b of shape (n,) or (n, k); "
                         f"got A {a.shape}, b {b.shape}")
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
    gb = solve(transpose(a, (1, 0)), ct)
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
    if len(a.shape) != 2:
        raise ShapeError(f"svd: need a matrix, got shape {a.shape}")
    m, n = a.shape
    k = min(m, n)
    return (ShapedArray((m, k), a.dtype), ShapedArray((k,), a.dtype),
            ShapedArray((k, n), a.dtype))


def _svd_not_differentiable(*args, **kwargs):
    raise NotImplementedError(
        "derivatives of the singular vectors (U, V) are not implemented, so second "
        "derivatives through np.linalg.svd(..., compute_uv=False) are unavailable; "
        "first derivatives of the singular values are supported.")


shape_rules[svd_p] = _svd_shape
jvp_rules[svd_p] = _svd_not_differentiable
vjp_rules[svd_p] = _svd_not_differentiable

svdvals_p = primitive("svdvals", "linalg")
impl_rules[svdvals_p] = lambda a: np.linalg.svd(a, compute_uv=False)
shape_rules[svdvals_p] = lambda a, lits: _svd_shape(a, lits)[1:2]


def _svdvals_jvp(primals, tangents, outs):
    (a,), (ta,) = primals, tangents
    if ta is None:
        return None
    u, _, vt = svd(a)
    # ds_i = u_i^T dA v_i
    return reduce_sum(mul(u, matmul(ta, swap_last(vt))), (0,))


def _svdvals_vjp(ct, primals, outs):
    u, _, vt = svd(primals[0])
    m, k = np.shape(u)
    return [matmul(mul(u, broadcast_to(reshape(ct, (1, k)), (m, k))), vt)]


jvp_rules[svdvals_p] = _svdvals_jvp
vjp_rules[svdvals_p] = _svdvals_vjp


def svd(a):
    return bind(svd_p, a)


def svdvals(a):
    return bind(svdvals_p, a)
