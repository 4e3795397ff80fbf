"""Line searches along a descent direction p from x.

``strong_wolfe``: bracketing then zoom with safeguarded cubic interpolation (Nocedal & Wright,
Algorithms 3.5 and 3.6). Finds alpha with
    f(x + alpha p) <= f(x) + c1 alpha g.p            (sufficient decrease)
    |g(x + alpha p).p| <= c2 |g.p|                   (strong curvature)
Non-finite trial values are treated as "step too long". If the conditions cannot be met, the
best trial point with f below f(x) is returned with ``wolfe=False``; if none decreased f, the
result has ``alpha=None``.

``armijo``: backtracking on sufficient decrease only (gradient descent).
"""
from __future__ import annotations

import math
from typing import NamedTuple, Optional

import numpy as np


class LineSearchResult(NamedTuple):
    alpha: Optional[float]
    f: float
    g: Optional[np.ndarray]
    wolfe: bool
    evaluations: int


def _cubic_min(a, fa, da, b, fb, db):
    """Minimiser of the cubic interpolating (a, fa, da), (b, fb, db), or None."""
    d1 = da + db - 3 * (fa - fb) / (a - b)
    disc = d1 * d1 - da * db
    if not math.isfinite(disc) or disc < 0:
        return None
    d2 = math.copysign(math.sqrt(disc), b - a)
    denom = db - da + 2 * d2
    if denom == 0 or not math.isfinite(denom):
        return None
    t = b - (b - a) * (db + d2 - d1) / denom
    return t if math.isfinite(t) else None


def strong_wolfe(fun_and_grad, x, p, f0, g0, alpha0=1.0, c1=1e-4, c2=0.9, maxiter=40,
                 alpha_max=1e20):
    d0 = float(g0 @ p)
    if not d0 < 0:
        return LineSearchResult(None, f0, None, False, 0)
    evals = 0
    best = (None, f0, None)  # lowest f seen below f0

    def phi(alpha):
        nonlocal evals, best
        evals += 1
        f, g = fun_and_grad(x + alpha * p)
        d = float(g @ p) if np.all(np.isfinite(g)) else math.nan
        if not (math.isfinite(f) and math.isfinite(d)):
            return math.inf, math.nan, None
        if f < best[1]:
            best = (alpha, f, g)
        return f, d, g

    def done(alpha, f, g):
        return LineSearchResult(alpha, f, g, True, evals)

    def fallback():
        return LineSearchResult(best[0], best[1], best[2], False, evals)

    def zoom(lo, f_lo, d_lo, hi, f_hi, d_hi):
        while evals < maxiter:
            width = hi - lo
            if abs(width) <= 1e-16 * max(1.0, abs(lo)):
                break
            trial = None
            if math.isfinite(f_hi) and math.isfinite(d_hi):
                trial = _cubic_min(lo, f_lo, d_lo, hi, f_hi, d_hi)
            inner_lo, inner_hi = sorted((lo + 0.1 * width, hi - 0.1 * width))
            if trial is None or not inner_lo <= trial <= inner_hi:
                trial = lo + 0.5 * width
            f, d, g = phi(trial)
            if f > f0 + c1 * trial * d0 or f >= f_lo:
                hi, f_hi, d_hi = trial, f, d
            else:
                if abs(d) <= -c2 * d0:
                    return done(trial, f, g)
                if d * (hi - lo) >= 0:
                    hi, f_hi, d_hi = lo, f_lo, d_lo
                lo, f_lo, d_lo = trial, f, d
        return fallback()

    prev, f_prev, d_prev = 0.0, f0, d0
    alpha = float(alpha0)
    while evals < maxiter:
        f, d, g = phi(alpha)
        if f > f0 + c1 * alpha * d0 or (evals > 1 and f >= f_prev):
            return zoom(prev, f_prev, d_prev, alpha, f, d)
        if abs(d) <= -c2 * d0:
            return done(alpha, f, g)
        if d >= 0:
            return zoom(alpha, f, d, prev, f_prev, d_prev)
        if alpha >= alpha_max:
            break
        prev, f_prev, d_prev = alpha, f, d
        alpha = min(4.0 * alpha, alpha_max)
    return fallback()


def armijo(value, x, p, f0, slope, alpha0=1.0, c1=1e-4, shrink=0.5, maxiter=60):
    """Backtracking until f(x + alpha p) <= f0 + c1 alpha slope (slope = g.p < 0).

    Returns (alpha or None, f at the accepted point, number of evaluations)."""
    alpha = float(alpha0)
    for k in range(1, maxiter + 1):
        f = value(x + alpha * p)
        if math.isfinite(f) and f <= f0 + c1 * alpha * slope:
            return alpha, f, k
        alpha *= shrink
    return None, f0, maxiter


def armijo_with_grad(fun_and_grad, x, p, f0, slope, alpha0=1.0, c1=1e-4, shrink=0.5,
                     maxiter=60):
    """Backtracking on f(x + alpha p) <= f0 + c1 alpha slope, evaluating (f, g) at each trial so
    the accepted point's gradient comes for free. When the decrease is below f's rounding
    (|f| eps), it accepts a step where f did not rise beyond rounding and the slope shrank,
    |g(x + alpha p).p| <= 0.9 |slope| (Hager and Zhang's approximate Wolfe condition).

    Returns (alpha or None, f, g) at the accepted point."""
    rounding = 64 * np.finfo(np.asarray(x).dtype).eps * max(1.0, abs(f0))
    alpha = float(alpha0)
    for _ in range(maxiter):
        f, g = fun_and_grad(x + alpha * p)
        if math.isfinite(f) and np.all(np.isfinite(g)):
            if f <= f0 + c1 * alpha * slope:
                return alpha, f, g
            if f <= f0 + rounding and abs(float(g @ p)) <= 0.9 * abs(slope):
                return alpha, f, g
        alpha *= shrink
    return None, f0, None
