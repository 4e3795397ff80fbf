"""The njit half of a compiled problem: the objective's calls as Numba functions of flat vectors,
for loops that never return to Python (the compiled driver, driver.py).

Every entry takes the flat float64 vector x (and v) and then one shared tuple of extra
arguments, ``args``: the problem's data arrays followed by the constants of every kernel used
(the arrays the objective closes over).  So one calling convention serves all of them:

    value(x, *args) -> f
    value_and_grad(x, *args) -> (f, g)
    hvp_prepare(x, *args) -> residuals          (what H(x) v needs besides v)
    hvp_apply(x, v, *residuals) -> H(x) v

Each entry is a small generated adapter around a compiled kernel's ``entry`` (or the user's
own ``@numba.njit`` function), reshaping x to the kernel's shape and picking its arguments out
of ``args``; adapters are content-addressed modules in the kernel cache, like kernels.  The
kernels come from the caller, already compiled by this backend (``compile_program``): this
module sees kernels and shapes, never the functions or transformations they were made from.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .specialise import specialise_source


class NjitEntries(NamedTuple):
    value: object
    value_and_grad: object
    hvp_prepare: object
    hvp_apply: object
    args: tuple

    # ``loop`` is a LoopCode (backends/loop_code.py): an optimiser's step code
    def drive(self, loop, x0, params):
        """Run ``loop`` compiled on these entries (driver.py)."""
        from .driver import drive
        return drive(loop, self, x0, params)

    def loop_ready(self, loop, x0, params):
        """Whether ``drive`` runs compiled now, or a worker is compiling it (driver.py)."""
        from .driver import loop_ready
        return loop_ready(loop, self, x0, params)

    def python_ran(self, loop, seconds):
        """Count ``seconds`` of Python steps of this loop towards compiling it (driver.py)."""
        from .driver import python_ran
        python_ran(loop, self, seconds)

    def steps(self, loop, x0, params):
        """The loop's first state and its compiled ``update`` (driver.py)."""
        from .driver import steps
        return steps(loop, self, x0, params)


class _Layout:
    """Names of the adapters' parameters: the data arrays, then each kernel's constants."""

    def __init__(self, shape, args):
        self.shape, self.size = tuple(shape), math.prod(shape)
        self.values = list(args)
        self.data = [f"a{k}" for k in range(len(args))]

    def constants(self, kernel):
        names = [f"c{len(self.values) + k}" for k in range(len(kernel.constants))]
        self.values += list(kernel.constants)
        return names

    def params(self):
        return [f"a{k}" if k < len(self.data) else f"c{k}" for k in range(len(self.values))]


def _adapter(name, params, body, function=None):
    source = f"def {name}({', '.join(params)}):\n" + "".join(f"    {line}\n" for line in body)
    return specialise_source(source, name, {} if function is None else {"function": function})


def _join(names):
    return "".join(f"{name}, " for name in names)


def _flat(expression, layout):
    return f"np.ascontiguousarray({expression}).reshape({layout.size})"


def _usable(kernel):
    return kernel if getattr(kernel, "entry", None) is not None else None


def _value_from(layout, kernels, user):
    x = f"x.reshape({layout.shape})"
    if "value" in user:
        return lambda p: _adapter("value", ["x"] + p, [
            f"return float(function({x}, {_join(layout.data)}))"], user["value"])
    kernel = _usable(kernels.get("value"))
    if kernel is None:
        return None
    names = layout.data + layout.constants(kernel)
    return lambda p: _adapter("value", ["x"] + p, [
        f"return float(function({x}, {_join(names)})[0])"], kernel.entry)


def _value_and_grad_from(layout, kernels, user):
    x = f"x.reshape({layout.shape})"
    if "value_and_grad" in user:
        function, names = user["value_and_grad"], layout.data
    else:
        kernel = _usable(kernels.get("value_and_grad"))
        if kernel is None:
            return None
        function, names = kernel.entry, layout.data + layout.constants(kernel)
    return lambda p: _adapter("value_and_grad", ["x"] + p, [
        f"f, g = function({x}, {_join(names)})",
        f"return float(f), {_flat('g', layout)}"], function)


