"""Small structural edits of programs: keep some outputs, reorder inputs."""
from __future__ import annotations

from ..ir.program import Program


def select_outputs(program: Program, indices) -> Program:
    return Program(program.inputs, program.constvars, program.constvalues, program.eqns,
                   tuple(program.outputs[i] for i in indices))
