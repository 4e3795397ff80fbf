"""``bounds=`` of optad.minimize, in scipy's forms, read into one box on the flat vector.

Accepted forms (x0 an array or a pytree; n its number of entries, ravelled in the order of
``optad.tree.ravel_pytree``):

- a sequence of n pairs ``(lo, hi)`` (or an (n, 2) array), one per flat entry of x0; ``None``
  or -inf/+inf mean no bound (scipy's old form);
- an object with ``lb`` and ``ub`` attributes, such as ``scipy.optimize.Bounds(lb, ub)``: each
  a number (broadcast), an array broadcastable to x0's shape (or of n entries), or, for a
  pytree x0, a pytree of those with x0's structure;
- for a pytree x0, a pytree of x0's structure whose items bound one leaf each: ``None`` (no
  bound), a pair ``(lo, hi)`` of numbers or arrays broadcast to the leaf, a sequence of one
  pair per entry of the leaf, or a Bounds object.

The result is a :class:`Box` of flat ``lower``/``upper`` vectors in x0's dtype (rounded inwards
when that dtype cannot hold a bound exactly) and ``bounded``, whether any bound is finite; the
methods skip every projection when it is False, so unbounded runs take their usual path.
Errors name the argument and the offending flat positions, as scipy's do.
"""
from __future__ import annotations

import numbers
import warnings
from typing import NamedTuple

import numpy as np

from .options import OptimizeWarning

# warn() <- clip_start <- minimize <- user code
_USER_STACKLEVEL = 3


class Box(NamedTuple):
    """lower <= x <= upper on the flat vector; the methods' ``params.box``."""
    lower: np.ndarray
    upper: np.ndarray
    bounded: bool       # any finite bound (False: every method runs unprojected)


def unbounded(x0) -> Box:
    """The box of no bounds for the flat vector x0."""
    return Box(np.full(x0.size, -np.inf, x0.dtype), np.full(x0.size, np.inf, x0.dtype), False)


def parse_bounds(bounds, x_flat, unravel) -> Box:
    """The :class:`Box` ``bounds`` describes for the flat start ``x_flat`` of structure
    ``unravel`` (``optad.tree.ravel_pytree``'s); :func:`unbounded` for None."""
    if bounds is None:
        return unbounded(x_flat)
    n = x_flat.size
    if _has_lb_ub(bounds):
        lower = _side(bounds.lb, unravel, n, "bounds.lb")
        upper = _side(bounds.ub, unravel, n, "bounds.ub")
    elif _is_pair_list(bounds, n):
        lower, upper = _pairs(bounds, n, "bounds")
    elif not unravel.single_array:
        lower, upper = _tree(bounds, unravel, n)
    else:
        raise ValueError(_wrong_form(bounds, n, unravel.shapes[0]))
    return _checked(lower, upper, x_flat.dtype)


def clip_start(x_flat, box: Box):
    """x_flat clipped into the box, with an OptimizeWarning when it was outside (scipy's
    behaviour); the same array when it was inside."""
    if not box.bounded:
        return x_flat
    outside = np.flatnonzero((x_flat < box.lower) | (x_flat > box.upper))
    if outside.size == 0:
        return x_flat
    warnings.warn(f"x0 lies outside the bounds at {outside.size} flat position(s) "
                  f"{outside[:10].tolist()}{' ...' if outside.size > 10 else ''}; "
                  "starting from x0 clipped into the bounds", OptimizeWarning,
                  stacklevel=_USER_STACKLEVEL)
    return np.minimum(np.maximum(x_flat, box.lower), box.upper)


def _has_lb_ub(obj):
    return hasattr(obj, "lb") and hasattr(obj, "ub")


def _is_scalar(value):
    return value is None or (isinstance(value, numbers.Real) and not isinstance(value, bool)) \
        or (isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf") \
        or isinstance(value, np.floating | np.integer)


def _is_pair(item):
    if isinstance(item, np.ndarray):
        return item.shape == (2,) and item.dtype.kind in "iuf"
    return isinstance(item, (tuple, list)) and len(item) == 2 and \
        all(_is_scalar(v) for v in item)


def _is_pair_list(obj, n):
    """A sequence of n (lo, hi) pairs of numbers, or an (n, 2) array."""
    if isinstance(obj, np.ndarray):
        return obj.ndim == 2 and obj.shape == (n, 2)
    return isinstance(obj, (tuple, list)) and len(obj) == n and \
        all(_is_pair(item) for item in obj)


def _number(value, default):
    return default if value is None else float(value)


def _pairs(seq, size, name):
    lower = np.array([_number(pair[0], -np.inf) for pair in seq], dtype=np.float64)
    upper = np.array([_number(pair[1], np.inf) for pair in seq], dtype=np.float64)
    if lower.size != size:
        raise ValueError(f"{name} has {lower.size} (lo, hi) pairs; expected {size}")
    return lower, upper


def _broadcast(value, shape, name, default):
    """A number or an array broadcast to ``shape`` (or of its flat size), flattened."""
    if value is None:
        return np.full(int(np.prod(shape)), default)
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be numbers or arrays of numbers, got "
                        f"{type(value).__name__}") from None
    size = int(np.prod(shape))
    if a.ndim == 1 and a.size == size:
        return a.copy()
    try:
        return np.broadcast_to(a, shape).reshape(-1).copy()
    except ValueError:
        raise ValueError(f"{name} has shape {a.shape}, which does not fit x0's shape "
                         f"{tuple(shape)}") from None