def _hvp_from(layout, kernels, user):
    """(prepare, apply) builders: the user's hessp, the linearised product (``kernels``
    "hvp_split": the number of residuals, the kernel of the part known at x and the kernel of
    the part applied to v), or the plain product kernel ("hvp": x, data, v)."""
    x, v = f"x.reshape({layout.shape})", f"v.reshape({layout.shape})"
    if "hessp" in user:
        residuals = [f"r{k}" for k in range(len(layout.data))]
        return (lambda p: _adapter("hvp_prepare", ["x"] + p, [f"return ({_join(layout.data)})"]),
                lambda p: _adapter("hvp_apply", ["x", "v"] + residuals, [
                    f"return {_flat(f'function({x}, {v}, {_join(residuals)})', layout)}"],
                    user["hessp"]))
    split = kernels.get("hvp_split")
    if split is not None and _usable(split[1]) and _usable(split[2]):
        n_residuals, known_kernel, unknown_kernel = split
        known_names = layout.data + layout.constants(known_kernel)
        unknown_names = layout.constants(unknown_kernel)
        residuals = [f"r{k}" for k in range(n_residuals)]
        constants = [f"u{k}" for k in range(len(unknown_names))]
        tail = f" + ({_join(unknown_names)})" if unknown_names else ""
        return (lambda p: _adapter("hvp_prepare", ["x"] + p, [
                    f"return function({x}, {_join(known_names)}){tail}"], known_kernel.entry),
                lambda p: _adapter("hvp_apply", ["x", "v"] + residuals + constants, [
                    "return " + _flat(f"function({_join(residuals)}{v}, {_join(constants)})[0]",
                                      layout)], unknown_kernel.entry))
    kernel = _usable(kernels.get("hvp"))
    if kernel is None:
        return None
    names = layout.data + layout.constants(kernel)
    residuals = [f"r{k}" for k in range(len(names))]
    data, constants = residuals[:len(layout.data)], residuals[len(layout.data):]
    return (lambda p: _adapter("hvp_prepare", ["x"] + p, [f"return ({_join(names)})"]),
            lambda p: _adapter("hvp_apply", ["x", "v"] + residuals, [
                "return " + _flat(f"function({x}, {_join(data)}{v}, {_join(constants)})[0]",
                                  layout)], kernel.entry))


_ENTRIES: dict = {}


def njit_entries(shape, args, needs, kernels=None, user=None):
    """The entries named in ``needs`` (value, value_and_grad, hvp_prepare, hvp_apply) for x of
    kernel shape ``shape`` and data ``args`` (arrays), from the user's njit functions ``user``
    (names value, value_and_grad, hessp) or else this backend's compiled ``kernels``: "value"
    (x, data -> one scalar), "value_and_grad" (x, data -> f, g), "hvp" (x, data, v -> H v) or
    "hvp_split" (see _hvp_from); None when one of them cannot be compiled as one Numba
    function."""
    kernels, user = dict(kernels or {}), dict(user or {})
    if not all(type(a) is np.ndarray for a in args):
        return None
    key = (tuple(shape), tuple((a.shape, a.dtype) for a in args), tuple(needs),
           tuple(sorted(kernels.items(), key=lambda i: i[0])),
           tuple(sorted(user.items(), key=lambda i: i[0])))
    try:
        cached = _ENTRIES.get(key)
    except TypeError:
        key, cached = None, None
    if cached is not None:
        return cached._replace(args=tuple(args) + cached.args[len(args):])
    layout = _Layout(shape, args)
    builders = {}
    if "value" in needs:
        builders["value"] = _value_from(layout, kernels, user)
    if "value_and_grad" in needs:
        builders["value_and_grad"] = _value_and_grad_from(layout, kernels, user)
    if "hvp_prepare" in needs or "hvp_apply" in needs:
        pair = _hvp_from(layout, kernels, user)
        builders["hvp_prepare"], builders["hvp_apply"] = pair if pair else (None, None)
    if any(builders[name] is None for name in needs):
        return None
    params = layout.params()
    built = {name: build(params) for name, build in builders.items()}
    entries = NjitEntries(built.get("value"), built.get("value_and_grad"),
                          built.get("hvp_prepare"), built.get("hvp_apply"),
                          tuple(layout.values))
    if key is not None:
        if len(_ENTRIES) > 64:
            _ENTRIES.clear()
        _ENTRIES[key] = entries
    return entries
