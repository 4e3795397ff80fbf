"""Writes at constant positions: ``x[key] = v`` on a traced ``x``, ``np.put(x, ind, v)``, and
``optad.numpy.at(a)[key].set(v)`` / ``.add(v)`` (also ``x.at[key]`` on a traced array).

The positions must be constants of the trace (ints, slices, ``None``, ``...``, NumPy integer
arrays and boolean masks): they are found while tracing by indexing ``arange(x.size)`` with
the key, so every key NumPy accepts selects the same elements.  The new array is
``where(written, scatter_add(v, positions), x)`` (repeated positions: the last write wins, as
in NumPy; ``.add`` accumulates them, as ``np.add.at``), so derivatives flow to ``x`` where it
was not overwritten and to ``v`` where it was written.

``x[key] = v`` on a traced ``x`` gives the Tracer object ``x`` the new value.  Every name bound
to that object sees it, as in NumPy; a traced array that NumPy would have made a *view* of
``x`` (basic slicing, reshape, transpose, ``.T``) would not, so a write while such a view is
still held elsewhere is refused (``.copy()`` the view, or take it after writing).  ``.at``
returns a new array and changes nothing, and works on NumPy arrays too: that is the way to
put traced values into an array that starts as NumPy's (``np.zeros(3)``), which cannot hold
them.
"""
from __future__ import annotations

import sys

import numpy as np

from ..primitives import shape as sh
from ..trace.tracer import Tracer, TracerError, thread_state, user_frame
from ._promote import as_operand, cast, holds_tracer, is_python_scalar, is_tracer
from . import masks
from .elementwise import add, where
from .indexing import expand_masks

VIEW_PRIMITIVES = ("slice", "reshape", "transpose", "broadcast")


def _positions(shape, key):
    """The flat positions ``x[key] = ...`` writes, by NumPy's own indexing."""
    keys = key if isinstance(key, tuple) else (key,)
    if holds_tracer(list(keys)):
        raise IndexError(
            f"a write into an array at positions that are traced values (at {user_frame()}): "
            "the positions must be constants of the trace (ints, slices, NumPy integer "
            "arrays or boolean masks the function closes over, or a boolean mask passed as an "
            "argument used alone, x[mask] = v). To change entries chosen by a traced "
            "condition, use np.where(condition, new_values, x)")
    expand_masks(keys, tuple(shape))   # NumPy's mask shape check, with optad's message
    return np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(shape)[key]


def _values(value, dtype, shape):
    value = as_operand(value)
    if is_python_scalar(value):
        value = np.asarray(value, dtype)
    value = cast(value, dtype)
    if tuple(np.shape(value)) != tuple(shape):
        try:
            np.broadcast_shapes(np.shape(value), shape)
        except ValueError:
            raise ValueError(f"could not broadcast a value of shape {np.shape(value)} into the "
                             f"{tuple(shape)} positions written") from None
        value = sh.broadcast_to(value, tuple(shape)) if is_tracer(value) else \
            np.broadcast_to(value, shape)
    return value


def updated(x, key, value, accumulate=False):
    """``x`` with ``x[key] = value`` (``accumulate``: ``x[key] += value``, repeated positions
    adding up), as a new array; ``x`` may be a NumPy array or a traced one."""
    x = as_operand(x)
    keys = key if isinstance(key, tuple) else (key,)
    if len(keys) == 1 and is_tracer(keys[0]) and keys[0].dtype == np.bool_ and keys[0].ndim:
        mask = keys[0]
        mask_value = masks.argument_value(mask)   # a mask passed as an argument (masks.py)
        if mask_value is not None:
            shape = (int(np.count_nonzero(mask_value)),) + tuple(np.shape(x))[mask.ndim:]
            return masks.masked_update(x, mask, mask_value, _values(value, x.dtype, shape),
                                       accumulate)
    positions = _positions(np.shape(x), key)
    if positions.size == 0:
        return x
    values = _values(value, x.dtype, positions.shape)
    flat_positions = positions.reshape(-1)
    flat_values = values.reshape(-1) if isinstance(values, np.ndarray) else \
        sh.reshape(values, (positions.size,))
    size = int(np.prod(np.shape(x), dtype=np.int64))
    flat_x = np.reshape(x, -1) if isinstance(x, np.ndarray) else sh.reshape(x, (size,))
    if accumulate:
        if not holds_tracer([x, values]):
            out = np.array(flat_x, copy=True)
            np.add.at(out, flat_positions, flat_values)
            return out.reshape(np.shape(x))
        new = add(flat_x, sh.scatter_add(flat_values, flat_positions, 0, size))
        return sh.reshape(new, tuple(np.shape(x)))
    # the last write to each position wins
    reversed_first = np.unique(flat_positions[::-1], return_index=True)[1]
    last = np.sort(positions.size - 1 - reversed_first)
    if last.size != positions.size:
        flat_values = sh.gather(flat_values, last, 0) if is_tracer(flat_values) else \
            flat_values[last]
        flat_positions = flat_positions[last]
    written = np.zeros(size, dtype=bool)
    written[flat_positions] = True
    if not holds_tracer([x, flat_values]):
        out = np.array(flat_x, copy=True)
        out[flat_positions] = flat_values
        return out.reshape(np.shape(x))
    scattered = sh.scatter_add(flat_values, flat_positions, 0, size)
    return sh.reshape(where(written, scattered, flat_x), tuple(np.shape(x)))


