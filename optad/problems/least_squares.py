"""Linear least squares 0.5 ||A x - y||^2 with standard normal A, y and x0 (the lecture's setup)."""
from __future__ import annotations

import numpy as np

from .base import Problem, check_positive_int


def least_squares_loss(x, A, y):
    residual = A @ x - y
    return 0.5 * np.sum(residual * residual)


def least_squares(n: int = 500, p: int = 100, seed: int = 0) -> Problem:
    """n observations, p unknowns; f* and the minimiser come from ``np.linalg.lstsq``."""
    n, p = check_positive_int("n", n), check_positive_int("p", p)
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, p))
    y = rng.standard_normal(n)
    x_star = np.linalg.lstsq(A, y, rcond=None)[0]
    f_star = float(least_squares_loss(x_star, A, y))

    def init(run_seed: int):
        return np.random.default_rng([seed, run_seed, 1]).standard_normal(p)

    return Problem(name="least_squares", f=least_squares_loss, data=(A, y), init=init,
                   f_star=f_star, x_star=x_star, params=dict(n=n, p=p, seed=seed),
                   description=f"least squares, A of shape ({n}, {p})")
