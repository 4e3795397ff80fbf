"""NumPy names that must see lists of traced values, wrapped only while a trace runs.

No NumPy protocol reaches a traced value inside a Python list, and NumPy's constructors cannot
return a traced array, so ``np.array([x, 2 * x])``, ``np.asarray``, ``np.r_[...]``,
``np.sqrt([x, y])`` or ``np.mean([x, y])`` need a wrapper in front of NumPy's own object that
stacks such a list into a traced array first (``creation.py``).

``import optad`` changes nothing in NumPy.  The wrappers are put in place when a thread starts
its outermost trace and NumPy's own objects are put back when the last running trace ends
(a lock and a count of the threads tracing; optad/trace/tracer.py calls ``acquire`` and
``release``).  While they are in place a wrapper called by a thread that is not tracing (one
test of a thread-local counter) calls NumPy's own object with the same arguments, so other
threads get NumPy's results; only the identity of the names differs during that window.

Names bound from NumPy before a trace (``from numpy import asarray, sqrt`` at the top of a
module, as scipy's benchmark functions do) are NumPy's own objects, which no patch of the
``numpy`` module reaches, so the same wrappers also go, for the trace's duration, into the
globals of the loaded modules (outside NumPy and optad) that bind one of the wrapped objects;
each module is looked at once, when first seen.

``OPTAD_PATCH_NUMPY=0`` (read when optad is imported) turns all of this off: lists of traced
values are then refused with an error pointing at ``np.stack``.
"""
from __future__ import annotations

import functools
import os
import sys
import threading

import numpy as np

from ..trace.tracer import add_callable_hook, add_outermost_trace_hooks, thread_state
from . import creation
from ._promote import holds_tracer
from .dispatch import FUNCTIONS
from ..numpy import SUPPORTED_FUNCTIONS, SUPPORTED_UFUNCS

# Functions whose arguments are sequences of arrays by design: NumPy's dispatch already looks
# inside those sequences (or their items may differ in shape), so they are left alone.
SEQUENCE_FUNCTIONS = {"column_stack", "concatenate", "dstack", "einsum", "hstack",
                      "select", "stack", "vstack"}

# NumPy's constructors that convert their first argument, and optad's versions of them.
CONSTRUCTORS = {"array": creation.array, "asarray": creation.asarray,
                "asanyarray": creation.asarray, "ascontiguousarray": creation.asarray}


def enabled() -> bool:
    return os.environ.get("OPTAD_PATCH_NUMPY", "1").strip().lower() not in ("0", "false",
                                                                              "no", "off")


def _wrap_constructor(np_function, traced_function):
    @functools.wraps(np_function)
    def constructor(obj, *args, **kwargs):
        if thread_state.stack and holds_tracer(obj):
            return traced_function(obj, *args, **kwargs)
        return np_function(obj, *args, **kwargs)
    constructor.optad_wrapped = True
    return constructor


def _stacked(value):
    if (type(value) is list or type(value) is tuple) and holds_tracer(value):
        return creation.array(value)
    return value


def _has_sequence(args):
    for a in args:
        if type(a) is list or type(a) is tuple:
            return True
    return False


def _wrap_function(np_function):
    @functools.wraps(np_function)
    def function(*args, **kwargs):
        if thread_state.stack:
            if _has_sequence(args):
                args = [_stacked(a) for a in args]
            if kwargs and _has_sequence(kwargs.values()):
                kwargs = {k: _stacked(v) for k, v in kwargs.items()}
        return np_function(*args, **kwargs)
    function.optad_wrapped = True
    return function


class _UfuncWrapper:
    """A ufunc whose call stacks lists of traced values (``np.sqrt([x, y])``); its attributes
    (``reduce``, ``nin``, ``__name__`` ...) are the ufunc's."""

    __slots__ = ("__wrapped__",)
    optad_wrapped = True

    def __init__(self, ufunc):
        self.__wrapped__ = ufunc

    def __call__(self, *args, **kwargs):
        if thread_state.stack and _has_sequence(args):
            args = [_stacked(a) for a in args]
        return self.__wrapped__(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.__wrapped__, name)

    def __repr__(self):
        return repr(self.__wrapped__)

    def __reduce__(self):
        return self.__wrapped__.__reduce__()


class _ConcatenatorWrapper:
    """np.r_ / np.c_: NumPy's object, unless this thread traces and an entry is traced."""

    optad_wrapped = True

    def __init__(self, numpy_object, traced_object):
        self.__wrapped__, self._traced = numpy_object, traced_object

    def __getitem__(self, key):
        if thread_state.stack and holds_tracer(list(key) if isinstance(key, tuple) else [key]):
            return self._traced[key]
        return self.__wrapped__[key]

    def __getattr__(self, name):
        return getattr(self.__wrapped__, name)

    def __len__(self):
        return len(self.__wrapped__)


