"""``checkpoint``: a function whose intermediates are recomputed in the backward sweep."""
from __future__ import annotations

from .. import tree
from ..ir.program import Program
from ..primitives.control import call_checkpointed
from ..trace.tracer import Tracer
from .signature import signature_of, trace, traced_values


def checkpoint(fun):
    """``fun`` whose intermediates are recomputed in the backward sweep instead of stored."""
    def wrapped(*args):
        leaves = tree.flatten(args)[0]
        if not any(isinstance(x, Tracer) for x in leaves):
            return fun(*args)
        signature = signature_of(args)
        program, out_tree = trace(fun, signature)
        closed = Program(program.inputs + program.constvars, (), (), program.eqns,
                         program.outputs)
        values = traced_values(signature, leaves) + list(program.constvalues)
        return tree.unflatten(out_tree, list(call_checkpointed(closed, *values)))
    wrapped.__name__ = f"checkpoint({getattr(fun, '__name__', 'fun')})"
    wrapped.__wrapped__ = fun
    return wrapped
