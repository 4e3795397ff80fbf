"""The multipliers of the bounds lo <= x <= hi at a point, as scipy's trust-constr reports them
(the last entry of ``res.v`` when there are bounds).

With the Lagrangian gradient g = grad f + J'v of the other constraints, the KKT conditions of
the box ask for z with g + z = 0, z <= 0 on variables at their lower bound, z >= 0 at their
upper bound and z = 0 strictly inside (scipy's sign: a binding lower side has a negative
multiplier, like a binding ``c(x) >= 0``).  Taken where x sits on a bound and g pushes it
outwards (the components the projected gradient ||P(x - g) - x|| leaves out), z = -g there and
0 elsewhere, so ||g + z|| is what the projected gradient measures on the free variables.
"""
from __future__ import annotations

import numpy as np


def bound_multipliers(x, g, lower, upper):
    """z of the box at the flat x for the Lagrangian gradient g (same dtype as g)."""
    at_lower = (x <= lower) & (g > 0)
    at_upper = (x >= upper) & (g < 0)
    return np.where(at_lower | at_upper, -g, np.zeros_like(g))
