"""NumPy's shape functions, reductions and indexing on traced values."""
from __future__ import annotations

import builtins
import numbers

import numpy as np

from ..primitives import elementwise as ew
from ..primitives import reductions as red
from ..primitives import shape as sh
from ._promote import any_tracer, as_operand, cast, result_dtype
from .elementwise import divide, multiply, safe_sqrt, subtract


def _axes(axis, ndim, fname="reduction"):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for a in axes:
        if not isinstance(a, numbers.Integral):
            raise TypeError(f"{fname}: axis must be an int or a tuple of ints, got {a!r}")
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(f"{fname}: axis {a} is out of bounds for an array of "
                                          f"dimension {ndim}")
        out.append(int(a) % ndim)
    return tuple(sorted(out))


def _keep(y, shape, axes, keepdims):
    if keepdims:
        return sh.reshape(y, tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return y


def _no_extra(fname, kwargs):
    extra = {k: v for k, v in kwargs.items() if v is not None}
    if extra:
        raise NotImplementedError(f"np.{fname}: arguments {sorted(extra)} are not supported "
                                  "on traced arrays")


# --------------------------------------------------------------------------- shape

def reshape(a, *shape, newshape=None, order="C", **kwargs):
    if "shape" in kwargs:
        shape = (kwargs.pop("shape"),)
    if newshape is not None:
        shape = (newshape,)
    if order != "C":
        raise NotImplementedError("reshape: only order='C' is supported")
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    a = as_operand(a)
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise ValueError("reshape: can only specify one unknown dimension")
    if -1 in shape:
        known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
        if known == 0 or a.size % known:
            raise ValueError(f"cannot reshape an array of shape {a.shape} into shape {shape}")
        shape = tuple(a.size // known if s == -1 else s for s in shape)
    if int(np.prod(shape, dtype=np.int64)) != a.size:
        raise ValueError(f"cannot reshape an array of shape {a.shape} into shape {shape}")
    return sh.reshape(a, shape)


def ravel(a, order="C"):
    return reshape(a, (-1,), order=order)


def transpose(a, axes=None):
    a = as_operand(a)
    if axes is None:
        axes = tuple(reversed(range(a.ndim)))
    axes = tuple(int(x) % a.ndim for x in axes) if a.ndim else ()
    return sh.transpose(a, axes)


def swapaxes(a, axis1, axis2):
    a = as_operand(a)
    perm = list(range(a.ndim))
    i, j = axis1 % a.ndim, axis2 % a.ndim
    perm[i], perm[j] = perm[j], perm[i]
    return sh.transpose(a, perm)


def moveaxis(a, source, destination):
    a = as_operand(a)
    src = [s % a.ndim for s in np.atleast_1d(source)]
    dst = [d % a.ndim for d in np.atleast_1d(destination)]
    order = [n for n in range(a.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return sh.transpose(a, order)


def expand_dims(a, axis):
    a = as_operand(a)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    ndim = a.ndim + len(axes)
    axes = {x % ndim for x in axes}
    it = iter(a.shape)
    return sh.reshape(a, tuple(1 if i in axes else next(it) for i in range(ndim)))


def squeeze(a, axis=None):
    a = as_operand(a)
    if axis is None:
        axes = {i for i, n in enumerate(a.shape) if n == 1}
    else:
        axes = set(_axes(axis, a.ndim, "squeeze"))
        if any(a.shape[i] != 1 for i in axes):
            raise ValueError(f"squeeze: cannot select an axis with size other than one "
                             f"(shape {a.shape}, axis {axis})")
    return sh.reshape(a, tuple(n for i, n in enumerate(a.shape) if i not in axes))


def atleast_1d(a):
    a = as_operand(a)
    return reshape(a, (1,)) if a.ndim == 0 else a


def atleast_2d(a):
    a = as_operand(a)
    return reshape(a, (1,) * (2 - a.ndim) + a.shape) if a.ndim < 2 else a


def broadcast_to(a, shape):
    a = as_operand(a)
    shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)
    np.broadcast_shapes(a.shape, shape)
    return sh.broadcast_to(a, shape)


def _same_dtype(arrays):
    arrays = [as_operand(a) for a in arrays]
    dtype = result_dtype(*arrays)
    return [cast(a, dtype) if not isinstance(a, (int, float, bool)) else np.asarray(a, dtype)
            for a in arrays]


def concatenate(arrays, axis=0, out=None, dtype=None, casting=None):
    _no_extra("concatenate", {"out": out, "dtype": dtype, "casting": casting})
    arrays = _same_dtype(arrays)
    if axis is None:
        return sh.concatenate([ravel(a) for a in arrays], 0)
    ndim = arrays[0].ndim
    return sh.concatenate(arrays, int(axis) % ndim)


def stack(arrays, axis=0, out=None, dtype=None, casting=None):
    _no_extra("stack", {"out": out, "dtype": dtype, "casting": casting})
    arrays = _same_dtype(arrays)
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"stack: all input arrays must have the same shape, got {shapes}")
    ndim = arrays[0].ndim + 1
    axis = int(axis) % ndim
    if axis == 0:   # one equation (one loop nest in a kernel) whatever the number of arrays
        return sh.stack(arrays)
    return sh.concatenate([expand_dims(a, axis) for a in arrays], axis)


def hstack(arrays, dtype=None, casting=None):
    arrays = [atleast_1d(a) for a in arrays]
    return concatenate(arrays, axis=0 if arrays[0].ndim == 1 else 1)


def vstack(arrays, dtype=None, casting=None):
    return concatenate([atleast_2d(a) for a in arrays], axis=0)


def flip(a, axis=None):
    a = as_operand(a)
    axes = _axes(axis, a.ndim, "flip")
    starts = [n - 1 if i in axes else 0 for i, n in enumerate(a.shape)]
    steps = [-1 if i in axes else 1 for i in range(a.ndim)]
    return sh.slice_array(a, starts, steps, a.shape)


# --------------------------------------------------------------------------- creation

def zeros_like(a, dtype=None, **kwargs):
    a = as_operand(a)
    return sh.full(a.shape, 0, dtype or a.dtype)


def ones_like(a, dtype=None, **kwargs):
    a = as_operand(a)
    return sh.full(a.shape, 1, dtype or a.dtype)


def full_like(a, fill_value, dtype=None, **kwargs):
    a = as_operand(a)
    return sh.full(a.shape, fill_value, dtype or a.dtype)


# --------------------------------------------------------------------------- reductions

def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):  # noqa: A001
    _no_extra("sum", {"out": out, "initial": initial, "where": where})
    a = as_operand(a)
    if dtype is not None:
        a = cast(a, dtype)
    elif a.dtype.kind == "b":
        a = cast(a, np.int64)
    axes = _axes(axis, a.ndim, "sum")
    return _keep(red.reduce_sum(a, axes), a.shape, axes, keepdims)


def mean(a, axis=None, dtype=None, out=None, keepdims=False, where=None):
    _no_extra("mean", {"out": out, "where": where})
    a = as_operand(a)
    if a.dtype.kind != "f":
        a = cast(a, np.float64)
    axes = _axes(axis, a.ndim, "mean")
    count = int(np.prod([a.shape[i] for i in axes], dtype=np.int64))
    return divide(sum(a, axis=axes, dtype=dtype, keepdims=keepdims), count)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None):
    _no_extra("var", {"out": out, "where": where})
    a = as_operand(a)
    axes = _axes(axis, a.ndim, "var")
    centred = subtract(a, mean(a, axis=axes, keepdims=True))
    count = int(np.prod([a.shape[i] for i in axes], dtype=np.int64)) - ddof
    return divide(sum(multiply(centred, centred), axis=axes, keepdims=keepdims), count)


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None):
    return safe_sqrt(var(a, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims,
                         where=where))


