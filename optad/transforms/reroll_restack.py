"""Rows unstacked and stacked again: after rerolling, the rows of one loop's ys that another
loop reads as its xs (``hs.append(h)`` in one loop, ``for k, hk in enumerate(hs)`` in the
next) are an ``unstack`` followed by a ``stack`` of consecutive rows.  That stack is the
unstacked array itself, or a slice of its leading axis; an unstack whose rows are then all
unread goes."""
from __future__ import annotations

from ..ir.program import Eqn, Lit, Program
from ..primitives.shape import slice_p, stack_p, unstack_p
from .reroll_emit import WRITTEN


def restack(program: Program) -> Program:
    row_of = {}   # var id -> (unstack eqn, row)
    for eqn in program.eqns:
        if eqn.primitive is unstack_p:
            for r, v in enumerate(eqn.outputs):
                row_of[v.id] = (eqn, r)
    if not row_of:
        return program
    subst, eqns, changed = {}, [], False
    for eqn in program.eqns:
        ins = tuple(a if isinstance(a, Lit) else subst.get(a.id, a) for a in eqn.inputs)
        rows = [row_of.get(a.id) if not isinstance(a, Lit) else None for a in ins]
        if eqn.primitive is stack_p and all(rows) and len({id(u) for u, _ in rows}) == 1 and \
                [r for _, r in rows] == list(range(rows[0][1], rows[0][1] + len(rows))):
            source = rows[0][0].inputs[0]
            if len(rows) == source.aval.shape[0]:
                subst[eqn.outputs[0].id] = source
            else:
                rest = tuple(source.aval.shape[1:])
                sliced = Eqn(slice_p, (source,), {"starts": (rows[0][1],) + (0,) * len(rest),
                                                  "steps": (1,) * (len(rest) + 1),
                                                  "sizes": (len(rows),) + rest},
                             eqn.outputs, eqn.where)
                WRITTEN.add(sliced)
                eqns.append(sliced)
            changed = True
            continue
        if ins != eqn.inputs:
            eqn = Eqn(eqn.primitive, ins, eqn.params, eqn.outputs, eqn.where)
        eqns.append(eqn)
    if not changed:
        return program
    outputs = tuple(a if isinstance(a, Lit) else subst.get(a.id, a) for a in program.outputs)
    read = {a.id for e in eqns for a in e.inputs if not isinstance(a, Lit)}
    read |= {a.id for a in outputs if not isinstance(a, Lit)}
    eqns = [e for e in eqns if not (e.primitive is unstack_p and e in WRITTEN and
                                   not any(v.id in read for v in e.outputs))]
    return Program(program.inputs, program.constvars, program.constvalues, tuple(eqns),
                   outputs)
