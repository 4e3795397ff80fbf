"""The subspace step of lbfgs with bounds, as step code (see step.py): from the generalized
Cauchy point (cauchy_point.py), minimise the quadratic model over the variables it left free,
then bring the result back into the box.

With Z the free variables (strictly inside their bounds at x_cp) and the others held where
x_cp put them, the model's reduced gradient at x_cp is r = Z'(g + theta (x_cp - x) - W M c)
and its reduced matrix Z'BZ = theta I - A M A' with A = Z'W (n_free x 2k).  The minimiser of
the model on that subspace is x_cp + Z du with du = -(Z'BZ)^-1 r, which the Sherman-Morrison-
Woodbury formula gives through one 2k x 2k solve:

    du = -r / theta - A (I - M A'A / theta)^-1 M A'r / theta^2

(the "direct primal method" of Byrd, Lu, Nocedal & Zhu 1995, section 5.1).  The point
x_cp + Z du is projected onto the box when the projected point still gives a descent direction
from x (Morales & Nocedal 2011's refinement); otherwise the step du is shortened to the
largest fraction that stays in the box, as the 1995 paper does.
"""
from __future__ import annotations

import numpy as np

from .compact_lbfgs import matvec


def subspace_point(x, g, xcp, c, lower, upper, Wt, M, theta):
    """The point x_bar the line search of lbfgs with bounds aims at (x_cp when there is no
    memory, no free variable, or the reduced system cannot be solved)."""
    k2 = Wt.shape[0]
    free = np.nonzero((xcp > lower) & (xcp < upper))[0]
    if k2 == 0 or free.size == 0:
        return xcp
    r_full = g + theta * (xcp - x) - matvec(np.ascontiguousarray(Wt.T), matvec(M, c))
    r = r_full[free]
    A = np.ascontiguousarray(Wt[:, free])                 # (2k, n_free) = (Z'W)'
    v = matvec(M, A @ r)
    N = np.eye(k2) - (M @ (A @ A.T)) / theta
    v = np.linalg.solve(N, v)
    du = -r / theta - (A.T @ v) / (theta * theta)
    if not np.all(np.isfinite(du)):
        return xcp
    x_bar = xcp.copy()
    x_bar[free] = np.minimum(np.maximum(xcp[free] + du, lower[free]), upper[free])
    if float(g @ (x_bar - x)) < 0:
        return x_bar
    return _truncated(xcp, du, free, lower, upper)


def _truncated(xcp, du, free, lower, upper):
    """x_cp + alpha Z du with the largest alpha <= 1 that stays in the box, the variable that
    limits it set exactly on its bound."""
    alpha = 1.0
    limit = -1
    for j in range(free.size):
        i = free[j]
        if du[j] > 0 and upper[i] < np.inf:
            room = (upper[i] - xcp[i]) / du[j]
        elif du[j] < 0 and lower[i] > -np.inf:
            room = (lower[i] - xcp[i]) / du[j]
        else:
            continue
        if room < alpha:
            alpha, limit = room, j
    x_bar = xcp.copy()
    for j in range(free.size):
        i = free[j]
        x_bar[i] = min(max(xcp[i] + alpha * du[j], lower[i]), upper[i])
    if limit >= 0:
        i = free[limit]
        x_bar[i] = upper[i] if du[limit] > 0 else lower[i]
    return x_bar
