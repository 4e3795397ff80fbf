"""Shape primitives: reshape, broadcast, transpose, strided slicing and its transpose (pad),
gathers with integer arrays and their transpose (scatter-add), concatenation, and stacking n
same-shaped arrays along a new first axis and its transpose (unstack, n results).

All are linear, so each JVP applies the primitive to the tangent and each VJP is the
transpose: slice <-> pad, gather <-> scatter_add, broadcast <-> sum, stack <-> unstack.
"""
from __future__ import annotations

import numpy as np

from ..ir.program import ShapedArray
from ..trace import tracer as _tracer
from ..trace.tracer import bind
from .elementwise import ShapeError
from .registry import impl_rules, jvp_rules, primitive, shape_rules, vjp_rules


def _linear_jvp(op):
    """JVP of a primitive linear in its first operand."""
    def jvp(primals, tangents, outs, **params):
        if tangents[0] is None:
            return None
        return op(tangents[0], *primals[1:], **params)
    return jvp


# --------------------------------------------------------------------------- reshape

reshape_p = primitive("reshape", "shape")
impl_rules[reshape_p] = lambda x, shape: np.reshape(x, shape)


def _reshape_shape(x, lits, shape):
    if int(np.prod(shape, dtype=np.int64)) != x.size:
        raise ShapeError(f"cannot reshape an array of shape {x.shape} into shape {shape}")
    return (ShapedArray(tuple(shape), x.dtype),)


shape_rules[reshape_p] = _reshape_shape
jvp_rules[reshape_p] = _linear_jvp(lambda t, shape: reshape(t, shape))
vjp_rules[reshape_p] = lambda ct, primals, outs, shape: [reshape(ct, primals[0].shape)]


def reshape(x, shape):
    shape = tuple(int(s) for s in shape)
    if tuple(np.shape(x)) == shape:
        return x
    return bind(reshape_p, x, shape=shape)


# --------------------------------------------------------------------------- broadcast

broadcast_p = primitive("broadcast", "shape", record_constants=True)
impl_rules[broadcast_p] = lambda x, shape: np.broadcast_to(x, shape)


def _broadcast_shape(x, lits, shape):
    lead = len(shape) - len(x.shape)
    if lead < 0 or any(a not in (1, b) for a, b in zip(x.shape, shape[lead:])):
        raise ShapeError(f"cannot broadcast shape {x.shape} to {shape}")
    return (ShapedArray(tuple(shape), x.dtype),)


shape_rules[broadcast_p] = _broadcast_shape
jvp_rules[broadcast_p] = _linear_jvp(lambda t, shape: broadcast_to(t, shape))


# broadcast's VJP (a sum over the broadcast axes) is registered in reductions.py, beside
# reduce_sum, so that this module does not import that one back


def broadcast_to(x, shape):
    shape = tuple(int(s) for s in shape)
    if tuple(np.shape(x)) == shape:
        return x
    if not isinstance(x, _tracer.Tracer) and np.size(x) == 1:
        # a constant scalar: an equation of the active trace, not a large constant array
        return full(shape, np.asarray(x).reshape(()), np.asarray(x).dtype)
    return bind(broadcast_p, x, shape=shape)


def full(shape, value, dtype):
    """An array filled with ``value``: an equation of the active trace, if there is one."""
    dtype = np.dtype(dtype)
    scalar = np.asarray(value, dtype)
    shape = tuple(int(s) for s in shape)
    if shape == ():
        return scalar
    if _tracer.thread_state.stack:
        return bind(broadcast_p, scalar, shape=shape)  # recorded: see record_constants
    return np.full(shape, scalar)


def zeros_like(x):
    return full(np.shape(x), 0, x.dtype)


# --------------------------------------------------------------------------- transpose

transpose_p = primitive("transpose", "shape")
impl_rules[transpose_p] = lambda x, perm: np.transpose(x, perm)


def _transpose_shape(x, lits, perm):
    if sorted(perm) != list(range(len(x.shape))):
        raise ShapeError(f"transpose: axes {perm} are not a permutation for shape {x.shape}")
    return (ShapedArray(tuple(x.shape[i] for i in perm), x.dtype),)


shape_rules[transpose_p] = _transpose_shape
jvp_rules[transpose_p] = _linear_jvp(lambda t, perm: transpose(t, perm))
vjp_rules[transpose_p] = lambda ct, primals, outs, perm: [transpose(ct, tuple(np.argsort(perm)))]


def transpose(x, perm):
    perm = tuple(int(p) for p in perm)
    if perm == tuple(range(len(perm))):
        return x
    return bind(transpose_p, x, perm=perm)


# --------------------------------------------------------------------------- strided slice / pad
# A slice keeps, along each axis, the `size` elements start, start + step, ... (step != 0).

