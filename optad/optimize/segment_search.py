"""The line search of lbfgs with bounds, as step code (see step.py): strong Wolfe along
d = x_bar - x from x, for steps 0 < alpha <= alpha_max, where x + alpha_max d is the last
point of the box along d (so alpha may pass 1, the point x_bar the subspace step aimed at).

It is line_search.strong_wolfe's bracketing and zoom with two differences that keep every
evaluation in the box without spending one more: each trial point is P(x + alpha d) (which
moves x + alpha d by rounding at most, as alpha <= alpha_max) and the unit step is x_bar
itself, exactly; and the sufficient-decrease constant is L-BFGS-B's c1 = 1e-3.  The result is
a ProjectedStep (projected_search.py) carrying the accepted point.
"""
from __future__ import annotations

import math

import numpy as np

from .box import project
from .calls import value_and_grad
from .line_search import zoom_trial
from .projected_search import ProjectedStep


def longest_step(x, d, lower, upper):
    """The largest alpha >= 0 with x + alpha d in the box (inf when d never leaves it):
    box.max_step, vectorised (its Python loop dominated a step of n = 20000 run in Python)."""
    safe = np.where(d != 0, d, 1.0)
    room = np.where((d > 0) & (upper < np.inf), (upper - x) / safe,
                    np.where((d < 0) & (lower > -np.inf), (lower - x) / safe, np.inf))
    return max(float(np.min(room)), 0.0)


def segment_point(x, d, x_bar, alpha, lower, upper):
    """The trial point of step alpha: x_bar at alpha = 1, else P(x + alpha d), in x's dtype."""
    if alpha == 1.0:
        return x_bar.astype(x.dtype)
    return project(x + alpha * d, lower, upper).astype(x.dtype)


def _phi(x, d, x_bar, alpha, args, lower, upper):
    """(f, directional derivative along d, g) at the trial point; (inf, NaN, g) when not
    finite."""
    f, g = value_and_grad(segment_point(x, d, x_bar, alpha, lower, upper), *args)
    slope = float(g @ d) if np.all(np.isfinite(g)) else math.nan
    if not (math.isfinite(f) and math.isfinite(slope)):
        return math.inf, math.nan, g
    return f, slope, g


def segment_wolfe(x, x_bar, f0, g0, args, lower, upper, alpha0, alpha_max, maxiter,
                  f_noise=0.0, c1=1e-3, c2=0.9):
    """A step along x_bar - x meeting the strong Wolfe conditions (f values compared up to
    ``f_noise``), or else the lowest point found below f0 (``found`` False when none)."""
    d = x_bar - x
    d0 = float(g0 @ d)
    if not d0 < 0:
        return ProjectedStep(x, f0, g0, 0.0, False, 0)
    evals = 0
    best_alpha, best_f, best_g, found = 0.0, f0, g0, False
    prev, f_prev, d_prev = 0.0, f0, d0
    alpha = min(float(alpha0), alpha_max)
    zoom = False
    wolfe = False
    lo, f_lo, d_lo, hi, f_hi, d_hi = 0.0, f0, d0, 0.0, f0, d0
    while evals < maxiter:
        f, slope, g = _phi(x, d, x_bar, alpha, args, lower, upper)
        evals += 1
        if f < best_f:
            best_alpha, best_f, best_g, found = alpha, f, g, True
        if f > f0 + c1 * alpha * d0 + f_noise or (evals > 1 and f >= f_prev + f_noise):
            zoom = True
            lo, f_lo, d_lo, hi, f_hi, d_hi = prev, f_prev, d_prev, alpha, f, slope
            break
        if abs(slope) <= -c2 * d0:
            best_alpha, best_f, best_g, found, wolfe = alpha, f, g, True, True
            break
        if slope >= 0:
            zoom = True
            lo, f_lo, d_lo, hi, f_hi, d_hi = alpha, f, slope, prev, f_prev, d_prev
            break
        if alpha >= alpha_max:
            break
        prev, f_prev, d_prev = alpha, f, slope
        alpha = min(4.0 * alpha, alpha_max)
    while zoom and not wolfe and evals < maxiter:
        width = hi - lo
        if abs(width) <= 1e-16 * max(1.0, abs(lo)):
            break
        trial = zoom_trial(lo, f_lo, d_lo, hi, f_hi, d_hi)
        f, slope, g = _phi(x, d, x_bar, trial, args, lower, upper)
        evals += 1
        if f < best_f:
            best_alpha, best_f, best_g, found = trial, f, g, True
        if f > f0 + c1 * trial * d0 + f_noise or f >= f_lo + f_noise:
            hi, f_hi, d_hi = trial, f, slope
        else:
            if abs(slope) <= -c2 * d0:
                best_alpha, best_f, best_g, found = trial, f, g, True
                break
            if slope * (hi - lo) >= 0:
                hi, f_hi, d_hi = lo, f_lo, d_lo
            lo, f_lo, d_lo = trial, f, slope
    if not found:
        return ProjectedStep(x, f0, g0, 0.0, False, evals)
    return ProjectedStep(segment_point(x, d, x_bar, best_alpha, lower, upper), best_f, best_g,
                         best_alpha, True, evals)
