"""The rules of the ``checkpoint`` primitive (primitives/control.py) that need the transforms:
its NumPy implementation evaluates the called program, its JVP is the program's JVP, and its
VJP recomputes the program's forward sweep (behind a barrier, so CSE keeps the recomputation)
and pulls the cotangents back through it."""
from __future__ import annotations

from ..primitives.control import barrier, checkpoint_p
from ..primitives.registry import impl_rules, jvp_rules, vjp_rules
from .evaluate import eval_program
from .jvp import jvp_traceable
from .vjp import vjp_traceable


def _checkpoint_impl(*args, program):
    return tuple(eval_program(program, args))


def _checkpoint_jvp(primals, tangents, outs, program):
    return jvp_traceable(program, primals, tangents)[1]


def _checkpoint_vjp(cts, primals, outs, program):
    recomputed_inputs = barrier(*primals)
    wrt = [getattr(p, "dtype", None) is not None and p.dtype.kind == "f" for p in primals]
    _, in_cts = vjp_traceable(program, recomputed_inputs, wrt, cts)
    in_cts = iter(in_cts)
    return [next(in_cts) if w else None for w in wrt]


impl_rules[checkpoint_p] = _checkpoint_impl
jvp_rules[checkpoint_p] = _checkpoint_jvp
vjp_rules[checkpoint_p] = _checkpoint_vjp
