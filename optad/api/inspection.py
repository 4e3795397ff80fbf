"""Looking inside: the traced IR of a function and the generated source of a transformed one."""
from __future__ import annotations

from .. import tree
from ..backends import get_backend
from ..transforms.reroll_explain import collecting
from .jit import Jit
from .signature import signature_of, trace_path, traced_values
from .paths import guarded_programs
from .transformed import Transformed


class Source(str):
    """Generated source; displays as itself in a REPL."""

    def __repr__(self):
        return str(self)


def make_program(fun, *example_args):
    """The traced IR of ``fun`` at these example arguments (print it).  A function that
    decides on traced values (``if x > 0:``) is traced along the path the examples take."""
    signature = signature_of(example_args, tuple(range(len(example_args))))
    values = traced_values(signature, tree.flatten(tuple(example_args))[0])
    program, _, decisions, _ = trace_path(fun, signature, values)
    return guarded_programs(program, lambda main: main)[0] if decisions else program


def explain_rerolls(fun, *example_args):
    """Which Python loops of ``fun`` were rerolled into scans when traced at these example
    arguments, and for those that stayed unrolled, why.  Returns a list of LoopReports
    (``print`` it); each has ``rerolled``, ``where`` (the loop's first line), ``iterations``,
    ``equations`` (per iteration) and ``reason``."""
    with collecting() as report:
        make_program(fun, *example_args)
    return report


def show_source(transformed_fun, *example_args):
    """The generated kernel source of a transformed function at these example arguments
    (for backend='numpy', the simplified program it evaluates); for a function deciding on
    values, the kernel of the examples' path, whose last output is the path's guard."""
    if not isinstance(transformed_fun, Transformed):
        transformed_fun = Jit(transformed_fun, None)
    program = transformed_fun.compiled_program(*example_args)
    return Source(get_backend(transformed_fun.backend).program_source(program))
