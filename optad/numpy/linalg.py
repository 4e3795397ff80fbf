"""Matrix products and np.linalg on traced values."""
from __future__ import annotations

import types

import numpy as np

from ..primitives import decompositions as dec
from ..primitives import linalg as la
from ..primitives import shape as sh
from ._promote import any_tracer, as_operand, cast, result_dtype
from .arrays import reshape, sum as _sum, swapaxes
from .elementwise import absolute, add, multiply, safe_sqrt, where


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
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return multiply(a, b)
    if np.ndim(b) > 2:
        # dot(a, b)[i, j, k, m] = sum(a[i, j, :] * b[k, :, m])
        from .contractions import tensordot
        return tensordot(a, b, ([-1], [-2]))
    return matmul(a, b)


def inner(a, b):
    a, b = as_operand(a), as_operand(b)
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return multiply(a, b)
    if np.ndim(b) <= 2 and np.ndim(a) <= 2:
        if np.ndim(b) == 1:
            return matmul(a, b)
        return matmul(a, sh.transpose(b, (1, 0)))
    from .contractions import tensordot
    return tensordot(a, b, ([-1], [-1]))


def vdot(a, b):
    return _sum(multiply(reshape(a, (-1,)), reshape(b, (-1,))))


def outer(a, b, out=None):
    a, b = reshape(as_operand(a), (-1, 1)), reshape(as_operand(b), (1, -1))
    return multiply(a, b)


def _float_matrices(a, fname):
    a = as_operand(a)
    if a.ndim < 2:
        raise np.linalg.LinAlgError(f"{a.ndim}-dimensional array given. Array must be at least "
                                    "two-dimensional")
    if a.dtype.kind != "f":
        a = cast(a, np.float64)
    return a


def solve(a, b):
    if not any_tracer(a, b):
        return np.linalg.solve(a, b)
    a, b = _promote2(a, b)
    if a.ndim == 2:
        return la.solve(a, b)
    batch = a.shape[:-2]
    if b.ndim == 1:  # one right-hand side for the whole stack (NumPy >= 2 semantics)
        b = sh.broadcast_to(sh.reshape(b, (1,) * len(batch) + b.shape + (1,)),
                            batch + b.shape + (1,))
        return sh.reshape(la.solve(sh.broadcast_to(a, batch + a.shape[-2:]), b), batch +
                          a.shape[-1:])
    full = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = sh.broadcast_to(a, full + a.shape[-2:])
    b = sh.broadcast_to(b, full + b.shape[-2:])
    return la.solve(a, b)


def inv(a):
    if not any_tracer(a):
        return np.linalg.inv(a)
    return dec.inv(_float_matrices(a, "inv"))


def slogdet(a):
    if not any_tracer(a):
        return np.linalg.slogdet(a)
    return dec.slogdet(_float_matrices(a, "slogdet"))


def det(a):
    """sign * exp(log|det|): derivative det(A) A^-T (A must be nonsingular)."""
    if not any_tracer(a):
        return np.linalg.det(a)
    sign, logabsdet = slogdet(a)
    from .elementwise import exp
    return multiply(sign, exp(logabsdet))


def symmetric_from_triangle(a, lower=True):
    """The symmetric matrix whose lower (or upper) triangle is that of ``a``: what
    np.linalg.eigh and cholesky read.  Computing them on it gives NumPy's values, and
    derivatives that are those of the function NumPy computes: zero for the entries of the
    triangle not read, twice the symmetric gradient's off the diagonal of the one read."""
    rows, cols = np.shape(a)[-2:]
    read = np.tri(rows, cols, 0, dtype=bool) if lower else ~np.tri(rows, cols, -1, dtype=bool)
    strict = np.tri(rows, cols, -1, dtype=bool) if lower else ~np.tri(rows, cols, 0, dtype=bool)
    zero = np.zeros((), a.dtype)
    return add(where(read, a, zero), swapaxes(where(strict, a, zero), -1, -2))


def cholesky(a, upper=False):
    if not any_tracer(a):
        return np.linalg.cholesky(a, upper=upper)
    a = _float_matrices(a, "cholesky")
    low = dec.cholesky(symmetric_from_triangle(a, lower=not upper))
    return swapaxes(low, -1, -2) if upper else low


def eigh(a, UPLO="L"):
    if not any_tracer(a):
        return np.linalg.eigh(a, UPLO=UPLO)
    if UPLO not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return dec.eigh(symmetric_from_triangle(_float_matrices(a, "eigh"), lower=UPLO == "L"))


def eigvalsh(a, UPLO="L"):
    if not any_tracer(a):
        return np.linalg.eigvalsh(a, UPLO=UPLO)
    return eigh(a, UPLO)[0]