def _extreme(name, reduce):
    def op(a, axis=None, out=None, keepdims=False, initial=None, where=None):
        _no_extra(name, {"out": out, "initial": initial, "where": where})
        a = as_operand(a)
        axes = _axes(axis, a.ndim, name)
        return _keep(reduce(a, axes), a.shape, axes, keepdims)
    op.__name__ = name
    return op


max = amax = _extreme("max", red.reduce_max)  # noqa: A001
min = amin = _extreme("min", red.reduce_min)  # noqa: A001


def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Product as a balanced tree of multiplications: exact derivatives, even at zeros."""
    _no_extra("prod", {"out": out, "initial": initial, "where": where})
    a = as_operand(a)
    if dtype is not None:
        a = cast(a, dtype)
    axes = _axes(axis, a.ndim, "prod")
    shape = a.shape
    for ax in axes:
        n = a.shape[ax]
        if n == 0:
            a = sh.full(a.shape[:ax] + (1,) + a.shape[ax + 1:], 1, a.dtype)
        while n > 1:
            half = n // 2
            lo = _take_range(a, ax, 0, half)
            hi = _take_range(a, ax, half, half)
            prod_pairs = ew.mul(lo, hi)
            if n % 2:
                prod_pairs = sh.concatenate([prod_pairs, _take_range(a, ax, 2 * half, 1)], ax)
            a, n = prod_pairs, half + n % 2
    result = sh.reshape(a, tuple(n for i, n in enumerate(a.shape) if i not in axes))
    return _keep(result, shape, axes, keepdims)


def _take_range(a, axis, start, size):
    starts = [0] * a.ndim
    starts[axis] = start
    sizes = list(a.shape)
    sizes[axis] = size
    return sh.slice_array(a, starts, [1] * a.ndim, sizes)


def cumsum(a, axis=None, dtype=None, out=None):
    _no_extra("cumsum", {"out": out})
    a = as_operand(a)
    if dtype is not None:
        a = cast(a, dtype)
    if axis is None:
        a, axis = ravel(a), 0
    return red.cumsum(a, int(axis) % a.ndim)


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    a = as_operand(a)
    return sum(diagonal(a, offset, axis1, axis2), axis=-1)


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal of the (axis1, axis2) planes, as the last axis (NumPy's layout)."""
    a = as_operand(a)
    if a.ndim < 2:
        raise ValueError("diagonal requires an array of at least two dimensions")
    i, j = _axes(axis1, a.ndim, "diagonal")[0], _axes(axis2, a.ndim, "diagonal")[0]
    if i == j:
        raise ValueError("axis1 and axis2 cannot be the same")
    rest = [k for k in range(a.ndim) if k not in (i, j)]
    planes = sh.transpose(a, rest + [i, j])
    m, n = a.shape[i], a.shape[j]
    rows = np.arange(builtins.max(0, -offset), builtins.max(0, builtins.min(m, n - offset)))
    flat = sh.reshape(planes, planes.shape[:-2] + (m * n,))
    return sh.gather(flat, (rows * n + rows + offset).astype(np.int64), flat.ndim - 1)


def take(a, indices, axis=None, out=None, mode=None):
    _no_extra("take", {"out": out, "mode": mode})
    a = as_operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = int(axis) % a.ndim
    return sh.gather(a, _check_indices(indices, a.shape[axis]), axis)


def _check_indices(indices, n):
    if any_tracer(indices):
        if indices.dtype.kind not in "iu":
            raise IndexError(f"arrays used as indices must be of integer type, "
                             f"got {indices.dtype}")
        return indices  # an integer argument: used as given (no negative wrap-around)
    idx = np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise IndexError(f"arrays used as indices must be of integer type, got {idx.dtype}")
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"index out of bounds for axis with size {n}")
    return np.where(idx < 0, idx + n, idx).astype(np.int64)