def _side(value, unravel, n, name):
    """One side (lb or ub) of a Bounds object as a flat vector."""
    default = -np.inf if name.endswith("lb") else np.inf
    if isinstance(value, np.ndarray) and value.size == 1:
        # scipy's Bounds stores numbers as arrays of one entry, pytrees as object arrays
        value = value.reshape(-1)[0]
        if value is not None and not isinstance(value, (dict, list, tuple)):
            value = float(value)
    if unravel.single_array or _is_scalar(value):
        return _broadcast(value, unravel.shapes[0] if unravel.single_array else (n,), name,
                          default)
    if isinstance(value, np.ndarray) and value.size == n:
        return value.astype(np.float64).reshape(-1)
    leaves = _leaves_like(value, unravel, name)
    return np.concatenate([_broadcast(leaf, shape, f"{name} (leaf {k})", default)
                           for k, (leaf, shape) in enumerate(zip(leaves, unravel.shapes))])


def _leaves_like(tree, unravel, name):
    """The items of ``tree`` at the leaves of x0's structure (None is kept as an item)."""
    try:
        return _match(tree, unravel.treedef, name)
    except _Mismatch as exc:
        raise ValueError(f"{name} does not match the structure of x0 {unravel.treedef}: "
                         f"{exc}") from None


class _Mismatch(Exception):
    pass


def _match(tree, treedef, where):
    """Items of ``tree`` standing at the leaves of ``treedef`` (anything, even a tuple)."""
    kind = treedef.kind
    if kind == "leaf":
        return [tree]
    if kind == "none":
        return []
    if kind == "dict":
        if not isinstance(tree, dict) or set(tree) != set(treedef.meta):
            keys = sorted(tree, key=repr) if isinstance(tree, dict) else type(tree).__name__
            raise _Mismatch(f"expected a dict with keys {list(treedef.meta)} at {where}, got "
                            f"{keys}")
        children = [tree[k] for k in treedef.meta]
        names = [f"{where}[{k!r}]" for k in treedef.meta]
    else:
        if not isinstance(tree, (tuple, list)) or len(tree) != len(treedef.children):
            got = f"{type(tree).__name__} of length {len(tree)}" \
                if isinstance(tree, (tuple, list)) else type(tree).__name__
            raise _Mismatch(f"expected a sequence of {len(treedef.children)} items at {where}, "
                            f"got {got}")
        children = list(tree)
        names = [f"{where}[{k}]" for k in range(len(children))]
    out = []
    for child, sub, name in zip(children, treedef.children, names):
        out.extend(_match(child, sub, name))
    return out


def _tree(bounds, unravel, n):
    """Bounds given leaf by leaf for a pytree x0."""
    items = _leaves_like(bounds, unravel, "bounds")
    lowers, uppers = [], []
    for k, (item, shape) in enumerate(zip(items, unravel.shapes)):
        size = int(np.prod(shape))
        name = f"bounds (leaf {k}, shape {tuple(shape)})"
        if item is None:
            lo, hi = np.full(size, -np.inf), np.full(size, np.inf)
        elif _has_lb_ub(item):
            lo = _broadcast(item.lb, shape, f"{name}.lb", -np.inf)
            hi = _broadcast(item.ub, shape, f"{name}.ub", np.inf)
        elif _is_pair_list(item, size):   # scipy's form, also for a leaf of two entries
            lo, hi = _pairs(item, size, name)
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            lo = _broadcast(item[0], shape, f"{name} lo", -np.inf)
            hi = _broadcast(item[1], shape, f"{name} hi", np.inf)
        else:
            raise ValueError(f"{name} must be None, a (lo, hi) pair, one (lo, hi) pair per "
                             f"entry ({size}) or a Bounds object; got {_describe(item)}")
        lowers.append(lo)
        uppers.append(hi)
    return np.concatenate(lowers), np.concatenate(uppers)


def _describe(obj):
    if isinstance(obj, (tuple, list)):
        return f"a {type(obj).__name__} of length {len(obj)}"
    return repr(obj) if _is_scalar(obj) else type(obj).__name__


def _wrong_form(bounds, n, shape):
    return (f"bounds must be a sequence of {n} (lo, hi) pairs (one per entry of x0, shape "
            f"{tuple(shape)}) or a Bounds(lb, ub) object; got {_describe(bounds)}")


def _checked(lower, upper, dtype) -> Box:
    """Validated flat bounds in x's dtype, rounded inwards if that dtype is narrower."""
    for name, side in (("lower", lower), ("upper", upper)):
        bad = np.flatnonzero(np.isnan(side))
        if bad.size:
            raise ValueError(f"bounds: the {name} bound is NaN at flat position(s) "
                             f"{bad[:10].tolist()}")
    bad = np.flatnonzero(lower > upper)
    if bad.size:
        k = bad[0]
        raise ValueError(f"bounds: lower bound > upper bound at flat position(s) "
                         f"{bad[:10].tolist()} (e.g. {lower[k]:g} > {upper[k]:g})")
    bad = np.flatnonzero((lower == np.inf) | (upper == -np.inf))
    if bad.size:
        raise ValueError(f"bounds: no finite point satisfies them at flat position(s) "
                         f"{bad[:10].tolist()} (a lower bound of +inf or upper bound of -inf)")
    lo, hi = lower.astype(dtype), upper.astype(dtype)
    if dtype != np.float64:   # rounded to a narrower dtype: keep the box inside the given one
        lo = np.where(lo.astype(np.float64) < lower, np.nextafter(lo, dtype.type(np.inf)), lo)
        hi = np.where(hi.astype(np.float64) > upper, np.nextafter(hi, dtype.type(-np.inf)), hi)
        lo = np.minimum(lo, hi)
    bounded = bool(np.any(np.isfinite(lo)) or np.any(np.isfinite(hi)))
    return Box(np.ascontiguousarray(lo), np.ascontiguousarray(hi), bounded)
