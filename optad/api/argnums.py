"""``argnums``: which positional arguments a transformation differentiates, checked in one
place -- its type when the transformation is made, its positions when it is called."""
from __future__ import annotations

import numbers


def check_argnums(argnums, what: str):
    """``argnums`` as given to a transformation, validated: an int, or a non-empty tuple or
    list of distinct ints.  Returns it hashable (an int or a tuple)."""
    items = argnums if isinstance(argnums, (tuple, list)) else (argnums,)
    for a in items:
        if isinstance(a, bool) or not isinstance(a, numbers.Integral):
            raise TypeError(f"{what}: argnums must be an int or a tuple of ints naming "
                            f"positional arguments, got argnums={argnums!r}")
    if isinstance(argnums, (tuple, list)):
        if not argnums:
            raise ValueError(f"{what}: argnums=() names no argument to differentiate; give at "
                             "least one position")
        _refuse_duplicates(argnums, [int(a) for a in argnums], what)
        return tuple(int(a) for a in argnums)
    return int(argnums)


def resolve_argnums(argnums, nargs: int, what: str) -> tuple:
    """The positions ``argnums`` names among ``nargs`` positional arguments, as a tuple of
    non-negative ints; negative positions count from the end, like Python indexing."""
    items = argnums if isinstance(argnums, tuple) else (argnums,)
    positions = []
    for a in items:
        if not -nargs <= a < nargs:
            raise ValueError(f"{what}: argnums={argnums!r} names argument {a}, but the call "
                             f"has {nargs} positional argument{'s' if nargs != 1 else ''}")
        positions.append(a % nargs)
    _refuse_duplicates(items, positions, what)
    return tuple(positions)


def _refuse_duplicates(argnums, positions, what):
    seen = set()
    for a, p in zip(argnums, positions):
        if p in seen:
            raise ValueError(f"{what}: argnums={tuple(argnums)!r} names argument {p} twice "
                             f"(as {a}); list each argument once")
        seen.add(p)
