"""Gradient descent: fixed step or Armijo backtracking; optional heavy-ball or Nesterov momentum.

- fixed step, heavy ball:  v <- momentum v - step g(x);  x <- x + v
- fixed step, Nesterov:    x' <- y - step g(y);  y <- x' + momentum (x' - x);  x <- x'
  (the gradient, f and the returned point are those of the extrapolated point y)
- no step (default): Armijo backtracking from twice the previous accepted step along
  d = -g + momentum d_prev (reset to -g when not a descent direction); with Nesterov the
  backtracking runs at the extrapolated point y along -g(y), and whenever f would increase the
  extrapolation is dropped and the next step starts from x without momentum (adaptive restart,
  O'Donoghue & Candes 2015), so f(x) decreases monotonically.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .. import status as st
from ..calls import value_and_grad
from ..line_search import armijo_with_grad
from ..options import COMMON, Option, check, gtol_for
from ..step import RUNNING, Final, Progress, advanced, stopped

NAME = "gd"
DESCRIPTION = "gradient descent (fixed step or Armijo backtracking; optional momentum)"
NEEDS = ("value_and_grad",)
RETURNS_BEST = True
OPTIONS = {
    **COMMON,
    "maxiter": Option("int+", "maximum number of iterations (default 10000)"),
    "step": Option("float+", "fixed step size; absent means Armijo backtracking"),
    "momentum": Option("fraction", "heavy-ball momentum coefficient", 0.0),
    "nesterov": Option("bool", "use Nesterov's look-ahead momentum", False),
}


class Params(NamedTuple):
    maxiter: int
    gtol: float
    step: float         # NaN: Armijo backtracking
    momentum: float
    nesterov: bool
    eps: float          # machine epsilon of x


class State(NamedTuple):
    x: np.ndarray           # where f and g are evaluated (y above), the reported iterate
    g: np.ndarray
    x_base: np.ndarray      # the point momentum extrapolates from (x above)
    velocity: np.ndarray    # heavy ball, fixed step
    direction: np.ndarray   # backtracking: the last search direction
    alpha: float            # backtracking: the last accepted step
    f_base: float           # backtracking with Nesterov: f at x_base (NaN before the first)
    progress: Progress


def configure(options, x0):
    o = check(NAME, OPTIONS, options)
    if o["nesterov"] and o["momentum"] == 0:
        raise ValueError("nesterov=True needs a momentum > 0")
    return Params(o["maxiter"] or 10000, gtol_for(o, x0), math.nan if o["step"] is None else o["step"],
                  o["momentum"], o["nesterov"], float(np.finfo(x0.dtype).eps))


def _norm(g):
    return float(np.linalg.norm(g)) if np.all(np.isfinite(g)) else math.inf


def init(x0, args, params):
    f, g = value_and_grad(x0, *args)
    zero = np.zeros_like(x0)
    return State(x0.copy(), g, x0.copy(), zero, zero.copy(), 1.0, math.nan,
                 Progress(0, 1, 1, 0, f, _norm(g), RUNNING))


def update(state, args, params):
    progress, y, g = state.progress, state.x, state.g
    f = progress.f
    if not (math.isfinite(f) and np.all(np.isfinite(g))):
        return State(*state[:-1], stopped(progress, st.NONFINITE))
    if progress.grad_norm <= params.gtol:
        return State(*state[:-1], stopped(progress, st.SUCCESS))
    if progress.nit >= params.maxiter:
        return State(*state[:-1], stopped(progress, st.MAXITER))
    m = params.momentum
    if params.step > 0:                              # fixed step (NaN compares False)
        velocity, x_base = state.velocity, state.x_base
        if params.nesterov:
            x_new = y - params.step * g
            y = x_new + m * (x_new - x_base)
            x_base = x_new
        else:
            velocity = m * velocity - params.step * g
            x_base = x_base + velocity
            y = x_base
        f, g = value_and_grad(y, *args)
        return State(y, g, x_base, velocity, state.direction, state.alpha, state.f_base,
                     advanced(progress, f, _norm(g), 1, 1))
    direction = -g
    if not params.nesterov and progress.nit > 0:
        direction = -g + m * state.direction
        if not float(g @ direction) < 0:
            direction = -g
    ls = armijo_with_grad(y, direction, f, g, float(g @ direction), args, params.eps,
                          alpha0=2.0 * state.alpha)
    evaluations = ls.evaluations
    if not ls.found:
        return State(*state[:-1], stopped(progress, st.LINE_SEARCH, evaluations,
                                               evaluations))
    x_new = y + ls.alpha * direction
    x_base, f_base = state.x_base, state.f_base
    if params.nesterov:
        if math.isfinite(f_base) and \
                ls.f > f_base + 64 * params.eps * max(1.0, abs(f_base)):
            y = x_base                  # adaptive restart: drop x_new and the momentum
        else:
            y = x_new + m * (x_new - x_base)
            x_base, f_base = x_new, ls.f
        f, g = value_and_grad(y, *args)
        evaluations += 1
    else:
        x_base = y = x_new
        f, g = ls.f, ls.g               # the gradient came with the line search
    return State(y, g, x_base, state.velocity, direction, ls.alpha, f_base,
                 advanced(progress, f, _norm(g), evaluations, evaluations))


def finish(state, params, rows, value):
    progress = state.progress
    status = progress.status
    detail = f"Gradient norm {progress.grad_norm:.3g}." \
        if status in (st.MAXITER, st.LINE_SEARCH) else ""
    x = None if status == st.NONFINITE else state.x
    return Final(x, progress.f, state.g, status, detail)
