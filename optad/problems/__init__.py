"""Reusable test problems for optad's optimisers and experiments.

Each constructor returns a ``Problem`` (see ``base.py``): ``f(x, *data)`` in plain NumPy, the
``data`` arrays, ``x0(seed)`` and ``f_star`` where known. ``PROBLEMS`` maps the names used in
experiment configs to the constructors, and ``PROBLEM_CONSTRAINTS`` (constraints.py) the
constraints a config may give each of them::

    problem = optad.problems.PROBLEMS["mds"](N=20, d=2)
    result = optad.minimize(problem.f, problem.x0(0), method="gd", args=problem.data)
"""
from __future__ import annotations

from .base import Problem
from .constraints import PROBLEM_CONSTRAINTS
from .least_squares import least_squares
from .mds import mds
from .quadratic import quadratic
from .rosenbrock import rosenbrock
from .wine_mlp import wine_mlp

PROBLEMS = {
    "mds": mds,
    "least_squares": least_squares,
    "wine_mlp": wine_mlp,
    "rosenbrock": rosenbrock,
    "quadratic": quadratic,
}


def make_problem(name: str, **params) -> Problem:
    """Build the problem registered under ``name`` with these constructor parameters."""
    if name not in PROBLEMS:
        raise KeyError(f"unknown problem {name!r}; choose one of {', '.join(sorted(PROBLEMS))}")
    return PROBLEMS[name](**params)


__all__ = ["Problem", "PROBLEMS", "PROBLEM_CONSTRAINTS", "make_problem", "mds", "least_squares",
           "wine_mlp", "rosenbrock", "quadratic"]
