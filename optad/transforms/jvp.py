"""Forward mode: (x, t) -> (f(x), J t), with None as the symbolic zero tangent."""
from __future__ import annotations

from ..ir.program import Lit
from ..primitives.registry import jvp_rules, primal_jvp_rules
from ..primitives.shape import zeros_like
from ..trace.tracer import Trace, bind, set_where


def jvp_traceable(program, primals, tangents, consts=None):
    """Run ``program`` on primals and push tangents (None = zero) through it.

    Returns (primal outputs, tangent outputs); zero output tangents are materialised."""
    env = {}
    for var, p, t in zip(program.inputs, primals, tangents):
        env[var.id] = (p, t)
    for var, value in zip(program.constvars,
                          program.constvalues if consts is None else consts):
        env[var.id] = (value, None)

    def read(atom):
        return (atom.value, None) if isinstance(atom, Lit) else env[atom.id]

    for eqn in program.eqns:
        ins = [read(a) for a in eqn.inputs]
        prims_in = [p for p, _ in ins]
        tans_in = [t for _, t in ins]
        previous = set_where(eqn.where or None)
        try:
            if all(t is None for t in tans_in):
                outs = bind(eqn.primitive, *prims_in, **eqn.params)
                tans_out = None
            elif eqn.primitive in primal_jvp_rules:
                outs, tans_out = primal_jvp_rules[eqn.primitive](prims_in, tans_in, **eqn.params)
            else:
                outs = bind(eqn.primitive, *prims_in, **eqn.params)
                tans_out = jvp_rules[eqn.primitive](prims_in, tans_in, outs, **eqn.params)
        finally:
            set_where(previous)
        if eqn.primitive.multiple_results:
            tans_out = tans_out if tans_out is not None else [None] * len(outs)
            for var, p, t in zip(eqn.outputs, outs, tans_out):
                env[var.id] = (p, t)
        else:
            env[eqn.outputs[0].id] = (outs, tans_out)
    primal_outs, tangent_outs = [], []
    for atom in program.outputs:
        p, t = read(atom)
        primal_outs.append(p)
        tangent_outs.append(zeros_like(p) if t is None else t)
    return primal_outs, tangent_outs


def jvp_program(program, tangent_mask):
    """Program (primals..., tangents for masked inputs...) -> (outputs..., output tangents...)."""
    with Trace() as trace:
        primals = [trace.new_input(v.aval) for v in program.inputs]
        tangents = [trace.new_input(v.aval) if m else None
                    for v, m in zip(program.inputs, tangent_mask)]
        outs, touts = jvp_traceable(program, primals, tangents)
        return trace.to_program([*outs, *touts])
