"""``jvp`` and ``vjp``, and ``linear_map``: the public flat entry under them and the Jacobians
(jacobians.py) -- fun's JVP or VJP program at given primals, called on flat lists of arrays."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import tree
from ..trace.tracer import Tracer
from .argnums import check_argnums, resolve_argnums
from .flat import jvp_flat, vjp_flat
from .jit import jit
from .signature import check_matches, is_array_leaf, signature_of, traced_values
from .transformed import CacheEntry, Transformed, transform_for


class _LinearMapFun(Transformed):
    """A transformation differentiating the float leaves of the arguments in ``argnums``
    (all arguments when None)."""

    def __init__(self, fun, argnums, backend):
        super().__init__(fun, backend)
        self.argnums = None if argnums is None else check_argnums(argnums, self.__name__)

    def signature(self, args):
        if self.argnums is None:
            return signature_of(args, tuple(range(len(args))), self.__name__)
        positions = resolve_argnums(self.argnums, len(args), self.__name__)
        return signature_of(args, positions, self.__name__, refuse_static=True)


class JvpFun(_LinearMapFun):
    """(primals..., tangents...) -> (outputs..., output tangents...)."""

    kind = "jvp"

    def build(self, program, signature):
        return jvp_flat(program, signature.differentiated())


class VjpFun(_LinearMapFun):
    """(primals..., output cotangents...) -> (outputs..., input cotangents...)."""

    kind = "vjp"

    def build(self, program, signature):
        return vjp_flat(program, signature.differentiated())


@dataclass
class LinearMap:
    """fun's JVP (mode "jvp") or VJP ("vjp") at fixed primals, on flat arrays.

    ``inputs``: (shape, dtype) of each differentiated leaf of the primals; ``outputs``: the
    avals of fun's flat outputs (``out_tree`` their structure).  ``apply(seeds)`` takes one
    tangent per differentiated leaf (jvp) or one cotangent per output (vjp) and returns fun's
    outputs followed by the derivative outputs."""

    transformed: Transformed
    entry: CacheEntry
    primal_values: list

    @property
    def signature(self):
        return self.entry.signature

    @property
    def out_tree(self):
        return self.entry.out_tree

    @property
    def inputs(self):
        leaves = self.signature.traced_leaves()
        return [(leaf.shape, leaf.dtype) for leaf, d in
                zip(leaves, self.signature.differentiated()) if d]

    @property
    def outputs(self):
        program = self.entry.program
        n_derivatives = len(program.outputs) // 2 if self.transformed.kind == "jvp" else \
            len(self.inputs)
        return [atom.aval for atom in program.outputs[:len(program.outputs) - n_derivatives]]

    def apply(self, seeds):
        return self.transformed.call_flat(self.entry, self.primal_values + list(seeds))


def linear_map(fun, mode, primals, argnums=None, backend=None) -> LinearMap:
    """fun's JVP (``mode="jvp"``) or VJP (``"vjp"``) at ``primals`` (a tuple of positional
    arguments), differentiating the float leaves of ``argnums`` (all arguments when None)."""
    if mode not in ("jvp", "vjp"):
        raise ValueError(f"linear_map: mode must be 'jvp' or 'vjp', got {mode!r}")
    if argnums is not None:
        argnums = check_argnums(argnums, f"linear_map({mode})")
    transformed = transform_for(JvpFun if mode == "jvp" else VjpFun, fun, backend, argnums)
    primals = tuple(primals)
    entry = transformed.entry(primals)
    return LinearMap(transformed, entry, traced_values(entry.signature,
                                                       tree.flatten(primals)[0]))


def jvp(fun, primals, tangents, backend=None):
    """Forward mode, JAX's signature: returns ``(fun(*primals), J(primals) @ tangents)``."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise TypeError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    check_matches(primals, tangents, "jvp", "tangents", "primals")
    t_leaves = tree.flatten(tangents)[0]
    forward = linear_map(fun, "jvp", primals, backend=backend)
    signature = forward.signature
    tangent_values = []
    for k, differentiated in zip(signature.traced_positions, signature.differentiated()):
        if differentiated:
            t = t_leaves[k]
            tangent_values.append(t if isinstance(t, Tracer) else
                                  np.asarray(t, dtype=signature.leaves[k].dtype))
    outs = forward.apply(tangent_values)
    n = len(outs) // 2
    return tree.unflatten(forward.out_tree, outs[:n]), tree.unflatten(forward.out_tree, outs[n:])


def vjp(fun, *primals, backend=None):
    """Reverse mode: returns ``(fun(*primals), pullback)`` with ``pullback(cotangent)`` giving
    one cotangent per primal (same structures; zeros for integer leaves).  The pullback runs
    one kernel that recomputes the forward sweep and then the backward sweep."""
    reverse = linear_map(fun, "vjp", primals, backend=backend)
    signature, out_avals, out_tree = reverse.signature, reverse.outputs, reverse.out_tree
    p_leaves = tree.flatten(primals)[0]
    fwd_value = jit(fun, backend)(*primals)

    def pullback(cotangent):
        ct_leaves, ct_tree = tree.flatten(cotangent)
        if ct_tree != out_tree:
            raise TypeError(f"pullback: cotangent has structure {ct_tree}, the output {out_tree}")
        cts = []
        for c, aval in zip(ct_leaves, out_avals):
            if np.shape(c) != aval.shape:
                raise ValueError(f"pullback: cotangent of shape {np.shape(c)} for an output of "
                                 f"shape {aval.shape}")
            cts.append(c if isinstance(c, Tracer) else np.asarray(c, dtype=aval.dtype))
        in_cts = iter(reverse.apply(cts)[len(out_avals):])
        differentiated = dict(zip(signature.traced_positions, signature.differentiated()))
        flat = [next(in_cts) if differentiated.get(k) else
                (np.zeros_like(leaf) if is_array_leaf(leaf) else None)
                for k, leaf in enumerate(p_leaves)]
        return tuple(tree.unflatten(signature.in_tree, flat))

    return fwd_value, pullback
