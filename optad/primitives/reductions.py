"""Reductions over static axes (sum, max, min) and the cumulative sum.

max and min split the derivative equally among tied maxima (so it is a convex combination of
one-sided derivatives, never NaN).  prod, mean, var and norms are derived in optad.numpy.
"""
from __future__ import annotations

import numpy as np

from ..ir.program import ShapedArray
from ..trace.tracer import bind
from .elementwise import ShapeError, convert, div, eq, mul
from .registry import impl_rules, jvp_rules, primitive, shape_rules, vjp_rules
from .shape import broadcast_p, broadcast_to, reshape


def _reduced_shape(x, lits, axes):
    if any(not 0 <= a < len(x.shape) for a in axes) or len(set(axes)) != len(axes):
        raise ShapeError(f"reduction axes {axes} invalid for shape {x.shape}")
    return (ShapedArray(tuple(n for i, n in enumerate(x.shape) if i not in axes), x.dtype),)


def expand_reduced(y, shape, axes):
    """Broadcast a reduction's result back to the operand's shape."""
    keep = tuple(1 if i in axes else n for i, n in enumerate(shape))
    return broadcast_to(reshape(y, keep), shape)


sum_p = primitive("reduce_sum", "reduction")
impl_rules[sum_p] = lambda x, axes: np.sum(x, axis=axes)
shape_rules[sum_p] = _reduced_shape
jvp_rules[sum_p] = lambda primals, tangents, outs, axes: (
    None if tangents[0] is None else reduce_sum(tangents[0], axes))
vjp_rules[sum_p] = lambda ct, primals, outs, axes: [
    expand_reduced(ct, np.shape(primals[0]), axes)]


def reduce_sum(x, axes):
    axes = tuple(sorted(int(a) for a in axes))
    if not axes:
        return x
    return bind(sum_p, x, axes=axes)


def _argmax_weights(x, out, axes):
    """1/k at each of the k positions attaining the extreme value, 0 elsewhere."""
    mask = convert(eq(x, expand_reduced(out, np.shape(x), axes)), x.dtype)
    count = reduce_sum(mask, axes)
    return div(mask, expand_reduced(count, np.shape(x), axes))


def _extreme(name, impl):
    p = primitive(name, "reduction")
    impl_rules[p] = lambda x, axes: impl(x, axis=axes)
    operation = {"reduce_max": "maximum", "reduce_min": "minimum"}[name]

    def shape_rule(x, lits, axes):
        if any(x.shape[a] == 0 for a in axes if 0 <= a < len(x.shape)):
            # as NumPy: a max or min over nothing has no value (a sum over nothing is 0)
            raise ValueError(f"zero-size array to reduction operation {operation} which "
                             f"has no identity (axes {axes} of shape {x.shape})")
        return _reduced_shape(x, lits, axes)

    shape_rules[p] = shape_rule
    jvp_rules[p] = lambda primals, tangents, outs, axes: (
        None if tangents[0] is None
        else reduce_sum(mul(tangents[0], _argmax_weights(primals[0], outs, axes)), axes))
    vjp_rules[p] = lambda ct, primals, outs, axes: [
        mul(expand_reduced(ct, np.shape(primals[0]), axes),
            _argmax_weights(primals[0], outs, axes))]
    return p


max_p = _extreme("reduce_max", np.max)
min_p = _extreme("reduce_min", np.min)


def reduce_max(x, axes):
    axes = tuple(sorted(int(a) for a in axes))
    return x if not axes else bind(max_p, x, axes=axes)


def reduce_min(x, axes):
    axes = tuple(sorted(int(a) for a in axes))
    return x if not axes else bind(min_p, x, axes=axes)


cumsum_p = primitive("cumsum", "reduction")


def _cumsum_impl(x, axis, reverse):
    if reverse:
        return np.flip(np.cumsum(np.flip(x, axis), axis=axis), axis)
    return np.cumsum(x, axis=axis)


impl_rules[cumsum_p] = _cumsum_impl
shape_rules[cumsum_p] = lambda x, lits, axis, reverse: (ShapedArray(x.shape, x.dtype),)
jvp_rules[cumsum_p] = lambda primals, tangents, outs, axis, reverse: (
    None if tangents[0] is None else cumsum(tangents[0], axis, reverse))
vjp_rules[cumsum_p] = lambda ct, primals, outs, axis, reverse: [cumsum(ct, axis, not reverse)]


def cumsum(x, axis, reverse=False):
    return bind(cumsum_p, x, axis=int(axis), reverse=bool(reverse))


# --------------------------------------------------------------------------- sorting permutations
# The permutation that sorts (or partitions) the last axis: integer valued, so without
# derivative.  sort and partition gather their operand with it (optad.numpy.sorting), so their
# derivatives move each tangent with its value.  argsort is stable (ties keep their order,
# NaNs last, like np.sort); argpartition is NumPy's own (introselect) arrangement.

def _permutation_shape(x, lits, **params):
    if not x.shape:
        raise ShapeError("sorting needs an array with at least one axis")
    return (ShapedArray(x.shape, np.dtype(np.int64)),)


argsort_p = primitive("argsort", "reduction")
impl_rules[argsort_p] = lambda x: np.argsort(x, axis=-1, kind="stable").astype(np.int64)
shape_rules[argsort_p] = _permutation_shape
jvp_rules[argsort_p] = lambda primals, tangents, outs: None
vjp_rules[argsort_p] = lambda ct, primals, outs: [None]

argpartition_p = primitive("argpartition", "reduction")
impl_rules[argpartition_p] = lambda x, kth: np.argpartition(x, kth, axis=-1).astype(np.int64)
shape_rules[argpartition_p] = _permutation_shape
jvp_rules[argpartition_p] = lambda primals, tangents, outs, kth: None
vjp_rules[argpartition_p] = lambda ct, primals, outs, kth: [None]


def argsort(x):
    """The stable sorting permutation of the last axis."""
    return bind(argsort_p, x)


def argpartition(x, kth):
    return bind(argpartition_p, x, kth=tuple(int(k) for k in np.atleast_1d(kth)))


# --------------------------------------------------------------------------- broadcast's VJP
# the transpose of a broadcast is a sum over the broadcast axes

def sum_to_shape(x, shape):
    """Sum ``x`` over the axes a broadcast to x.shape added or expanded from 1."""
    shape = tuple(shape)
    lead = len(x.shape) - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, (a, b) in
                                      enumerate(zip(shape, x.shape[lead:])) if a == 1 and b != 1)
    if axes:
        x = reduce_sum(x, axes)
    return reshape(x, shape)


vjp_rules[broadcast_p] = lambda ct, primals, outs, shape: [sum_to_shape(ct, np.shape(primals[0]))]
