"""Writing out tiny loops of a loop nest, so registers survive between them.

A loop nest recomputes a register read after its loop has closed (codegen.py).  When that loop
is tiny - the d = 2 or 3 coordinates of MDS - it is cheaper to write it out: each copy gets the
loop index as a literal and its own register names (``g_0``, ``g_1``, ...), so the value
computed in the first of two such loops is still in a register in the second, and the
recomputation there becomes an exact duplicate statement, which ``drop_duplicates`` removes.
(IR names have no digits, so the ``_k`` suffixes cannot clash.)

Works on the nest's block tree (``codegen.Block`` / ``codegen.Loop``) before rendering.
"""
from __future__ import annotations

import re

MAX_UNROLL = 4

_HEADER = re.compile(r"^for (i\d+) in range\((\d+)\):$")
_ASSIGN = re.compile(r"^([A-Za-z_]\w*) = (.+)$")


def _is_loop(item):
    return hasattr(item, "header")


def _word(name):
    return re.compile(rf"\b{re.escape(name)}\b")


def unroll_small_loops(block, depth=0):
    """Write out, in place, every inner loop (inside another loop) of at most MAX_UNROLL
    iterations with no loop inside it."""
    items = []
    for item in block.items:
        if not _is_loop(item):
            items.append(item)
            continue
        unroll_small_loops(item.body, depth + 1)
        match = _HEADER.match(item.header)
        if depth > 0 and match and int(match.group(2)) <= MAX_UNROLL and \
                not any(map(_is_loop, item.body.items)):
            items += _written_out(item.body.items, match.group(1), int(match.group(2)))
        else:
            items.append(item)
    block.items = items
    drop_duplicates(block)


def _local_names(lines):
    """Names first assigned in ``lines`` without reading an outer value (accumulators of an
    enclosing loop are read before they are written, and keep their names)."""
    local, seen = [], set()
    for line in lines:
        if line.lstrip().startswith("#"):
            continue
        match = _ASSIGN.match(line)
        if match:
            name, expr = match.groups()
            if name not in seen and not _word(name).search(expr):
                local.append(name)
            seen.add(name)
        seen.update(re.findall(r"[A-Za-z_]\w*", line.split(" = ", 1)[-1]))
    return local


def _written_out(lines, index, extent):
    lines = [line for item in lines for line in item.split("\n")]
    local = _local_names(lines)
    out = []
    for k in range(extent):
        for line in lines:
            if not line.lstrip().startswith("#"):
                line = _word(index).sub(str(k), line)
                for name in local:
                    line = _word(name).sub(f"{name}_{k}", line)
            out.append(line)
    return out


def drop_duplicates(block):
    """Remove a statement ``x = expr`` identical to an earlier one of the same block when
    neither ``x`` nor anything ``expr`` reads has been assigned in between (a loop in between
    forgets everything), with its ``(recomputed)`` comment."""
    available = set()
    items = []
    for item in block.items:
        if _is_loop(item):
            available.clear()
            items.append(item)
            continue
        match = _ASSIGN.match(item)
        if match and item in available:
            if items and isinstance(items[-1], str) and "(recomputed)" in items[-1]:
                items.pop()
            continue
        if match:
            name = match.group(1)
            word = _word(name)
            available = {line for line in available if not word.search(line)}
            if not word.search(match.group(2)):
                available.add(item)
        elif not item.lstrip().startswith("#"):
            target = item.split("=", 1)[0]      # a store into an array: forget its reads
            array = target.split("[", 1)[0].strip()
            if array:
                available = {line for line in available if f"{array}[" not in line}
        items.append(item)
    block.items = items
