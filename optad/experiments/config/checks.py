"""Checks of single values and mappings, each raising a ConfigError that names the key path.
Option values are checked by the kinds ``optad.minimize`` uses (optad/optimize/options.py), so a
config accepts exactly what minimize accepts."""
from __future__ import annotations

import inspect

from ...optimize.options import BadValue, kind_of
from .errors import ConfigError, did_you_mean, fail


def check_kind(path: str, value, kind):
    """``value`` checked against an option kind (a Kind or a schema's name for one), normalised;
    a bad value is a ConfigError naming the path (down to a pair's entry) and what is accepted."""
    kind = kind_of(kind)
    try:
        return kind.check(value)
    except BadValue as bad:
        fail(path + bad.where, bad.value, bad.expected, kind.choices)


def check_mapping(path, value, allowed, required=()):
    """Check the keys of a mapping: every unknown and every missing key in one error."""
    if not isinstance(value, dict):
        fail(path, value, "a mapping with keys " + ", ".join(allowed))
    messages = [f"{path}.{key}: unknown key {key!r}; accepted keys at {path}: "
                + ", ".join(allowed) + did_you_mean(key, allowed)
                for key in value if key not in allowed]
    messages += [f"{path}.{key}: missing; {path} needs " + ", ".join(required)
                 for key in required if key not in value]
    if messages:
        raise ConfigError("\n".join(messages))
    return value


def check_string(path, value, accepted="a string"):
    if not isinstance(value, str) or not value.strip():
        fail(path, value, accepted)
    return value


def constructor_kinds(constructor) -> dict:
    """Parameter name -> option kind, read from a constructor's defaults (a problem's or a
    constraint's): "int0" for ints, "float+" for floats, anything otherwise."""
    kinds = {}
    for param in inspect.signature(constructor).parameters.values():
        default = param.default
        kinds[param.name] = "int0" if isinstance(default, int) and not isinstance(default, bool) \
            else "float+" if isinstance(default, float) else "any"
    return kinds