def _np_index(starts, steps, sizes):
    index = []
    for start, step, size in zip(starts, steps, sizes):
        stop = start + step * size
        index.append(slice(start, stop if stop >= 0 else None, step))
    return tuple(index)


slice_p = primitive("slice", "shape")
impl_rules[slice_p] = lambda x, starts, steps, sizes: x[_np_index(starts, steps, sizes)]


def _slice_shape(x, lits, starts, steps, sizes):
    if not (len(starts) == len(steps) == len(sizes) == len(x.shape)):
        raise ShapeError(f"slice of shape {x.shape} needs one (start, step, size) per axis")
    for n, start, step, size in zip(x.shape, starts, steps, sizes):
        last = start + step * (size - 1)
        if size < 0 or step == 0 or (size > 0 and not (0 <= start < n and 0 <= last < n)):
            raise ShapeError(f"slice start={start} step={step} size={size} out of bounds for "
                             f"shape {x.shape}")
    return (ShapedArray(tuple(sizes), x.dtype),)


shape_rules[slice_p] = _slice_shape
jvp_rules[slice_p] = _linear_jvp(lambda t, **p: slice_array(t, **p))
vjp_rules[slice_p] = lambda ct, primals, outs, starts, steps, sizes: [
    pad(ct, starts=starts, steps=steps, shape=tuple(np.shape(primals[0])))]


def slice_array(x, starts, steps, sizes):
    if tuple(sizes) == tuple(np.shape(x)) and all(s == 0 for s in starts) and \
            all(s == 1 for s in steps):
        return x
    return bind(slice_p, x, starts=tuple(starts), steps=tuple(steps), sizes=tuple(sizes))


pad_p = primitive("pad", "shape")


def _pad_impl(x, starts, steps, shape):
    out = np.zeros(shape, dtype=x.dtype)
    out[_np_index(starts, steps, x.shape)] = x
    return out


impl_rules[pad_p] = _pad_impl
shape_rules[pad_p] = lambda x, lits, starts, steps, shape: (
    _slice_shape(ShapedArray(shape, x.dtype), [False], starts, steps, x.shape) and
    (ShapedArray(tuple(shape), x.dtype),))
jvp_rules[pad_p] = _linear_jvp(lambda t, **p: pad(t, **p))
vjp_rules[pad_p] = lambda ct, primals, outs, starts, steps, shape: [
    slice_array(ct, starts, steps, np.shape(primals[0]))]


def pad(x, starts, steps, shape):
    """Zeros of ``shape`` with ``x`` placed at the strided positions (transpose of slice)."""
    return bind(pad_p, x, starts=tuple(starts), steps=tuple(steps), shape=tuple(shape))


# --------------------------------------------------------------------------- gather / scatter-add

gather_p = primitive("gather", "shape")
impl_rules[gather_p] = lambda x, indices, axis: np.take(x, indices, axis=axis)


def _gather_shape(x, idx, lits, axis):
    if idx.dtype.kind not in "iu":
        raise ShapeError(f"gather: indices must be integers, got {idx.dtype}")
    return (ShapedArray(x.shape[:axis] + idx.shape + x.shape[axis + 1:], x.dtype),)


shape_rules[gather_p] = _gather_shape
jvp_rules[gather_p] = _linear_jvp(lambda t, idx, axis: gather(t, idx, axis))
vjp_rules[gather_p] = lambda ct, primals, outs, axis: [
    scatter_add(ct, primals[1], axis, np.shape(primals[0])[axis]), None]


def gather(x, indices, axis):
    """np.take(x, indices, axis) with a constant integer array of indices."""
    return bind(gather_p, x, indices, axis=int(axis))


scatter_add_p = primitive("scatter_add", "shape")


def _scatter_add_impl(x, indices, axis, size):
    shape = x.shape[:axis] + (size,) + x.shape[axis + indices.ndim:]
    out = np.zeros(shape, dtype=x.dtype)
    moved = np.moveaxis(out, axis, 0)
    np.add.at(moved, indices, np.moveaxis(x, tuple(range(axis, axis + indices.ndim)),
                                          tuple(range(indices.ndim))))
    return out


impl_rules[scatter_add_p] = _scatter_add_impl
shape_rules[scatter_add_p] = lambda x, idx, lits, axis, size: (
    ShapedArray(x.shape[:axis] + (size,) + x.shape[axis + len(idx.shape):], x.dtype),)
jvp_rules[scatter_add_p] = _linear_jvp(lambda t, idx, axis, size: scatter_add(t, idx, axis, size))
vjp_rules[scatter_add_p] = lambda ct, primals, outs, axis, size: [
    gather(ct, primals[1], axis), None]


