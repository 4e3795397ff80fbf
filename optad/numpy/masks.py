"""A boolean mask passed as an argument: ``optad.grad(loss)(w, mask)`` with ``x[mask]`` inside.

Arguments are traced, so that one kernel serves every value of the data; a mask's *values*
decide the shape of ``x[mask]`` only through its number of True entries.  So a mask that is an
input of the trace (an argument, or a leaf of one, not computed from traced numbers) is read
like this (also after shape changes, slices and logic on it: ``mask[:, 0]``, ``~mask``): its
count at the call being traced is a guarded decision (``sum(mask) == count``,
optad/trace/guards.py: a call with another count traces another path), and the positions of
its True entries are computed in the kernel, in O(size) with a prefix sum and a scatter:

    pos     = cumsum(mask) - 1                    (the rank of each True entry)
    indices = scatter_add(arange(size), where(mask, pos, count), size=count + 1)[:count]

(every False entry goes to the extra slot ``count``, dropped).  Those integer positions feed
the gathers and scatters that constant masks use, so ``x[mask]`` is a gather with a static
shape and its adjoint a scatter-add.  Any other traced mask (``x[x > 0]``) has a shape that
depends on values computed by the function, and stays the error naming ``np.where``.
"""
from __future__ import annotations

import numpy as np

from ..primitives import elementwise as el
from ..primitives import reductions as red
from ..primitives import shape as sh
from ..trace import guards as _guards
from ..trace.tracer import bind, thread_state, user_frame


# what a mask may go through after it is passed in: shape changes, selections, logic
MASK_PRIMITIVES = ("reshape", "broadcast", "transpose", "slice", "gather", "concatenate",
                   "stack", "pad", "not", "and", "or", "convert")


def _from_arguments(trace, var) -> bool:
    """Whether ``var`` is computed only from boolean inputs of ``trace`` and constants,
    through MASK_PRIMITIVES (``mask[:, 0]``, ``~mask``, ``m1 & m2``)."""
    inputs = {v.id for v in trace.inputs}
    producer = {}
    for eqn in trace.eqns:
        for out in eqn.outputs:
            producer[out.id] = eqn
    todo, seen = [var], set()
    while todo:
        v = todo.pop()
        if not hasattr(v, "id") or v.id in seen:   # a literal
            continue
        seen.add(v.id)
        if v.id in inputs:
            if v.aval.dtype != np.bool_:
                return False
            continue
        eqn = producer.get(v.id)
        if eqn is None:     # a constant of the trace
            continue
        if eqn.primitive.name not in MASK_PRIMITIVES:
            return False
        if eqn.primitive.name == "gather":   # the data, not the positions, is the mask
            todo.append(eqn.inputs[0])
            continue
        todo.extend(eqn.inputs)
    return True


def argument_value(mask):
    """The value of the traced boolean ``mask`` at the call being traced when it is computed
    only from the function's boolean arguments (_from_arguments) and the trace decides by
    values; else None."""
    trace = mask._trace
    stack = thread_state.stack
    if trace.guards is None or not stack or stack[-1] is not trace or not _guards.enabled():
        return None
    if not _from_arguments(trace, mask._var):
        return None
    values = _guards.known_values([mask], thread_state)
    return None if values is None else np.asarray(values[0], dtype=bool)


def _decide_count(mask, count):
    """Record ``sum(mask) == count`` as a decision of the trace (True at this call)."""
    total = red.reduce_sum(el.convert(sh.reshape(mask, (mask.size,)), np.dtype(np.int64)), (0,))
    # A path is keyed by its decisions; this one's predicate changes with the count, so the
    # count is part of the decision (a call with another count traces another path).
    holds = _guards.decide(el.eq(total, count), bind, user_frame(), thread_state,
                           label=("mask count", count))
    if not holds:
        raise AssertionError("optad: a mask's count decided unlike its value")


def flat_true_positions(mask, value):
    """The traced int64 flat indices of ``mask``'s True entries (``np.flatnonzero(mask)``),
    or None when it has none; the count ``value.sum()`` is guarded either way."""
    count = int(np.count_nonzero(value))
    _decide_count(mask, count)
    if count == 0:
        return None
    size = int(mask.size)
    flat = sh.reshape(mask, (size,))
    rank = el.sub(red.cumsum(el.convert(flat, np.dtype(np.int64)), 0), 1)
    destination = el.select(flat, rank, np.int64(count))
    positions = sh.scatter_add(np.arange(size, dtype=np.float64), destination, 0, count + 1)
    return el.convert(sh.slice_array(positions, [0], [1], [count]), np.dtype(np.int64))


def true_positions(mask, value):
    """Per axis of ``mask``, the traced int64 indices of its True entries (as
    ``np.nonzero(mask)``), the count ``value.sum()`` being guarded."""
    positions = flat_true_positions(mask, value)
    if positions is None:
        return [np.zeros(0, dtype=np.int64) for _ in range(mask.ndim)]
    indices = []
    stride = int(mask.size)
    for axis, dim in enumerate(mask.shape):   # unravel the flat positions over the mask's axes
        stride //= dim
        index = positions if stride == 1 else el.floordiv(positions, np.int64(stride))
        indices.append(index if axis == 0 else el.rem(index, np.int64(dim)))
    return indices


def masked_update(x, mask, value, values, accumulate):
    """``x`` with ``x[mask] = values`` (``accumulate``: ``+=``) for a mask passed as an argument
    covering the leading axes of ``x``, as a new traced array (``value``: the mask's value)."""
    shape = tuple(np.shape(x))
    if tuple(mask.shape) != shape[:mask.ndim]:
        raise IndexError(f"boolean index of shape {mask.shape} does not match the indexed "
                         f"array's leading axes {shape[:mask.ndim]} (array shape {shape})")
    m = int(mask.size)
    rest = shape[mask.ndim:]
    width = int(np.prod(rest, dtype=np.int64))
    positions = flat_true_positions(mask, value)
    if positions is None:
        return x
    count = int(np.count_nonzero(value))
    values = sh.reshape(values, (count, width)) if hasattr(values, "_trace") else \
        np.reshape(values, (count, width))
    scattered = sh.scatter_add(values, positions, 0, m)
    flat_x = sh.reshape(x, (m, width)) if hasattr(x, "_trace") else np.reshape(x, (m, width))
    if accumulate:
        new = el.add(flat_x, scattered)
    else:
        written = sh.broadcast_to(sh.reshape(mask, (m, 1)), (m, width))
        new = el.select(written, scattered, flat_x)
    return sh.reshape(new, shape)
