"""The subspace step of lbfgs with bounds, as step code (see step.py): from the generalized
Cauchy point (cauchy_point.py), minimise the quadratic model over the variables it left free,
then bring the result back into the box.

Let Z pick the free variables (strictly inside their bounds at x_cp) and A the others, held
where x_cp put them (delta_A = A'(x_cp - x)).  The model's minimiser on that face has

    Z'x_bar = Z'x - (Z'BZ)^-1 (Z'g + Z'BA delta_A)

(what Byrd, Lu, Nocedal & Zhu 1995, section 5.1, reach from x_cp with the reduced gradient
there; written from x, the free variables' own moves to x_cp drop out).  With B = theta I -
W M W' (compact_lbfgs.py), Z'BA = -Z'W M W'A and, by the Sherman-Morrison-Woodbury formula,

    (Z'BZ)^-1 = I / theta + Z'W K^-1 W'Z / theta^2,   K = M^-1 - W'ZZ'W / theta
              = [[-D - Y'ZZ'Y / theta, (L_A - R_Z)'], [L_A - R_Z, theta S'AA'S]]

(L_A the strictly lower triangle of S'AA'Y, R_Z the upper one of S'ZZ'Y with its diagonal):
one 2k x 2k solve.  K is assembled from the free and held parts separately, as L-BFGS-B does,
because theta S'S - theta S'ZZ'S computed as a difference loses every digit when theta is huge
(a pair whose y is dominated by a variable held at a bound).  The point x_bar is projected onto
the box (Morales & Nocedal 2011's refinement) or the step from x_cp is shortened to the
largest fraction that stays in the box (the 1995 paper's rule): the projected point when it
gives a descent direction from x and the model is no higher there than at the shortened one.
(Projection alone, taken whenever it is a descent direction, left directions almost orthogonal
to g on chained Rosenbrock with n = 2000, each costing a long line search.)
"""
from __future__ import annotations

import numpy as np

from .compact_lbfgs import matvec, model_change, rmatvec, solve_small


def subspace_point(x, g, xcp, lower, upper, Wt, M, theta):
    """The point x_bar the line search of lbfgs with bounds aims at (x_cp when there is no
    memory, no free variable, or the reduced system cannot be solved)."""
    k2 = Wt.shape[0]
    inside = (xcp > lower) & (xcp < upper)
    free = np.nonzero(inside)[0]
    if k2 == 0 or free.size == 0:
        return xcp
    Az = Wt[:, free]                                      # (Z'W)', a copy
    held_move = np.where(inside, 0.0, xcp - x)
    q = g[free] - rmatvec(Az, matvec(M, matvec(Wt, held_move)))
    rhs = (Az @ q).reshape(k2, 1)
    v, ok = solve_small(_reduced_middle(Wt, Az, theta, inside), rhs)
    step = q / theta + rmatvec(Az, v[:, 0].copy()) / (theta * theta)
    if not ok or not np.all(np.isfinite(step)):
        return xcp
    du = x[free] - step - xcp[free]
    projected = xcp.copy()
    projected[free] = np.minimum(np.maximum(xcp[free] + du, lower[free]), upper[free])
    clipped = np.any(projected[free] != xcp[free] + du)
    if not clipped:
        return projected
    truncated = _truncated(xcp, du, free, lower, upper)
    if float(g @ (projected - x)) < 0 and model_change(x, g, projected, Wt, M, theta) <= \
            model_change(x, g, truncated, Wt, M, theta):
        return projected
    return truncated


def _reduced_middle(Wt, Az, theta, inside):
    """K above, from the rows Y' and theta S' of Wt split into the free columns (Az) and the
    held ones."""
    k = Wt.shape[0] // 2
    held = np.nonzero(~inside)[0]
    Yz = Az[:k]
    Sz = Az[k:] / theta
    SYz = Sz @ Yz.T
    YYz = Yz @ Yz.T
    SYa = np.zeros((k, k))
    SSa = np.zeros((k, k))
    if held.size > 0:
        Wa = Wt[:, held]
        Ya = Wa[:k]
        Sa = Wa[k:] / theta
        SYa = Sa @ Ya.T
        SSa = Sa @ Sa.T
    K = np.empty((2 * k, 2 * k))
    for i in range(k):
        for j in range(k):
            K[i, j] = -YYz[i, j] / theta
            lower_part = SYa[i, j] if i > j else -SYz[i, j]     # (L_A - R_Z)_ij
            K[k + i, j] = lower_part
            K[j, k + i] = lower_part
            K[k + i, k + j] = theta * SSa[i, j]
        K[i, i] -= SYz[i, i] + SYa[i, i]                         # -D
    return K


def _truncated(xcp, du, free, lower, upper):
    """x_cp + alpha Z du with the largest alpha <= 1 that stays in the box, the variable that
    limits it set exactly on its bound."""
    lo, hi, start = lower[free], upper[free], xcp[free]
    safe = np.where(du != 0, du, 1.0)
    room = np.where((du > 0) & (hi < np.inf), (hi - start) / safe,
                    np.where((du < 0) & (lo > -np.inf), (lo - start) / safe, np.inf))
    limit = int(np.argmin(room))
    alpha = min(1.0, float(room[limit]))
    x_bar = xcp.copy()
    x_bar[free] = np.minimum(np.maximum(start + alpha * du, lo), hi)
    if alpha < 1.0:
        i = free[limit]
        x_bar[i] = upper[i] if du[limit] > 0 else lower[i]
    return x_bar
