"""Zero-order gradient estimates with bounds, as step code (zo-gd's, methods/zo_gd.py).

At a minimum on a bound the gradient is not zero: its outward part is held off by the bound.
A random-direction estimate G = (n/m) sum D(v) v spreads that outward part over every
coordinate as noise of the size of the whole gradient, and the projected iteration then hovers
at that noise level instead of converging.  So, as in active-set methods (Bertsekas 1982),
variables held at a bound are left out:

- a variable is *held* when it sits at a bound and its last estimated partial derivative pushes
  outwards (or its bounds are equal); its estimate is kept from the last time it was measured;
- every ``window`` iterations the held variables are measured again by one-sided differences
  into the box, (f(x + h e_i) - f(x)) / h with h = +-eps, one evaluation each plus f(x), and
  those whose derivative now points inwards are released;
- the free variables are estimated as without bounds but with directions in their subspace
  (sphere, Gaussian) or among their coordinates, around x moved at least eps inside the box
  where it is wider than 2 eps, so the sphere's and the coordinates' probes x +- eps v stay
  feasible.
"""
from __future__ import annotations

import math

import numpy as np

from .box import project
from .calls import value

SPHERE, GAUSSIAN, COORDINATE = 0, 1, 2   # zo_gd's estimator codes


def bounded_estimate(x, g_prev, nit, args, params):
    """(G, mean of the evaluated f values, evaluations) at x in params.box, reusing the
    held variables' entries of the previous estimate ``g_prev``."""
    lower, upper, eps, n = params.box.lower, params.box.upper, params.eps, x.size
    G = np.zeros_like(x)
    held = np.zeros(n, np.bool_)
    for i in range(n):
        if lower[i] == upper[i]:
            held[i] = True
        elif (x[i] <= lower[i] and g_prev[i] > 0) or (x[i] >= upper[i] and g_prev[i] < 0):
            held[i] = True
            G[i] = g_prev[i]
    used = 0
    fsum = 0.0
    if nit % params.window == 0 and np.any(held):
        f0 = value(x, *args)
        used += 1
        fsum += f0
        for i in range(n):
            if not held[i] or lower[i] == upper[i]:
                continue
            inward = x.copy()
            inward[i] = min(upper[i], x[i] + eps) if x[i] <= lower[i] else \
                max(lower[i], x[i] - eps)
            fi = value(inward, *args)
            used += 1
            fsum += fi
            G[i] = (fi - f0) / (inward[i] - x[i])
            held[i] = (x[i] <= lower[i] and G[i] > 0) or (x[i] >= upper[i] and G[i] < 0)
    free = np.flatnonzero(~held)
    if free.size == 0:
        return G, fsum / max(used, 1), used
    inner = project(x, lower + eps, upper - eps)
    center = np.where(upper - lower > 2 * eps, inner, x)
    G_free, fmid, evaluations = _free_estimate(center, free, args, params)
    for i in free:
        G[i] = G_free[i]
    return G, (fsum + fmid * evaluations) / (used + evaluations), used + evaluations


def _free_estimate(x, free, args, params):
    """zo_gd.estimate on the coordinates ``free`` only: (G, mean f, evaluations)."""
    n, eps, m, rng = x.size, params.eps, params.m, params.rng
    nf = free.size
    G = np.zeros_like(x)
    fsum = 0.0
    if params.estimator == COORDINATE:
        k = min(m, nf) if params.subset else nf
        coordinates = free[rng.permutation(nf)[:k]] if params.subset else free
        for i in coordinates:
            e = np.zeros_like(x)
            e[i] = eps
            fp = value(x + e, *args)
            fm = value(x - e, *args)
            G[i] = (fp - fm) / (2 * eps)
            fsum += fp + fm
        return G * (nf / k), fsum / (2 * k), 2 * k
    mask = np.zeros(n)
    for i in free:
        mask[i] = 1.0
    for _ in range(m):
        v = rng.standard_normal(n) * mask
        if params.estimator == SPHERE:
            v = v / math.sqrt(v @ v)
        v = v.astype(x.dtype)
        fp = value(x + eps * v, *args)
        fm = value(x - eps * v, *args)
        G += ((fp - fm) / (2 * eps)) * v
        fsum += fp + fm
    scale = nf / m if params.estimator == SPHERE else 1.0 / m
    return G * scale, fsum / (2 * m), 2 * m
