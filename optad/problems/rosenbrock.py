"""The chained Rosenbrock function (scipy.optimize.rosen's form); minimum 0 at all ones."""
from __future__ import annotations

import numpy as np

from .base import Problem, check_positive_int


def rosenbrock_loss(x):
    head, tail = x[:-1], x[1:]
    valley = tail - head * head
    offset = 1.0 - head
    return np.sum(100.0 * valley * valley + offset * offset)


def rosenbrock(n: int = 2, seed: int = 0, spread: float = 2.0) -> Problem:
    """n >= 2 unknowns; x0(seed) is uniform on [-spread, spread)^n."""
    n = check_positive_int("n", n)
    if n < 2:
        raise ValueError(f"n must be at least 2 for the chained Rosenbrock function, got {n}")

    def init(run_seed: int):
        rng = np.random.default_rng([seed, run_seed, 1])
        return rng.uniform(-spread, spread, n)

    return Problem(name="rosenbrock", f=rosenbrock_loss, data=(), init=init, f_star=0.0,
                   x_star=np.ones(n), params=dict(n=n, seed=seed, spread=spread),
                   description=f"chained Rosenbrock in {n} dimensions")
