"""Check that a Program is well formed: single assignment, defined before use, and every
equation's output types agree with its primitive's shape rule."""
from __future__ import annotations

from .program import Lit, Program, format_eqn, Namer


class TypeCheckError(TypeError):
    pass


def typecheck(program: Program) -> Program:
    """Raise ``TypeCheckError`` if ``program`` is malformed; return it unchanged otherwise."""
    defined = set()
    name = Namer()

    def define(var):
        if var.id in defined:
            raise TypeCheckError(f"variable {name(var)} is defined twice")
        defined.add(var.id)

    for var in (*program.inputs, *program.constvars):
        define(var)
    if len(program.constvars) != len(program.constvalues):
        raise TypeCheckError("constvars and constvalues differ in length")
    for var, value in zip(program.constvars, program.constvalues):
        if tuple(getattr(value, "shape", ())) != var.aval.shape:
            raise TypeCheckError(f"constant {name(var)} has shape {getattr(value, 'shape', ())}, "
                                 f"declared {var.aval.shape}")
    for eqn in program.eqns:
        for atom in eqn.inputs:
            if not isinstance(atom, Lit) and atom.id not in defined:
                raise TypeCheckError(f"{format_eqn(eqn, name)}: input {name(atom)} used before "
                                     "it is defined")
        expected = eqn.primitive.abstract_eval(*[a.aval for a in eqn.inputs],
                                               lits=[isinstance(a, Lit) for a in eqn.inputs],
                                               **eqn.params)
        got = tuple(v.aval for v in eqn.outputs)
        if tuple(expected) != got:
            raise TypeCheckError(f"{format_eqn(eqn, name)}: shape rule gives "
                                 f"{', '.join(map(str, expected))}")
        for value in eqn.params.values():
            if isinstance(value, Program):
                typecheck(value)   # a loop body or checkpointed call is a program too
        for var in eqn.outputs:
            define(var)
    for atom in program.outputs:
        if not isinstance(atom, Lit) and atom.id not in defined:
            raise TypeCheckError(f"output {name(atom)} is never defined")
    return program
