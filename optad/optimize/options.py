"""Option kinds and method option schemas, described once for ``minimize`` and the experiment
configs (optad/experiments/config/).

A kind is a small object: ``check(value)`` returns the value normalised (an int, a float, a
bool, a pair) or raises :class:`BadValue`; ``describe()`` says in words what it accepts ("a
positive integer").  ``minimize`` turns a BadValue into a ValueError (TypeError when the value
is not even the right sort of thing) naming the option; the config validator turns it into a
ConfigError naming the key path.  Both therefore accept exactly the same values.

Each method module lists its options as ``OPTIONS = {name: Option(kind, help, default)}``; a
kind is given as a Kind, a tuple of accepted strings, or one of the short names of ``KINDS``
("int+", "int0", "float+", "float0", "fraction", "fractions2", "bool").  A default of None
means the method computes it (its help says how).  Unknown names warn at the user's line, as
scipy does; bad values raise.
"""
from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

# warn() <- warn_unknown <- check <- configure <- minimize <- user code
_USER_STACKLEVEL = 5


class OptimizeWarning(UserWarning):
    pass


class BadValue(ValueError):
    """A value a kind does not accept.  ``reason`` completes "option 'x' ..." ("must be a
    positive integer"); ``where`` is the position inside the value that is wrong ("[1]" for a
    pair's second entry, "" for the whole value), ``value`` what stands there and ``expected``
    what is accepted there; ``wrong_type`` when the value is not even of the right sort."""

    def __init__(self, reason, value, expected, where="", wrong_type=False):
        super().__init__(reason)
        self.reason, self.value, self.expected = reason, value, expected
        self.where, self.wrong_type = where, wrong_type


def as_number(value):
    """``value`` as a float, or None when it is not a real number.  A string spelling a float
    counts: YAML 1.1 reads ``1e-4`` (no dot) as a string.  Booleans do not."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        return float(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return None


class Kind:
    """Base of the kinds: ``choices`` are the accepted strings, if the kind is a choice."""
    choices: tuple = ()

    def describe(self) -> str:
        raise NotImplementedError

    def check(self, value):
        raise NotImplementedError

    def reject(self, value, reason=None, wrong_type=False):
        raise BadValue(reason or "must be " + self.describe(), value, self.describe(),
                       wrong_type=wrong_type)

    def __repr__(self):
        return f"<{type(self).__name__}: {self.describe()}>"


class Integer(Kind):
    def __init__(self, minimum: int):
        self.minimum = minimum

    def describe(self):
        return {0: "a non-negative integer", 1: "a positive integer"}.get(
            self.minimum, f"an integer >= {self.minimum}")

    def check(self, value):
        if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool):
            exact = int(value)            # not through a float: a large seed stays exact
        else:
            number = as_number(value)
            integral = number is not None and math.isfinite(number) and number.is_integer()
            exact = int(number) if integral else None
        if exact is None or exact < self.minimum:
            self.reject(value)
        return exact


class Number(Kind):
    """A finite real number; ``positive`` excludes 0, otherwise it must be >= 0."""

    def __init__(self, positive: bool):
        self.positive = positive

    def describe(self):
        return "a positive number" if self.positive else "a non-negative number"

    def check(self, value):
        number = as_number(value)
        if number is None:
            self.reject(value, "must be a number", wrong_type=True)
        if not math.isfinite(number) or number < 0 or (self.positive and number == 0):
            self.reject(value)
        return number


class Fraction(Kind):
    """A number in [0, 1) (momentum, decay rates)."""

    def describe(self):
        return "a number in [0, 1)"

    def check(self, value):
        number = as_number(value)
        if number is None:
            self.reject(value, "must be a number", wrong_type=True)
        if not 0 <= number < 1:
            self.reject(value, "must be in [0, 1)")
        return number


class Pair(Kind):
    """Two values of one kind, given as a list or tuple; checked into a tuple."""

    def __init__(self, item: Kind, words: str):
        self.item, self.words = item, words

    def describe(self):
        return self.words

    def check(self, value):
        if not isinstance(value, (list, tuple, np.ndarray)) or len(value) != 2:
            self.reject(value)
        items = []
        for position, item in enumerate(value):
            try:
                items.append(self.item.check(item))
            except BadValue as bad:
                raise BadValue("must be " + self.describe(), bad.value, bad.expected,
                               f"[{position}]{bad.where}") from None
        return tuple(items)


class Flag(Kind):
    """True or False (NumPy booleans and 0/1 too, as scipy's ``disp=0``)."""

    def describe(self):
        return "true or false"

    def check(self, value):
        if isinstance(value, (bool, np.bool_, numbers.Integral)) and value in (0, 1):
            return bool(value)
        self.reject(value, "must be True or False", wrong_type=True)


class Choice(Kind):
    def __init__(self, choices):
        self.choices = tuple(choices)

    def describe(self):
        return "one of " + ", ".join(repr(choice) for choice in self.choices)

    def check(self, value):
        if not isinstance(value, str) or value not in self.choices:
            self.reject(value)
        return value


KINDS = {
    "int+": Integer(1),
    "int0": Integer(0),
    "float+": Number(positive=True),
    "float0": Number(positive=False),
    "fraction": Fraction(),
    "fractions2": Pair(Fraction(), "a pair of numbers in [0, 1), e.g. [0.9, 0.999]"),
    "bool": Flag(),
}


def kind_of(spec) -> Kind:
    """The Kind a schema names: a Kind, a tuple of accepted strings, or a name in KINDS."""
    if isinstance(spec, Kind):
        return spec
    if isinstance(spec, tuple):
        return Choice(spec)
    if spec not in KINDS:
        raise KeyError(f"unknown option kind {spec!r}; known kinds: {', '.join(KINDS)}")
    return KINDS[spec]


@dataclass(frozen=True)
class Option:
    """One entry of a method's schema; ``kind`` is always a Kind once built."""
    kind: Any
    help: str
    default: Any = None

    def __post_init__(self):
        object.__setattr__(self, "kind", kind_of(self.kind))

    def describe(self) -> str:
        return f"{self.kind.describe()}: {self.help}"


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
    """``value`` checked against ``kind`` (a Kind or a schema's name for one); a bad value is a
    ValueError (TypeError for a value of the wrong sort) saying what option ``name`` takes."""
    try:
        return kind_of(kind).check(value)
    except BadValue as bad:
        error = TypeError if bad.wrong_type else ValueError
        raise error(f"option {name!r} {bad.reason}, got {value!r}") from None
