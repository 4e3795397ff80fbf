"""The optimiser methods an experiment can name and the options each accepts: the schemas
``optad.minimize`` checks options against (each method module's ``OPTIONS``), read as they are.
What a kind accepts is described by the kind itself (optad/optimize/options.py)."""
from __future__ import annotations

from ..optimize.methods import METHODS
from ..optimize.methods.constrained import CONSTRAINED

_ALL = {**METHODS, **CONSTRAINED}   # auglag: for configs with problem.constraints

# method name -> {option name -> Option(kind, help, default)}
METHOD_OPTIONS = {name: dict(method.OPTIONS) for name, method in _ALL.items()}

METHOD_DESCRIPTIONS = {name: method.DESCRIPTION for name, method in _ALL.items()}

BACKENDS = ("numba", "numpy", "cuda")

