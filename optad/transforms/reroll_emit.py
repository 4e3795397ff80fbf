"""Equations the reroll pass writes around a rolled loop (stacks of its xs, unstacks of its ys,
the slices that gather its xs from an array): recorded here, so that the pass never takes
them for a loop of their own (a run of them, rolled, would write another run)."""
from __future__ import annotations

import weakref

from ..ir.program import Eqn, Lit, Var, freeze_params

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


_FROZEN = weakref.WeakKeyDictionary()


def frozen_params(eqn):
    """``freeze_params(eqn.params)``, computed once per equation (the search compares the
    parameters of every equation of a long unrolled program many times)."""
    value = _FROZEN.get(eqn)
    if value is None:
        value = _FROZEN[eqn] = freeze_params(eqn.params)
    return value


_DEFINED = weakref.WeakKeyDictionary()


def definitions(program):
    """{var id: (equation index, output index)} of a program's equations, built once."""
    table = _DEFINED.get(program)
    if table is None:
        table = _DEFINED[program] = {v.id: (g, o) for g, eqn in enumerate(program.eqns)
                                     for o, v in enumerate(eqn.outputs)}
    return table
