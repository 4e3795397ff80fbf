"""The step of lbfgs with bounds (methods/boxed/lbfgs.py runs it as ``update``): L-BFGS-B's
iteration (Byrd, Lu, Nocedal & Zhu 1995), on lbfgs.py's state and stops.

Iteration k at x (in the box) with gradient g and the stored pairs:
1. the generalized Cauchy point x_cp: the first minimiser of the quadratic model with the
   L-BFGS matrix B along the projected steepest-descent path P(x - t g)
   (optimize/cauchy_point.py, B in compact form: optimize/compact_lbfgs.py);
2. the subspace step: the model minimised over the variables x_cp left free, then projected
   onto the box or shortened to stay in it, whichever the model prefers, giving x_bar
   (optimize/subspace_step.py); with no pairs yet, x_bar = x_cp;
3. a strong-Wolfe search along d = x_bar - x from the unit step (with no pairs: from
   min(1, 1/||d||), and on the first iteration no further than x_bar), never past the box
   (optimize/segment_search.py);
4. the pair (s, y) of the step taken stored when s'y > eps y'y (lbfgs.py's test).
If the pairs are too near linear dependence for the compact form, or the search finds no
lower point, the memory is dropped and the step retried from the Cauchy point of B = I
(projected steepest descent) before stopping with status 2.  Convergence is the
projected gradient norm ||P(x - g) - x|| <= gtol.
"""
from __future__ import annotations

import numpy as np

from .. import status as st
from ..box import gradient_norm
from ..cauchy_point import generalized_cauchy_point
from ..compact_lbfgs import compact_form
from ..projected_search import ProjectedStep
from ..segment_search import longest_step, segment_wolfe
from ..step import advanced, stopped
from ..subspace_step import subspace_point
from .lbfgs import State, _stored, update


def bounded_update(state, args, params):
    """One L-BFGS-B iteration; the stops (gtol, maxiter) are lbfgs.update's."""
    progress, x, g = state.progress, state.x, state.g
    if progress.grad_norm <= params.gtol or progress.nit >= params.maxiter:
        return update(state, args, params)
    stored = state.stored
    Wt, M, theta, ok = compact_form(state.S, state.Y, stored, state.head)
    if not ok:                              # pairs too near dependence: start afresh
        stored = 0
        Wt, M, theta, _ = compact_form(state.S, state.Y, 0, state.head)
    step = _step(state, stored, Wt, M, theta, args, params)
    evals = step.evaluations
    if not step.found and stored > 0:
        stored = 0
        Wt, M, theta, _ = compact_form(state.S, state.Y, 0, state.head)
        step = _step(state, 0, Wt, M, theta, args, params)
        evals += step.evaluations
    if not step.found:
        return State(*state[:-1], stopped(progress, st.LINE_SEARCH, evals, evals))
    S, Y, rho, stored, head = _stored(state, stored, params, step.x - x, step.g - g)
    return State(step.x, step.g, S, Y, rho, stored, head,
                 advanced(progress, step.f, gradient_norm(step.x, step.g, params.box), evals,
                          evals))


def _step(state, stored, Wt, M, theta, args, params):
    """Cauchy point, subspace step and line search with B of the newest ``stored`` pairs in
    compact form (Wt, M, theta)."""
    x, g, box = state.x, state.g, params.box
    xcp = generalized_cauchy_point(x, g, box.lower, box.upper, Wt, M, theta, params.eps)
    x_bar = xcp
    if stored > 0:
        x_bar = subspace_point(x, g, xcp, box.lower, box.upper, Wt, M, theta)
    d = x_bar - x
    if not float(g @ d) < 0:
        x_bar = xcp
        d = x_bar - x
        if not float(g @ d) < 0:
            return ProjectedStep(x, state.progress.f, g, 0.0, False, 0)
    alpha_max = max(longest_step(x, d, box.lower, box.upper), 1.0)
    alpha0 = 1.0
    if stored == 0:                         # B = I: x_bar is a steepest-descent point
        alpha0 = min(1.0, 1.0 / float(np.linalg.norm(d)))
        if state.progress.nit == 0:
            alpha_max = 1.0                 # the first step no further than x_bar (L-BFGS-B)
    f = state.progress.f
    noise = 64 * params.eps * max(1.0, abs(f))
    return segment_wolfe(x, x_bar, f, g, args, box.lower, box.upper, alpha0, alpha_max,
                         params.maxls, noise)
