"""Route NumPy calls and Python operators on Tracers to ``optad.numpy``.

``np.tanh(tracer)`` arrives through ``__array_ufunc__``, ``np.sum(tracer)`` through
``__array_function__``; both look the function up here.  Anything without an optad rule
raises ``NotImplementedError`` naming it and where the supported list is.

The Tracer class (optad/trace/tracer.py) knows nothing of NumPy's functions: its operators,
array methods and the two protocols are put on it by ``install_tracer_methods()``, which
``optad/__init__.py`` calls once.  Nothing here changes NumPy."""
from __future__ import annotations

import dis
import sys

import numpy as np

from .. import numpy as onp
from . import updates
from ..primitives.elementwise import convert
from ..trace.tracer import Tracer, user_frame

UFUNCS = {name: getattr(onp, name) for name in onp.SUPPORTED_UFUNCS}

FUNCTIONS = {}
for _name in onp.SUPPORTED_FUNCTIONS:
    _path = _name.split(" ")[0]
    _np_obj, _onp_obj = np, onp
    for _part in _path.split("."):
        _np_obj, _onp_obj = getattr(_np_obj, _part), getattr(_onp_obj, _part)
    FUNCTIONS[_np_obj] = _onp_obj
FUNCTIONS[np.matmul] = onp.matmul
FUNCTIONS[np.shape] = lambda a: a.shape
FUNCTIONS[np.ndim] = lambda a: a.ndim
FUNCTIONS[np.size] = lambda a, axis=None: a.size if axis is None else a.shape[axis]
FUNCTIONS[np.abs] = onp.absolute
FUNCTIONS[np.result_type] = lambda *args: np.result_type(
    *[a.dtype if isinstance(a, Tracer) else a for a in args])
for _name in onp.SUPPORTED_UFUNCS:  # np.add(x, y) may also come via __array_function__
    FUNCTIONS.setdefault(getattr(np, _name), getattr(onp, _name))


# Callables ufunc -> rule (or None) asked, in order, about a ufunc that is not NumPy's:
# optad.scipy registers the one for scipy.special's ufuncs (expit, xlogy ...).
_ufunc_fallbacks: list = []


def add_ufunc_fallback(lookup):
    if lookup not in _ufunc_fallbacks:
        _ufunc_fallbacks.append(lookup)


def _ufunc_rule(ufunc):
    for lookup in _ufunc_fallbacks:
        rule = lookup(ufunc)
        if rule is not None:
            return rule
    return UFUNCS.get(ufunc.__name__)


def unsupported(name):
    return NotImplementedError(
        f"optad has no rule for {name} (called at {user_frame()}). The supported NumPy "
        "functions are listed in optad.numpy.SUPPORTED and in the README's 'Supported "
        "operations' table; write the computation with those.")


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if kwargs.get("out") is not None:
        raise NotImplementedError(f"np.{ufunc.__name__}(..., out=...) cannot write into a "
                                  "traced array; use the returned value")
    kwargs.pop("out", None)
    if method == "reduce" and ufunc is np.add:
        return onp.sum(*inputs, **kwargs)
    if method == "reduce" and ufunc is np.maximum:
        return onp.max(*inputs, **kwargs)
    if method == "reduce" and ufunc is np.minimum:
        return onp.min(*inputs, **kwargs)
    if method == "reduce" and ufunc is np.multiply:
        return onp.prod(*inputs, **kwargs)
    if method != "__call__":
        raise unsupported(f"np.{ufunc.__name__}.{method}")
    fn = _ufunc_rule(ufunc)
    if fn is None:
        raise unsupported(f"np.{ufunc.__name__}")
    if kwargs:
        raise NotImplementedError(f"np.{ufunc.__name__}: keyword arguments {sorted(kwargs)} "
                                  "are not supported on traced arrays")
    return fn(*inputs)


def array_function(self, func, types, args, kwargs):
    fn = FUNCTIONS.get(func)
    if fn is None:
        module = getattr(func, "__module__", "numpy") or "numpy"
        prefix = "np.linalg." if "linalg" in module else "np."
        raise unsupported(prefix + func.__name__)
    return fn(*args, **kwargs)


def _r(fn):
    return lambda self, other: fn(other, self)


def _method(fn):
    return lambda self, *args, **kwargs: fn(self, *args, **kwargs)


def _reshape_method(self, *shape, order="C"):
    return onp.reshape(self, *shape, order=order)


