"""Input signatures: what a transformed function is traced (and its kernel compiled) once per.

A call's positional arguments are flattened to leaves.  Each leaf is either traced -- an array,
or a Python number in a traced argument -- described by its shape and dtype, or static -- any
other hashable value, passed to the function as it is and part of the signature by value."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .. import tree
from ..ir.program import Program, ShapedArray
from ..trace.tracer import Tracer, make_path_flat, traced_callable
from ..transforms.loop_hoist import hoist_invariants
from ..transforms.reroll import reroll


def is_array_leaf(x) -> bool:
    return isinstance(x, (np.ndarray, np.generic, Tracer))


def _is_python_number(x) -> bool:
    return isinstance(x, (bool, int, float)) and not isinstance(x, np.generic)


@dataclass(frozen=True)
class LeafSpec:
    """One leaf of the flattened arguments: traced (shape, dtype) or static (its value)."""

    static: bool
    shape: tuple = ()
    dtype: np.dtype | None = None
    value: object = None
    value_type: type | None = None  # so that the static values 1, 1.0 and True differ

    @property
    def aval(self) -> ShapedArray:
        return ShapedArray(self.shape, self.dtype)


@dataclass(frozen=True)
class Signature:
    """The flattened arguments of one call: their structure, one LeafSpec per leaf, the
    positional argument each leaf belongs to, and the (resolved) differentiated arguments."""

    in_tree: tree.TreeDef
    leaves: tuple
    owner: tuple
    diff_argnums: tuple = ()

    @cached_property
    def traced_positions(self) -> tuple:
        return tuple(k for k, leaf in enumerate(self.leaves) if not leaf.static)

    @cached_property
    def has_static(self) -> bool:
        return any(leaf.static for leaf in self.leaves)

    def traced_leaves(self):
        return [self.leaves[k] for k in self.traced_positions]

    def differentiated(self) -> list:
        """Per traced leaf: whether it is a float leaf of a differentiated argument."""
        return [self.leaves[k].dtype.kind == "f" and self.owner[k] in self.diff_argnums
                for k in self.traced_positions]

    def check_float(self, what: str):
        """Refuse non-float leaves in the differentiated arguments."""
        for k in self.traced_positions:
            if self.owner[k] in self.diff_argnums and self.leaves[k].dtype.kind != "f":
                raise TypeError(f"{what}: argument {self.owner[k]} has dtype "
                                f"{self.leaves[k].dtype}; only floating-point inputs can be "
                                "differentiated (convert with .astype(float), or move it out "
                                "of argnums)")

    def describe(self) -> str:
        return ", ".join(f"{leaf.value!r}" if leaf.static else f"{leaf.dtype}{list(leaf.shape)}"
                         for leaf in self.leaves)


def signature_of(args, diff_argnums=(), what="", refuse_static=False) -> Signature:
    """The signature of positional arguments ``args``.  Python numbers in the arguments of
    ``diff_argnums`` are traced (as float64 0-d arrays; booleans as bool); with
    ``refuse_static`` a leaf of those arguments that is neither an array nor a number is an
    error naming argnums, since it cannot be differentiated."""
    flat_args, in_tree = tree.flatten(tuple(args))
    owner = []
    for i, a in enumerate(args):
        owner += [i] * tree.flatten(a)[1].num_leaves
    leaves = tuple(_leaf_spec(x, owner[k] in diff_argnums, refuse_static, owner[k], what)
                   for k, x in enumerate(flat_args))
    return Signature(in_tree, leaves, tuple(owner), tuple(diff_argnums))


def _leaf_spec(x, traced_argument, refuse_static, position, what):
    if is_array_leaf(x):
        return LeafSpec(False, tuple(x.shape), np.dtype(x.dtype))
    if traced_argument and _is_python_number(x):
        return LeafSpec(False, (), np.dtype(bool) if isinstance(x, bool) else np.dtype(np.float64))
    if traced_argument and refuse_static:
        raise TypeError(f"{what}: argument {position} is differentiated (it is in argnums) "
                        f"but holds {x!r} of type {type(x).__name__}, which is neither an "
                        "array nor a number; pass it in an argument that is not in argnums, "
                        "or close over it")
    try:
        hash(x)
    except TypeError:
        raise TypeError(f"{what + ': ' if what else ''}argument leaf of type "
                        f"{type(x).__name__} is neither an array nor a hashable static "
                        "value") from None
    return LeafSpec(True, value=x, value_type=type(x))


def check_matches(reference, value, what, value_name, reference_name):
    """Refuse ``value`` (tangents, v) unless it has the pytree structure and the leaf shapes
    of ``reference`` (the primals, x)."""
    r_leaves, r_tree = tree.flatten(reference)
    v_leaves, v_tree = tree.flatten(value)
    if v_tree != r_tree:
        raise TypeError(f"{what}: {value_name} has structure {v_tree} where {reference_name} "
                        f"has {r_tree}")
    for r, v in zip(r_leaves, v_leaves):
        if np.shape(r) != np.shape(v):
            raise ValueError(f"{what}: {value_name} has a leaf of shape {np.shape(v)} where "
                             f"{reference_name} has {np.shape(r)}")


def leaf_value(x):
    """A traced leaf's value as the kernel takes it: Python numbers become 0-d float64."""
    if _is_python_number(x):
        return np.asarray(x, dtype=np.float64)
    return x


def traced_values(signature: Signature, flat_args) -> list:
    """The values of the traced leaves among the flattened arguments."""
    return [leaf_value(flat_args[k]) for k in signature.traced_positions]


def trace(fun, signature: Signature) -> tuple[Program, tree.TreeDef]:
    """``fun`` traced at ``signature``: (its Program over the traced leaves, its output
    structure).  Repeating Python loops are rerolled into scans, and what a scan body computes
    from loop invariants alone moves before the loop.  A Python decision on a traced value is
    an error here (no values to decide by): see trace_path."""
    program, out_tree, _, _ = trace_path(fun, signature, None)
    return program, out_tree


def trace_path(fun, signature: Signature, values):
    """``fun`` traced at ``signature`` taking its Python decisions on traced values by the
    traced leaves' values ``values`` (None: no decisions possible): (program, output structure,
    decisions, lines).  With decisions the program has one more output, last, True when all of
    them come out the same again (optad/trace/guards.py); ``lines`` says where each was taken."""
    out_trees = []
    fun = traced_callable(fun)

    def flat_fun(*tracers):
        leaves = [leaf.value if leaf.static else None for leaf in signature.leaves]
        for k, t in zip(signature.traced_positions, tracers):
            leaves[k] = t
        out = fun(*tree.unflatten(signature.in_tree, leaves))
        out_leaves, out_tree = tree.flatten(out)
        out_trees.append(out_tree)
        return out_leaves

    avals = [leaf.aval for leaf in signature.traced_leaves()]
    program, decisions, lines = make_path_flat(flat_fun, avals, values)
    program = hoist_invariants(reroll(program))
    return program, out_trees[-1], decisions, lines
