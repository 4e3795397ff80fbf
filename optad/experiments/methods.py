"""The optimiser methods an experiment can name, and the options each accepts (DESIGN.md §3):
the schemas ``optad.minimize`` checks options against, read from the methods themselves.

Each option maps to (kind, help). Kinds: "int+" positive integer, "int0" non-negative integer,
"float+" positive number, "float0" non-negative number, "fraction" a number in [0, 1),
"fractions2" a pair of them, "bool", or a tuple of accepted strings.
"""
from __future__ import annotations

from ..optimize.methods import METHODS

# each method's own schema (optad/optimize/methods/*.py), as name -> (kind, help)
METHOD_OPTIONS = {name: {option: (spec.kind, spec.help) for option, spec in method.OPTIONS.items()}
                  for name, method in METHODS.items()}

METHOD_DESCRIPTIONS = {name: method.DESCRIPTION for name, method in METHODS.items()}

BACKENDS = ("numba", "numpy", "cuda")


def describe_kind(kind) -> str:
    """Words for what a kind accepts, used in error messages and `optad list`."""
    if isinstance(kind, tuple):
        return "one of " + ", ".join(repr(choice) for choice in kind)
    return {
        "int+": "a positive integer",
        "int0": "a non-negative integer",
        "float+": "a positive number",
        "float0": "a non-negative number",
        "fraction": "a number in [0, 1)",
        "fractions2": "a pair of numbers in [0, 1), e.g. [0.9, 0.999]",
        "bool": "true or false",
    }[kind]