# --------------------------------------------------------------------------- x[key] = v

def _referenced_outside(var, probe, eqns):
    """Whether something besides the equations ``eqns`` (the one producing ``var`` and those
    after it) holds ``var``: a live traced array.  ``probe`` is an object the caller holds
    exactly as it holds ``var`` (one local name), so the difference of their reference
    counts is what refers to ``var`` from elsewhere, whatever the interpreter's own count for
    arguments and locals."""
    uses = 1 + sum(1 for e in eqns for a in e.inputs if a is var)   # producer's outputs + uses
    return sys.getrefcount(var) - sys.getrefcount(probe) > uses


def _produced_at(eqns, var):
    """The index of the equation producing ``var`` (0 for an input or a constant): everything
    that reads it comes after.  Searched from the end, where a value just written was made."""
    for i in range(len(eqns) - 1, -1, -1):
        if any(out is var for out in eqns[i].outputs):
            return i
    return 0


def _live_view(trace, var):
    """Whether a traced array NumPy would make a view of ``var`` is still held (0-d results
    of indexing are copies in NumPy, not views)."""
    eqns = trace.eqns
    frontier = [(var, _produced_at(eqns, var))]
    probe = object()
    while frontier:
        base, start = frontier.pop()
        for i in range(start, len(eqns)):
            eqn = eqns[i]
            if eqn.primitive.name in VIEW_PRIMITIVES and eqn.inputs and eqn.inputs[0] is base:
                for out in eqn.outputs:
                    if out.aval.shape == ():
                        continue
                    if _referenced_outside(out, probe, eqns[i:]):
                        return True
                    frontier.append((out, i))
    return False


def setitem(self, key, value):
    """``x[key] = value`` on a traced ``x``: the Tracer takes the updated value."""
    stack = thread_state.stack
    if stack and stack[-1] is not self._trace:
        raise TracerError(
            f"a write at {user_frame()} into a traced array of an enclosing function, from "
            "inside a loop body or an inner transformation (which is traced once, so the write "
            "would not repeat); carry the array through the loop (as part of its carry) and "
            "write into that, or use optad.numpy.at(x)[key].set(v), which returns a new array")
    new = updated(self, key, value)
    if new is self:
        return
    if not isinstance(new, Tracer) or new._trace is not self._trace:
        raise TracerError(
            f"a write at {user_frame()} puts a value traced inside a loop body or an inner "
            "transformation into an array of the enclosing function; carry the array through "
            "the loop (as part of its carry) and write into that")
    if _live_view(self._trace, self._var):
        raise TracerError(
            f"a write into a traced array at {user_frame()} while a view of it (a slice, "
            "reshape or transpose taken earlier) is still in use: NumPy would change the view "
            "too, which optad cannot follow. Take the view after the write, or .copy() it "
            "before writing")
    self._var = new._var


def put(a, ind, v, mode="raise"):
    """np.put(a, ind, v) on a traced ``a``: a.flat[ind] = v, v repeated to ind's length."""
    if mode != "raise":
        raise NotImplementedError(f"np.put(mode={mode!r}) on traced arrays: use mode='raise'")
    if not is_tracer(a):
        raise TracerError(f"np.put of a traced value into a NumPy array at {user_frame()}: "
                          "a NumPy array cannot hold traced values; "
                          "a = optad.numpy.at(a)[i].set(v) returns a traced array instead")
    ind = np.asarray(ind, dtype=np.int64).reshape(-1)
    size = int(a.size)
    if ind.size and (ind.min() < -size or ind.max() >= size):
        raise IndexError(f"np.put: index out of bounds for an array of size {size}")
    ind = np.where(ind < 0, ind + size, ind)
    v = as_operand(v)
    count = int(np.size(v))
    flat_v = sh.reshape(v, (count,)) if is_tracer(v) else np.reshape(v, -1)
    if count != ind.size and ind.size:
        repeat = np.arange(ind.size) % max(count, 1)   # as NumPy: v is repeated
        flat_v = sh.gather(flat_v, repeat, 0) if is_tracer(flat_v) else flat_v[repeat]
    setitem(a, np.unravel_index(ind, a.shape), flat_v)


def copy(a, order="K", subok=False):
    """np.copy / x.copy(): a new traced array object with the same value (writes into one do
    not reach the other)."""
    a = as_operand(a)
    return Tracer(a._trace, a._var) if is_tracer(a) else np.array(a, copy=True)


class _At:
    """``at(a)[key]``: ``.set(v)`` and ``.add(v)`` return the updated array."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, key):
        return _AtKey(self.array, key)


class _AtKey:
    __slots__ = ("array", "key")

    def __init__(self, array, key):
        self.array, self.key = array, key

    def set(self, value):
        return updated(self.array, self.key, value)

    def add(self, value):
        return updated(self.array, self.key, value, accumulate=True)

    def get(self):
        return as_operand(self.array)[self.key]


def at(array):
    """JAX-style functional updates: ``at(a)[key].set(v)``, ``.add(v)`` (a new array)."""
    return _At(array)
