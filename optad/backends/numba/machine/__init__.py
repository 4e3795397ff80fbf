"""The first tier of the Numba backend: one compiled interpreter for every program.

    interpreter.py  the interpreter (Numba source, loaded through the kernel cache)
    assemble.py     a Program as the interpreter's instruction rows and workspace
    loader.py       the interpreter's machine code: compiled once per machine, loaded off thread
    kernel.py       ``first_tier(program)``: the interpreter, or the NumPy plan until it is ready
"""
from .assemble import Assembly, Unsupported, assemble  # noqa: F401
from .kernel import FirstTier, first_tier  # noqa: F401
