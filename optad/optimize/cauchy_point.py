"""The generalized Cauchy point of lbfgs with bounds, as step code (see step.py).

From x in the box, the projected steepest-descent path x(t) = P(x - t g) is piecewise linear,
bending at the breakpoints t_i where variable i reaches the bound g pushes it to.  The
generalized Cauchy point is the first local minimiser, along that path, of the quadratic model

    q(z) = g'(z - x) + 1/2 (z - x)' B (z - x)

with B the L-BFGS matrix in compact form (compact_lbfgs.py).  The segments are visited in
the order of the breakpoints; on each, q is a one-dimensional quadratic whose slope f1 and
curvature f2 are updated from the previous segment's at the cost of one product with the
2k x 2k matrix M, so the whole search is O(n log n + (2k)^2 * segments), B never formed (Byrd,
Lu, Nocedal & Zhu 1995, section 4; M W'(z - x) at the path's current point z is carried along
for the slope).
"""
from __future__ import annotations

import numpy as np

from .compact_lbfgs import matvec


def breakpoints(x, g, lower, upper):
    """(t, d): where each variable meets its bound along P(x - t g) (inf: never), and the
    direction -g with the variables that cannot move (t = 0, or g = 0) zeroed."""
    safe = np.where(g != 0, g, 1.0)
    t = np.where((g < 0) & (upper < np.inf), (x - upper) / safe,
                 np.where((g > 0) & (lower > -np.inf), (x - lower) / safe, np.inf))
    d = np.where((g != 0) & (t > 0), -g, 0.0)
    return t, d


def generalized_cauchy_point(x, g, lower, upper, Wt, M, theta, eps):
    """The generalized Cauchy point from x."""
    t, d = breakpoints(x, g, lower, upper)
    xcp = x.astype(np.float64)
    p = matvec(Wt, d)
    f1 = -float(d @ d)
    if not f1 < 0:
        return xcp                          # no variable can move: x is stationary
    Mp = matvec(M, p)
    Mc = np.zeros(p.size)
    f2 = -theta * f1 - float(p @ Mp)
    if not f2 > 0:                          # rounding spoilt B's curvature: use theta I's
        f2 = -theta * f1
    f2_floor = eps * f2
    dt_min = -f1 / f2
    t_old = 0.0
    moving = np.nonzero((d != 0) & (t < np.inf))[0]
    order = moving[np.argsort(t[moving])]
    for b in order:
        dt = t[b] - t_old
        if dt_min < dt:
            break                           # the minimum lies before this breakpoint
        bound = upper[b] if d[b] > 0 else lower[b]
        zb = bound - x[b]
        xcp[b] = bound
        Mc += dt * Mp
        gb = g[b]
        wb = Wt[:, b].copy()                # row b of W
        Mw = matvec(M, wb)
        f1 += dt * f2 + gb * gb + theta * gb * zb - gb * float(wb @ Mc)
        f2 -= theta * gb * gb + 2.0 * gb * float(wb @ Mp) + gb * gb * float(wb @ Mw)
        f2 = max(f2, f2_floor)
        p += gb * wb
        Mp += gb * Mw
        d[b] = 0.0
        t_old = t[b]
        dt_min = -f1 / f2
    dt_min = max(dt_min, 0.0)
    t_old += dt_min
    xcp = np.where(d != 0, np.minimum(np.maximum(x + t_old * d, lower), upper), xcp)
    return xcp
