"""Loops with JAX's signatures: ``fori_loop``, ``scan`` and ``while_loop``.

Inside a traced function each loop becomes one equation whose parameter is the body's program
(primitives/loops.py), so its cost to trace, differentiate and compile is one body's, whatever
the trip count.  Outside tracing, on NumPy arrays, each runs as the plain Python loop it
describes.  Carries, ``xs`` and ``ys`` are pytrees; bodies may close over arrays and over traced
values of the enclosing function.

    optad.fori_loop(lower, upper, body_fun, init_val)        body_fun(i, carry) -> carry
    optad.scan(f, init, xs=None, length=None, reverse=False) f(carry, x) -> (carry, y)
    optad.while_loop(cond_fun, body_fun, init_val)           forward mode only

``checkpoint=`` (fori_loop and scan): reverse mode stores the carry entering every step; with
``checkpoint=k`` the loop runs as chunks of k steps and stores one carry per chunk plus, while
one chunk is pulled back, that chunk's k carries (``checkpoint=True``: k = sqrt(length)), the
lecture notes' trade of memory for recomputation.
"""
from __future__ import annotations

import math

import numpy as np

from . import tree
from .ir.program import ShapedArray
from .primitives import elementwise as ew
from .primitives import shape as sh
from .primitives.loops import (INDEX_DTYPE, LoopError, scan_bind, trace_body, while_bind)
from .trace import tracer as _tracer
from .trace.tracer import Tracer, TracerError, user_frame

__all__ = ["fori_loop", "scan", "while_loop", "LoopError"]


# --------------------------------------------------------------------------- helpers

def _tracing(*leaves):
    return bool(_tracer.thread_state.stack) or any(isinstance(x, Tracer) for x in leaves)


def _leaf_value(x, what):
    """A carry or xs leaf as an array (Python numbers take NumPy's default dtypes)."""
    if isinstance(x, Tracer):
        return x
    if isinstance(x, (bool, int, float, np.generic, np.ndarray)):
        return np.asarray(x)
    raise TypeError(f"{what}: a leaf of type {type(x).__name__} is not an array or a number")


def _aval(x):
    return ShapedArray(tuple(x.shape), np.dtype(x.dtype))


def _paths(treedef, prefix):
    """A readable path for every leaf of ``treedef`` (``carry[0]['v']``)."""
    if treedef.kind == "leaf":
        return [prefix]
    if treedef.kind == "none":
        return []
    keys = treedef.meta if treedef.kind == "dict" else range(len(treedef.children))
    out = []
    for key, child in zip(keys, treedef.children):
        out += _paths(child, f"{prefix}[{key!r}]")
    return out


def _match_carry(what, new, init_tree, init_avals):
    """The leaves of the body's new carry, checked against the initial carry's."""
    leaves, new_tree = tree.flatten(new)
    if new_tree != init_tree:
        raise LoopError(f"{what}: the body returned a carry of structure {new_tree}, but the "
                        f"initial carry has structure {init_tree}; return the same structure")
    out = []
    for path, leaf, aval in zip(_paths(init_tree, "carry"), leaves, init_avals):
        if isinstance(leaf, (bool, int, float)) and not isinstance(leaf, np.generic):
            leaf = np.asarray(leaf, dtype=aval.dtype)   # a Python number takes the carry's type
        shape = tuple(np.shape(leaf))
        dtype = np.dtype(leaf.dtype) if hasattr(leaf, "dtype") else np.asarray(leaf).dtype
        if shape != aval.shape or dtype != aval.dtype:
            raise LoopError(
                f"{what}: the body changed {path} from {aval.dtype}{list(aval.shape)} to "
                f"{dtype}{list(shape)}; a loop carry keeps its shape and dtype (cast with "
                f".astype or start from a value of the final shape)")
        out.append(leaf)
    return out


def _static_int(value, name, what):
    if isinstance(value, Tracer):
        raise TracerError(
            f"{what}: {name} is a traced value at {user_frame()}\nThe bounds of "
            f"optad.{what} must be Python ints known when tracing. Pass the count as a static "
            "(non-array) argument, or use optad.while_loop (forward mode only) for a trip count "
            "that depends on traced values.")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what}: {name} must be an int, got {type(value).__name__}")
    return int(value)


# --------------------------------------------------------------------------- scan

