"""Structural primitives: ``checkpoint`` (a call whose intermediates are recomputed in the
backward sweep instead of stored) and ``barrier`` (an identity that common-subexpression
elimination cannot see through, so the recomputation stays a recomputation)."""
from __future__ import annotations

from ..ir.program import Program
from ..trace.tracer import bind
from .registry import impl_rules, jvp_rules, primitive, shape_rules, vjp_rules

barrier_p = primitive("barrier", "control", multiple_results=True)
impl_rules[barrier_p] = lambda *xs: tuple(xs)
shape_rules[barrier_p] = lambda *avals, lits: tuple(avals)
jvp_rules[barrier_p] = lambda primals, tangents, outs: list(tangents)
vjp_rules[barrier_p] = lambda cts, primals, outs: list(cts)


def barrier(*xs):
    return bind(barrier_p, *xs)


checkpoint_p = primitive("checkpoint", "control", multiple_results=True)


def _checkpoint_impl(*args, program: Program):
    from ..transforms.evaluate import eval_program
    return tuple(eval_program(program, args))


def _checkpoint_jvp(primals, tangents, outs, program):
    from ..transforms.jvp import jvp_traceable
    return jvp_traceable(program, primals, tangents)[1]


def _checkpoint_vjp(cts, primals, outs, program):
    from ..transforms.vjp import vjp_traceable
    recomputed_inputs = barrier(*primals)
    wrt = [getattr(p, "dtype", None) is not None and p.dtype.kind == "f" for p in primals]
    _, in_cts = vjp_traceable(program, recomputed_inputs, wrt, cts)
    in_cts = iter(in_cts)
    return [next(in_cts) if w else None for w in wrt]


impl_rules[checkpoint_p] = _checkpoint_impl
shape_rules[checkpoint_p] = lambda *avals, lits, program: program.out_avals
jvp_rules[checkpoint_p] = _checkpoint_jvp
vjp_rules[checkpoint_p] = _checkpoint_vjp


def call_checkpointed(program: Program, *args):
    return bind(checkpoint_p, *args, program=program)
