"""inline_calls: replace ``checkpoint`` equations by the equations of their body and
``barrier`` equations by their operands (what compiled backends want)."""
from __future__ import annotations

from ..ir.program import Lit
from ..primitives.control import barrier_p, checkpoint_p
from ..trace.tracer import Trace, bind, set_where
from .evaluate import eval_program


def _has_calls(program):
    return any(e.primitive in (barrier_p, checkpoint_p) for e in program.eqns)


def inline_calls(program):
    if not _has_calls(program):
        return program
    with Trace() as trace:
        env = {}
        for var in program.inputs:
            env[var.id] = trace.new_input(var.aval)
        for var, value in zip(program.constvars, program.constvalues):
            env[var.id] = value

        def read(atom):
            return atom.value if isinstance(atom, Lit) else env[atom.id]

        for eqn in program.eqns:
            args = [read(a) for a in eqn.inputs]
            previous = set_where(eqn.where or None)
            try:
                if eqn.primitive is barrier_p:
                    outs = args
                elif eqn.primitive is checkpoint_p:
                    outs = eval_program(inline_calls(eqn.params["program"]), args)
                else:
                    outs = bind(eqn.primitive, *args, **eqn.params)
                    outs = outs if eqn.primitive.multiple_results else [outs]
            finally:
                set_where(previous)
            for var, value in zip(eqn.outputs, outs):
                env[var.id] = value
        return trace.to_program([read(a) for a in program.outputs])
