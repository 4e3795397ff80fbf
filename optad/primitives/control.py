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
shape_rules[checkpoint_p] = lambda *avals, lits, program: program.out_avals
# its NumPy implementation, JVP and VJP need the transforms themselves (evaluate the program,
# its JVP, its VJP): they are registered in transforms/checkpoint_rules.py, so that this layer
# does not import the one above it


def call_checkpointed(program: Program, *args):
    return bind(checkpoint_p, *args, program=program)
