"""Option checking shared by the methods: unknown names warn at the user's line; bad values raise."""
from __future__ import annotations

import math
import warnings

# warn() <- _check_unknown <- _minimize_xxx <- minimize <- user code
_USER_STACKLEVEL = 4


def warn_unknown(method, unknown):
    if unknown:
        names = ", ".join(sorted(unknown))
        warnings.warn(f"Unknown solver options for method {method!r}: {names}",
                      OptimizeWarning, stacklevel=_USER_STACKLEVEL)


class OptimizeWarning(UserWarning):
    pass


def positive(name, value, *, allow_zero=False, allow_none=False):
    if value is None and allow_none:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"option {name!r} must be a number, got {value!r}") from None
    if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"option {name!r} must be finite and {bound}, got {value!r}")
    return number


def positive_int(name, value, *, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not float(value).is_integer() or value < 1:
        raise ValueError(f"option {name!r} must be a positive integer, got {value!r}")
    return int(value)


def fraction(name, value):
    number = positive(name, value, allow_zero=True)
    if number >= 1:
        raise ValueError(f"option {name!r} must be in [0, 1), got {value!r}")
    return number
