"""``x[key]`` on traced arrays: static ints, slices (any step), None, Ellipsis, integer arrays
(one, or several on adjacent axes) for gathers, and constant boolean masks.

A boolean mask that is a constant of the trace (a NumPy array the function closes over)
selects a number of elements known while tracing: as in NumPy it is
the integer arrays ``mask.nonzero()`` on the axes it covers, so it becomes a gather (whose
adjoint is a scatter-add).  A mask passed as an argument does too, its count guarded
(masks.py).  A mask computed from traced values would give a data-dependent shape: an error
names ``np.where``."""
from __future__ import annotations

import numbers

import numpy as np

from ..primitives import shape as sh
from . import masks
from ._promote import is_tracer
from .arrays import _check_indices


TRACED_MASK = ("indexing with a boolean mask computed from traced values gives a shape that "
               "depends on the values and cannot be traced; keep the shape with "
               "np.where(mask, x, 0) (and sum or average with the mask as weights). A NumPy "
               "mask the function closes over, or one passed as an argument and used as it "
               "is, selects a number of entries known while tracing and works")


def _is_bool_array(k):
    return isinstance(k, (list, np.ndarray)) and np.asarray(k).dtype == np.bool_ and \
        np.ndim(k) > 0


def expand_masks(key, shape):
    """``key`` (a tuple) with each constant boolean array replaced by its ``nonzero()`` integer
    arrays, after checking its shape against the axes it covers (as NumPy does)."""
    if not any(_is_bool_array(k) or is_tracer(k) and k.dtype == np.bool_ for k in key):
        return key

    def width(k):
        if k is None or k is Ellipsis:
            return 0
        return np.ndim(k) if _is_bool_array(k) or is_tracer(k) and k.dtype == np.bool_ else 1

    n_real = sum(width(k) for k in key)
    out, axis = [], 0
    for k in key:
        if is_tracer(k) and k.dtype == np.bool_:
            value = masks.argument_value(k) if k.ndim > 0 else None
            if value is None:
                raise IndexError(TRACED_MASK)
            covered = tuple(shape[axis:axis + k.ndim])
            if covered != k.shape:
                raise IndexError(f"boolean index of shape {k.shape} does not match the "
                                 f"indexed array's axes {axis}..{axis + k.ndim - 1} of "
                                 f"shape {covered} (array shape {tuple(shape)})")
            out.extend(masks.true_positions(k, value))
            axis += k.ndim
            continue
        if k is Ellipsis:
            axis += len(shape) - n_real
        elif _is_bool_array(k):
            mask = np.asarray(k)
            covered = tuple(shape[axis:axis + mask.ndim])
            if covered != mask.shape:
                raise IndexError(f"boolean index of shape {mask.shape} does not match the "
                                 f"indexed array's axes {axis}..{axis + mask.ndim - 1} of "
                                 f"shape {covered} (array shape {tuple(shape)})")
            out.extend(np.nonzero(mask))
            axis += mask.ndim
            continue
        elif k is not None:
            axis += 1
        out.append(k)
    return tuple(out)


def _is_int_array(k):
    if is_tracer(k):
        if k.dtype == np.bool_:
            raise IndexError(TRACED_MASK)
        return True
    if isinstance(k, (list, np.ndarray)):
        arr = np.asarray(k)
        if arr.dtype == np.bool_:  # a 0-d mask (expand_masks took the others)
            raise IndexError("a 0-d boolean index is not supported on traced arrays; use "
                             "x[None] or np.where")
        return True
    return False


def getitem(x, key):
    if not isinstance(key, tuple):
        key = (key,)
    key = expand_masks(key, x.shape)
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
    if n_real > x.ndim:
        raise IndexError(f"too many indices for array of shape {x.shape}: {len(key)} given")
    if any(k is Ellipsis for k in key):
        if sum(1 for k in key if k is Ellipsis) > 1:
            raise IndexError("an index can only have a single ellipsis ('...')")
        i = next(i for i, k in enumerate(key) if k is Ellipsis)
        key = key[:i] + (slice(None),) * (x.ndim - n_real) + key[i + 1:]
    key = key + (slice(None),) * (x.ndim - sum(1 for k in key if k is not None))

    any_array = any(_is_int_array(k) for k in key)
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
        elif isinstance(k, numbers.Integral) and not isinstance(k, bool) and not any_array:
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for axis {axis} with size {n}")
            starts.append(int(k) % n)
            steps.append(1)
            sizes.append(1)
        elif _is_int_array(k) or isinstance(k, numbers.Integral) and not isinstance(k, bool):
            # with an integer array in the key, integers are advanced indices too (NumPy)
            starts.append(0)
            steps.append(1)
            sizes.append(n)
            adv_axes.append((axis, np.asarray(k) if isinstance(k, numbers.Integral) else k))
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

    positions = [i for i, e in enumerate(result_shape) if e[0] == "adv"]
    adjacent = positions == list(range(positions[0], positions[0] + len(positions)))
    axes = [a for a, _ in adv_axes]
    if not adjacent:  # NumPy puts the broadcast index dimensions first
        rest = [i for i in range(len(sliced_shape)) if i not in axes]
        out = sh.transpose(out, axes + rest)
        sliced_shape = tuple(sliced_shape[i] for i in axes + rest)
        renumber = {old: new for new, old in enumerate(axes + rest)}
        result_shape = [("adv",)] + [e if e[0] != "axis" else ("axis", renumber[e[1]])
                                     for e in result_shape if e[0] != "adv"]
        axes = list(range(len(axes)))
    else:
        result_shape = result_shape[:positions[0] + 1] + result_shape[positions[-1] + 1:]
    first, count = axes[0], len(axes)
    dims = sliced_shape[first:first + count]
    indices = [_check_indices(k, d) for (_, k), d in zip(adv_axes, dims)]
    if count == 1:
        flat_index = indices[0]
    else:
        if any(is_tracer(k) for k in indices):
            flat_index = _traced_ravel(indices, dims)
        else:
            flat_index = np.ravel_multi_index(np.broadcast_arrays(*indices), dims)
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


def _traced_ravel(indices, dims):
    """The flat index of several integer index arrays (some traced) into an array of dims."""
    from .elementwise import add, multiply
    from ._promote import as_operand
    flat = None
    for k, d in zip(indices, dims):
        k = as_operand(k)
        flat = k if flat is None else add(multiply(flat, int(d)), k)
    return flat
