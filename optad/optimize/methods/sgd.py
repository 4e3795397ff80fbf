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

With bounds each step is projected onto the box, x <- P(x + velocity), and the velocity becomes
the step actually taken (so momentum does not pile up against a bound); ``grad_norm`` is the
projected gradient norm (optimize/box.py).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .. import status as st
from ..bounds import Box, unbounded
from ..box import gradient_norm, project
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
    box: Box                # bounds on x (box.bounded False: none)


class State(NamedTuple):
    x: np.ndarray
    g: np.ndarray
    velocity: np.ndarray
    progress: Progress


def configure(options, x0, box=None):
    o = check(NAME, OPTIONS, options)
    return Params(o["maxiter"] or 1000, o["gtol"], o["step"], o["momentum"],
                  unbounded(x0) if box is None else box)


def sgd_step(x, g, velocity, step, momentum):
    """One momentum step -> (x, velocity) (new arrays; the inputs are not changed)."""
    velocity = momentum * velocity - step * g
    return x + velocity, velocity


def _norm(x, g, box):
    """||g||, or the projected gradient norm with bounds; inf when g is not finite."""
    return gradient_norm(x, g, box) if np.all(np.isfinite(g)) else math.inf


def init(x0, args, params):
    f, g = value_and_grad(x0, *args)
    return State(x0.copy(), g, np.zeros_like(x0),
                 Progress(0, 1, 1, 0, f, _norm(x0, g, params.box), RUNNING))


def update(state, args, params):
    progress = state.progress
    if not (math.isfinite(progress.f) and np.all(np.isfinite(state.g))):
        return State(*state[:-1], stopped(progress, st.NONFINITE))
    if progress.grad_norm <= params.gtol:
        return State(*state[:-1], stopped(progress, st.SUCCESS))
    if progress.nit >= params.maxiter:
        return State(*state[:-1], stopped(progress, st.MAXITER))
    x, velocity = sgd_step(state.x, state.g, state.velocity, params.step, params.momentum)
    if params.box.bounded:
        x = project(x, params.box.lower, params.box.upper)
        velocity = x - state.x
    f, g = value_and_grad(x, *args)
    return State(x, g, velocity, advanced(progress, f, _norm(x, g, params.box), 1, 1))


def finish(state, params, rows, value):
    progress = state.progress
    status = progress.status
    detail = f"Gradient norm {progress.grad_norm:.3g}." if status == st.MAXITER else ""
    x = None if status == st.NONFINITE else state.x
    return Final(x, progress.f, state.g, status, detail)
