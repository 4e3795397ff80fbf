"""Flatten a pytree of arrays (nested tuples, lists, dicts) to one 1-D float vector and back.

Uses ``optad.tree`` (``flatten(tree) -> (leaves, treedef)``, ``unflatten(treedef, leaves)``) when
the core provides it; otherwise a small local implementation with the same semantics (dict keys in
sorted order, ``None`` is an empty node).
"""
from __future__ import annotations

import numpy as np

try:  # the core's pytree helpers, once they exist
    from optad.tree import flatten as _core_flatten, unflatten as _core_unflatten
except Exception:  # pragma: no cover - depends on the state of the core
    _core_flatten = _core_unflatten = None


def _local_flatten(tree):
    leaves = []

    def walk(node):
        if isinstance(node, (tuple, list)):
            return (type(node), tuple(walk(child) for child in node))
        if isinstance(node, dict):
            keys = tuple(sorted(node))
            return (dict, keys, tuple(walk(node[k]) for k in keys))
        if node is None:
            return (None,)
        leaves.append(node)
        return ("leaf",)

    return leaves, walk(tree)


def _local_unflatten(treedef, leaves):
    it = iter(leaves)

    def build(node):
        kind = node[0]
        if kind == "leaf":
            return next(it)
        if kind is None:
            return None
        if kind is dict:
            return {k: build(child) for k, child in zip(node[1], node[2])}
        return kind(build(child) for child in node[1])

    return build(treedef)


def flatten(tree):
    if _core_flatten is not None:
        return _core_flatten(tree)
    return _local_flatten(tree)


def unflatten(treedef, leaves):
    if _core_unflatten is not None:
        return _core_unflatten(treedef, leaves)
    return _local_unflatten(treedef, leaves)


class Raveler:
    """Maps a pytree of arrays to a flat float vector (``ravel``) and back (``unravel``)."""

    def __init__(self, example):
        leaves, self.treedef = flatten(example)
        if not leaves:
            raise ValueError("x0 has no array leaves")
        arrays = [np.asarray(leaf) for leaf in leaves]
        for a in arrays:
            if a.dtype.kind not in "biuf":
                raise TypeError(f"x0 leaves must be real numbers; got dtype {a.dtype}")
        self.shapes = [a.shape for a in arrays]
        self.sizes = [a.size for a in arrays]
        dtype = np.result_type(*[a.dtype for a in arrays])
        self.dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
        self.splits = np.cumsum(self.sizes)[:-1]
        self.size = int(sum(self.sizes))
        self.single_array = self.treedef_is_leaf(example)

    @staticmethod
    def treedef_is_leaf(example):
        return not isinstance(example, (tuple, list, dict)) and example is not None

    def ravel(self, tree):
        if self.single_array:
            a = np.asarray(tree, dtype=self.dtype)
            if a.shape != self.shapes[0]:
                raise ValueError(f"expected shape {self.shapes[0]}, got {a.shape}")
            return a.reshape(-1)
        leaves, _ = flatten(tree)
        if len(leaves) != len(self.shapes):
            raise ValueError(f"expected a pytree with {len(self.shapes)} leaves, got {len(leaves)}")
        parts = []
        for leaf, shape in zip(leaves, self.shapes):
            a = np.asarray(leaf, dtype=self.dtype)
            if a.shape != shape:
                raise ValueError(f"pytree leaf has shape {a.shape}, expected {shape}")
            parts.append(a.reshape(-1))
        return np.concatenate(parts)

    def unravel(self, flat):
        flat = np.asarray(flat)
        if self.single_array:
            return flat.reshape(self.shapes[0])
        pieces = np.split(flat, self.splits)
        leaves = [p.reshape(s) for p, s in zip(pieces, self.shapes)]
        return unflatten(self.treedef, leaves)
