"""The box lower <= x <= upper as step code (Numba-compilable): projection, the projected
gradient, the variables held at a bound, the longest feasible step.

Every method keeps its iterates in the box by projection, P(x) = min(max(x, lower), upper), and
measures stationarity by the projected gradient ||P(x - g) - x||, which is zero exactly at the
points satisfying the first-order (KKT) conditions of the box-constrained problem (the quantity
Byrd, Lu, Nocedal & Zhu 1995 test in L-BFGS-B).  A variable sitting at a bound with its
gradient pushing outwards is *fixed* for a step; the others are *free* (the active-set split of
Bertsekas 1982, with the active set taken at the bound itself: projection puts variables
exactly on their bounds, so no tolerance is needed to find them).
"""
from __future__ import annotations

import math

import numpy as np


def project(x, lower, upper):
    """The point of the box nearest x."""
    return np.minimum(np.maximum(x, lower), upper)


def gradient_norm(x, g, box):
    """||g|| without bounds, else the projected gradient norm ||P(x - g) - x|| (NaN or inf
    when g is not finite)."""
    if not box.bounded:
        return float(np.linalg.norm(g))
    return float(np.linalg.norm(project(x - g, box.lower, box.upper) - x))


def free_mask(x, g, lower, upper):
    """1 for a free variable, 0 for one held at a bound its gradient pushes against."""
    mask = np.ones_like(x)
    for i in range(x.size):
        if (x[i] <= lower[i] and g[i] > 0) or (x[i] >= upper[i] and g[i] < 0):
            mask[i] = 0.0
    return mask


def max_step(x, d, lower, upper):
    """The largest tau >= 0 with x + tau d in the box (inf when d never leaves it)."""
    tau = math.inf
    for i in range(x.size):
        if d[i] > 0:
            t = (upper[i] - x[i]) / d[i]
        elif d[i] < 0:
            t = (lower[i] - x[i]) / d[i]
        else:
            continue
        if t < tau:
            tau = t
    return max(tau, 0.0)
