"""Naming rules for generated kernels, all in one place.

Arrays and scalars keep the IR printer's names (a, b, ..., ba, ...), so a kernel reads like the
printed Program.  A name that would clash with Python or with the kernel's own globals gets a
trailing underscore.  Loop indices are ``i0, i1, ...`` (one per loop level, rendered by
``backends/schedule_nest.Index``; IR names have no digits, so they cannot clash).
"""
from __future__ import annotations

import builtins
import keyword

from ...ir.program import Namer

# globals every generated module uses
RESERVED = {"np", "math", "numba", "rt", "sc", "make_kernel", "kernel", "constants", "fallbacks",
            "error", "recover_from_corrupt_cache"} | set(dir(builtins))


class KernelNames:
    def __init__(self):
        self._namer = Namer()

    def __call__(self, var) -> str:
        name = self._namer(var)
        if keyword.iskeyword(name) or name in RESERVED:
            name += "_"
        return name

    def scalar(self, var) -> str:
        """The register holding one element of a stored (materialised) array."""
        return self(var) + "_"


def segment_name(k: int) -> str:
    return f"segment_{k}"
