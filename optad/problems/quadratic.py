"""A strongly convex quadratic 0.5 (x - x*)^T A (x - x*) with prescribed condition number.

A = Q diag(lambda) Q^T with Q a seeded random rotation and eigenvalues spaced geometrically from
1 to ``condition`` (so mu = 1, L = condition). The minimiser x* is seeded and f* = 0.
"""
from __future__ import annotations

import numpy as np

from .base import Problem, check_positive_float, check_positive_int


def quadratic_loss(x, A, x_star):
    offset = x - x_star
    return 0.5 * np.sum(offset * (A @ offset))


def quadratic(n: int = 10, condition: float = 10.0, seed: int = 0) -> Problem:
    """n unknowns, Hessian eigenvalues from 1 to ``condition``.

    x0(seed) is x* plus a standard normal offset divided by sqrt(n) (expected length 1), so the
    starting gap f(x0) - f* does not grow with n.
    """
    n = check_positive_int("n", n)
    condition = check_positive_float("condition", condition)
    if condition < 1:
        raise ValueError(f"condition must be at least 1, got {condition}")
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    eigenvalues = np.geomspace(1.0, condition, n)
    A = (Q * eigenvalues) @ Q.T
    A = 0.5 * (A + A.T)
    x_star = rng.standard_normal(n)

    def init(run_seed: int):
        offset = np.random.default_rng([seed, run_seed, 1]).standard_normal(n)
        return x_star + offset / np.sqrt(n)

    return Problem(name="quadratic", f=quadratic_loss, data=(A, x_star), init=init, f_star=0.0,
                   x_star=x_star, params=dict(n=n, condition=condition, seed=seed),
                   description=f"quadratic in {n} dimensions, condition number {condition:g}")
