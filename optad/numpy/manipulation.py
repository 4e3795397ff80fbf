"""NumPy's array-manipulation functions on traced values, written with the shape primitives
(slices, pads, gathers, concatenation, reshapes): all linear, so their derivatives are the
same functions applied to tangents, and their transposes are exact."""
from __future__ import annotations

import builtins
import numbers

import numpy as np

from ..primitives import shape as sh
from ._promote import any_tracer, as_operand, is_python_scalar
from .arrays import _axes, _same_dtype, concatenate, diagonal, flip, moveaxis, ravel, reshape
from .elementwise import add, divide, multiply, subtract, where


def _axis(axis, ndim, fname):
    return _axes(axis, ndim, fname)[0]


def take_range(a, axis, start, stop, step=1):
    """a[..., start:stop:step, ...] along ``axis`` (Python slice semantics)."""
    n = a.shape[axis]
    start, stop, step = slice(start, stop, step).indices(n)
    size = len(range(start, stop, step))
    starts = [0] * a.ndim
    starts[axis] = start if size else 0
    steps = [1] * a.ndim
    steps[axis] = step
    sizes = list(a.shape)
    sizes[axis] = size
    return sh.slice_array(a, starts, steps, sizes)


# --------------------------------------------------------------------------- dimensions

def atleast_3d(a):
    a = as_operand(a)
    if a.ndim == 0:
        return reshape(a, (1, 1, 1))
    if a.ndim == 1:
        return reshape(a, (1, a.shape[0], 1))
    if a.ndim == 2:
        return reshape(a, a.shape + (1,))
    return a


def rollaxis(a, axis, start=0):
    a = as_operand(a)
    n = a.ndim
    axis = _axis(axis, n, "rollaxis")
    if not -n <= start <= n:
        raise np.exceptions.AxisError(f"rollaxis: start {start} out of range for {n} axes")
    start = start + n if start < 0 else start
    if axis < start:
        start -= 1
    if axis == start:
        return a
    order = [i for i in range(n) if i != axis]
    order.insert(start, axis)
    return sh.transpose(a, order)


def flipud(m):
    m = as_operand(m)
    if m.ndim < 1:
        raise ValueError("flipud: input must be at least 1-d")
    return flip(m, 0)


def fliplr(m):
    m = as_operand(m)
    if m.ndim < 2:
        raise ValueError("fliplr: input must be at least 2-d")
    return flip(m, 1)


