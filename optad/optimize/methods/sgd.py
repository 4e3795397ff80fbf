"""Stochastic-gradient-descent step with heavy-ball momentum, run full-batch:

    velocity <- momentum velocity - step g;   x <- x + velocity

Every iteration is one value_and_grad at the new x.  A mini-batch loop calls the same rule,
:func:`sgd_step`, with its own gradients::

    from optad.optimize.methods.sgd import sgd_step
    vg = optad.value_and_grad(loss)
    velocity = np.zeros_like(w)
    for Xb, yb in batches:
        _, g = vg(w, Xb, yb)
        w, velocity = sgd_step(w, g, velocity, 0.01, 0.9)

Stops on ||g|| <= gtol (default 0: off) or after ``maxiter`` steps; the result is the best
point seen.  (Full-batch with momentum 0 this is ``gd`` with a fixed step.)
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .. import status as st
from ..calls import value_and_grad
from ..options import COMMON, Option, check
from ..step import RUNNING, Final, Progress, advanced, stopped

NAME = "sgd"
DESCRIPTION = "momentum SGD step (heavy ball), full batch"
NEEDS = ("value_and_grad",)
RETURNS_BEST = True
OPTIONS = {
    **COMMON,
    "maxiter": Option("int+", "number of steps (default 1000)"),
    "gtol": Option("float0", "stop when the gradient norm falls below this (0 disables)", 0.0),
    "step": Option("float+", "step size (learning rate)", 0.01),
    "momentum": Option("fraction", "heavy-ball momentum coefficient", 0.9),
}


class Params(NamedTuple):
    maxiter: int
    gtol: float
    step: float
    momentum: float


class State(NamedTuple):
    x: np.ndarray
    g: np.ndarray
    velocity: np.ndarray
    progress: Progress


def configure(options, x0):
    o = check(NAME, OPTIONS, options)
    return Params(o["maxiter"] or 1000, o["gtol"], o["step"], o["momentum"])


def sgd_step(x, g, velocity, step, momentum):
    """One momentum step -> (x, velocity) (new arrays; the inputs are not changed)."""
    velocity = momentum * velocity - step * g
    return x + velocity, velocity


def _norm(g):
    return float(np.linalg.norm(g)) if np.all(np.isfinite(g)) else math.inf


def init(x0, args, params):
    f, g = value_and_grad(x0, *args)
    return State(x0.copy(), g, np.zeros_like(x0), Progress(0, 1, 1, 0, f, _norm(g), RUNNING))


def update(state, args, params):
    progress = state.progress
    if not (math.isfinite(progress.f) and np.all(np.isfinite(state.g))):
        return State(*state[:-1], stopped(progress, st.NONFINITE))
    if progress.grad_norm <= params.gtol:
        return State(*state[:-1], stopped(progress, st.SUCCESS))
    if progress.nit >= params.maxiter:
        return State(*state[:-1], stopped(progress, st.MAXITER))
    x, velocity = sgd_step(state.x, state.g, state.velocity, params.step, params.momentum)
    f, g = value_and_grad(x, *args)
    return State(x, g, velocity, advanced(progress, f, _norm(g), 1, 1))


def finish(state, params, rows, value):
    progress = state.progress
    status = progress.status
    detail = f"Gradient norm {progress.grad_norm:.3g}." if status == st.MAXITER else ""
    x = None if status == st.NONFINITE else state.x
    return Final(x, progress.f, state.g, status, detail)