def _transpose_method(self, *axes):
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    return onp.transpose(self, axes or None)


def _astype(self, dtype, copy=True):
    return convert(self, np.dtype(dtype))


def _mT(self):
    return onp.swapaxes(self, -1, -2)


TRACER_METHODS = {
    "__array_ufunc__": array_ufunc,
    "__array_function__": array_function,
    "__add__": _method(onp.add), "__radd__": _r(onp.add),
    "__sub__": _method(onp.subtract), "__rsub__": _r(onp.subtract),
    "__mul__": _method(onp.multiply), "__rmul__": _r(onp.multiply),
    "__truediv__": _method(onp.divide), "__rtruediv__": _r(onp.divide),
    "__floordiv__": _method(onp.floor_divide), "__rfloordiv__": _r(onp.floor_divide),
    "__mod__": _method(onp.remainder), "__rmod__": _r(onp.remainder),
    "__divmod__": _method(onp.divmod), "__rdivmod__": _r(onp.divmod),
    "__pow__": _method(onp.power), "__rpow__": _r(onp.power),
    "__matmul__": _method(onp.matmul), "__rmatmul__": _r(onp.matmul),
    "__neg__": _method(onp.negative), "__pos__": _method(onp.positive),
    "__abs__": _method(onp.absolute),
    "__lt__": _method(onp.less), "__le__": _method(onp.less_equal),
    "__gt__": _method(onp.greater), "__ge__": _method(onp.greater_equal),
    "__eq__": _method(onp.equal), "__ne__": _method(onp.not_equal),
    "__and__": _method(onp.logical_and), "__rand__": _r(onp.logical_and),
    "__or__": _method(onp.logical_or), "__ror__": _r(onp.logical_or),
    "__invert__": _method(onp.logical_not),
    "__getitem__": _method(onp.getitem),
    "__setitem__": _method(updates.setitem), "at": property(updates.at),
    "copy": lambda self, order="C": updates.copy(self),
    "reshape": _reshape_method, "transpose": _transpose_method, "astype": _astype,
    "sum": _method(onp.sum), "mean": _method(onp.mean), "max": _method(onp.max),
    "min": _method(onp.min), "prod": _method(onp.prod), "var": _method(onp.var),
    "std": _method(onp.std), "cumsum": _method(onp.cumsum), "dot": _method(onp.dot),
    "ravel": _method(onp.ravel), "flatten": _method(onp.ravel),
    "squeeze": _method(onp.squeeze), "swapaxes": _method(onp.swapaxes),
    "clip": _method(onp.clip), "take": _method(onp.take), "trace": _method(onp.trace),
    "diagonal": _method(onp.diagonal),
    "argsort": _method(onp.argsort), "repeat": _method(onp.repeat),
    "T": property(lambda self: onp.transpose(self)), "mT": property(_mT),
}



_STORE_SUBSCR = dis.opmap["STORE_SUBSCR"]


def _assigning(frame):
    """Whether ``frame`` is executing an item assignment ``a[key] = value``."""
    code = frame.f_code.co_code
    return 0 <= frame.f_lasti < len(code) and code[frame.f_lasti] == _STORE_SUBSCR


def _array_method(self, *args, **kwargs):
    if _assigning(sys._getframe(1)):   # NumPy (C) asks for the array; the caller assigns
        self._concrete(
            "assignment into a NumPy array (a[key] = x)",
            " A NumPy array holds numbers, not traced values: build the array from the traced "
            "values (np.stack([x, y]), np.array([x, y]), np.concatenate), write into a traced "
            "array instead (b = np.zeros_like(x); b[key] = x), or use "
            "a = optad.numpy.at(a)[key].set(x), which returns a traced array.")
    self._concrete("conversion to a NumPy array (a NumPy function optad does not wrap was "
                   "given a traced value or a list holding one, or OPTAD_PATCH_NUMPY=0 is set: "
                   "build the array from the traced values with np.stack([x, y]) or "
                   "np.array([x, y]) instead of filling a NumPy array)")


TRACER_METHODS["__array__"] = _array_method


def install_tracer_methods():
    """Give the Tracer class its operators, array methods and NumPy protocols (idempotent).
    Called once by optad/__init__.py, explicitly: importing this module changes nothing."""
    for name, value in TRACER_METHODS.items():
        setattr(Tracer, name, value)
