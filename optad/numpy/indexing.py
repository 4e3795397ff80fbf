"""``x[key]`` on traced arrays: static ints, slices (any step), None, Ellipsis, and integer
arrays (one, or several on adjacent axes) for gathers."""
from __future__ import annotations

import numbers

import numpy as np

from ..primitives import shape as sh
from ._promote import is_tracer
from .arrays import _check_indices


def _is_int_array(k):
    if is_tracer(k):
        if k.dtype == np.bool_:
            raise IndexError("boolean mask indexing gives a data-dependent shape and cannot "
                             "be traced; use np.where(mask, x, 0) instead")
        return True
    if isinstance(k, (list, np.ndarray)):
        arr = np.asarray(k)
        if arr.dtype == np.bool_:
            raise IndexError("boolean mask indexing gives a data-dependent shape and cannot be "
                             "traced; use np.where(mask, x, 0) instead")
        return True
    return False


def getitem(x, key):
    if not isinstance(key, tuple):
        key = (key,)
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
    if n_real > x.ndim:
        raise IndexError(f"too many indices for array of shape {x.shape}: {len(key)} given")
    if any(k is Ellipsis for k in key):
        if sum(1 for k in key if k is Ellipsis) > 1:
            raise IndexError("an index can only have a single ellipsis ('...')")
        i = next(i for i, k in enumerate(key) if k is Ellipsis)
        key = key[:i] + (slice(None),) * (x.ndim - n_real) + key[i + 1:]
    key = key + (slice(None),) * (x.ndim - sum(1 for k in key if k is not None))

    starts, steps, sizes = [], [], []
    result_shape = []      # entries: ("axis", i) | ("new",) | ("adv",)
    adv_axes = []
    axis = 0
    for k in key:
        if k is None:
            result_shape.append(("new",))
            continue
        n = x.shape[axis]
        if isinstance(k, slice):
            start, stop, step = k.indices(n)
            size = len(range(start, stop, step))
            starts.append(start if size else 0)
            steps.append(step)
            sizes.append(size)
            result_shape.append(("axis", axis))
        elif isinstance(k, numbers.Integral) and not isinstance(k, bool):
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for axis {axis} with size {n}")
            starts.append(int(k) % n)
            steps.append(1)
            sizes.append(1)
        elif _is_int_array(k):
            starts.append(0)
            steps.append(1)
            sizes.append(n)
            adv_axes.append((axis, k))
            if not result_shape or result_shape[-1] != ("adv",):
                result_shape.append(("adv",))
        else:
            raise IndexError(f"unsupported index {k!r} for a traced array (static ints, slices, "
                             "None, ... and integer arrays are supported)")
        axis += 1

    out = sh.slice_array(x, starts, steps, sizes)
    sliced_shape = tuple(sizes)
    if not adv_axes:
        final = [1 if e[0] == "new" else sliced_shape[e[1]] for e in result_shape]
        return sh.reshape(out, tuple(final))

    axes = [a for a, _ in adv_axes]
    if axes != list(range(axes[0], axes[0] + len(axes))) or result_shape.count(("adv",)) > 1:
        raise NotImplementedError("integer-array indices on non-adjacent axes are not "
                                  "supported; index in two steps")
    if any(isinstance(k, numbers.Integral) for k in key):
        raise NotImplementedError("mixing integer scalars and integer arrays in one index is "
                                  "not supported; index in two steps (e.g. x[i][:, idx])")
    first, count = axes[0], len(axes)
    dims = sliced_shape[first:first + count]
    if count == 1:
        flat_index = _check_indices(adv_axes[0][1], dims[0])
    else:
        if any(is_tracer(k) for _, k in adv_axes):
            raise NotImplementedError("several traced integer-array indices are not supported")
        arrays = np.broadcast_arrays(*[_check_indices(k, d) for (_, k), d in zip(adv_axes, dims)])
        flat_index = np.ravel_multi_index(arrays, dims)
        out = sh.reshape(out, sliced_shape[:first] + (int(np.prod(dims)),) +
                         sliced_shape[first + count:])
    out = sh.gather(out, flat_index, first)
    index_shape = tuple(np.shape(flat_index))
    final = []
    for e in result_shape:
        if e[0] == "new":
            final.append(1)
        elif e[0] == "adv":
            final.extend(index_shape)
        else:
            final.append(sliced_shape[e[1]])
    return sh.reshape(out, tuple(final))