def _numpy_names():
    """(namespace, name) of every NumPy name that gets a wrapper."""
    out = [(np, name) for name in CONSTRUCTORS] + [(np, "r_"), (np, "c_")]
    out += [(np, name) for name in SUPPORTED_UFUNCS]
    for path in SUPPORTED_FUNCTIONS:
        *modules, name = path.split(" ")[0].split(".")
        namespace = np
        for module in modules:
            namespace = getattr(namespace, module)
        if name not in SEQUENCE_FUNCTIONS and not isinstance(getattr(namespace, name),
                                                             np.ufunc):
            out.append((namespace, name))
    return out


def _make_wrapper(name, original):
    if name in CONSTRUCTORS:
        return _wrap_constructor(original, CONSTRUCTORS[name])
    if name in ("r_", "c_"):
        return _ConcatenatorWrapper(original, getattr(creation, name))
    if isinstance(original, np.ufunc):
        return _UfuncWrapper(original)
    return _wrap_function(original)


# (namespace, name, NumPy's object, wrapper), made once when optad is imported
PATCHES = [(namespace, name, getattr(namespace, name),
            _make_wrapper(name, getattr(namespace, name))) for namespace, name in _numpy_names()]
WRAPPER_OF = {id(original): wrapper for _, _, original, wrapper in PATCHES}
for _, _, _original, _wrapper in PATCHES:
    if _original in FUNCTIONS:  # the wrapper (np.mean while tracing) reaches the same rule
        FUNCTIONS[_wrapper] = FUNCTIONS[_original]


def patched_names():
    """(namespace, name) of every NumPy name wrapped while a trace runs."""
    return [(namespace, name) for namespace, name, _, _ in PATCHES]


class ModuleBindings:
    """Globals of loaded modules (outside the packages ``skip`` names) bound to a wrapped
    object (``wrapper_of``: id of the original -> wrapper): found once per module, switched to
    the wrappers and back with the names they stand for.  optad.scipy uses one for SciPy's."""

    def __init__(self, wrapper_of, skip=("numpy", "optad")):
        self.wrapper_of, self.skip = wrapper_of, tuple(skip)
        self.seen: set = set()
        self.count = 0  # len(sys.modules) when last looked at
        self.found: list = []  # (module globals, name, NumPy's object, wrapper)

    def discover(self):
        modules = sys.modules
        if len(modules) == self.count:
            return
        self.count = len(modules)
        for module_name in list(modules):
            if module_name in self.seen:
                continue
            self.seen.add(module_name)
            if module_name.partition(".")[0] in self.skip:
                continue
            try:
                namespace = getattr(modules.get(module_name), "__dict__", None)
            except Exception:  # noqa: BLE001 - an odd object in sys.modules is not ours
                continue
            if type(namespace) is not dict:
                continue
            for name, value in list(namespace.items()):
                wrapper = self.wrapper_of.get(id(value))
                if wrapper is not None and value is wrapper.__wrapped__:
                    self.found.append((namespace, name, value, wrapper))

    def apply(self):
        for namespace, name, original, wrapper in self.found:
            if namespace.get(name) is original:
                namespace[name] = wrapper

    def restore(self):
        for namespace, name, original, wrapper in self.found:
            if namespace.get(name) is wrapper:
                namespace[name] = original


_lock = threading.Lock()
_tracing_threads = 0
_bindings = ModuleBindings(WRAPPER_OF)


def acquire():
    """A thread starts its outermost trace: put the wrappers in place if none is."""
    global _tracing_threads
    with _lock:
        _tracing_threads += 1
        if _tracing_threads == 1:
            for namespace, name, _, wrapper in PATCHES:
                setattr(namespace, name, wrapper)
            _bindings.discover()
            _bindings.apply()


def release():
    """A thread's outermost trace ended: put NumPy's own objects back if no thread traces."""
    global _tracing_threads
    with _lock:
        _tracing_threads -= 1
        if _tracing_threads == 0:
            for namespace, name, original, _ in PATCHES:
                setattr(namespace, name, original)
            _bindings.restore()


def wrapper_for(fun):
    """The wrapper of NumPy's own function ``fun`` (``optad.grad(np.append)``: the function
    transformed is the object NumPy's namespace held before the trace), else ``fun``."""
    wrapper = WRAPPER_OF.get(id(fun))
    return wrapper if wrapper is not None and wrapper.__wrapped__ is fun else fun


def register():
    """Have every trace put the wrappers in place while it runs, unless OPTAD_PATCH_NUMPY=0.
    Called once by optad/__init__.py; changes nothing in NumPy by itself."""
    if enabled():
        add_outermost_trace_hooks(acquire, release)
        add_callable_hook(wrapper_for)
