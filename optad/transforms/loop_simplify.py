"""simplify sees through loops: bodies are simplified like any program, and dead-code
elimination drops what a loop computes for nobody -- ys nobody reads, carries whose final
value is unused and that no needed output depends on (a fixpoint over the body), and constant
and xs operands the remaining body does not read.

Reverse mode's forward sweep stacks every carry (primitives/loops.py); once the backward sweep
has been simplified, this is what removes the stacks a backward body no longer reads."""
from __future__ import annotations

from ..ir.program import Eqn, Lit, Program
from ..primitives.loops import scan_p


def needed_inputs(program, needed_outputs):
    """Which inputs of ``program`` the flagged outputs may depend on."""
    live = {a.id for a, n in zip(program.outputs, needed_outputs) if n and not isinstance(a, Lit)}
    for eqn in reversed(program.eqns):
        if any(v.id in live for v in eqn.outputs):
            live.update(a.id for a in eqn.inputs if not isinstance(a, Lit))
    return [v.id in live for v in program.inputs]


def simplify_bodies(eqn, simplify):
    """``eqn`` with every program parameter simplified (same inputs and outputs)."""
    programs = {k: v for k, v in eqn.params.items() if isinstance(v, Program)}
    if not programs:
        return eqn
    params = dict(eqn.params)
    params.update({k: simplify(v) for k, v in programs.items()})
    return Eqn(eqn.primitive, eqn.inputs, params, eqn.outputs, eqn.where)


def prune_scan(eqn, live, simplify):
    """A scan computing only the outputs in ``live`` (ids) and reading only what they need;
    None when none of its outputs is live."""
    p = eqn.params
    body, n_consts, n_carry = p["body"], p["n_consts"], p["n_carry"]
    carry_outs, ys = eqn.outputs[:n_carry], eqn.outputs[n_carry:]
    keep_y = [v.id in live for v in ys]
    keep_k = [v.id in live for v in carry_outs]
    if not any(keep_y) and not any(keep_k):
        return None
    while True:
        needed = needed_inputs(body, keep_k + keep_y)
        grown = [k or n for k, n in zip(keep_k, needed[1 + n_consts:1 + n_consts + n_carry])]
        if grown == keep_k:
            break
        keep_k = grown
    n_x = len(body.inputs) - 1 - n_consts - n_carry
    keep_c = needed[1:1 + n_consts]
    keep_x = needed[1 + n_consts + n_carry:]
    if all(keep_y) and all(keep_k) and all(keep_c) and all(keep_x):
        return eqn

    def pick(seq, mask):
        return tuple(s for s, m in zip(seq, mask) if m)

    consts, init, xs = (eqn.inputs[:n_consts], eqn.inputs[n_consts:n_consts + n_carry],
                        eqn.inputs[n_consts + n_carry:])
    b_in = body.inputs
    b_consts, b_carry, b_xs = (b_in[1:1 + n_consts], b_in[1 + n_consts:1 + n_consts + n_carry],
                               b_in[1 + n_consts + n_carry:])
    b_out_carry, b_out_ys = body.outputs[:n_carry], body.outputs[n_carry:]
    assert len(b_xs) == n_x
    new_body = simplify(Program(
        (b_in[0],) + pick(b_consts, keep_c) + pick(b_carry, keep_k) + pick(b_xs, keep_x),
        (), (), body.eqns, pick(b_out_carry, keep_k) + pick(b_out_ys, keep_y)))
    params = dict(p, body=new_body, n_consts=sum(keep_c), n_carry=sum(keep_k))
    return Eqn(scan_p, pick(consts, keep_c) + pick(init, keep_k) + pick(xs, keep_x), params,
               pick(carry_outs, keep_k) + pick(ys, keep_y), eqn.where)
