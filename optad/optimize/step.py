"""What every method's step code shares: the progress record the drivers read, and the status
a method reports while it runs.

A method is one module of ``optad/optimize/methods`` with

    NAME, DESCRIPTION, OPTIONS      its name, one line for ``optad list``, its option schema
    NEEDS                           the objective calls its steps make (see calls.py)
    RETURNS_BEST                    whether a failed run returns the best point seen
    configure(options, x0) -> Params    validated options (a NamedTuple with ``maxiter``)
    init(x0, args, params) -> State     the first iterate
    update(state, args, params) -> State    one iteration
    finish(state, params, rows, value) -> Final   the reported point (Python only)

``State`` is a NamedTuple with at least ``x``, ``g`` (flat vectors) and ``progress``; ``init``
and ``update`` are pure functions over flat arrays, written in the subset of Python and NumPy
that Numba compiles, calling the objective only through the names of calls.py.  Each state is
one row of the history when its ``progress.nit`` advanced (a state that only stops the run
keeps ``nit``).  Step code calls other functions of optad.optimize by their own names (``from
.line_search import strong_wolfe``), never through a module attribute, so a driver can bind
them too.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np

RUNNING = -1


class Progress(NamedTuple):
    nit: int            # iterations so far (the history row of the current iterate)
    nfev: int           # evaluations of f (including those that came with a gradient)
    njev: int           # gradient evaluations
    nhev: int           # Hessian-vector products
    f: float            # f at the current iterate (or the method's estimate of it)
    grad_norm: float    # gradient norm there (NaN where no gradient is known)
    status: int         # RUNNING, or a code of status.py once the method stops


def advanced(progress, f, grad_norm, nfev=0, njev=0, nhev=0, status=RUNNING, steps=1):
    """``progress`` after ``steps`` iterations to a point with ``f`` and ``grad_norm``, with
    the given evaluations added."""
    return Progress(progress.nit + steps, progress.nfev + nfev, progress.njev + njev,
                    progress.nhev + nhev, f, grad_norm, status)


def stopped(progress, status, nfev=0, njev=0, nhev=0):
    """``progress`` ending with ``status`` at the current iterate."""
    return Progress(progress.nit, progress.nfev + nfev, progress.njev + njev,
                    progress.nhev + nhev, progress.f, progress.grad_norm, status)


class Final(NamedTuple):
    """What a method reports: x None means "the best point seen" (the drivers track it)."""
    x: Optional[np.ndarray]
    f: float
    g: Optional[np.ndarray]
    status: int
    detail: str = ""
    nfev: int = 0       # evaluations made by ``finish`` itself
