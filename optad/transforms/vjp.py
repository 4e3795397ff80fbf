"""Reverse mode: a forward sweep that keeps what the backward sweep needs, then adjoints in
reverse order, fan-out accumulated by addition.  The gradient is the VJP with cotangent 1."""
from __future__ import annotations

import numpy as np

from ..ir.program import Lit
from ..primitives.elementwise import add
from ..primitives.registry import forward_rules, vjp_rules
from ..primitives.shape import zeros_like
from ..trace.tracer import Trace, set_where
from .evaluate import rebind


def vjp_traceable(program, primals, wrt, cotangents, consts=None):
    """Evaluate ``program`` on ``primals`` and pull ``cotangents`` (one per output, None for
    zero) back to the inputs flagged in ``wrt``.  Returns (outputs, input cotangents)."""
    env = {}
    active = set()
    for var, value, w in zip(program.inputs, primals, wrt):
        env[var.id] = value
        if w:
            active.add(var.id)
    for var, value in zip(program.constvars,
                          program.constvalues if consts is None else consts):
        env[var.id] = value

    def read(atom):
        return atom.value if isinstance(atom, Lit) else env[atom.id]

    active_eqns = []
    residuals = {}   # eqn id -> what its forward rule kept for its VJP rule
    for eqn in program.eqns:
        is_active = any(not isinstance(a, Lit) and a.id in active for a in eqn.inputs)
        forward = forward_rules.get(eqn.primitive) if is_active else None
        if forward is None:
            outs = rebind(eqn, map(read, eqn.inputs))
        else:
            previous = set_where(eqn.where or None)
            try:
                outs, residuals[id(eqn)] = forward(*map(read, eqn.inputs), **eqn.params)
            finally:
                set_where(previous)
        for var, value in zip(eqn.outputs, outs):
            env[var.id] = value
        if is_active:
            active.update(v.id for v in eqn.outputs)
            active_eqns.append(eqn)

    cts = {}

    def accumulate(var_id, ct):
        cts[var_id] = ct if var_id not in cts else add(cts[var_id], ct)

    for atom, ct in zip(program.outputs, cotangents):
        if ct is not None and not isinstance(atom, Lit) and atom.id in active:
            accumulate(atom.id, ct)

    for eqn in reversed(active_eqns):
        outs_ct = [cts.pop(v.id, None) for v in eqn.outputs]
        if all(c is None for c in outs_ct):
            continue
        prims_in = [read(a) for a in eqn.inputs]
        outs = [env[v.id] for v in eqn.outputs]
        previous = set_where(eqn.where or None)
        try:
            extra = {"residuals": residuals[id(eqn)]} if id(eqn) in residuals else {}
            if eqn.primitive.multiple_results:
                cts_in = vjp_rules[eqn.primitive](outs_ct, prims_in, outs, **extra, **eqn.params)
            else:
                cts_in = vjp_rules[eqn.primitive](outs_ct[0], prims_in, outs[0], **extra,
                                                  **eqn.params)
            for atom, ct in zip(eqn.inputs, cts_in):
                if ct is not None and not isinstance(atom, Lit) and atom.id in active:
                    accumulate(atom.id, ct)
        finally:
            set_where(previous)

    outputs = [read(a) for a in program.outputs]
    input_cts = [(cts[v.id] if v.id in cts else zeros_like(p))
                 for v, p, w in zip(program.inputs, primals, wrt) if w]
    return outputs, input_cts


def vjp_program(program, wrt):
    """Program (primals..., output cotangents...) -> (outputs..., cotangents of wrt inputs...)."""
    with Trace() as trace:
        primals = [trace.new_input(v.aval) for v in program.inputs]
        cts = [trace.new_input(a.aval) for a in program.outputs]
        outs, in_cts = vjp_traceable(program, primals, wrt, cts)
        return trace.to_program([*outs, *in_cts])


def grad_program(program, wrt):
    """Program primals -> (value, gradients of wrt inputs...) for a scalar-output program."""
    (out,) = program.outputs
    with Trace() as trace:
        primals = [trace.new_input(v.aval) for v in program.inputs]
        seed = np.ones((), dtype=out.aval.dtype)
        outs, in_cts = vjp_traceable(program, primals, wrt, [seed])
        return trace.to_program([*outs, *in_cts])
