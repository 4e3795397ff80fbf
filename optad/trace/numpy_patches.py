"""Thin wrappers in front of some of NumPy's own names, so that NumPy code building arrays from
lists of traced values traces: ``np.array([x, 2 * x])``, ``np.asarray``, ``np.r_[...]``,
``np.c_[...]``, and lists of traced values given to NumPy functions optad has a rule for
(``np.mean([x, y])``, ``np.linalg.norm([x, y])``, ``np.where(c, [x, y], 0)``): no NumPy protocol
reaches a Tracer inside a list, so the wrapper stacks such a list into a traced array first.

Outside tracing each wrapper does one truth test of the active traces and calls NumPy's own
function (a few hundred nanoseconds per call; measured in the README).  ``OPTAD_PATCH_NUMPY=0``
in the environment when optad is imported leaves NumPy untouched: lists of traced values are
then refused with an error saying to use ``np.stack``.  Functions imported from NumPy by name
before optad (``from numpy import mean``) and ufuncs (``np.sqrt([x, y])``) are not wrapped.
"""
from __future__ import annotations

import functools
import os

import numpy as np

from ..numpy import SUPPORTED_FUNCTIONS
from ..numpy import creation
from ..numpy._promote import holds_tracer
from .numpy_dispatch import FUNCTIONS
from .tracer import active_traces

# Functions whose arguments are sequences of arrays by design: NumPy's dispatch already looks
# inside those sequences (or their items may differ in shape), so they are left alone.
SEQUENCE_FUNCTIONS = {"append", "column_stack", "concatenate", "dstack", "einsum", "hstack",
                      "select", "stack", "vstack"}


def enabled() -> bool:
    return os.environ.get("OPTAD_PATCH_NUMPY", "1").strip().lower() not in ("0", "false",
                                                                              "no", "off")


def _wrap_constructor(np_function, traced_function):
    @functools.wraps(np_function)
    def constructor(obj, *args, **kwargs):
        if active_traces and holds_tracer(obj):
            return traced_function(obj, *args, **kwargs)
        return np_function(obj, *args, **kwargs)
    constructor.optad_wrapped = True
    return constructor


def _stacked(value):
    if (type(value) is list or type(value) is tuple) and holds_tracer(value):
        return creation.array(value)
    return value


def _wrap_function(np_function):
    @functools.wraps(np_function)
    def function(*args, **kwargs):
        if active_traces:
            args = [_stacked(a) for a in args]
            kwargs = {k: _stacked(v) for k, v in kwargs.items()}
        return np_function(*args, **kwargs)
    function.optad_wrapped = True
    return function


class _ConcatenatorProxy:
    """np.r_ / np.c_: NumPy's object, unless an entry is traced."""

    def __init__(self, numpy_object, traced_object):
        self._numpy, self._traced = numpy_object, traced_object

    def __getitem__(self, key):
        if active_traces and holds_tracer(
                list(key) if isinstance(key, tuple) else [key]):
            return self._traced[key]
        return self._numpy[key]

    def __getattr__(self, name):
        return getattr(self._numpy, name)

    def __len__(self):
        return len(self._numpy)


def patched_functions():
    """(namespace, name) of every NumPy function the list-stacking wrapper goes in front of."""
    out = []
    for path in SUPPORTED_FUNCTIONS:
        *modules, name = path.split(" ")[0].split(".")
        namespace = np
        for module in modules:
            namespace = getattr(namespace, module)
        if name not in SEQUENCE_FUNCTIONS and not isinstance(getattr(namespace, name),
                                                             np.ufunc):
            out.append((namespace, name))
    return out


def install():
    """Put the wrappers in place (once), unless OPTAD_PATCH_NUMPY=0."""
    if not enabled() or getattr(np.array, "optad_wrapped", False):
        return
    np.array = _wrap_constructor(np.array, creation.array)
    np.asarray = _wrap_constructor(np.asarray, creation.asarray)
    np.r_ = _ConcatenatorProxy(np.r_, creation.r_)
    np.c_ = _ConcatenatorProxy(np.c_, creation.c_)
    for namespace, name in patched_functions():
        original = getattr(namespace, name)
        wrapper = _wrap_function(original)
        FUNCTIONS[wrapper] = FUNCTIONS[original]  # np.mean is the wrapper from now on
        setattr(namespace, name, wrapper)
