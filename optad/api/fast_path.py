"""The hot path of a transformed function: called again with plain arrays (or flat tuples and
lists of them) of a signature seen before, it calls the compiled kernel straight away, without
flattening pytrees or building a signature.  A layout says, per argument, None for an array or
(tuple or list, length) for a flat container."""
from __future__ import annotations

import numpy as np


def fast_key(args):
    """The signature of arguments that are arrays or flat tuples/lists of arrays, else None."""
    key = []
    for a in args:
        kind = type(a)
        if kind is np.ndarray:
            key.append((a.shape, a.dtype))
        elif kind is tuple or kind is list:
            leaves = []
            for b in a:
                if type(b) is not np.ndarray:
                    return None
                leaves.append((b.shape, b.dtype))
            key.append((kind, tuple(leaves)))
        else:
            return None
    return tuple(key)


def layout_of(args):
    return [None if type(a) is np.ndarray else (type(a), len(a)) for a in args]


def flattener(layout):
    """args -> flat list of arrays, for a layout."""
    if all(entry is None for entry in layout):
        return lambda args: args

    def flatten_args(args):
        flat = []
        for a, entry in zip(args, layout):
            if entry is None:
                flat.append(a)
            else:
                flat.extend(a)
        return flat
    return flatten_args


def regrouper(layout, positions, start):
    """flat outputs from index ``start`` -> one value per argument position, rebuilt like that
    argument (an array, or a tuple or list of arrays)."""
    plan = []
    k = start
    for p in positions:
        entry = layout[p]
        n = 1 if entry is None else entry[1]
        plan.append((k, n, None if entry is None else entry[0]))
        k += n

    def regroup(outs):
        return [outs[k] if kind is None else kind(outs[k:k + n]) for k, n, kind in plan]
    return regroup