def eig(a):
    if not any_tracer(a):
        return np.linalg.eig(a)
    return dec.eig(_float_matrices(a, "eig"))


def eigvals(a):
    if not any_tracer(a):
        return np.linalg.eigvals(a)
    return eig(a)[0]


def qr(a, mode="reduced"):
    if not any_tracer(a):
        return np.linalg.qr(a, mode=mode)
    a = _float_matrices(a, "qr")
    if mode not in ("reduced", "r"):
        raise NotImplementedError(f"np.linalg.qr(mode={mode!r}) is not supported on traced "
                                  "arrays; use mode='reduced' or 'r'")
    q, r = dec.qr(a)
    return r if mode == "r" else (q, r)


def pinv(a, rcond=None, hermitian=False, *, rtol=None):
    if not any_tracer(a):
        return np.linalg.pinv(a, rcond=rcond, hermitian=hermitian)
    if rtol is not None:
        raise NotImplementedError("np.linalg.pinv(rtol=...) on traced arrays: use rcond")
    return dec.pinv(_float_matrices(a, "pinv"), 1e-15 if rcond is None else rcond)


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    if not any_tracer(a):
        return np.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv,
                             hermitian=hermitian)
    a = _float_matrices(a, "svd")
    if not compute_uv:
        return la.svdvals(a)
    if full_matrices and a.shape[-1] != a.shape[-2]:
        raise NotImplementedError(
            "np.linalg.svd(A, full_matrices=True) of a non-square traced matrix: the extra "
            "singular vectors are not unique and have no derivative; use full_matrices=False")
    return la.svd(a)


def matrix_power(a, n):
    a = as_operand(a)
    if not any_tracer(a):
        return np.linalg.matrix_power(a, n)
    n = int(n)
    if n < 0:
        a, n = inv(a), -n
    result = None
    base = a
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    if result is None:
        return np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape).copy()
    return result


def _vector_norm(x, ord, axis, keepdims):
    from .arrays import max as _max, min as _min
    from .elementwise import not_equal, power
    if ord is None or ord == 2:
        return safe_sqrt(_sum(multiply(x, x), axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return _max(absolute(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return _min(absolute(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return _sum(cast(not_equal(x, 0), x.dtype), axis=axis, keepdims=keepdims)
    if ord == 1:
        return _sum(absolute(x), axis=axis, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order {ord!r} for vectors")
    p = float(ord)
    total = _sum(power(absolute(x), p), axis=axis, keepdims=keepdims)
    if p > 0:  # at x = 0 the derivative is the zero subgradient, not NaN
        from .elementwise import equal, where
        zero = equal(total, 0.0)
        return where(zero, 0.0, power(where(zero, 1.0, total), 1.0 / p))
    return power(total, 1.0 / p)


def _matrix_norm(x, ord, axes, keepdims):
    from .arrays import max as _max, min as _min, moveaxis
    r, c = axes
    if ord in (None, "fro"):
        result = safe_sqrt(_sum(multiply(x, x), axis=axes))
    elif ord in (1, -1, np.inf, -np.inf):
        summed, other = (r, c) if ord in (1, -1) else (c, r)
        sums = _sum(absolute(x), axis=summed)
        other = other - 1 if other > summed else other
        result = (_max if ord > 0 else _min)(sums, axis=other)
    elif ord in (2, -2, "nuc"):
        s = svd(moveaxis(x, (r, c), (-2, -1)), compute_uv=False)
        result = _sum(s, axis=-1) if ord == "nuc" else (_max if ord == 2 else _min)(s, axis=-1)
    else:
        raise ValueError(f"Invalid norm order {ord!r} for matrices")
    if keepdims:
        shape = list(x.shape)
        shape[r] = shape[c] = 1
        result = reshape(result, tuple(shape))
    return result


def norm(x, ord=None, axis=None, keepdims=False):
    if not any_tracer(x):
        return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    x = as_operand(x)
    if x.dtype.kind != "f":
        x = cast(x, np.float64)
    if axis is None:
        if ord is None or (ord == "fro" and x.ndim == 2):
            return safe_sqrt(_sum(multiply(x, x), axis=None, keepdims=keepdims))
        if x.ndim == 1:
            return _vector_norm(x, ord, 0, keepdims)
        if x.ndim == 2:
            return _matrix_norm(x, ord, (0, 1), keepdims)
        raise ValueError("Improper number of dimensions to norm.")
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = tuple(int(a) % x.ndim for a in axes)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError("Improper number of dimensions to norm.")


linalg = types.SimpleNamespace(
    solve=solve, svd=svd, norm=norm, inv=inv, det=det, slogdet=slogdet, cholesky=cholesky,
    eigh=eigh, eigvalsh=eigvalsh, eig=eig, eigvals=eigvals, qr=qr, pinv=pinv,
    matrix_power=matrix_power)
