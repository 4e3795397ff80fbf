"""np.sort, np.partition, np.argsort and np.argpartition on traced values.

The sorted array is the operand gathered with its sorting permutation (an integer primitive
without derivative), so a derivative follows each value to where it lands.  At ties the
permutation is the stable one (equal values keep their input order), so the derivative of
each output position is that of the input it came from; a one-sided derivative, as for
max/min ties it is not split."""
from __future__ import annotations

import numpy as np

from ..primitives import reductions as red
from ..primitives import shape as sh
from ._promote import any_tracer, as_operand
from .arrays import _axes, moveaxis, ravel, reshape


def _along_last(a, axis, fname):
    a = as_operand(a)
    if axis is None:
        return ravel(a), None
    if a.ndim == 0:
        raise np.exceptions.AxisError(f"{fname}: axis {axis} is out of bounds for a 0-d array")
    return moveaxis(a, _axes(axis, a.ndim, fname)[0], -1), _axes(axis, a.ndim, fname)[0]


def _permute(a, perm):
    """a[..., perm[..., j]] for every row of the last axis."""
    n = a.shape[-1]
    rows = int(np.prod(a.shape[:-1], dtype=np.int64))
    offsets = (np.arange(rows, dtype=np.int64) * n).reshape(a.shape[:-1] + (1,))
    flat_index = perm + offsets if a.ndim > 1 else perm
    return sh.gather(reshape(a, (-1,)), flat_index, 0)


def _restore(result, axis):
    return result if axis is None else moveaxis(result, -1, axis)


def _check_kind(kind, fname):
    if kind not in (None, "quicksort", "mergesort", "heapsort", "stable"):
        raise ValueError(f"{fname}: kind must be one of 'quicksort', 'mergesort', 'heapsort' "
                         f"or 'stable', got {kind!r}")


def argsort(a, axis=-1, kind=None, order=None, stable=None):
    if not any_tracer(a):
        return np.argsort(a, axis=axis, kind=kind, order=order)
    _check_kind(kind, "argsort")
    moved, ax = _along_last(a, axis, "argsort")
    return _restore(red.argsort(moved), ax)


def sort(a, axis=-1, kind=None, order=None, stable=None):
    if not any_tracer(a):
        return np.sort(a, axis=axis, kind=kind, order=order)
    _check_kind(kind, "sort")
    if order is not None:
        raise NotImplementedError("sort: order= (structured arrays) is not supported")
    moved, ax = _along_last(a, axis, "sort")
    return _restore(_permute(moved, red.argsort(moved)), ax)


def _check_kth(kth, n):
    kth = np.atleast_1d(np.asarray(kth))
    if kth.dtype.kind not in "iu" or np.any(kth >= n) or np.any(kth < -n):
        raise ValueError(f"kth(={kth.tolist()}) out of bounds ({n})")
    return kth % n


def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    if not any_tracer(a):
        return np.argpartition(a, kth, axis=axis, kind=kind, order=order)
    moved, ax = _along_last(a, axis, "argpartition")
    return _restore(red.argpartition(moved, _check_kth(kth, moved.shape[-1])), ax)


def partition(a, kth, axis=-1, kind="introselect", order=None):
    if not any_tracer(a):
        return np.partition(a, kth, axis=axis, kind=kind, order=order)
    moved, ax = _along_last(a, axis, "partition")
    perm = red.argpartition(moved, _check_kth(kth, moved.shape[-1]))
    return _restore(_permute(moved, perm), ax)