def rot90(m, k=1, axes=(0, 1)):
    m = as_operand(m)
    if len(axes) != 2 or m.ndim < 2:
        raise ValueError("rot90: need an array of at least 2 dimensions and len(axes) == 2")
    a0, a1 = (_axis(x, m.ndim, "rot90") for x in axes)
    if a0 == a1:
        raise ValueError("rot90: axes must be different")
    k %= 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, a0), a1)
    perm = list(range(m.ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return sh.transpose(flip(m, a1), perm)
    return flip(sh.transpose(m, perm), a1)


# --------------------------------------------------------------------------- shifting

def roll(a, shift, axis=None):
    a = as_operand(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), a.shape)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    shifts = shift if isinstance(shift, (tuple, list)) else (shift,) * len(axes)
    if len(shifts) != len(axes):
        shifts, axes = np.broadcast_arrays(shifts, axes)
    total = {}
    for s, ax in zip(shifts, axes):
        ax = _axis(int(ax), a.ndim, "roll")
        total[ax] = total.get(ax, 0) + int(s)
    for ax, s in total.items():
        n = a.shape[ax]
        s = s % n if n else 0
        if s:
            a = sh.concatenate([take_range(a, ax, n - s, n), take_range(a, ax, 0, n - s)], ax)
    return a


def fftshift(x, axes=None):
    x = as_operand(x)
    axes = _axes(axes, x.ndim, "fftshift")
    return roll(x, [x.shape[ax] // 2 for ax in axes], list(axes)) if axes else x


def ifftshift(x, axes=None):
    x = as_operand(x)
    axes = _axes(axes, x.ndim, "ifftshift")
    return roll(x, [-(x.shape[ax] // 2) for ax in axes], list(axes)) if axes else x


# --------------------------------------------------------------------------- differences

def diff(a, n=1, axis=-1, prepend=None, append=None):
    a = as_operand(a)
    if n == 0:
        return a
    if n < 0:
        raise ValueError(f"diff: order must be non-negative but got {n}")
    if a.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = _axis(axis, a.ndim, "diff")
    parts = []
    for extra in (prepend, a, append):
        if extra is None:
            continue
        extra = as_operand(extra)
        if extra is not a and np.ndim(extra) == 0:
            shape = list(a.shape)
            shape[axis] = 1
            extra = sh.broadcast_to(np.asarray(extra) if not any_tracer(extra) else extra,
                                    tuple(shape))
        parts.append(extra)
    if len(parts) > 1:
        a = concatenate(parts, axis=axis)
    for _ in range(n):
        a = subtract(take_range(a, axis, 1, None), take_range(a, axis, 0, -1))
    return a


def gradient(f, *varargs, axis=None, edge_order=1):
    """np.gradient with uniform spacings (scalars): central differences inside, one-sided
    differences of order ``edge_order`` at the edges."""
    f = as_operand(f)
    axes = _axes(axis, f.ndim, "gradient")
    if len(varargs) == 0:
        spacings = [1.0] * len(axes)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        spacings = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes) and all(np.ndim(v) == 0 for v in varargs):
        spacings = list(varargs)
    else:
        raise NotImplementedError("np.gradient on traced arrays supports scalar spacings only")
    if edge_order not in (1, 2):
        raise ValueError("'edge_order' greater than 2 not supported")
    if f.dtype.kind != "f":
        from ._promote import cast
        f = cast(f, np.float64)
    out = []
    for ax, h in zip(axes, spacings):
        n = f.shape[ax]
        if n < edge_order + 1:
            raise ValueError("Shape of array too small to calculate a numerical gradient, at "
                             "least (edge_order + 1) elements are required.")
        inner = divide(subtract(take_range(f, ax, 2, None), take_range(f, ax, 0, -2)), 2.0 * h)
        if edge_order == 1:
            first = divide(subtract(take_range(f, ax, 1, 2), take_range(f, ax, 0, 1)), h)
            last = divide(subtract(take_range(f, ax, n - 1, n), take_range(f, ax, n - 2, n - 1)),
                          h)
        else:
            def point(i):
                return take_range(f, ax, i % n, i % n + 1)
            first = divide(add(add(multiply(point(0), -1.5), multiply(point(1), 2.0)),
                               multiply(point(2), -0.5)), h)
            last = divide(add(add(multiply(point(-3), 0.5), multiply(point(-2), -2.0)),
                              multiply(point(-1), 1.5)), h)
        out.append(sh.concatenate([first, inner, last], ax))
    return out[0] if len(out) == 1 else tuple(out)


# --------------------------------------------------------------------------- triangles, diagonals

def _triangle_mask(shape, k, lower):
    rows, cols = shape[-2:]
    mask = np.tri(rows, cols, k, dtype=bool) if lower else ~np.tri(rows, cols, k - 1, dtype=bool)
    return mask


def tril(m, k=0):
    m = as_operand(m)
    if m.ndim < 2:
        m = sh.broadcast_to(m, m.shape[-1:] * 2)
    return where(_triangle_mask(m.shape, k, True), m, np.zeros((), m.dtype))


def triu(m, k=0):
    m = as_operand(m)
    if m.ndim < 2:
        m = sh.broadcast_to(m, m.shape[-1:] * 2)
    return where(_triangle_mask(m.shape, k, False), m, np.zeros((), m.dtype))


def diag(v, k=0):
    v = as_operand(v)
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise ValueError("diag: input must be 1- or 2-d")
    n = v.shape[0]
    size = n + builtins.abs(k)
    start = k if k >= 0 else -k * size
    flat = sh.pad(v, starts=(start,), steps=(size + 1,), shape=(size * size,))
    return reshape(flat, (size, size))


# --------------------------------------------------------------------------- padding, tiling

_GATHER_MODES = ("edge", "reflect", "symmetric", "wrap")


def _pad_pairs(pad_width, ndim):
    """(before, after) per axis, read from ``pad_width`` as NumPy reads it: one number for
    every side, one pair for every axis (3, or (3,), or (3, 2)), else broadcast to (ndim, 2)."""
    widths = np.asarray(pad_width, dtype=np.int64)
    if not ndim:
        return np.zeros((0, 2), np.int64)
    if widths.ndim < 3 and widths.size == 1:
        return np.full((ndim, 2), widths.ravel()[0])
    if widths.ndim < 3 and widths.size == 2 and widths.shape != (2, 1):
        return np.broadcast_to(widths.ravel(), (ndim, 2))
    return np.broadcast_to(widths, (ndim, 2))


def pad(array, pad_width, mode="constant", **kwargs):
    array = as_operand(array)
    widths = _pad_pairs(pad_width, array.ndim)
    if np.any(widths < 0):
        raise ValueError("pad: index can't contain negative values")
    widths = [(int(b), int(a)) for b, a in widths]
    if mode == "constant":
        values = kwargs.pop("constant_values", 0)
        if kwargs:
            raise TypeError(f"pad: unsupported keyword arguments {sorted(kwargs)} for mode "
                            "'constant'")
        shape = tuple(n + b + a for n, (b, a) in zip(array.shape, widths))
        padded = sh.pad(array, starts=[b for b, _ in widths], steps=[1] * array.ndim,
                        shape=shape)
        if np.all(np.asarray(values) == 0) and not any_tracer(values):
            return padded
        if any_tracer(values):
            raise NotImplementedError("pad: traced constant_values are not supported")
        inside = np.pad(np.ones(array.shape, bool), widths, constant_values=False)
        fill = np.pad(np.zeros(array.shape, array.dtype), widths, constant_values=values)
        return where(inside, padded, fill)
    if mode not in _GATHER_MODES:
        raise NotImplementedError(f"pad: mode {mode!r} is not supported on traced arrays "
                                  f"(supported: 'constant', {', '.join(map(repr, _GATHER_MODES))})")
    if kwargs.get("reflect_type", "even") != "even":
        raise NotImplementedError("pad: reflect_type='odd' is not supported on traced arrays")
    for ax, (b, a) in enumerate(widths):
        if b or a:
            index = np.pad(np.arange(array.shape[ax]), (b, a), mode=mode)
            array = sh.gather(array, index.astype(np.int64), ax)
    return array


def tile(A, reps):
    A = as_operand(A)
    reps = (int(reps),) if isinstance(reps, numbers.Integral) else tuple(int(r) for r in reps)
    d = builtins.max(A.ndim, len(reps))
    shape = (1,) * (d - A.ndim) + A.shape
    reps = (1,) * (d - len(reps)) + reps
    interleaved = reshape(A, tuple(x for s in shape for x in (1, s)))
    big = sh.broadcast_to(interleaved, tuple(x for r, s in zip(reps, shape) for x in (r, s)))
    return reshape(big, tuple(r * s for r, s in zip(reps, shape)))


def repeat(a, repeats, axis=None):
    a = as_operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = _axis(axis, a.ndim, "repeat")
    if any_tracer(repeats):
        raise NotImplementedError("repeat: the repeat counts must be constants (the result's "
                                  "shape depends on them)")
    counts = np.asarray(repeats)
    if counts.ndim == 0 or counts.size == 1:
        r = int(counts.reshape(-1)[0])
        if r < 0:
            raise ValueError("repeat: negative dimensions are not allowed")
        expanded = reshape(a, a.shape[:axis + 1] + (1,) + a.shape[axis + 1:])
        big = sh.broadcast_to(expanded, a.shape[:axis + 1] + (r,) + a.shape[axis + 1:])
        return reshape(big, a.shape[:axis] + (a.shape[axis] * r,) + a.shape[axis + 1:])
    index = np.repeat(np.arange(a.shape[axis]), counts)
    return sh.gather(a, index.astype(np.int64), axis)


# --------------------------------------------------------------------------- splitting

def array_split(ary, indices_or_sections, axis=0):
    ary = as_operand(ary)
    axis = _axis(axis, ary.ndim, "array_split")
    n = ary.shape[axis]
    if isinstance(indices_or_sections, numbers.Integral):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError("number sections must be larger than 0.")
        each, extras = divmod(n, sections)
        sizes = [each + 1] * extras + [each] * (sections - extras)
        bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    return [take_range(ary, axis, start, stop) for start, stop in zip(bounds[:-1], bounds[1:])]


def split(ary, indices_or_sections, axis=0):
    ary = as_operand(ary)
    if isinstance(indices_or_sections, numbers.Integral):
        n = ary.shape[_axis(axis, ary.ndim, "split")]
        if n % int(indices_or_sections):
            raise ValueError("array split does not result in an equal division")
    return array_split(ary, indices_or_sections, axis)


def hsplit(ary, indices_or_sections):
    ary = as_operand(ary)
    if ary.ndim == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return split(ary, indices_or_sections, 1 if ary.ndim > 1 else 0)


def vsplit(ary, indices_or_sections):
    ary = as_operand(ary)
    if ary.ndim < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return split(ary, indices_or_sections, 0)


def dsplit(ary, indices_or_sections):
    ary = as_operand(ary)
    if ary.ndim < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return split(ary, indices_or_sections, 2)


# --------------------------------------------------------------------------- joining, choosing

def column_stack(tup):
    arrays = [as_operand(a) for a in tup]
    arrays = [reshape(a, (-1, 1)) if np.ndim(a) < 2 else a for a in arrays]
    return concatenate(arrays, axis=1)


def dstack(tup):
    arrays = [atleast_3d(a) for a in tup]
    return concatenate(arrays, axis=2)


def append(arr, values, axis=None):
    arr, values = (np.asarray(v) if is_python_scalar(v) else v
                   for v in (as_operand(arr), as_operand(values)))
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], axis=0)
    return concatenate([arr, values], axis=axis)


def select(condlist, choicelist, default=0):
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if not condlist:
        raise ValueError("select with an empty condition list is not possible")
    choices = _same_dtype(list(choicelist) + [default])
    result = choices[-1]
    for cond, choice in zip(reversed(condlist), reversed(choices[:-1])):
        result = where(cond, choice, result)
    if not any_tracer(result):
        return result
    shape = np.broadcast_shapes(*[np.shape(c) for c in list(condlist) + choices])
    return sh.broadcast_to(result, shape)


# --------------------------------------------------------------------------- creation

def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    if not any_tracer(start, stop):
        return np.linspace(start, stop, num, endpoint=endpoint, retstep=retstep, dtype=dtype,
                           axis=axis)
    num = int(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    start, stop = (as_operand(v) for v in (start, stop))
    start = start if not is_python_scalar(start) else np.asarray(float(start))
    stop = stop if not is_python_scalar(stop) else np.asarray(float(stop))
    div = (num - 1) if endpoint else num
    delta = subtract(stop, start)
    base_shape = np.shape(delta)
    ramp = np.arange(num, dtype=np.float64).reshape((-1,) + (1,) * len(base_shape))
    if div > 0:
        step = divide(delta, float(div))
        y = add(multiply(ramp, step), start)
    else:
        step = multiply(delta, np.nan)
        y = add(multiply(ramp, delta), start)
    if endpoint and num > 1:
        last = sh.broadcast_to(stop, np.shape(delta)) if np.shape(stop) != base_shape else stop
        y = concatenate([take_range(y, 0, 0, -1), reshape(last, (1,) + base_shape)], axis=0)
    y = moveaxis(y, 0, axis) if base_shape else y
    if dtype is not None:
        from ._promote import cast
        y = cast(y, dtype)
    return (y, step) if retstep else y