def scatter_add(x, indices, axis, size):
    """Transpose of gather: sums the slices of x into positions ``indices`` of a zero array."""
    return bind(scatter_add_p, x, indices, axis=int(axis), size=int(size))


# --------------------------------------------------------------------------- concatenate

concatenate_p = primitive("concatenate", "shape")
impl_rules[concatenate_p] = lambda *xs, axis: np.concatenate(xs, axis=axis)


def _concatenate_shape(*avals, lits, axis):
    first = avals[0]
    for a in avals[1:]:
        if len(a.shape) != len(first.shape) or any(
                s != t for i, (s, t) in enumerate(zip(a.shape, first.shape)) if i != axis):
            raise ShapeError(f"concatenate along axis {axis}: shapes "
                             f"{[x.shape for x in avals]} do not match")
        if a.dtype != first.dtype:
            raise ShapeError(f"concatenate: dtypes differ {[str(x.dtype) for x in avals]}")
    shape = list(first.shape)
    shape[axis] = sum(a.shape[axis] for a in avals)
    return (ShapedArray(tuple(shape), first.dtype),)


shape_rules[concatenate_p] = _concatenate_shape


def _concatenate_jvp(primals, tangents, outs, axis):
    if all(t is None for t in tangents):
        return None
    return concatenate([zeros_like(x) if t is None else t for x, t in zip(primals, tangents)],
                       axis)


def _concatenate_vjp(ct, primals, outs, axis):
    cts, offset = [], 0
    shape = np.shape(ct)
    for x in primals:
        n = np.shape(x)[axis]
        starts = [0] * len(shape)
        starts[axis] = offset
        sizes = list(shape)
        sizes[axis] = n
        cts.append(slice_array(ct, starts, [1] * len(shape), sizes))
        offset += n
    return cts


jvp_rules[concatenate_p] = _concatenate_jvp
vjp_rules[concatenate_p] = _concatenate_vjp


def concatenate(xs, axis):
    xs = list(xs)
    if len(xs) == 1:
        return xs[0]
    return bind(concatenate_p, *xs, axis=int(axis))


# --------------------------------------------------------------------------- stack / unstack
# ``stack`` x_0 ... x_{n-1} (one shape and dtype) -> (n, *shape); ``unstack`` is its transpose,
# one result per row.  reroll writes them for the xs of a rolled loop and the rows of its ys,
# so a loop over n layers costs one equation (and one loop nest) to stack, not n.

stack_p = primitive("stack", "shape")
impl_rules[stack_p] = lambda *xs: np.stack(xs)


def _stack_shape(*avals, lits):
    if not avals:
        raise ShapeError("stack: needs at least one operand")
    first = avals[0]
    for a in avals[1:]:
        if a.shape != first.shape or a.dtype != first.dtype:
            raise ShapeError("stack: operands differ: "
                             f"{[(x.shape, str(x.dtype)) for x in avals]}")
    return (ShapedArray((len(avals),) + tuple(first.shape), first.dtype),)


shape_rules[stack_p] = _stack_shape


def _filled(values, like):
    """``values`` with each None replaced by one shared zero array shaped like ``like``."""
    zero = None
    filled = []
    for v in values:
        if v is None:
            if zero is None:
                zero = zeros_like(like)
            v = zero
        filled.append(v)
    return filled


def _stack_jvp(primals, tangents, outs):
    if all(t is None for t in tangents):
        return None
    return stack(_filled(tangents, primals[0]))


jvp_rules[stack_p] = _stack_jvp
vjp_rules[stack_p] = lambda ct, primals, outs: unstack(ct)

unstack_p = primitive("unstack", "shape", multiple_results=True)
impl_rules[unstack_p] = lambda x: tuple(x)   # views of x's rows (0-d: NumPy scalars)


def _unstack_shape(x, lits):
    if not x.shape or x.shape[0] == 0:
        raise ShapeError(f"unstack: an operand of shape {x.shape} has no rows")
    return tuple(ShapedArray(tuple(x.shape[1:]), x.dtype) for _ in range(x.shape[0]))


shape_rules[unstack_p] = _unstack_shape
jvp_rules[unstack_p] = lambda primals, tangents, outs: (
    None if tangents[0] is None else unstack(tangents[0]))


def _unstack_vjp(cts, primals, outs):
    if all(c is None for c in cts):
        return [None]
    return [stack(_filled(cts, outs[0]))]


vjp_rules[unstack_p] = _unstack_vjp


def stack(xs):
    """The arrays ``xs`` (one shape and dtype) stacked along a new first axis."""
    return bind(stack_p, *xs)


def unstack(x):
    """The rows of ``x`` (its first axis), as a list."""
    return list(bind(unstack_p, x))
