"""The slice a loop reads at a position that moves with the step, as one stacked array.

``for t in range(T): ... xs[t] ...`` traces one ``slice`` per iteration, alike but for its
``starts``.  When the starts move by the same amount every iteration, along one axis, the
slices of all iterations together are a strided view of the array: the reroll pass computes
them once, before the loop, stacked on a new leading axis, and the loop body reads its row
(the scan's ``xs``), so nothing in the body depends on the step.

    starts of iteration k = starts_0 + k * delta        (delta nonzero on one axis a)
    element i of the slice on axis a reads  starts_0[a] + k * delta[a] + i * step[a]

When delta[a] = size[a] * step[a] (``xs[t]``, ``xs[:, t]``, ``xs[2 * t: 2 * t + 2]``) the
slices tile the axis: one strided slice of count * size elements, split and moved to the front.
Otherwise (overlapping windows ``xs[t: t + 3]``, a backward walk ``xs[T - 1 - t]``) each of the
size[a] offsets is one slice with step delta[a], and the offsets are stacked.  A position that
jumps (``xs[order[t]]`` with a static shuffled ``order``) is a gather of the rows at those
positions, held in a constant of the program.
"""
from __future__ import annotations

import numpy as np

from ..primitives.shape import gather_p, reshape_p, slice_p, stack_p, transpose_p
from .reroll_emit import emit


class NotAffine(Exception):
    """The slices' positions do not move along one axis; the message says how they move."""


def moving_slice(params_per_step):
    """(starts of every iteration, the axis they move along, delta per iteration or None when
    the position jumps) of slices alike but for their starts, which change along one axis;
    raises NotAffine with the reason otherwise."""
    first = params_per_step[0]
    for p in params_per_step[1:]:
        if p["steps"] != first["steps"] or p["sizes"] != first["sizes"]:
            raise NotAffine("the slice's steps or sizes change between iterations")
    starts = [tuple(p["starts"]) for p in params_per_step]
    moving = [a for a in range(len(starts[0])) if any(s[a] != starts[0][a] for s in starts)]
    if len(moving) != 1:
        raise NotAffine("its start moves along several axes at once (starts "
                        + ", ".join(str(list(x)) for x in starts[:3]) + ", ...)")
    axis = moving[0]
    delta = starts[1][axis] - starts[0][axis]
    affine = all(s[axis] == starts[0][axis] + k * delta for k, s in enumerate(starts))
    return starts, axis, (delta if affine else None)


def stacked_slices(new, source, params, starts, axis, delta, count, where, constant):
    """Append to ``new`` the equations computing, from ``source``, the slices of ``count``
    iterations stacked on a new leading axis; returns the stacked array (shape
    (count,) + sizes).  ``constant(array)`` makes a constant of the program (the positions of
    a slice that jumps, read by a gather)."""
    starts0 = starts[0]
    steps, sizes = tuple(params["steps"]), tuple(params["sizes"])
    step, size = steps[axis], sizes[axis]
    ndim = len(sizes)
    if delta is None:
        # positions that jump (a shuffled order): a gather of rows at constant positions
        (x,) = _slice(new, source, _put(starts0, axis, 0), _put(steps, axis, 1),
                      _put(sizes, axis, source.aval.shape[axis]), where)
        positions = np.array([[s[axis] + i * step for i in range(size)] for s in starts],
                             dtype=np.int64)
        (x,) = emit(new, gather_p, [x, constant(positions)], {"axis": axis}, where)
        perm = (axis,) + tuple(m if m < axis else m + 1 for m in range(ndim))
    elif delta == size * step:
        # the slices tile the axis: one slice of count * size elements, then (count, size)
        span = _put(sizes, axis, count * size)
        (x,) = _slice(new, source, starts0, steps, span, where)
        split = sizes[:axis] + (count, size) + sizes[axis + 1:]
        (x,) = emit(new, reshape_p, [x], {"shape": split}, where)
        perm = (axis,) + tuple(m if m < axis else m + 1 for m in range(ndim))
    else:
        # one slice per offset i within the window, each walking the axis with step delta
        parts = []
        for i in range(size):
            (part,) = _slice(new, source, _put(starts0, axis, starts0[axis] + i * step),
                             _put(steps, axis, delta), _put(sizes, axis, count), where)
            parts.append(part)
        (x,) = emit(new, stack_p, parts, {}, where)
        # (size, sizes with count on ``axis``) -> (count, sizes)
        perm = (axis + 1,) + tuple(0 if m == axis else m + 1 for m in range(ndim))
    if perm != tuple(range(ndim + 1)):
        (x,) = emit(new, transpose_p, [x], {"perm": perm}, where)
    return x


def _put(values, axis, value):
    return tuple(values[:axis]) + (value,) + tuple(values[axis + 1:])


def _slice(new, source, starts, steps, sizes, where):
    if tuple(sizes) == tuple(source.aval.shape) and all(s == 0 for s in starts) and \
            all(s == 1 for s in steps):
        return (source,)
    return emit(new, slice_p, [source], {"starts": tuple(starts), "steps": tuple(steps),
                                         "sizes": tuple(sizes)}, where)
