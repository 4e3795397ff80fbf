"""The functions of a constrained problem that optad traces, each as ONE function of the flat
vector x (so each derivative is one fused kernel):

    stacked(x)                 C(x): every constraint's output, concatenated (1-d, length m)
    lagrangian(x, y, *args)    f(x) + y . C(x)
    augmented(x, y, rho, *args)
        f(x) + rho/2 ||C(x) + y/rho - P(C(x) + y/rho)||^2 - ||y||^2 / (2 rho)

where P clips onto [lower, upper] entry by entry (equalities have lower = upper).  This is the
Powell-Hestenes-Rockafellar augmented Lagrangian for ranged constraints (Rockafellar 1973;
Birgin & Martinez 2014, ch. 4).  Its gradient is grad f + J^T y+ with the first-order
multiplier update y+ = rho (z - P(z)), z = C(x) + y/rho, so its Hessian-vector product is that
of the Lagrangian f + y+ . C plus rho J_A^T J_A v on the constraints that are active or
violated: optad's ``hvp`` of ``augmented`` gives it exactly, in one kernel, with no Hessian of
any constraint assembled.

Sign convention (scipy's trust-constr ``v``): grad f + J^T y = 0 at a solution; y < 0 where a
lower side is active, y > 0 where an upper side is, either sign for an equality.
"""
from __future__ import annotations

import numpy as np

from .constraints import Constraints


def stacked(constraints: Constraints, unravel):
    """x_flat -> C(x) (traceable by optad, and plain NumPy on arrays)."""
    pieces = constraints.pieces

    def constraint_values(x_flat):
        x = unravel(x_flat)
        outs = [np.reshape(p.fun(x, *p.args), (-1,)) for p in pieces]
        return outs[0] if len(outs) == 1 else np.concatenate(outs)
    return constraint_values


def objective(fun, unravel):
    """x_flat -> fun(x, *args) with x in x0's structure."""
    def flat_objective(x_flat, *args):
        return fun(unravel(x_flat), *args)
    flat_objective.__name__ = getattr(fun, "__name__", "fun")
    return flat_objective


def lagrangian(fun, constraints: Constraints, unravel):
    values, f = stacked(constraints, unravel), objective(fun, unravel)

    def lagrangian_value(x_flat, y, *args):
        return f(x_flat, *args) + np.sum(y * values(x_flat))
    return lagrangian_value


def augmented(fun, constraints: Constraints, unravel):
    values, f = stacked(constraints, unravel), objective(fun, unravel)
    lower, upper = constraints.lower, constraints.upper

    def augmented_lagrangian(x_flat, y, rho, *args):
        z = values(x_flat) + y / rho
        outside = z - np.minimum(np.maximum(z, lower), upper)
        return f(x_flat, *args) + 0.5 * rho * np.sum(outside * outside) \
            - np.sum(y * y) / (2.0 * rho)
    return augmented_lagrangian


_CACHE: dict = {}


def cached(build, fun, constraints: Constraints, unravel):
    """``build(fun, constraints, unravel)``, the same function object for the same problem, so
    that a second solve reuses optad's traced programs and kernels (optad caches them per
    function object).  Keyed by the functions, the ids of the constraints' extra arguments
    (held alive by the entry, as optad reads closed-over arrays when it traces) and the sides."""
    key = (build, fun, unravel.shapes, unravel.treedef, unravel.dtype,
           tuple((p.fun, tuple(map(id, p.args)), p.lower.tobytes(), p.upper.tobytes())
                 for p in constraints.pieces))
    try:
        hit = _CACHE.get(key)
    except TypeError:          # an unhashable function: no reuse
        return build(fun, constraints, unravel)
    if hit is None:
        if len(_CACHE) > 64:
            _CACHE.clear()
        hit = _CACHE[key] = (build(fun, constraints, unravel),
                             tuple(p.args for p in constraints.pieces))
    return hit[0]


def clip(z, constraints: Constraints):
    return np.minimum(np.maximum(z, constraints.lower), constraints.upper)


def violation(c, constraints: Constraints) -> float:
    """max_i distance of C_i(x) to [lower_i, upper_i] (0 when there are no constraints)."""
    if c.size == 0:
        return 0.0
    return float(np.max(np.abs(c - clip(c, constraints))))
