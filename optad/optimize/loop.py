"""A method's step code as a backend receives it to compile the method's loop
(optad/backends/loop_code.py): the module to import, the calls it makes, and a digest of the
text of optad.optimize, which the steps and every helper they call are made of."""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from ..backends.loop_code import LoopCode
from . import calls
from .step import RUNNING


@functools.lru_cache(maxsize=1)
def step_code_digest() -> str:
    """Hash of every file of optad.optimize: an edit of any of them is new step code."""
    digest = hashlib.sha256()
    root = Path(__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def loop_code(method) -> LoopCode:
    """What a backend needs to compile ``method``'s loop (a module of optimize/methods)."""
    return LoopCode(module=method.__name__, name=method.NAME, needs=tuple(method.NEEDS),
                    package=calls._PACKAGE, keep=(calls.__name__,), running=RUNNING,
                    digest=step_code_digest())
