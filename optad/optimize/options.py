"""Option schemas and their checking: one schema per method (its module's ``OPTIONS``), read by
``minimize`` here and by the experiment-config validator (optad/experiments/methods.py).

An entry is ``Option(kind, help, default)``.  Kinds: "int+" positive integer, "int0"
non-negative integer, "float+" positive number, "float0" non-negative number, "fraction" a
number in [0, 1), "fractions2" a pair of numbers in [0, 1), "bool", or a tuple of
accepted strings.  A default of None means the method
computes it (its help says how).  Unknown names warn at the user's line, as scipy does; bad
values raise.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, NamedTuple

import numpy as np

# warn() <- warn_unknown <- check <- configure <- minimize <- user code
_USER_STACKLEVEL = 5


class OptimizeWarning(UserWarning):
    pass


class Option(NamedTuple):
    kind: Any
    help: str
    default: Any = None


GTOL_FLOAT64 = 1e-6

COMMON = {
    "maxiter": Option("int+", "maximum number of iterations"),
    "gtol": Option("float0", "stop when the gradient norm falls below this (0 disables; default "
                             "1e-6 for float64, scaled by the dtype's precision otherwise: "
                             "about 8e-4 for float32)"),
    "disp": Option("bool", "print convergence messages", False),
}


def default_gtol(dtype) -> float:
    """The default gradient tolerance for iterates of ``dtype``: 1e-6 for float64, and
    1e-6 (eps / eps_float64)^(1/3) otherwise (8.1e-4 for float32), so a float32 run can meet
    it: a float32 gradient carries rounding errors far above 1e-6."""
    ratio = float(np.finfo(dtype).eps) / float(np.finfo(np.float64).eps)
    return GTOL_FLOAT64 * ratio ** (1.0 / 3.0)


def gtol_for(o: dict, x0) -> float:
    """The checked ``gtol`` of options ``o``, or the default for x0's dtype."""
    return default_gtol(x0.dtype) if o["gtol"] is None else o["gtol"]


def warn_unknown(method, unknown):
    if unknown:
        names = ", ".join(sorted(unknown))
        warnings.warn(f"Unknown solver options for method {method!r}: {names}",
                      OptimizeWarning, stacklevel=_USER_STACKLEVEL)


def check(method: str, schema: dict, options: dict) -> dict:
    """Every option of ``schema``: the value given in ``options`` (checked) or the default."""
    warn_unknown(method, set(options) - set(schema))
    return {name: (option.default if options.get(name) is None
                   else checked(name, options[name], option.kind))
            for name, option in schema.items()}


def checked(name, value, kind):
    if isinstance(kind, tuple):
        if value not in kind:
            raise ValueError(f"unknown {name} {value!r}; expected one of {kind}")
        return value
    if kind == "fractions2":
        try:
            pair = tuple(float(v) for v in value)
        except (TypeError, ValueError):
            pair = ()
        if len(pair) != 2 or not all(0 <= v < 1 for v in pair):
            raise ValueError(f"option {name!r} must be a pair of numbers in [0, 1), e.g. "
                             f"(0.9, 0.999); got {value!r}")
        return pair
    if kind == "bool":
        if value not in (True, False):   # also NumPy booleans and 0/1
            raise TypeError(f"option {name!r} must be True or False, got {value!r}")
        return bool(value)
    if kind in ("int+", "int0"):
        try:
            integral = not isinstance(value, bool) and float(value).is_integer()
        except (TypeError, ValueError):
            integral = False
        if not integral or value < (1 if kind == "int+" else 0):
            what = "a positive" if kind == "int+" else "a non-negative"
            raise ValueError(f"option {name!r} must be {what} integer, got {value!r}")
        return int(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"option {name!r} must be a number, got {value!r}") from None
    if kind == "fraction":
        if not 0 <= number < 1:
            raise ValueError(f"option {name!r} must be in [0, 1), got {value!r}")
        return number
    allow_zero = kind == "float0"
    if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"option {name!r} must be finite and {bound}, got {value!r}")
    return number
