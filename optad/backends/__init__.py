"""Backends turn a (transformed, simplified) Program into a callable.

Every backend module provides::

    compile_program(program) -> kernel
        kernel(*flat_inputs) -> list of flat outputs (NumPy arrays; 0-d results as 0-d arrays
        or NumPy scalars).  The program's constants are bound inside the kernel (passed to
        compiled code as arguments, never pasted into source).
    program_source(program) -> str
        The generated source (or, for the evaluator, the printed program).

Backends are looked up by name and imported lazily, so no CUDA package is needed for the CPU.
"""
from __future__ import annotations

import importlib
import os

BACKENDS = {
    "numpy": "optad.backends.numpy_backend",
    "numba": "optad.backends.numba",
    # the Numba backend's first tier alone (its compiled interpreter): tests and benchmarks
    "interpreter": "optad.backends.numba.machine.backend",
    "cuda": "optad.backends.cuda",
}

DEFAULT_BACKEND = "numba"


def default_backend() -> str:
    """The backend used when none is named: $OPTAD_BACKEND, else "numba"."""
    return os.environ.get("OPTAD_BACKEND") or DEFAULT_BACKEND


def get_backend(name: str):
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose one of {sorted(BACKENDS)}")
    try:
        return importlib.import_module(BACKENDS[name])
    except ModuleNotFoundError as err:
        if err.name and err.name.startswith("optad.backends"):
            raise NotImplementedError(f"the {name!r} backend is not available in this version "
                                      f"of optad; use backend='numpy'") from err
        raise
