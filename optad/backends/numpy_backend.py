"""The NumPy evaluator: runs a Program equation by equation with each primitive's NumPy
implementation.  It is the oracle every other backend is tested against, and needs no
compilation.  Values are dropped after their last use, so ``checkpoint`` saves memory here."""
from __future__ import annotations

import numpy as np

from ..ir.program import Lit, format_program
from ..primitives.loops import run_steps
from ..primitives.registry import impl_rules


class NumpyKernel:
    def __init__(self, program):
        self.program = program
        n_in = len(program.inputs)
        slots = {}
        for i, var in enumerate((*program.inputs, *program.constvars)):
            slots[var.id] = i
        for eqn in program.eqns:
            for var in eqn.outputs:
                slots[var.id] = len(slots)
        self.n_slots = len(slots)
        self.n_in = n_in
        self.consts = list(program.constvalues)

        last_use = {}
        for k, eqn in enumerate(program.eqns):
            for atom in eqn.inputs:
                if not isinstance(atom, Lit):
                    last_use[atom.id] = k
        keep = {a.id for a in program.outputs if not isinstance(a, Lit)}

        def ref(atom):
            return (False, atom.value) if isinstance(atom, Lit) else (True, slots[atom.id])

        steps = []
        for k, eqn in enumerate(program.eqns):
            frees = [slots[a.id] for a in {a.id: a for a in eqn.inputs
                                           if not isinstance(a, Lit)}.values()
                     if last_use.get(a.id) == k and a.id not in keep]
            steps.append((impl_rules[eqn.primitive], [ref(a) for a in eqn.inputs], eqn.params,
                          [slots[v.id] for v in eqn.outputs], eqn.primitive.multiple_results,
                          frees))
        self.steps = steps
        self.outputs = [ref(a) for a in program.outputs]

    def __call__(self, *args):
        env = [None] * self.n_slots
        env[:self.n_in] = args
        env[self.n_in:self.n_in + len(self.consts)] = self.consts
        run_steps(self.steps, env)
        return [np.asarray(env[i]) if is_var else np.asarray(i) for is_var, i in self.outputs]


def compile_program(program):
    return NumpyKernel(program)


def program_source(program):
    return format_program(program)
