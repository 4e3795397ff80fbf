"""Line searches along a descent direction p from x, as step code (see step.py): they evaluate
the objective through ``value_and_grad(x, *args)`` and report how many times they did.

``strong_wolfe``: bracketing then zoom with safeguarded cubic interpolation (Nocedal & Wright,
Algorithms 3.5 and 3.6). Finds alpha with
    f(x + alpha p) <= f(x) + c1 alpha g.p            (sufficient decrease)
    |g(x + alpha p).p| <= c2 |g.p|                   (strong curvature)
Non-finite trial values are treated as "step too long". If the conditions cannot be met, the
best trial point with f below f(x) is returned with ``wolfe=False``; if none decreased f, the
result has ``found=False``.

``precision_limited_step``: the full step where f no longer resolves decreases.

``armijo_with_grad``: backtracking on sufficient decrease (gradient descent).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .calls import value_and_grad


class LineSearch(NamedTuple):
    alpha: float        # the accepted step (meaningful when found)
    f: float
    g: np.ndarray
    found: bool         # a point with f below f(x) (Wolfe or not)
    wolfe: bool         # ... satisfying the strong Wolfe conditions
    evaluations: int    # value-and-gradient evaluations made


def _cubic_min(a, fa, da, b, fb, db):
    """Minimiser of the cubic interpolating (a, fa, da), (b, fb, db), or NaN."""
    d1 = da + db - 3 * (fa - fb) / (a - b)
    disc = d1 * d1 - da * db
    if not math.isfinite(disc) or disc < 0:
        return math.nan
    d2 = math.copysign(math.sqrt(disc), b - a)
    denom = db - da + 2 * d2
    if denom == 0 or not math.isfinite(denom):
        return math.nan
    return b - (b - a) * (db + d2 - d1) / denom


def zoom_trial(lo, f_lo, d_lo, hi, f_hi, d_hi):
    """The next trial step inside the bracket [lo, hi] of a zoom: the cubic's minimiser when it
    is finite and at least a tenth of the width from either end, else the midpoint."""
    width = hi - lo
    trial = math.nan
    if math.isfinite(f_hi) and math.isfinite(d_hi):
        trial = _cubic_min(lo, f_lo, d_lo, hi, f_hi, d_hi)
    inner_lo = min(lo + 0.1 * width, hi - 0.1 * width)
    inner_hi = max(lo + 0.1 * width, hi - 0.1 * width)
    if not (math.isfinite(trial) and inner_lo <= trial <= inner_hi):
        trial = lo + 0.5 * width
    return trial


def _phi(x, p, alpha, args):
    """(f, directional derivative, g) at x + alpha p; (inf, NaN, g) when not finite."""
    f, g = value_and_grad(x + alpha * p, *args)
    d = float(g @ p) if np.all(np.isfinite(g)) else math.nan
    if not (math.isfinite(f) and math.isfinite(d)):
        return math.inf, math.nan, g
    return f, d, g


def strong_wolfe(x, p, f0, g0, args, alpha0=1.0, c1=1e-4, c2=0.9, maxiter=40, alpha_max=1e20,
                 f_noise=0.0):
    """``f_noise`` > 0 (f's rounding near f0) relaxes every comparison of f values by it, so
    near a minimum, where f no longer resolves the decrease, a step is still accepted on its
    directional derivative (Hager and Zhang's approximate Wolfe conditions)."""
    d0 = float(g0 @ p)
    if not d0 < 0:
        return LineSearch(0.0, f0, g0, False, False, 0)
    evals = 0
    best_alpha, best_f, best_g, found = 0.0, f0, g0, False   # lowest f seen below f0
    prev, f_prev, d_prev = 0.0, f0, d0
    alpha = float(alpha0)
    zoom = False
    lo, f_lo, d_lo, hi, f_hi, d_hi = 0.0, f0, d0, 0.0, f0, d0
    while evals < maxiter:
        f, d, g = _phi(x, p, alpha, args)
        evals += 1
        if f < best_f:
            best_alpha, best_f, best_g, found = alpha, f, g, True
        if f > f0 + c1 * alpha * d0 + f_noise or (evals > 1 and f >= f_prev + f_noise):
            zoom = True
            lo, f_lo, d_lo, hi, f_hi, d_hi = prev, f_prev, d_prev, alpha, f, d
            break
        if abs(d) <= -c2 * d0:
            return LineSearch(alpha, f, g, True, True, evals)
        if d >= 0:
            zoom = True
            lo, f_lo, d_lo, hi, f_hi, d_hi = alpha, f, d, prev, f_prev, d_prev
            break
        if alpha >= alpha_max:
            break
        prev, f_prev, d_prev = alpha, f, d
        alpha = min(4.0 * alpha, alpha_max)
    while zoom and evals < maxiter:
        width = hi - lo
        if abs(width) <= 1e-16 * max(1.0, abs(lo)):
            break
        trial = zoom_trial(lo, f_lo, d_lo, hi, f_hi, d_hi)
        f, d, g = _phi(x, p, trial, args)
        evals += 1
        if f < best_f:
            best_alpha, best_f, best_g, found = trial, f, g, True
        if f > f0 + c1 * trial * d0 + f_noise or f >= f_lo + f_noise:
            hi, f_hi, d_hi = trial, f, d
        else:
            if abs(d) <= -c2 * d0:
                return LineSearch(trial, f, g, True, True, evals)
            if d * (hi - lo) >= 0:
                hi, f_hi, d_hi = lo, f_lo, d_lo
            lo, f_lo, d_lo = trial, f, d
    return LineSearch(best_alpha, best_f, best_g, found, False, evals)


def precision_limited_step(x, p, f, gnorm, args, eps):
    """Near a minimum, f may stop resolving decreases (rounding) while the gradient still can.
    Accept the full step p (a Newton or quasi-Newton step) when f does not rise beyond
    rounding (``eps`` the machine epsilon of x) and ||g|| (``gnorm`` at x) shrinks."""
    f_new, g_new = value_and_grad(x + p, *args)
    rounding = 64 * eps * max(1.0, abs(f))
    if math.isfinite(f_new) and f_new <= f + rounding and np.all(np.isfinite(g_new)) \
            and float(np.linalg.norm(g_new)) < gnorm:
        return LineSearch(1.0, f_new, g_new, True, False, 1)
    return LineSearch(0.0, f, g_new, False, False, 1)


def armijo_with_grad(x, p, f0, g0, slope, args, eps, alpha0=1.0, c1=1e-4, shrink=0.5,
                     maxiter=60):
    """Backtracking on f(x + alpha p) <= f0 + c1 alpha slope, evaluating (f, g) at each trial so
    the accepted point's gradient comes for free. When the decrease is below f's rounding
    (|f| eps, ``eps`` the machine epsilon of x), it accepts a step where f did not rise beyond
    rounding and the slope shrank, |g(x + alpha p).p| <= 0.9 |slope| (Hager and Zhang's
    approximate Wolfe condition).  ``g0`` stands in for the gradient when nothing is found."""
    rounding = 64 * eps * max(1.0, abs(f0))
    alpha = float(alpha0)
    for k in range(maxiter):
        f, g = value_and_grad(x + alpha * p, *args)
        if math.isfinite(f) and np.all(np.isfinite(g)):
            if f <= f0 + c1 * alpha * slope:
                return LineSearch(alpha, f, g, True, False, k + 1)
            if f <= f0 + rounding and abs(float(g @ p)) <= 0.9 * abs(slope):
                return LineSearch(alpha, f, g, True, False, k + 1)
        alpha *= shrink
    return LineSearch(0.0, f0, g0, False, False, maxiter)
