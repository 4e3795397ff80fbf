"""Equations the reroll pass writes around a rolled loop (stacks of its xs, unstacks of its ys,
the slices that gather its xs from an array): recorded here, so that the pass never takes
them for a loop of their own (a run of them, rolled, would write another run)."""
from __future__ import annotations

import weakref

from ..ir.program import Eqn, Lit, Var

WRITTEN = weakref.WeakSet()


def emit(new, primitive, inputs, params, where):
    """Append one equation of ``primitive`` to the list ``new``; returns its outputs."""
    avals = primitive.abstract_eval(*[a.aval for a in inputs],
                                    lits=[isinstance(a, Lit) for a in inputs], **params)
    outs = tuple(Var(a) for a in avals)
    eqn = Eqn(primitive, tuple(inputs), params, outs, where)
    WRITTEN.add(eqn)
    new.append(eqn)
    return outs


def written(eqn) -> bool:
    return eqn in WRITTEN
