"""Backtracking along the projection arc, as step code (see step.py): the line search of every
method with bounds.

From x (in the box) along a direction d the trial points are x(alpha) = P(x + alpha d), the
path that bends along the faces of the box (Bertsekas 1976; the "projected search" of Moré &
Toraldo 1989).  A trial is accepted on the Armijo condition with the step actually taken,

    f(x(alpha)) <= f(x) + c1 g.(x(alpha) - x),   with g.(x(alpha) - x) < 0,

halving alpha otherwise, so every accepted point is feasible and decreases f by a fraction of
the first-order prediction along the projected step.  When that decrease is below f's rounding
(64 eps |f|), a step where f did not rise beyond rounding and the projected gradient norm
shrank is accepted too (as ``line_search.precision_limited_step`` does without bounds).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .box import project
from .calls import value_and_grad


class ProjectedStep(NamedTuple):
    x: np.ndarray       # the accepted point (x itself when nothing was found)
    f: float
    g: np.ndarray
    alpha: float
    found: bool
    evaluations: int    # value-and-gradient evaluations made


def projected_armijo(x, d, f0, g0, pgnorm, args, lower, upper, eps, alpha0=1.0, c1=1e-4,
                     maxiter=60):
    """The first alpha0 / 2^k whose projected step meets the Armijo condition above;
    ``pgnorm`` is the projected gradient norm at x."""
    rounding = 64 * eps * max(1.0, abs(f0))
    alpha = float(alpha0)
    evals = 0
    for _ in range(maxiter):
        xt = project(x + alpha * d, lower, upper)
        s = xt - x
        if not np.any(s != 0):
            break                       # the step rounds to nothing: no progress possible
        slope = float(g0 @ s)
        if slope < 0:
            f, g = value_and_grad(xt, *args)
            evals += 1
            if math.isfinite(f) and np.all(np.isfinite(g)):
                if f <= f0 + c1 * slope:
                    return ProjectedStep(xt, f, g, alpha, True, evals)
                if f <= f0 + rounding and float(np.linalg.norm(
                        project(xt - g, lower, upper) - xt)) < pgnorm:
                    return ProjectedStep(xt, f, g, alpha, True, evals)
        alpha *= 0.5
    return ProjectedStep(x, f0, g0, 0.0, False, evals)
