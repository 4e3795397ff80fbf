"""What an optimiser hands a backend to compile its loop: step code, named so that it can be
imported again in another process, and a digest of everything that code is made of.

A backend never imports an optimiser.  It receives a ``LoopCode`` and the entries of a compiled
problem, and builds ``init``/``update`` bound to those entries (rebind.py), then the loop that
runs them (numba/driver.py).  ``module`` must hold ``init(x0, args, params)`` and
``update(state, args, params)``; their states carry ``progress.status``, which equals
``running`` while the loop goes on, and ``progress.nit``, ``f``, ``grad_norm``, ``nfev``,
``njev``, ``nhev`` for the history.  Functions of ``package`` that the steps call are bound too,
except those of the modules in ``keep`` (where the unbound call names live).  ``digest`` changes
whenever the text of any of that code does: cached machine code is keyed on it.
"""
from __future__ import annotations

from typing import NamedTuple, Tuple


class LoopCode(NamedTuple):
    module: str              # importable name of the module with init and update
    name: str                # the method's name, for messages
    needs: Tuple[str, ...]   # the problem's calls the steps make
    package: str             # step helpers in this package are bound with the steps
    keep: Tuple[str, ...]    # modules of package not to copy (the unbound call names)
    running: int             # progress.status while the loop runs
    digest: str              # hash of the step code's text

    @property
    def steps(self):
        import importlib
        module = importlib.import_module(self.module)
        return module.init, module.update
