"""Adam (Kingma & Ba 2015): gradient steps scaled per coordinate by running moments.

    m <- beta1 m + (1 - beta1) g,   v <- beta2 v + (1 - beta2) g^2        (t = 1, 2, ...)
    x <- x - step (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)

Full-batch here: every iteration is one value_and_grad of fun at the new x (``nfev`` = ``njev``
= iterations + 1).  A mini-batch loop calls the same rule, :func:`adam_step`, with its own
gradients::

    from optad.optimize.methods.adam import adam_step
    vg = optad.value_and_grad(loss)
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, (Xb, yb) in enumerate(batches, start=1):
        _, g = vg(w, Xb, yb)
        w, m, v = adam_step(w, g, m, v, t, 1e-3, 0.9, 0.999, 1e-8)

(w a flat array; ravel a pytree with ``optad.tree.ravel_pytree``).  Stops on ||g|| <= gtol
(default 0: off, Adam's fixed step rarely meets a gradient tolerance) or after ``maxiter``
steps; the result is the best point seen.

With bounds each step is projected onto the box, x <- P(adam step) (projected Adam; the moments
keep the raw gradients), and ``grad_norm`` is the projected gradient norm (optimize/box.py).
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

NAME = "adam"
DESCRIPTION = "Adam: steps scaled by running first and second gradient moments (full batch)"
NEEDS = ("value_and_grad",)
RETURNS_BEST = True
OPTIONS = {
    **COMMON,
    "maxiter": Option("int+", "number of steps (default 1000)"),
    "gtol": Option("float0", "stop when the gradient norm falls below this (0 disables)", 0.0),
    "step": Option("float+", "step size (learning rate)", 1e-3),
    "betas": Option("fractions2", "decay rates (beta1, beta2) of the two moments",
                    (0.9, 0.999)),
    "eps": Option("float+", "added to sqrt(v) in the denominator", 1e-8),
}


class Params(NamedTuple):
    maxiter: int
    gtol: float
    step: float
    beta1: float
    beta2: float
    eps: float
    box: Box                # bounds on x (box.bounded False: none)


class State(NamedTuple):
    x: np.ndarray
    g: np.ndarray
    m: np.ndarray           # first moment
    v: np.ndarray           # second moment
    progress: Progress


def configure(options, x0, box=None):
    o = check(NAME, OPTIONS, options)
    beta1, beta2 = o["betas"]
    return Params(o["maxiter"] or 1000, o["gtol"], o["step"], beta1, beta2, o["eps"],
                  unbounded(x0) if box is None else box)


def adam_step(x, g, m, v, t, step, beta1, beta2, eps):
    """One Adam step, t = 1, 2, ... -> (x, m, v) (new arrays; the inputs are not changed)."""
    m = beta1 * m + (1.0 - beta1) * g
    v = beta2 * v + (1.0 - beta2) * (g * g)
    mhat = m / (1.0 - beta1 ** t)
    vhat = v / (1.0 - beta2 ** t)
    return x - step * mhat / (np.sqrt(vhat) + eps), m, v


def _norm(x, g, box):
    """||g||, or the projected gradient norm with bounds; inf when g is not finite."""
    return gradient_norm(x, g, box) if np.all(np.isfinite(g)) else math.inf


def init(x0, args, params):
    f, g = value_and_grad(x0, *args)
    zero = np.zeros_like(x0)
    return State(x0.copy(), g, zero, zero.copy(),
                 Progress(0, 1, 1, 0, f, _norm(x0, g, params.box), RUNNING))


def update(state, args, params):
    progress = state.progress
    if not (math.isfinite(progress.f) and np.all(np.isfinite(state.g))):
        return State(*state[:-1], stopped(progress, st.NONFINITE))
    if progress.grad_norm <= params.gtol:
        return State(*state[:-1], stopped(progress, st.SUCCESS))
    if progress.nit >= params.maxiter:
        return State(*state[:-1], stopped(progress, st.MAXITER))
    x, m, v = adam_step(state.x, state.g, state.m, state.v, progress.nit + 1, params.step,
                        params.beta1, params.beta2, params.eps)
    if params.box.bounded:
        x = project(x, params.box.lower, params.box.upper)
    f, g = value_and_grad(x, *args)
    return State(x, g, m, v, advanced(progress, f, _norm(x, g, params.box), 1, 1))


def finish(state, params, rows, value):
    progress = state.progress
    status = progress.status
    detail = f"Gradient norm {progress.grad_norm:.3g}." if status == st.MAXITER else ""
    x = None if status == st.NONFINITE else state.x
    return Final(x, progress.f, state.g, status, detail)
