"""The four records of the IR and its printer.

A ``Program`` is a flat, single-assignment list of equations.  Each ``Eqn`` applies one
primitive to variables (``Var``) or scalar literals (``Lit``) and defines fresh output
variables.  Arrays a traced function closes over become ``constvars`` whose values are held
beside the program (and passed to compiled kernels as arguments, never pasted into source).
Everything is immutable once built.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

_var_ids = itertools.count()


@dataclass(frozen=True)
class ShapedArray:
    """The abstract value of an array: its shape and dtype."""

    shape: tuple
    dtype: np.dtype

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))

    def __str__(self):
        return f"{short_dtype(self.dtype)}[{','.join(map(str, self.shape))}]"


def short_dtype(dtype) -> str:
    dtype = np.dtype(dtype)
    return {"float64": "f64", "float32": "f32", "int64": "i64", "int32": "i32",
            "bool": "bool"}.get(dtype.name, dtype.name)


class Var:
    """A typed variable, defined exactly once in a program.  Compared by identity."""

    __slots__ = ("aval", "id")

    def __init__(self, aval: ShapedArray):
        self.aval = aval
        self.id = next(_var_ids)

    @property
    def shape(self):
        return self.aval.shape

    @property
    def dtype(self):
        return self.aval.dtype

    def __repr__(self):
        return f"Var({self.id}:{self.aval})"


class Lit:
    """A scalar literal (Python number converted to the operation's dtype)."""

    __slots__ = ("value", "aval")

    def __init__(self, value, dtype):
        dtype = np.dtype(dtype)
        self.value = dtype.type(value)
        self.aval = ShapedArray((), dtype)

    @property
    def shape(self):
        return ()

    @property
    def dtype(self):
        return self.aval.dtype

    def key(self):
        """Equal for the same bits: -0.0 and 0.0 differ, a NaN equals itself."""
        return ("lit", self.aval.dtype.str, self.value.tobytes())

    def __repr__(self):
        return f"Lit({self.value!r})"


Atom = Var | Lit


def freeze_params(value):
    """A hashable stand-in for an equation's parameters (programs by identity)."""
    if isinstance(value, dict):
        return tuple(sorted((k, freeze_params(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(freeze_params(v) for v in value)
    if isinstance(value, np.dtype):
        return ("dtype", value.str)
    if isinstance(value, Program):
        return ("program", id(value))
    return value


@dataclass(frozen=True, eq=False)
class Eqn:
    """``outputs = primitive(*inputs, **params)``; ``where`` names the user's source line."""

    primitive: Any
    inputs: tuple
    params: dict
    outputs: tuple
    where: str = ""


@dataclass(frozen=True, eq=False)
class Program:
    """inputs -> outputs, with constants and a list of equations in definition order."""

    inputs: tuple
    constvars: tuple
    constvalues: tuple
    eqns: tuple
    outputs: tuple

    def __str__(self):
        return format_program(self)

    def __repr__(self):
        return (f"<Program: {len(self.inputs)} inputs, {len(self.constvars)} constants, "
                f"{len(self.eqns)} equations, {len(self.outputs)} outputs>")

    @property
    def in_avals(self):
        return tuple(v.aval for v in self.inputs)

    @property
    def out_avals(self):
        return tuple(v.aval for v in self.outputs)


# --------------------------------------------------------------------------- printing

class Namer:
    """Short readable names for the variables of one program: a, b, ..., z, ba, bb, ..."""

    def __init__(self):
        self.names: dict[int, str] = {}

    def __call__(self, var) -> str:
        if isinstance(var, Lit):
            return format_literal(var)
        name = self.names.get(var.id)
        if name is None:
            name = self.names[var.id] = _letters(len(self.names))
        return name


def _letters(n: int) -> str:
    s = ""
    while True:
        s = chr(ord("a") + n % 26) + s
        n //= 26
        if n == 0:
            return s


def format_literal(lit: Lit) -> str:
    value = lit.value
    if lit.aval.dtype.kind == "b":
        return str(bool(value))
    if lit.aval.dtype.kind in "iu":
        return str(int(value))
    return repr(float(value))


def format_param(value) -> str:
    if isinstance(value, Program):
        return "{ " + format_program(value).replace("\n", "\n    ") + " }"
    if isinstance(value, np.dtype):
        return short_dtype(value)
    return str(value)


# Notes a pass attaches to an equation (the reroll pass: "rerolled: loop at ..."), printed as a
# comment above it.  Keyed by the id of the equation's first output variable, which survives
# the rewrites that rebuild an equation; the oldest notes are dropped beyond _MAX_NOTES.
_NOTES: dict = {}
_MAX_NOTES = 4096


def annotate(var: Var, text: str) -> None:
    """Show ``text`` as a comment above the equation that defines ``var``."""
    _NOTES[var.id] = text
    while len(_NOTES) > _MAX_NOTES:
        del _NOTES[next(iter(_NOTES))]


def note_of(eqn: Eqn):
    """The note attached to ``eqn`` (see annotate), or None."""
    return _NOTES.get(eqn.outputs[0].id) if eqn.outputs else None


def format_eqn(eqn: Eqn, name) -> str:
    """One line per equation; a program parameter (a loop body) follows it, indented."""
    outs = " ".join(f"{name(v)}:{v.aval}" for v in eqn.outputs)
    ins = " ".join(name(v) for v in eqn.inputs)
    simple = {k: v for k, v in eqn.params.items() if not isinstance(v, Program)}
    params = ""
    if simple:
        params = "[" + ", ".join(f"{k}={format_param(v)}" for k, v in simple.items()) + "]"
    lines = [f"{outs} = {eqn.primitive.name}{params} {ins}"]
    for key, value in eqn.params.items():
        if isinstance(value, Program):
            body = format_program(value, name).split("\n")
            lines.append(f"  {key} = {body[0]}")
            lines += ["  " + line for line in body[1:]]
    return "\n".join(lines)


def format_program(program: Program, name=None) -> str:
    name = Namer() if name is None else name
    ins = ", ".join(f"{name(v)}:{v.aval}" for v in program.inputs)
    consts = ", ".join(f"{name(v)}:{v.aval}" for v in program.constvars)
    lines = [f"{{ lambda {ins}" + (f" ; constants {consts}" if consts else "") + " ."]
    for eqn in program.eqns:
        note = note_of(eqn)
        if note is not None:
            lines.append(f"    # {note}")
        lines += ["    " + line for line in format_eqn(eqn, name).split("\n")]
    outs = ", ".join(name(v) for v in program.outputs)
    lines.append(f"  in ( {outs} ) }}")
    return "\n".join(lines)
