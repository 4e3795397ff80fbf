"""Gradient descent: fixed step or Armijo backtracking; optional heavy-ball or Nesterov momentum.

- fixed step, heavy ball:  v <- momentum v - step g(x);  x <- x + v
- fixed step, Nesterov:    x' <- y - step g(y);  y <- x' + momentum (x' - x);  x <- x'
  (the gradient, f and the returned point are those of the extrapolated point y)
- no step (default): Armijo backtracking from twice the previous accepted step along
  d = -g + momentum d_prev (reset to -g when not a descent direction); with Nesterov the
  backtracking runs at the extrapolated point y along -g(y), and whenever f would increase the
  extrapolation is dropped and the next step starts from x without momentum (adaptive restart,
  O'Donoghue & Candes 2015), so f(x) decreases monotonically.

With bounds (``params.box.bounded``) every point is projected onto the box: the fixed step
takes x <- P(x + v) (the velocity becomes the step actually taken) or, with Nesterov,
x' <- P(y - step g(y)), y <- P(x' + momentum (x' - x)); backtracking searches along the
projection arc P(y + alpha d) with the Armijo test on the projected step
(optimize/projected_search.py), falling back to d = -g when the momentum direction finds no
decrease.  ``grad_norm`` and ``gtol`` then mean the projected gradient norm (box.py).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .. import status as st
from ..bounds import Box, unbounded
from ..box import gradient_norm, project
from ..calls import value_and_grad
from ..line_search import armijo_with_grad
from ..projected_search import projected_armijo
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
    box: Box            # bounds on x (box.bounded False: none)


class State(NamedTuple):
    x: np.ndarray           # where f and g are evaluated (y above), the reported iterate
    g: np.ndarray
    x_base: np.ndarray      # the point momentum extrapolates from (x above)
    velocity: np.ndarray    # heavy ball, fixed step
    direction: np.ndarray   # backtracking: the last search direction
    alpha: float            # backtracking: the last accepted step
    f_base: float           # backtracking with Nesterov: f at x_base (NaN before the first)
    progress: Progress


def configure(options, x0, box=None):
    o = check(NAME, OPTIONS, options)
    if o["nesterov"] and o["momentum"] == 0:
        raise ValueError("nesterov=True needs a momentum > 0")
    return Params(o["maxiter"] or 10000, gtol_for(o, x0),
                  math.nan if o["step"] is None else o["step"], o["momentum"], o["nesterov"],
                  float(np.finfo(x0.dtype).eps), unbounded(x0) if box is None else box)


def _norm(x, g, box):
    """||g||, or the projected gradient norm with bounds; inf when g is not finite."""
    return gradient_norm(x, g, box) if np.all(np.isfinite(g)) else math.inf


def init(x0, args, params):
    f, g = value_and_grad(x0, *args)
    zero = np.zeros_like(x0)
    return State(x0.copy(), g, x0.copy(), zero, zero.copy(), 1.0, math.nan,
                 Progress(0, 1, 1, 0, f, _norm(x0, g, params.box), RUNNING))


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
    box = params.box
    if params.step > 0:                              # fixed step (NaN compares False)
        velocity, x_base = state.velocity, state.x_base
        if params.nesterov:
            x_new = y - params.step * g
            if box.bounded:
                x_new = project(x_new, box.lower, box.upper)
            y = x_new + m * (x_new - x_base)
            if box.bounded:
                y = project(y, box.lower, box.upper)
            x_base = x_new
        else:
            velocity = m * velocity - params.step * g
            if box.bounded:
                moved = project(x_base + velocity, box.lower, box.upper)
                velocity = moved - x_base
                x_base = moved
            else:
                x_base = x_base + velocity
            y = x_base
        f, g = value_and_grad(y, *args)
        return State(y, g, x_base, velocity, state.direction, state.alpha, state.f_base,
                     advanced(progress, f, _norm(y, g, box), 1, 1))
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
                 advanced(progress, f, _norm(y, g, box), evaluations, evaluations))


def bounded_update(state, args, params):
    """``update`` with bounds (methods/boxed/gd.py): the stops and the fixed step (projected)
    are update's; backtracking runs along the projection arc."""
    progress, g = state.progress, state.g
    if params.step > 0 or not (math.isfinite(progress.f) and np.all(np.isfinite(g))) or \
            progress.grad_norm <= params.gtol or progress.nit >= params.maxiter:
        return update(state, args, params)
    return _projected_update(state, args, params)


def _projected_update(state, args, params):
    """Backtracking with bounds: the search runs along the projection arc from y."""
    progress, y, g, box = state.progress, state.x, state.g, params.box
    f, m = progress.f, params.momentum
    direction = -g
    if not params.nesterov and progress.nit > 0 and m > 0:
        direction = -g + m * state.direction
        if not float(g @ direction) < 0:
            direction = -g
    ls = projected_armijo(y, direction, f, g, progress.grad_norm, args, box.lower, box.upper,
                          params.eps, alpha0=2.0 * state.alpha)
    evaluations = ls.evaluations
    if not ls.found and not params.nesterov and progress.nit > 0 and m > 0:
        direction = -g
        ls = projected_armijo(y, direction, f, g, progress.grad_norm, args, box.lower,
                              box.upper, params.eps, alpha0=2.0 * state.alpha)
        evaluations += ls.evaluations
    if not ls.found:
        return State(*state[:-1], stopped(progress, st.LINE_SEARCH, evaluations,
                                          evaluations))
    x_new = ls.x
    x_base, f_base = state.x_base, state.f_base
    if params.nesterov:
        if math.isfinite(f_base) and \
                ls.f > f_base + 64 * params.eps * max(1.0, abs(f_base)):
            y = x_base                  # adaptive restart: drop x_new and the momentum
        else:
            y = project(x_new + m * (x_new - x_base), box.lower, box.upper)
            x_base, f_base = x_new, ls.f
        f, g = value_and_grad(y, *args)
        evaluations += 1
    else:
        x_base = y = x_new
        f, g = ls.f, ls.g
    # the momentum direction remembers the step actually taken, per unit of alpha
    step = (x_new - state.x) / ls.alpha
    return State(y, g, x_base, state.velocity, step, ls.alpha, f_base,
                 advanced(progress, f, _norm(y, g, box), evaluations, evaluations))


def finish(state, params, rows, value):
    progress = state.progress
    status = progress.status
    detail = f"Gradient norm {progress.grad_norm:.3g}." \
        if status in (st.MAXITER, st.LINE_SEARCH) else ""
    x = None if status == st.NONFINITE else state.x
    return Final(x, progress.f, state.g, status, detail)
