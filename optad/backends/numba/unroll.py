"""Writing out tiny loops of a loop nest, so registers survive between them.

A loop nest recomputes a register read after its loop has closed (codegen.py).  When that loop
is tiny - the d = 2 or 3 coordinates of MDS - it is cheaper to write it out: each copy gets the
loop index as a number and its own register names (``g_0``, ``g_1``, ...), so the value
computed in the first of two such loops is still in a register in the second, and the
recomputation there becomes an exact duplicate statement, which ``drop_duplicates`` removes.
(IR names have no digits, so the ``_k`` suffixes cannot clash.)

Both passes are pure functions on the nest values of ``schedule_nest.py``.
"""
from __future__ import annotations

from ..schedule_nest import (Assign, Comment, Load, Loop, Reg, Store, Update, arrays_read,
                             registers_read, substitute)

MAX_UNROLL = 4


def unroll_small_loops(body, depth=0) -> tuple:
    """``body`` with every inner loop (inside another loop) of at most MAX_UNROLL iterations
    and no loop inside it written out, and duplicate statements dropped, at every level."""
    items = []
    for item in body:
        if not isinstance(item, Loop):
            items.append(item)
            continue
        item = Loop(item.level, item.extent, unroll_small_loops(item.body, depth + 1))
        if depth > 0 and item.extent <= MAX_UNROLL and \
                not any(isinstance(i, Loop) for i in item.body):
            items += _written_out(item)
        else:
            items.append(item)
    return drop_duplicates(items)


def _reads(item) -> set:
    if isinstance(item, Assign):
        return registers_read(item.value)
    if isinstance(item, Store):
        return registers_read(item.target) | registers_read(item.value)
    if isinstance(item, Update):
        return registers_read(item.statement)
    return set()


def _local_names(body) -> list:
    """Registers first assigned in ``body`` without reading an outer value (accumulators of an
    enclosing loop are read before they are written, and keep their names)."""
    local, seen = [], set()
    for item in body:
        reads = _reads(item)
        if isinstance(item, Assign):
            if item.target not in seen and item.target not in reads:
                local.append(item.target)
            seen.add(item.target)
        seen |= reads
    return local


def _written_out(loop) -> list:
    local = _local_names(loop.body)
    out = []
    for k in range(loop.extent):
        names = {name: f"{name}_{k}" for name in local}
        out += [substitute(item, loop.level, k, names) for item in loop.body]
    return out


def drop_duplicates(body) -> tuple:
    """Remove an assignment ``x = expr`` equal to an earlier one of the same block when neither
    ``x`` nor anything ``expr`` reads has been assigned in between (a loop in between forgets
    everything), with its ``(recomputed)`` comment."""
    available = set()
    items = []

    def forget_register(name):
        return {a for a in available if a.target != name and name not in registers_read(a.value)}

    for item in body:
        if isinstance(item, Loop):
            available.clear()
            items.append(item)
            continue
        if isinstance(item, Assign):
            if item in available:
                if items and isinstance(items[-1], Comment) and items[-1].recomputed:
                    items.pop()
                continue
            available = forget_register(item.target)
            if item.target not in registers_read(item.value):
                available.add(item)
        elif isinstance(item, Update) and isinstance(item.target, Reg):
            available = forget_register(item.target.name)
        elif isinstance(item, (Store, Update)) and isinstance(item.target, Load):
            array = item.target.array   # a store into an array: forget its reads
            available = {a for a in available if array not in arrays_read(a.value)}
        items.append(item)
    return tuple(items)
