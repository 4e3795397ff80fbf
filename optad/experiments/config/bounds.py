"""``problem.bounds``: a box on the problem's unknowns, passed to ``optad.minimize(bounds=...)``.

    problem:
      name: least_squares
      bounds: {lower: 0}                 # every unknown >= 0
      # bounds: {lower: -1, upper: 1}    # every unknown in [-1, 1]
      # bounds: {upper: [1, null, 2]}    # one entry per unknown (flat order); null: no bound

Each side is absent or null (no bound), a number for every unknown (``.inf``/``-.inf`` mean no
bound), or a list with one number or null per unknown, in the order of
``optad.tree.ravel_pytree`` of the problem's starting point.  Whether the box fits the problem
(length, lower <= upper) is checked when the validator builds the problem, by minimize's own
bounds parser, so a config accepts the boxes minimize accepts.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ...optimize.bounds import parse_bounds
from ...optimize.options import as_number
from ...tree import ravel_pytree
from .checks import check_mapping
from .errors import ConfigError, ErrorCollector, fail

SIDES = ("lower", "upper")
_ACCEPTED = "null, a number, or a list of numbers (or nulls), one per unknown"


class ConfigBounds(NamedTuple):
    """The ``lb``/``ub`` object ``optad.minimize`` reads (as it reads scipy's Bounds)."""
    lb: object
    ub: object


def _bound(path, value, side):
    number = as_number(value)
    if number is None or math.isnan(number):
        fail(path, value, "a number or null")
    no_bound = -math.inf if side == "lower" else math.inf
    return None if number == no_bound else number


def _side(path, value, side):
    if value is None:
        return None
    if isinstance(value, list):
        if not value:
            fail(path, value, _ACCEPTED)
        errors = ErrorCollector()
        entries = [None if entry is None else
                   errors.check(_bound, f"{path}[{i}]", entry, side)
                   for i, entry in enumerate(value)]
        errors.raise_if_any()
        return entries
    if as_number(value) is None:
        fail(path, value, _ACCEPTED)
    return _bound(path, value, side)


def check_bounds(raw, path="problem.bounds"):
    """The normalised ``{"lower": ..., "upper": ...}`` of a config's bounds, or None."""
    if raw is None:
        return None
    check_mapping(path, raw, SIDES)
    errors = ErrorCollector()
    bounds = {side: errors.check(_side, f"{path}.{side}", raw.get(side), side) for side in SIDES}
    errors.raise_if_any()
    lower, upper = bounds["lower"], bounds["upper"]
    if isinstance(lower, float) and isinstance(upper, float) and lower > upper:
        raise ConfigError(f"{path}: lower {lower!r} is above upper {upper!r}")
    return bounds


def _array(side, default):
    if side is None:
        return default
    if isinstance(side, (list, tuple)):
        return np.array([default if entry is None else entry for entry in side], dtype=float)
    return float(side)


def minimize_bounds(bounds):
    """What to pass as ``optad.minimize(bounds=...)`` for checked ``bounds`` (None: none)."""
    if bounds is None:
        return None
    return ConfigBounds(_array(bounds.get("lower"), -np.inf), _array(bounds.get("upper"), np.inf))


def check_bounds_fit(where, bounds, problem):
    """A ConfigError, in minimize's words, if ``bounds`` does not fit ``problem``'s unknowns."""
    if bounds is None:
        return
    x_flat, unravel = ravel_pytree(problem.x0(0))
    try:
        parse_bounds(minimize_bounds(bounds), np.asarray(x_flat, dtype=unravel.dtype), unravel)
    except (ValueError, TypeError) as error:
        raise ConfigError(f"{where}: problem.bounds do not fit problem {problem.name!r} "
                          f"({problem.dimension()} unknowns): {error}") from None


def optimum_in_box(problem, bounds):
    """``problem.f_star`` if its known minimiser lies in the box (then it is the bounded
    problem's optimum too), otherwise None: f - f* would not measure the bounded problem."""
    if bounds is None:
        return problem.f_star
    if problem.f_star is None or problem.x_star is None:
        return None
    x_star, _ = ravel_pytree(problem.x_star)
    box = minimize_bounds(bounds)
    inside = np.all(np.asarray(x_star) >= box.lb) and np.all(np.asarray(x_star) <= box.ub)
    return problem.f_star if inside else None
