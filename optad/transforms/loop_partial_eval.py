"""Partial evaluation through a scan: its body split into a known scan and an unknown scan.

A scan some of whose operands are known (for ``hvp(f).at(x)``: everything computed from x) is
not left whole on the unknown side.  Its body is split like any program; the known half runs as
a scan of its own and also stacks, step by step, the known values the unknown half reads (the
residuals: activations, their derivatives, the carry entering each step); the unknown half runs
as a second scan reading them as per-step inputs.  So a Hessian-vector product at a fixed x
through a 1,000-step loop redoes only the part linear in v each product.

Which carries are known is a fixpoint: a carry is known when its initial value is known and
the body computes its next value from known values alone.  Residuals that are the body's known
constants stay loop invariants (passed as constants of the unknown scan), a residual that is the
step index is the unknown scan's own index, one that is a known ``xs`` slice reads the same
``xs``, and the rest are stacked.
"""
from __future__ import annotations

from ..ir.program import Lit, Program, ShapedArray, Var
from ..primitives.loops import INDEX_DTYPE, scan_p


def _stacked(aval, length):
    return ShapedArray((length,) + tuple(aval.shape), aval.dtype)


def body_known_flags(body, known_inputs, classify):
    """Known flags of the body's outputs, given flags of its inputs (``classify`` is
    partial_eval's own forward propagation, so nested loops are classified alike)."""
    known = {v.id for v, k in zip(body.inputs, known_inputs) if k}
    classify(body, known)
    return [isinstance(a, Lit) or a.id in known for a in body.outputs]


def scan_known_flags(eqn, known, classify):
    """(body input flags, body output flags) of a scan with the outer values in ``known``."""
    p = eqn.params
    body, n_consts, n_carry = p["body"], p["n_consts"], p["n_carry"]
    outer = [isinstance(a, Lit) or a.id in known for a in eqn.inputs]
    consts, carry, xs = outer[:n_consts], outer[n_consts:n_consts + n_carry], \
        outer[n_consts + n_carry:]
    while True:
        flags = [True, *consts, *carry, *xs]
        out = body_known_flags(body, flags, classify)
        updated = [c and o for c, o in zip(carry, out[:n_carry])]
        if updated == carry:   # a carry entering unknown stays unknown, whatever the body does
            return flags, carry + out[n_carry:]
        carry = updated


def split_scan(eqn, known, classify, partial_eval):
    """(known equations, unknown equations) computing ``eqn``'s outputs; adds the ids of the
    outputs the known side computes to ``known``."""
    p = eqn.params
    body, n_consts, n_carry = p["body"], p["n_consts"], p["n_carry"]
    length = p["length"]
    flags, out_flags = scan_known_flags(eqn, known, classify)
    if all(out_flags):
        known.update(v.id for v in eqn.outputs)
        return [eqn], []
    n_in = len(body.inputs)
    known_out = [i for i, f in enumerate(out_flags) if f]
    unknown_out = [i for i, f in enumerate(out_flags) if not f]
    known_body, unknown_body, n_res = partial_eval(body, flags, known_out, unknown_out)
    residuals = unknown_body.inputs[:n_res]
    unknown_inputs = unknown_body.inputs[n_res:]

    index = body.inputs[0]
    position = {v.id: i for i, v in enumerate(body.inputs)}
    const_range = range(1, 1 + n_consts)
    x_range = range(1 + n_consts + n_carry, n_in)

    invariant, per_step, read_xs = [], [], []   # residual vars by kind
    for r in residuals:
        i = position.get(r.id)
        if r.id == index.id:
            continue
        if i in const_range:
            invariant.append(r)
        elif i in x_range:
            read_xs.append(r)
        else:
            per_step.append(r)

    # the known scan: its body's outputs plus the per-step residuals, stacked as extra ys
    n_known_carry = sum(1 for i in known_out if i < n_carry)
    known_scan_body = Program(known_body.inputs, (), (), known_body.eqns,
                              known_body.outputs[:len(known_out)] + tuple(per_step))
    stacked = [Var(_stacked(r.aval, length)) for r in per_step]
    known_eqn = eqn.__class__(
        scan_p, tuple(eqn.inputs[i - 1] for i in range(1, n_in) if flags[i]),
        dict(p, body=known_scan_body, n_consts=sum(flags[i] for i in const_range),
             n_carry=n_known_carry),
        tuple(eqn.outputs[i] for i in known_out) + tuple(stacked), eqn.where)
    known.update(v.id for v in known_eqn.outputs)
    known_eqns = [known_eqn] if known_eqn.outputs else []

    # the unknown scan: invariant residuals and unknown consts as consts, unknown carries,
    # then stacked residuals, known xs it reads and unknown xs as xs
    unknown_consts = [v for v in unknown_inputs if position[v.id] in const_range]
    unknown_carry = [v for v in unknown_inputs
                     if 1 + n_consts <= position[v.id] < 1 + n_consts + n_carry]
    unknown_xs = [v for v in unknown_inputs if position[v.id] in x_range]
    index_var = index if any(r.id == index.id for r in residuals) else \
        Var(ShapedArray((), INDEX_DTYPE))
    unknown_scan_body = Program(
        (index_var, *invariant, *unknown_consts, *unknown_carry, *per_step, *read_xs,
         *unknown_xs), (), (), unknown_body.eqns, unknown_body.outputs)
    outer = lambda v: eqn.inputs[position[v.id] - 1]   # noqa: E731  (body input -> operand)
    unknown_eqn = eqn.__class__(
        scan_p, (*map(outer, invariant), *map(outer, unknown_consts), *map(outer, unknown_carry),
                 *stacked, *map(outer, read_xs), *map(outer, unknown_xs)),
        dict(p, body=unknown_scan_body, n_consts=len(invariant) + len(unknown_consts),
             n_carry=len(unknown_carry)),
        tuple(eqn.outputs[i] for i in unknown_out), eqn.where)
    return known_eqns, [unknown_eqn]
