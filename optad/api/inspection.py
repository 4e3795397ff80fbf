"""Looking inside: the traced IR of a function and the generated source of a transformed one."""
from __future__ import annotations

from ..backends import get_backend
from ..transforms.reroll_explain import collecting
from .jit import Jit
from .signature import signature_of, trace
from .transformed import Transformed


class Source(str):
    """Generated source; displays as itself in a REPL."""

    def __repr__(self):
        return str(self)


def make_program(fun, *example_args):
    """The traced IR of ``fun`` at these example arguments (print it)."""
    return trace(fun, signature_of(example_args, tuple(range(len(example_args)))))[0]


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
    (for backend='numpy', the simplified program it evaluates)."""
    if not isinstance(transformed_fun, Transformed):
        transformed_fun = Jit(transformed_fun, None)
    program = transformed_fun.lowered(*example_args)
    return Source(get_backend(transformed_fun.backend).program_source(program))
