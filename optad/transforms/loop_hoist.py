"""Loop-invariant code motion for scans: what a scan body computes from its constants alone is
computed once, before the loop, and passed in as a constant.

A rerolled Python loop (transforms/reroll.py) recomputes in every step what the user's loop
read from values outside it -- ``th[1]`` of ``v - dt * th[1] * np.sin(x)`` becomes a slice, a
reshape and a product per step, and reverse mode then accumulates a cotangent for the whole
``th`` in every step of the backward sweep.  (A ``fori_loop`` body does not have this: values
it closes over are computed by the enclosing trace.)  Hoisting them makes the rerolled loop the
loop the user would have written with ``fori_loop``.

An equation of a body is invariant when every input is a literal, a constant input of the
body, or an output of an invariant equation, and its primitive carries no program (loops and
checkpoints stay where they are) and is not a control primitive (a ``barrier`` marks what must
be recomputed).  Only scans of at least one step are changed, so nothing runs that the loop
would not have run.  Bodies are treated innermost first, so an invariant of an inner loop can
move out of every loop it does not depend on.
"""
from __future__ import annotations

from ..ir.program import Eqn, Lit, Program, Var
from ..primitives.loops import scan_p


def hoist_invariants(program: Program) -> Program:
    """``program`` with every scan body's loop invariants computed before the loop."""
    eqns, changed = [], False
    for eqn in program.eqns:
        if eqn.primitive is scan_p:
            body = hoist_invariants(eqn.params["body"])
            if body is not eqn.params["body"]:
                eqn = Eqn(eqn.primitive, eqn.inputs, dict(eqn.params, body=body), eqn.outputs,
                          eqn.where)
                changed = True
            if eqn.params["length"] >= 1:
                before, eqn = _hoist_from_scan(eqn)
                if before:
                    eqns.extend(before)
                    changed = True
        eqns.append(eqn)
    if not changed:
        return program
    return Program(program.inputs, program.constvars, program.constvalues, tuple(eqns),
                   program.outputs)


def _movable(eqn) -> bool:
    return eqn.primitive.family not in ("loops", "control") and \
        not any(isinstance(v, Program) for v in eqn.params.values())


def _hoist_from_scan(eqn):
    """(equations to run before the scan, the scan without them)."""
    p = eqn.params
    body, n_consts = p["body"], p["n_consts"]
    const_inputs = body.inputs[1:1 + n_consts]
    outer = {v.id: atom for v, atom in zip(const_inputs, eqn.inputs[:n_consts])}
    invariant = {v.id for v in const_inputs}
    before, moved, kept = [], [], []
    for e in body.eqns:
        if _movable(e) and all(isinstance(a, Lit) or a.id in invariant for a in e.inputs):
            new_outs = tuple(Var(v.aval) for v in e.outputs)
            before.append(Eqn(e.primitive, tuple(a if isinstance(a, Lit) else outer[a.id]
                                                 for a in e.inputs), e.params, new_outs,
                              e.where))
            for v, w in zip(e.outputs, new_outs):
                invariant.add(v.id)
                outer[v.id] = w
            moved.append(e)
        else:
            kept.append(e)
    if not before:
        return [], eqn
    # the hoisted values the remaining body still reads become constant inputs of the body,
    read = {a.id for e in kept for a in e.inputs if not isinstance(a, Lit)}
    read |= {a.id for a in body.outputs if not isinstance(a, Lit)}
    # and the constants only hoisted equations read are no longer passed in (reverse mode
    # would otherwise accumulate a zero cotangent for them in every step)
    consts = [(v, atom) for v, atom in zip(const_inputs, eqn.inputs[:n_consts]) if v.id in read]
    consts += [(v, outer[v.id]) for e in moved for v in e.outputs if v.id in read]
    inputs = (body.inputs[:1] + tuple(v for v, _ in consts) + body.inputs[1 + n_consts:])
    new_body = Program(inputs, body.constvars, body.constvalues, tuple(kept), body.outputs)
    operands = tuple(atom for _, atom in consts) + eqn.inputs[n_consts:]
    params = dict(p, body=new_body, n_consts=len(consts))
    return before, Eqn(eqn.primitive, operands, params, eqn.outputs, eqn.where)
