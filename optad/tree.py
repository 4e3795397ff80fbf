"""Pytrees: nested tuples, lists and dicts (and None) with arrays at the leaves."""
from __future__ import annotations


class TreeDef:
    """The structure of a pytree; hashable, so it can key a cache."""

    __slots__ = ("kind", "meta", "children", "_hash")

    def __init__(self, kind, meta, children):
        self.kind = kind          # "leaf", "none", "tuple", "list", "dict", "namedtuple"
        self.meta = meta          # dict keys or the namedtuple type
        self.children = children  # tuple of TreeDef
        self._hash = hash((kind, meta, children))

    def __hash__(self):
        return self._hash

    def __eq__(self, other):
        return isinstance(other, TreeDef) and (self.kind, self.meta, self.children) == \
            (other.kind, other.meta, other.children)

    @property
    def num_leaves(self):
        if self.kind == "leaf":
            return 1
        return sum(c.num_leaves for c in self.children)

    def __repr__(self):
        if self.kind == "leaf":
            return "*"
        if self.kind == "none":
            return "None"
        inner = ", ".join(map(repr, self.children))
        if self.kind == "dict":
            inner = ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.meta, self.children))
            return "{" + inner + "}"
        return ("[" + inner + "]") if self.kind == "list" else ("(" + inner + ")")


LEAF = TreeDef("leaf", None, ())


def flatten(tree):
    """Return (leaves, treedef)."""
    leaves = []
    treedef = _flatten(tree, leaves)
    return leaves, treedef


def _flatten(tree, leaves):
    if tree is None:
        return TreeDef("none", None, ())
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return TreeDef("namedtuple", type(tree), tuple(_flatten(c, leaves) for c in tree))
    if isinstance(tree, tuple):
        return TreeDef("tuple", None, tuple(_flatten(c, leaves) for c in tree))
    if isinstance(tree, list):
        return TreeDef("list", None, tuple(_flatten(c, leaves) for c in tree))
    if isinstance(tree, dict):
        keys = tuple(sorted(tree, key=repr))
        return TreeDef("dict", keys, tuple(_flatten(tree[k], leaves) for k in keys))
    leaves.append(tree)
    return LEAF


def unflatten(treedef: TreeDef, leaves):
    it = iter(leaves)
    out = _unflatten(treedef, it)
    rest = list(it)
    if rest:
        raise ValueError(f"unflatten: {len(rest)} leaves left over for structure {treedef}")
    return out


def _unflatten(treedef, it):
    kind = treedef.kind
    if kind == "leaf":
        return next(it)
    if kind == "none":
        return None
    children = [_unflatten(c, it) for c in treedef.children]
    if kind == "tuple":
        return tuple(children)
    if kind == "list":
        return children
    if kind == "namedtuple":
        return treedef.meta(*children)
    return dict(zip(treedef.meta, children))


def tree_map(fn, tree, *rest):
    leaves, treedef = flatten(tree)
    others = [flatten(r)[0] for r in rest]
    return unflatten(treedef, [fn(*xs) for xs in zip(leaves, *others)])


class Unravel:
    """flat vector -> pytree of the structure, shapes and dtype seen by ``ravel_pytree``.

    ``ravel(tree)`` is the inverse for another tree of that structure (a gradient, say), with a
    clear error when its structure or a leaf's shape differs."""

    __slots__ = ("treedef", "shapes", "dtype", "_bounds")

    def __init__(self, treedef, shapes, dtype):
        self.treedef, self.shapes, self.dtype = treedef, tuple(shapes), dtype
        sizes = [_size(shape) for shape in shapes]
        self._bounds = [(sum(sizes[:k]), sum(sizes[:k + 1])) for k in range(len(sizes))]

    @property
    def single_array(self):
        """True when the tree is one array (no containers)."""
        return self.treedef == LEAF

    def __call__(self, flat):
        """The tree of ``flat``'s pieces (by slicing, so a traced vector works too)."""
        if not hasattr(flat, "reshape"):
            import numpy as np
            flat = np.asarray(flat)
        if self.single_array:
            return flat.reshape(self.shapes[0])
        return unflatten(self.treedef, [flat[a:b].reshape(shape)
                                        for (a, b), shape in zip(self._bounds, self.shapes)])

    def ravel(self, tree):
        import numpy as np
        leaves, treedef = flatten(tree)
        if self.single_array:
            leaves = [tree]
        elif treedef != self.treedef:
            raise ValueError(f"expected a pytree of structure {self.treedef}, got {treedef}")
        parts = []
        for leaf, shape in zip(leaves, self.shapes):
            a = np.asarray(leaf, dtype=self.dtype)
            if a.shape != shape:
                raise ValueError(f"expected shape {shape}, got {a.shape}")
            parts.append(a.reshape(-1))
        return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _size(shape):
    size = 1
    for d in shape:
        size *= d
    return size


def ravel_pytree(tree):
    """``(flat, unravel)``: every leaf of ``tree`` (real numbers; dict keys in sorted order) in
    one 1-D vector of the leaves' common floating dtype (float64 for integer or boolean leaves),
    and the function rebuilding a tree of that structure from such a vector."""
    import numpy as np
    leaves, treedef = flatten(tree)
    if not leaves:
        raise ValueError("the pytree has no array leaves")
    arrays = [np.asarray(leaf) for leaf in leaves]
    for a in arrays:
        if a.dtype.kind not in "biuf":
            raise TypeError(f"pytree leaves must be real numbers; got dtype {a.dtype}")
    dtype = np.result_type(*[a.dtype for a in arrays])
    dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
    unravel = Unravel(treedef, [a.shape for a in arrays], dtype)
    return unravel.ravel(tree), unravel
