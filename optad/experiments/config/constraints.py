"""``problem.constraints``: constraints from the problem's own table
(optad/problems/constraints.py), passed to ``optad.minimize(constraints=...)``.

    problem:
      name: least_squares
      params: {n: 200, p: 50}
      constraints:
        - {name: norm_ball, params: {radius: 0.3}}     # ||x|| <= 0.3

A list of mappings, each naming one of the problem's constraints with its parameters (checked
by the kinds their defaults have, as problem.params are).  Whether a constraint fits the
problem (its output at the starting point) is checked when the validator builds the problem, by
minimize's own constraints parser; every method of a config with constraints must take them
("auglag").
"""
from __future__ import annotations

import numpy as np

from ...optimize.constraints import parse_constraints
from ...optimize.constraints_lagrangian import stacked, violation
from ...optimize.methods.constrained import CONSTRAINED
from ...problems import PROBLEM_CONSTRAINTS
from ...tree import ravel_pytree
from .checks import check_kind, check_mapping, constructor_kinds
from .errors import ConfigError, ErrorCollector, fail

_FORM = "a list of {name, params} mappings, e.g. [{name: norm_ball, params: {radius: 1.0}}]"


def _entry(path, entry, available):
    check_mapping(path, entry, ("name", "params"), required=("name",))
    name = entry["name"]
    if name not in available:
        fail(f"{path}.name", name, "one of " + ", ".join(available), available)
    kinds = constructor_kinds(available[name])
    params = entry.get("params") or {}
    check_mapping(f"{path}.params", params, tuple(kinds))
    errors = ErrorCollector()
    checked = {key: errors.check(check_kind, f"{path}.params.{key}", value, kinds[key])
               for key, value in params.items()}
    errors.raise_if_any()
    try:
        available[name](**checked)
    except (ValueError, TypeError) as error:
        raise ConfigError(f"{path}.params: constraint {name!r} rejects {checked}: {error}") \
            from None
    return {"name": name, "params": checked}


def check_constraints(raw, problem_name, path="problem.constraints"):
    """The normalised list of ``{"name", "params"}`` of a config's constraints, or None."""
    if raw is None:
        return None
    available = PROBLEM_CONSTRAINTS.get(problem_name, {})
    if not available:
        having = ", ".join(sorted(PROBLEM_CONSTRAINTS))
        raise ConfigError(f"{path}: problem {problem_name!r} takes no constraints; the problems "
                          f"that do: {having}")
    if not isinstance(raw, list) or not raw:
        fail(path, raw, _FORM)
    errors = ErrorCollector()
    entries = [errors.check(_entry, f"{path}[{i}]", entry, available)
               for i, entry in enumerate(raw)]
    errors.raise_if_any()
    return entries


def check_methods_take_constraints(constraints, methods):
    """A ConfigError naming every method of ``methods`` that cannot take constraints."""
    if not constraints:
        return
    takers = ", ".join(repr(name) for name in CONSTRAINED)
    messages = [f"methods[{i}].method: {spec.method!r} cannot take constraints (problem."
                f"constraints is set); the methods that take them: {takers}"
                for i, spec in enumerate(methods) if spec.method not in CONSTRAINED]
    if messages:
        raise ConfigError("\n".join(messages))


def minimize_constraints(constraints, problem_name):
    """What to pass as ``optad.minimize(constraints=...)`` for checked ``constraints``."""
    if not constraints:
        return ()
    table = PROBLEM_CONSTRAINTS[problem_name]
    return [table[entry["name"]](**entry["params"]) for entry in constraints]


def check_constraints_fit(where, constraints, problem):
    """A ConfigError, in minimize's words, if a constraint does not fit ``problem``'s x."""
    if not constraints:
        return
    x_flat, unravel = ravel_pytree(problem.x0(0))
    try:
        parse_constraints(minimize_constraints(constraints, problem.name),
                          np.asarray(x_flat, dtype=unravel.dtype), unravel)
    except (ValueError, TypeError) as error:
        raise ConfigError(f"{where}: problem.constraints do not fit problem {problem.name!r} "
                          f"({problem.dimension()} unknowns): {error}") from None


def optimum_feasible(problem, constraints, f_star):
    """``f_star`` if the problem's known minimiser meets the constraints (then it is the
    constrained problem's optimum too), otherwise None."""
    if not constraints or f_star is None:
        return f_star
    if problem.x_star is None:
        return None
    x_flat, unravel = ravel_pytree(problem.x_star)
    x_flat = np.asarray(x_flat, dtype=np.float64)
    parsed = parse_constraints(minimize_constraints(constraints, problem.name), x_flat, unravel)
    met = violation(np.asarray(stacked(parsed, unravel)(x_flat)), parsed) <= 1e-10
    return f_star if met else None
