"""Bound-constrained problems for benchmarks/bench_bounds.py: each a (name, fun, x0, lower,
upper) with x0 inside the box.

- ``random_boxes``: chained Rosenbrock, n = 10, from (-1.2, 1, ...) clipped into a random box
  per seed: each variable unbounded with probability 0.3, else lo ~ U(-2, 0.5) and
  hi = lo + U(0.2, 2.5), so some bounds cut the minimum (ones) off and others hold the start;
- ``large_rosenbrock``: chained Rosenbrock, n = 2000, every other variable in [-0.5, 0.8]
  (the row of the Hock-Schittkowski benchmark);
- ``bounded_mgh``: the Moré-Garbow-Hillstrom problems 1-28 (tests/optimize/mgh_problems.py)
  with every even-numbered variable (0, 2, ...) bounded on the side of its unconstrained
  minimiser x* (scipy's BFGS from x0) at the midpoint between x0 and x*, rounded to 2
  significant digits, and 1 + |x0_i| beyond x0 on the other side; the odd ones are free.  So
  x0 is inside and half the variables start with x* cut off.
"""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import scipy.optimize as so

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "optimize"))
from mgh_problems import PROBLEMS as MGH  # noqa: E402


def chained_rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def random_boxes(count=30, n=10):
    problems = []
    for seed in range(count):
        rng = np.random.default_rng(seed)
        lower = rng.uniform(-2.0, 0.5, n)
        upper = lower + rng.uniform(0.2, 2.5, n)
        free = rng.random(n) < 0.3
        lower[free], upper[free] = -np.inf, np.inf
        x0 = np.clip(np.tile([-1.2, 1.0], n // 2), lower, upper)
        problems.append((f"rosenbrock box {seed}", chained_rosenbrock, x0, lower, upper))
    return problems


def large_rosenbrock(n=2000):
    even = np.arange(n) % 2 == 0
    lower = np.where(even, -0.5, -np.inf)
    upper = np.where(even, 0.8, np.inf)
    return [(f"rosenbrock n={n}", chained_rosenbrock, np.tile([-1.2, 1.0], n // 2), lower,
             upper)]


def _round2(v):
    return float(f"{v:.2g}")


def bounded_mgh(value_and_grad):
    """``value_and_grad(fun)`` gives the derivatives scipy's BFGS uses to find x*."""
    problems = []
    for name, fun, x0, _ in MGH:
        x0 = np.asarray(x0, dtype=float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x_star = so.minimize(value_and_grad(fun), x0, jac=True, method="BFGS",
                                 options={"gtol": 1e-8, "maxiter": 5000}).x
        lower = np.full(x0.size, -np.inf)
        upper = np.full(x0.size, np.inf)
        for i in range(0, x0.size, 2):
            mid, room = _round2(0.5 * (x0[i] + x_star[i])), 1.0 + abs(x0[i])
            if x_star[i] > x0[i] and mid > x0[i]:
                lower[i], upper[i] = x0[i] - room, mid
            elif x_star[i] < x0[i] and mid < x0[i]:
                lower[i], upper[i] = mid, x0[i] + room
        problems.append((f"mgh {name}", fun, x0, lower, upper))
    return problems
