"""Evaluate a Program by binding each equation again.

With NumPy arrays this computes the program (the reference semantics); with Tracers it
re-emits the program into the active trace, which is how a transformation called inside a
traced function traces through (inlining)."""
from __future__ import annotations

from ..ir.program import Lit
from ..trace.tracer import bind, set_where


def eval_program(program, args, consts=None):
    env = {}
    for var, value in zip(program.inputs, args):
        env[var.id] = value
    for var, value in zip(program.constvars,
                          program.constvalues if consts is None else consts):
        env[var.id] = value

    def read(atom):
        return atom.value if isinstance(atom, Lit) else env[atom.id]

    for eqn in program.eqns:
        for var, value in zip(eqn.outputs, rebind(eqn, map(read, eqn.inputs))):
            env[var.id] = value
    return [read(atom) for atom in program.outputs]


def rebind(eqn, args):
    """Apply ``eqn``'s primitive to new arguments, keeping its source note; a tuple of
    outputs."""
    previous = set_where(eqn.where or None)
    try:
        outs = bind(eqn.primitive, *args, **eqn.params)
    finally:
        set_where(previous)
    return outs if eqn.primitive.multiple_results else (outs,)
