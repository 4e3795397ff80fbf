"""Constraints a problem can be given in an experiment config (``problem.constraints``), by
problem name: each is a constructor whose keyword arguments (with their defaults) are the
config's ``params`` and which returns the constraint in ``optad.minimize``'s form (scipy's dict
form, ``c(x) >= 0`` for "ineq", ``c(x) = 0`` for "eq").

    norm_ball(radius)   ||x||^2 <= radius^2: one inequality on a problem with one vector x
    circle(radius)      every row of W (a point) on the sphere of that radius: N equalities
                        (MDS with its points pinned, as in experiments/constrained_mds.py)
"""
from __future__ import annotations

import numpy as np

from .base import check_positive_float


def norm_ball(radius: float = 1.0) -> dict:
    """||x|| <= radius, as radius^2 - ||x||^2 >= 0."""
    r2 = check_positive_float("radius", radius) ** 2

    def inside_ball(x):
        return r2 - np.sum(x * x)
    return {"type": "ineq", "fun": inside_ball}


def circle(radius: float = 1.0) -> dict:
    """||w_i|| = radius for every point (row) w_i of W."""
    r2 = check_positive_float("radius", radius) ** 2

    def on_circle(W):
        return np.sum(W * W, axis=1) - r2
    return {"type": "eq", "fun": on_circle}


PROBLEM_CONSTRAINTS = {
    "least_squares": {"norm_ball": norm_ball},
    "quadratic": {"norm_ball": norm_ball},
    "rosenbrock": {"norm_ball": norm_ball},
    "mds": {"circle": circle},
}
