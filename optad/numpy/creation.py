"""Arrays built from Python sequences that hold traced values: ``np.array([x, 2 * x])``,
``np.asarray``, ``np.r_[...]`` and ``np.c_[...]`` stack their entries instead of refusing.

NumPy's constructors cannot return a traced array, so ``optad.numpy.patches`` puts
thin wrappers in front of ``numpy.array``, ``numpy.asarray``, ``numpy.r_`` and ``numpy.c_``:
while a function is being traced and the argument holds a traced value they call the functions
below; otherwise they call NumPy's own, unchanged."""
from __future__ import annotations

import numpy as np

from ._promote import as_operand, cast, holds_tracer, is_python_scalar
from .arrays import atleast_1d, concatenate, reshape, stack


def _build(obj):
    if isinstance(obj, np.ndarray) and obj.dtype == object:
        obj = obj.tolist()
    if isinstance(obj, (list, tuple)):
        if not holds_tracer(obj):
            return np.asarray(obj)
        return stack([_build(e) for e in obj])
    return as_operand(obj)


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, like=None):
    if not holds_tracer(obj):
        return np.array(obj, dtype=dtype, copy=copy, order=order, subok=subok, ndmin=ndmin)
    result = _build(obj)
    if dtype is not None:
        result = cast(result, np.dtype(dtype))
    if ndmin > result.ndim:
        result = reshape(result, (1,) * (ndmin - result.ndim) + result.shape)
    return result


def asarray(a, dtype=None, order=None, *, like=None, **kwargs):
    if not holds_tracer(a):
        return np.asarray(a, dtype=dtype, order=order, **kwargs)
    return array(a, dtype=dtype)


class _Concatenator:
    """np.r_ (rows: along axis 0) and np.c_ (columns: 1-D entries become columns, joined
    along the last axis) for entries that include traced values; slices become ranges."""

    def __init__(self, columns):
        self.columns = columns

    def __getitem__(self, key):
        items = key if isinstance(key, tuple) else (key,)
        parts = []
        for item in items:
            if isinstance(item, str):
                raise NotImplementedError("np.r_/np.c_ directive strings are not supported on "
                                          "traced values; use np.concatenate or np.stack")
            if isinstance(item, slice):
                step = item.step
                if isinstance(step, complex):
                    item = np.linspace(item.start or 0, item.stop, int(abs(step)))
                else:
                    item = np.arange(item.start or 0, item.stop, step or 1)
            item = _build(item) if isinstance(item, (list, tuple)) else as_operand(item)
            if is_python_scalar(item):
                item = np.asarray(item)
            item = atleast_1d(item)
            if self.columns and item.ndim == 1:
                item = reshape(item, (-1, 1))
            parts.append(item)
        return concatenate(parts, axis=-1 if self.columns else 0)


r_ = _Concatenator(columns=False)
c_ = _Concatenator(columns=True)
