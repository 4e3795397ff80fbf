"""Matrix products and np.linalg on traced values."""
from __future__ import annotations

import types

import numpy as np

from ..primitives import linalg as la
from ..primitives import shape as sh
from ._promote import any_tracer, as_operand, cast, result_dtype
from .arrays import reshape, sum as _sum
from .elementwise import absolute, multiply, sqrt


def _promote2(a, b):
    a, b = as_operand(a), as_operand(b)
    dtype = result_dtype(a, b)
    if dtype.kind not in "f":
        dtype = np.dtype(np.float64)
    return cast(a, dtype), cast(b, dtype)


def matmul(a, b):
    if not any_tracer(a, b):
        return np.matmul(a, b)
    a, b = _promote2(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: input operand does not have enough dimensions (use * for "
                         "scalars)")
    a2 = reshape(a, (1,) + a.shape) if a.ndim == 1 else a
    b2 = reshape(b, b.shape + (1,)) if b.ndim == 1 else b
    if a2.shape[-1] != b2.shape[-2]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} are not aligned: "
                         f"{a2.shape[-1]} (dim {a.ndim - 1}) != {b2.shape[-2]}")
    batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    a2 = sh.broadcast_to(a2, batch + a2.shape[-2:])
    b2 = sh.broadcast_to(b2, batch + b2.shape[-2:])
    out = la.matmul(a2, b2)
    shape = batch + ((a.shape[-2],) if a.ndim > 1 else ()) + ((b.shape[-1],) if b.ndim > 1 else ())
    return sh.reshape(out, shape)


def dot(a, b, out=None):
    if out is not None:
        raise NotImplementedError("np.dot: out= is not supported on traced arrays")
    if not any_tracer(a, b):
        return np.dot(a, b)
    a, b = as_operand(a), as_operand(b)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    if b.ndim > 2:
        raise NotImplementedError("np.dot with a >2-D second operand is not supported; "
                                  "use np.matmul or np.tensordot semantics explicitly")
    return matmul(a, b)


def inner(a, b):
    a, b = as_operand(a), as_operand(b)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    if b.ndim == 1:
        return matmul(a, b)
    return matmul(a, sh.transpose(b, tuple(range(b.ndim - 2)) + (b.ndim - 1, b.ndim - 2)))


def vdot(a, b):
    return _sum(multiply(reshape(a, (-1,)), reshape(b, (-1,))))


def outer(a, b, out=None):
    a, b = reshape(as_operand(a), (-1, 1)), reshape(as_operand(b), (1, -1))
    return multiply(a, b)


def solve(a, b):
    if not any_tracer(a, b):
        return np.linalg.solve(a, b)
    a, b = _promote2(a, b)
    return la.solve(a, b)


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    if not any_tracer(a):
        return np.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv,
                             hermitian=hermitian)
    if compute_uv:
        raise NotImplementedError("np.linalg.svd on traced arrays supports compute_uv=False "
                                  "(differentiable singular values) only")
    a = as_operand(a)
    if a.dtype.kind != "f":
        a = cast(a, np.float64)
    return la.svdvals(a)


def norm(x, ord=None, axis=None, keepdims=False):
    if not any_tracer(x):
        return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    x = as_operand(x)
    if ord in (None, "fro", 2) and (ord != 2 or x.ndim == 1 or isinstance(axis, int)):
        return sqrt(_sum(multiply(x, x), axis=axis, keepdims=keepdims))
    if ord == 1 and (x.ndim == 1 or isinstance(axis, int)):
        return _sum(absolute(x), axis=axis, keepdims=keepdims)
    if ord == np.inf and (x.ndim == 1 or isinstance(axis, int)):
        from .arrays import max as _max
        return _max(absolute(x), axis=axis, keepdims=keepdims)
    if ord == "nuc" and x.ndim == 2:
        return _sum(svd(x, compute_uv=False))
    if ord == 2 and x.ndim == 2:
        from .arrays import max as _max
        return _max(svd(x, compute_uv=False))
    raise NotImplementedError(f"np.linalg.norm with ord={ord!r}, axis={axis!r} is not "
                              "supported on traced arrays")


linalg = types.SimpleNamespace(solve=solve, svd=svd, norm=norm)