def scan(f, init, xs=None, length=None, reverse=False, *, checkpoint=None):
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns
    ``(final carry, ys)`` with the ys stacked on a new leading axis (JAX's ``lax.scan``)."""
    if not callable(f):
        raise TypeError(f"scan: f must be callable, got {type(f).__name__}")
    init_leaves, init_tree = tree.flatten(init)
    init_leaves = [_leaf_value(x, "scan") for x in init_leaves]
    xs_leaves, xs_tree = tree.flatten(xs)
    xs_leaves = [_leaf_value(x, "scan") for x in xs_leaves]
    length = _scan_length(xs_leaves, xs_tree, length)
    if not _tracing(*init_leaves, *xs_leaves) and length > 0:
        return _python_scan(f, init, xs_leaves, xs_tree, length, reverse)
    init_avals = [_aval(x) for x in init_leaves]
    y_tree = []

    def body_fn(index, consts, carry, x):
        new, y = _call_scan_body(f, tree.unflatten(init_tree, carry),
                                 tree.unflatten(xs_tree, x))
        new_leaves = _match_carry("scan", new, init_tree, init_avals)
        y_leaves, treedef = tree.flatten(y)
        y_tree.append(treedef)
        return new_leaves + [_leaf_value(v, "scan") for v in y_leaves]

    body, closed = trace_body(body_fn, [[ShapedArray((), INDEX_DTYPE)], [], init_avals,
                                        [ShapedArray(tuple(x.shape[1:]), np.dtype(x.dtype))
                                         for x in xs_leaves]], 2)
    carry, ys = _scan_with_checkpoints(body, closed, init_leaves, xs_leaves, length, reverse, 0,
                                       _chunk(checkpoint, length))
    return tree.unflatten(init_tree, carry), tree.unflatten(y_tree[0], ys)


def _call_scan_body(f, carry, x):
    out = f(carry, x)
    if not isinstance(out, tuple) or len(out) != 2:
        raise LoopError("scan: f(carry, x) must return a pair (new_carry, y); use None for y "
                        "when there is nothing to stack")
    return out


def _scan_length(xs_leaves, xs_tree, length):
    lengths = []
    for path, x in zip(_paths(xs_tree, "xs"), xs_leaves):
        if not np.shape(x):
            raise LoopError(f"scan: {path} is a scalar; every xs leaf needs a leading axis to "
                            "loop over")
        lengths.append((path, np.shape(x)[0]))
    if length is not None:
        length = _static_int(length, "length", "scan")
        if length < 0:
            raise ValueError(f"scan: length must be >= 0, got {length}")
    distinct = sorted({n for _, n in lengths})
    if len(distinct) > 1 or (length is not None and distinct and distinct != [length]):
        given = ", ".join(f"{p}: {n}" for p, n in lengths)
        raise LoopError(f"scan: the xs leaves have different leading lengths ({given}"
                        f"{'' if length is None else f'; length={length}'}); they must all "
                        "equal the number of steps")
    if length is None:
        if not distinct:
            raise TypeError("scan: give xs or length (the number of steps)")
        length = distinct[0]
    return length


def _python_scan(f, init, xs_leaves, xs_tree, length, reverse):
    carry, ys = init, [None] * length
    for k in range(length):
        p = length - 1 - k if reverse else k
        carry, ys[p] = _call_scan_body(f, carry, tree.unflatten(xs_tree, [x[p] for x in xs_leaves]))
    leaves = [tree.flatten(y) for y in ys]
    y_tree = leaves[0][1]
    stacked = [np.stack([np.asarray(ls[j]) for ls, _ in leaves]) for j in range(y_tree.num_leaves)]
    return carry, tree.unflatten(y_tree, stacked)


def _chunk(checkpoint, length):
    if checkpoint is None or checkpoint is False:
        return None
    if checkpoint is True:
        return max(1, math.isqrt(max(length, 1)))
    k = _static_int(checkpoint, "checkpoint", "scan")
    if k < 1:
        raise ValueError(f"checkpoint must be a positive number of steps per chunk, got {k}")
    return k


def _scan_with_checkpoints(body, consts, init, xs, length, reverse, start, chunk):
    """The scan; with ``chunk`` = k, as a scan over chunks of k steps (each an inner scan),
    after (or, in reverse, before) the length % k steps that do not fill a chunk."""
    n_chunks = 0 if chunk is None else length // chunk
    if n_chunks < 2:
        return scan_bind(body, consts, init, xs, length, reverse, start)
    head = length - n_chunks * chunk
    head_xs = [_rows(x, 0, head) for x in xs]
    tail_xs = [sh.reshape(_rows(x, head, length), (n_chunks, chunk) + tuple(x.shape[1:]))
               for x in xs]
    def chunk_body(j, outer_consts, carry, x_chunk):
        offset = ew.add(ew.mul(j[0], chunk), start + head)

        def step(p, inner_consts, inner_carry, x):
            from .transforms.evaluate import eval_program
            return eval_program(body, [ew.add(p[0], inner_consts[0]), *inner_consts[1:],
                                       *inner_carry, *x])

        inner, closed = trace_body(step, [
            [ShapedArray((), INDEX_DTYPE)],
            [ShapedArray((), INDEX_DTYPE)] + [_aval(c) for c in outer_consts],
            [_aval(c) for c in carry], [ShapedArray(tuple(x.shape[1:]), x.dtype) for x in x_chunk]], 2)
        new_carry, ys = scan_bind(inner, [offset, *outer_consts, *closed], carry,
                                  x_chunk, chunk, reverse, 0)
        return new_carry + ys

    chunk_avals = [ShapedArray(tuple(x.shape[1:]), np.dtype(x.dtype)) for x in tail_xs]
    outer, closed = trace_body(chunk_body, [[ShapedArray((), INDEX_DTYPE)],
                                            [_aval(c) for c in consts],
                                            [_aval(c) for c in init], chunk_avals], 2)
    def run_head(carry):
        return scan_bind(body, consts, carry, head_xs, head, reverse, start)

    def run_chunks(carry):
        carry, ys = scan_bind(outer, [*consts, *closed], carry, tail_xs, n_chunks, reverse, 0)
        return carry, [sh.reshape(y, (n_chunks * chunk,) + tuple(y.shape[2:])) for y in ys]

    if head and not reverse:
        carry, head_ys = run_head(init)
        carry, tail_ys = run_chunks(carry)
    elif head:
        carry, tail_ys = run_chunks(init)
        carry, head_ys = run_head(carry)
    else:
        carry, tail_ys = run_chunks(init)
        head_ys = [None] * len(tail_ys)
    ys = [t if h is None else sh.concatenate([h, t], 0) for h, t in zip(head_ys, tail_ys)]
    return carry, ys


def _rows(x, begin, end):
    shape = tuple(x.shape)
    return sh.slice_array(x, (begin,) + (0,) * (len(shape) - 1), (1,) * len(shape),
                          (end - begin,) + shape[1:])


# --------------------------------------------------------------------------- fori_loop

def fori_loop(lower, upper, body_fun, init_val, *, checkpoint=None):
    """``carry = body_fun(i, carry)`` for i = lower, ..., upper - 1 (JAX's ``fori_loop``);
    the bounds are Python ints, ``i`` an integer usable in arithmetic (``t = i * dt``)."""
    lower = _static_int(lower, "lower", "fori_loop")
    upper = _static_int(upper, "upper", "fori_loop")
    if not callable(body_fun):
        raise TypeError(f"fori_loop: body_fun must be callable, got {type(body_fun).__name__}")
    init_leaves, init_tree = tree.flatten(init_val)
    init_leaves = [_leaf_value(x, "fori_loop") for x in init_leaves]
    length = max(0, upper - lower)
    if not _tracing(*init_leaves):
        carry = init_val
        for i in range(lower, upper):
            carry = body_fun(i, carry)
        return carry
    init_avals = [_aval(x) for x in init_leaves]

    def body_fn(index, consts, carry, x):
        new = body_fun(index[0], tree.unflatten(init_tree, carry))
        return _match_carry("fori_loop", new, init_tree, init_avals)

    body, closed = trace_body(body_fn, [[ShapedArray((), INDEX_DTYPE)], [], init_avals, []], 2)
    carry, _ = _scan_with_checkpoints(body, closed, init_leaves, [], length, False, lower,
                                      _chunk(checkpoint, length))
    return tree.unflatten(init_tree, carry)


# --------------------------------------------------------------------------- while_loop

def while_loop(cond_fun, body_fun, init_val):
    """``while cond_fun(carry): carry = body_fun(carry)`` (JAX's ``while_loop``).  Forward
    mode (jvp, jacfwd) differentiates through it; reverse mode is refused with an error that
    points at ``fori_loop``."""
    if not callable(cond_fun) or not callable(body_fun):
        raise TypeError("while_loop: cond_fun and body_fun must be callable")
    init_leaves, init_tree = tree.flatten(init_val)
    init_leaves = [_leaf_value(x, "while_loop") for x in init_leaves]
    if not _tracing(*init_leaves):
        carry = init_val
        while cond_fun(carry):
            carry = body_fun(carry)
        return carry
    init_avals = [_aval(x) for x in init_leaves]

    def cond_fn(consts, carry):
        out = cond_fun(tree.unflatten(init_tree, carry))
        value = out if isinstance(out, Tracer) else np.asarray(out)
        if tuple(value.shape) != () or np.dtype(value.dtype) != np.bool_:
            raise LoopError(f"while_loop: cond_fun must return a boolean scalar, got "
                            f"{np.dtype(value.dtype)}{list(value.shape)}")
        return [value]

    def body_fn(consts, carry):
        return _match_carry("while_loop", body_fun(tree.unflatten(init_tree, carry)),
                            init_tree, init_avals)

    cond, cond_closed = trace_body(cond_fn, [[], init_avals], 1)
    body, body_closed = trace_body(body_fn, [[], init_avals], 1)
    carry = while_bind(cond, body, cond_closed, body_closed, init_leaves)
    return tree.unflatten(init_tree, carry)
