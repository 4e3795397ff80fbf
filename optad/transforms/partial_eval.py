"""partial_eval: split a program into the part computable from the known inputs alone and the
rest.  Linearisation uses it: for a Hessian-vector product at a fixed x, everything that does not
depend on v (the forward pass, tanh and its derivative, ...) runs once, and each product only runs
the part linear in v.  A scan with some known operands is split in two scans
(loop_partial_eval.py)."""
from __future__ import annotations

from ..ir.program import Lit, Program
from ..primitives.loops import scan_p
from .loop_partial_eval import scan_known_flags, split_scan


def _is_known(atom, known):
    return isinstance(atom, Lit) or atom.id in known


def classify(program: Program, known: set) -> None:
    """Add to ``known`` the ids of the values computable from those already in it."""
    for eqn in program.eqns:
        if eqn.primitive is scan_p and not all(_is_known(a, known) for a in eqn.inputs):
            _, out_flags = scan_known_flags(eqn, known, classify)
            known.update(v.id for v, f in zip(eqn.outputs, out_flags) if f)
        elif all(_is_known(a, known) for a in eqn.inputs):
            known.update(v.id for v in eqn.outputs)


def partial_eval(program: Program, known_inputs, known_outputs, unknown_outputs):
    """Split ``program`` by which inputs are known.

    Returns (known_program, unknown_program, n_residuals):
      known_program:   known inputs -> (outputs[known_outputs]..., residuals...)
      unknown_program: (residuals..., unknown inputs) -> outputs[unknown_outputs]
    Residuals are the known values the unknown part reads."""
    known = {v.id for v, k in zip(program.inputs, known_inputs) if k}
    known.update(v.id for v in program.constvars)
    known_eqns, unknown_eqns = [], []
    for eqn in program.eqns:
        if all(_is_known(a, known) for a in eqn.inputs):
            known_eqns.append(eqn)
            known.update(v.id for v in eqn.outputs)
        elif eqn.primitive is scan_p and any(_is_known(a, known) for a in eqn.inputs):
            k_eqns, u_eqns = split_scan(eqn, known, classify, partial_eval)
            known_eqns += k_eqns
            unknown_eqns += u_eqns
        else:
            unknown_eqns.append(eqn)

    residuals, seen = [], set()

    def need(atom):
        if not isinstance(atom, Lit) and atom.id in known and atom.id not in seen:
            seen.add(atom.id)
            residuals.append(atom)

    for eqn in unknown_eqns:
        for a in eqn.inputs:
            need(a)
    for i in unknown_outputs:
        need(program.outputs[i])

    known_program = Program(
        tuple(v for v, k in zip(program.inputs, known_inputs) if k), program.constvars,
        program.constvalues, tuple(known_eqns),
        tuple(program.outputs[i] for i in known_outputs) + tuple(residuals))
    unknown_program = Program(
        tuple(residuals) + tuple(v for v, k in zip(program.inputs, known_inputs) if not k),
        (), (), tuple(unknown_eqns), tuple(program.outputs[i] for i in unknown_outputs))
    return known_program, unknown_program, len(residuals)
