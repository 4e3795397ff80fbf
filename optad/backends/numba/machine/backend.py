"""The first tier as a backend of its own: ``backend="interpreter"``.

Every program the interpreter can run runs on it, prepared as the Numba backend prepares its
kernels (calls inlined, small loop state in registers); the rest run on the NumPy plan.  The
interpreter's machine code is compiled, or loaded from the kernel cache, in the calling process
the first time.  Users get the interpreter through the Numba backend's tiers; this name is for
tests and benchmarks of the tier, and for reading what it runs: ``program_source`` is the
assembled instruction listing.
"""
from __future__ import annotations

from ...scalarize import scalarize
from ....transforms import inline_calls
from . import loader
from .kernel import FirstTier


def prepare(program):
    return scalarize(inline_calls(program))


def compile_program(program):
    loader.load_here()
    tier = FirstTier(prepare(program))
    tier.choice = "plan" if tier.assembly is None else "interpreter"
    return tier


def program_source(program) -> str:
    tier = FirstTier(prepare(program))
    if tier.assembly is None:
        return f"# not run by the interpreter ({tier.why_not}): the NumPy plan\n" + \
            tier.plan.plan.source
    return tier.assembly.listing() + "\n"
