"""The NumPy evaluator: runs a Program with each primitive's NumPy implementation.  It is the
oracle every other backend is tested against, and needs no compilation: the program is written
out once as a Python function of NumPy calls (numpy_plan.py), which ``program_source`` shows.
Values are dropped after their last use, so ``checkpoint`` saves memory here."""
from __future__ import annotations

import numpy as np

from .numpy_plan import Plan


class NumpyKernel:
    def __init__(self, program):
        self.program = program
        self.consts = list(program.constvalues)
        self.plan = Plan(program)

    def __call__(self, *args):
        return [np.asarray(value) for value in self.plan(*args, *self.consts)]


def compile_program(program):
    return NumpyKernel(program)


def program_source(program):
    return Plan(program).source
