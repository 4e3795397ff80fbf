"""``grad``, ``value_and_grad`` and ``hvp``: the flat transformations of flat.py wrapped with
pytrees, argnums and the per-signature cache of transformed.py."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import tree
from ..backends import get_backend
from ..ir.program import Program
from ..trace.tracer import thread_state
from ..transforms import partial_eval
from . import fast_path
from .argnums import check_argnums, resolve_argnums
from .flat import hvp_flat, value_and_grad_flat
from .signature import check_matches, signature_of, traced_values
from .transformed import Transformed, lru_get, lru_put, scalarize, transform_for


class _Gradient(Transformed):
    """value and gradient with respect to the arguments of ``argnums``."""

    def __init__(self, fun, argnums, backend):
        super().__init__(fun, backend)
        self.argnums = check_argnums(argnums, self.__name__)
        self.single = isinstance(self.argnums, int)

    def signature(self, args):
        positions = resolve_argnums(self.argnums, len(args), self.__name__)
        return signature_of(args, positions, self.__name__, refuse_static=True)

    def build(self, program, signature):
        signature.check_float(self.kind)
        return value_and_grad_flat(program, signature.differentiated(), self.kind)

    def value_and_grads(self, args):
        entry = self.entry(args)
        outs = self.call_flat(entry, traced_values(entry.signature, tree.flatten(args)[0]))
        grads = iter(outs[1:])
        per_argument = []
        for a in entry.signature.diff_argnums:
            leaves, treedef = tree.flatten(args[a])
            per_argument.append(tree.unflatten(treedef, [next(grads) for _ in leaves]))
        return outs[0], (per_argument[0] if self.single else tuple(per_argument))

    def _regrouper(self, layout):
        positions = resolve_argnums(self.argnums, len(layout), self.__name__)
        return fast_path.flattener(layout), fast_path.regrouper(layout, positions, 1)


class Grad(_Gradient):
    kind = "grad"

    def __call__(self, *args):
        return self.call_fast_or_slow(args, lambda a: self.value_and_grads(a)[1])

    def make_fast(self, kernel, entry, layout):
        flat, regroup = self._regrouper(layout)
        if self.single:
            return lambda *args: regroup(kernel(*flat(args)))[0]
        return lambda *args: tuple(regroup(kernel(*flat(args))))


class ValueAndGrad(_Gradient):
    kind = "value_and_grad"

    def __call__(self, *args):
        return self.call_fast_or_slow(args, self.value_and_grads)

    def make_fast(self, kernel, entry, layout):
        flat, regroup = self._regrouper(layout)
        single = self.single

        def value_and_grad_fast(*args):
            outs = kernel(*flat(args))
            grads = regroup(outs)
            return outs[0][()], (grads[0] if single else tuple(grads))
        return value_and_grad_fast


def grad(fun, argnums=0, backend=None):
    """The gradient of a scalar function with respect to argument(s) ``argnums`` (an int or a
    tuple of ints; negative positions count from the end)."""
    if type(argnums) is list:
        argnums = tuple(argnums)
    # keyed by the types too, so that argnums=1.0 or True is not taken for a cached argnums=1
    # (Grad checks argnums when it is made); no Python call on this path
    return transform_for(Grad, fun, backend, argnums, tag=type(argnums) if type(argnums) is
                         not tuple else tuple(map(type, argnums)))


def value_and_grad(fun, argnums=0, backend=None):
    """A function returning ``(fun(*args), grad(fun)(*args))`` from one kernel."""
    if type(argnums) is list:
        argnums = tuple(argnums)
    return transform_for(ValueAndGrad, fun, backend, argnums, tag=type(argnums) if
                         type(argnums) is not tuple else tuple(map(type, argnums)))


# --------------------------------------------------------------------------- hvp

@dataclass
class Linearization:
    """H(x) v split at a fixed x: ``known`` computes the residuals from x (and the data),
    ``unknown`` maps (residuals..., v...) to H v; with their compiled kernels."""

    signature: object
    known: Program
    unknown: Program
    known_kernel: object
    unknown_kernel: object


class Hvp(Transformed):
    """(x, v, *args) -> H(x) v, forward-mode differentiation of the reverse-mode gradient."""

    kind = "hvp"

    def __init__(self, fun, backend):
        super().__init__(fun, backend)
        self._linear: dict = {}

    def signature(self, args):
        if len(args) < 2:
            raise TypeError("hvp(fun)(x, v, *args) needs at least x and v")
        x, v = args[0], args[1]
        check_matches(x, v, "hvp", "v", "x")
        return signature_of((x,) + tuple(args[2:]), (0,), "hvp", refuse_static=True)

    def signature_args(self, args):
        return (args[0],) + tuple(args[2:])

    def build(self, program, signature):
        signature.check_float("hvp")
        return hvp_flat(program, signature.differentiated())

    def __call__(self, *args):
        return self.call_fast_or_slow(args, lambda a: self._call_slow(*a))

    def _call_slow(self, x, v, *args):
        entry = self.entry((x, v) + args)
        x_leaves, x_tree = tree.flatten(x)
        values = traced_values(entry.signature, tree.flatten((x,) + args)[0])
        v_values = [t if thread_state.stack else np.asarray(t, dtype=leaf.dtype)
                    for t, leaf in zip(tree.flatten(v)[0], entry.signature.leaves)]
        return tree.unflatten(x_tree, self.call_flat(entry, values + v_values))

    def make_fast(self, kernel, entry, layout):
        if layout[0] != layout[1]:
            return None  # v must share x's structure (checked on the slow path)
        flat_rest = fast_path.flattener(layout[2:])
        if layout[0] is None:
            return lambda x, v, *rest: kernel(x, *flat_rest(rest), v)[0]
        kind, n = layout[0]
        return lambda x, v, *rest: kind(kernel(*x, *flat_rest(rest), *v)[:n])

    # -- linearised at a fixed x: the part of the program that does not depend on v runs once
    def linearization(self, x, args) -> Linearization:
        """The product's program at x's signature split by ``partial_eval`` into the part
        computed from x alone (its outputs are the residuals) and the part linear in v."""
        entry = self.entry((x, x) + tuple(args))
        cached = lru_get(self._linear, entry.signature)
        if cached is None:
            program = entry.program
            n_v = len(program.outputs)
            n_known = len(program.inputs) - n_v
            known, unknown, _ = partial_eval(program, [True] * n_known + [False] * n_v, [],
                                             range(n_v))
            backend = get_backend(self.backend)
            cached = Linearization(entry.signature, known, unknown,
                                   backend.compile_program(known),
                                   backend.compile_program(unknown))
            lru_put(self._linear, entry.signature, cached)
        return cached

    def at(self, x, *args):
        """``v -> H(x) v`` at a fixed ``x``: the work that does not depend on v (the forward
        sweep, activations and their derivatives, ...) is done once here, and each product
        runs only the part linear in v -- what an inner conjugate-gradient loop wants."""
        if thread_state.stack or self.entry((x, x) + tuple(args)).paths is not None:
            # inlined into the enclosing trace; or x decides on values: each product checks
            return lambda v: self(x, v, *args)
        lin = self.linearization(x, args)
        x_leaves, x_tree = tree.flatten(x)
        residuals = lin.known_kernel(*traced_values(lin.signature,
                                                    tree.flatten((x,) + tuple(args))[0]))
        dtypes = [leaf.dtype for leaf in lin.signature.leaves[:len(x_leaves)]]

        def hvp_at_x(v):
            check_matches(x, v, "hvp(...).at(x)(v)", "v", "x")
            outs = lin.unknown_kernel(*residuals, *[np.asarray(t, dtype=d) for t, d in
                                                    zip(tree.flatten(v)[0], dtypes)])
            return tree.unflatten(x_tree, [scalarize(o) for o in outs])
        return hvp_at_x

    def linearized_at(self, x, *args):
        """``(known program, unknown program, known kernel, unknown kernel)`` of ``at`` at
        these arguments' signature, or None with a static argument or when the function
        decides on values (one path's parts are not the function's)."""
        if self.entry((x, x) + tuple(args)).paths is not None:
            return None
        lin = self.linearization(x, args)
        if lin.signature.has_static:
            return None
        return lin.known, lin.unknown, lin.known_kernel, lin.unknown_kernel


def hvp(fun, backend=None):
    """Hessian-vector product of a scalar function w.r.t. its first argument:
    ``hvp(f)(x, v, *args) = H(x) v``, forward over reverse (never forming H)."""
    return transform_for(Hvp, fun, backend)
