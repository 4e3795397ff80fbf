"""The public transformations: grad, value_and_grad, jvp, vjp, hvp, Jacobians, Hessians,
jit, checkpoint, make_program and show_source.

Each transformed function traces ``fun`` once per input signature (pytree structure, shapes,
dtypes, values of static arguments), transforms and simplifies the Program, and hands it to a
backend.  Called with Tracers (inside another traced function) it traces through instead:
its program is re-emitted into the enclosing trace, so transformations nest.
"""
from __future__ import annotations

import os
from typing import Callable

import numpy as np

from . import tree
from .backends import default_backend, get_backend
from .ir.program import ShapedArray
from .primitives.control import call_checkpointed
from .trace import numpy_dispatch  # noqa: F401  (installs the Tracer methods)
from .trace.tracer import Tracer, make_program_flat
from .transforms import (eval_program, grad_program, jvp_program, partial_eval, simplify,
                         vjp_program)
from .transforms.reroll import reroll
from .transforms.select import select_outputs

DEFAULT_BACKEND = default_backend()


class Source(str):
    """Generated source; displays as itself in a REPL."""

    def __repr__(self):
        return str(self)


# --------------------------------------------------------------------------- signatures

def _is_array_leaf(x):
    return isinstance(x, (np.ndarray, np.generic, Tracer))


def _leaf_spec(x, traced_scalars):
    if _is_array_leaf(x):
        return ("a", tuple(x.shape), np.dtype(x.dtype))
    if isinstance(x, (bool, int, float)) and traced_scalars:
        return ("a", (), np.dtype(np.float64) if not isinstance(x, bool) else np.dtype(bool))
    try:
        hash(x)
    except TypeError:
        raise TypeError(f"argument leaf of type {type(x).__name__} is neither an array nor a "
                        "hashable static value") from None
    return ("s", x)


def _as_leaf_value(x):
    if isinstance(x, (bool, int, float)) and not isinstance(x, np.generic):
        return np.asarray(x, dtype=np.float64)
    return x


class _Traced:
    """A function flattened to leaves, traced per signature."""

    def __init__(self, fun, args, diff_argnums=()):
        flat_args, self.in_tree = tree.flatten(tuple(args))
        # which leaves belong to which positional argument
        owner = []
        for i, a in enumerate(args):
            owner += [i] * tree.flatten(a)[1].num_leaves
        self.owner = owner
        specs = [_leaf_spec(x, traced_scalars=(owner[k] in diff_argnums))
                 for k, x in enumerate(flat_args)]
        self.specs = specs
        self.traced_positions = [k for k, s in enumerate(specs) if s[0] == "a"]
        self.key = (self.in_tree, tuple(specs))
        self.fun = fun
        self.out_tree = None

    def trace(self):
        avals = [ShapedArray(self.specs[k][1], self.specs[k][2]) for k in self.traced_positions]
        specs = self.specs

        def flat_fun(*tracers):
            leaves = [s[1] if s[0] == "s" else None for s in specs]
            for k, t in zip(self.traced_positions, tracers):
                leaves[k] = t
            args = tree.unflatten(self.in_tree, leaves)
            out = self.fun(*args)
            out_leaves, self.out_tree = tree.flatten(out)
            return out_leaves

        return reroll(make_program_flat(flat_fun, avals))


def _traced_values(traced: _Traced, flat_args):
    return [_as_leaf_value(flat_args[k]) for k in traced.traced_positions]


def _check_float(traced: _Traced, argnums, what):
    for k in traced.traced_positions:
        if traced.owner[k] in argnums and traced.specs[k][2].kind != "f":
            raise TypeError(f"{what}: argument {traced.owner[k]} has dtype {traced.specs[k][2]}; "
                            "only floating-point inputs can be differentiated (convert with "
                            ".astype(float), or move it out of argnums)")


def _check_scalar_output(program, traced, what):
    if len(program.outputs) != 1 or program.outputs[0].aval.shape != ():
        shapes = [o.aval.shape for o in program.outputs]
        raise TypeError(f"{what} requires the function to return a scalar (shape ()), but it "
                        f"returned {'an array of shape ' + str(shapes[0]) if len(shapes) == 1 else str(len(shapes)) + ' arrays with shapes ' + str(shapes)}. "
                        "Reduce it (e.g. np.sum) or use optad.jacobian / optad.vjp for vector "
                        "outputs.")
    if program.outputs[0].aval.dtype.kind != "f":
        raise TypeError(f"{what} requires a floating-point scalar output, got "
                        f"{program.outputs[0].aval.dtype}")


def _scalarize(x):
    x = np.asarray(x)
    return x[()] if x.ndim == 0 else x


# --------------------------------------------------------------------------- transformed callables

class Transformed:
    """Base of every transformed function: builds and caches (program, kernel) per signature."""

    kind = "transformed"

    def __init__(self, fun: Callable, backend: str | None):
        if not callable(fun):
            raise TypeError(f"expected a callable, got {type(fun).__name__}")
        self.fun = fun
        self.backend = backend or DEFAULT_BACKEND
        self._cache: dict = {}
        self._fast: dict = {}
        try:
            self.__name__ = f"{self.kind}({getattr(fun, '__name__', 'fun')})"
            self.__doc__ = getattr(fun, "__doc__", None)
        except AttributeError:
            pass

    def __repr__(self):
        return f"<optad {self.__name__}, backend={self.backend!r}>"

    # subclasses: build(traced) -> Program, and finish(outputs, traced, *args)
    def _entry(self, args):
        traced = self.make_traced(args)
        entry = self._cache.get(traced.key)
        if entry is None:
            program = simplify(self.build(traced))
            entry = (program, None, traced.out_tree, traced)
            self._cache[traced.key] = entry
        return entry[3], entry  # the traced object that knows the output structure

    def _kernel(self, traced, entry):
        program, kernel, out_tree, t0 = entry
        if kernel is None:
            backend = get_backend(self.backend)
            kernel = backend.compile_program(program)
            if os.environ.get("OPTAD_SHOW_SOURCE"):
                print(f"# optad: {self.__name__} for {traced.key[1]}\n"
                      + backend.program_source(program))
            entry = (program, kernel, out_tree, t0)
            self._cache[traced.key] = entry
        return entry

    def run(self, args):
        traced, entry = self._entry(args)
        flat_args = tree.flatten(tuple(args))[0]
        values = _traced_values(traced, flat_args)
        if any(isinstance(v, Tracer) for v in values):
            return eval_program(entry[0], values), entry[3]
        program, kernel, out_tree, t0 = self._kernel(traced, entry)
        return kernel(*values), t0

    def call_flat(self, traced, entry, values):
        """Run the program of ``entry`` on flat values: compiled, or re-emitted if traced."""
        if any(isinstance(v, Tracer) for v in values):
            return eval_program(entry[0], values)
        _, kernel, _, _ = self._kernel(traced, entry)
        return [_scalarize(o) for o in kernel(*values)]

    def lowered(self, *args):
        traced, entry = self._entry(args)
        return entry[0]

    # -- the hot path: all arguments plain arrays, signature seen before
    def _call_fast_or_slow(self, args, slow):
        key = _fast_key(args)
        if key is not None:
            fn = self._fast.get(key)
            if fn is not None:
                return fn(*args)
        result = slow(args)
        if key is not None:
            traced, entry = self._entry(args)
            if not any(s[0] == "s" for s in traced.specs):
                _, kernel, _, _ = self._kernel(traced, entry)
                layout = [None if type(a) is np.ndarray else (type(a), len(a)) for a in args]
                fn = self.make_fast(kernel, traced, layout)
                if fn is not None:
                    self._fast[key] = fn
        return result

    def make_fast(self, kernel, traced, layout):
        """A closure calling the kernel straight on the arguments, or None.  ``layout`` has,
        per argument, None for an array or (tuple or list, length) for a flat container."""
        return None

    def kernel_at(self, *example_args):
        """The backend's compiled kernel for these arguments' signature (built once), or None
        when a static (non-array) argument is among them.  A Numba kernel carries ``entry``
        (one njit function of the inputs and then the constants, or None when an equation runs
        through NumPy) and ``constants``: what the Numba backend's compiled problems call."""
        traced, entry = self._entry(example_args)
        if any(s[0] == "s" for s in traced.specs):
            return None
        return self._kernel(traced, entry)[1]


def _fast_key(args):
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


def _flattener(layout):
    """args -> flat list of arrays, for a fast-path layout."""
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


def _regrouper(layout, positions, start):
    """flat outputs -> one value per argument position, rebuilt like that argument."""
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


def _norm_argnums(argnums):
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


class _GradBase(Transformed):
    def __init__(self, fun, argnums, backend):
        super().__init__(fun, backend)
        self.argnums = _norm_argnums(argnums)
        self.single = isinstance(argnums, int)

    def make_traced(self, args):
        for a in self.argnums:
            if a >= len(args):
                raise TypeError(f"{self.__name__}: argnums={a} but only {len(args)} positional "
                                "arguments were given")
        return _Traced(self.fun, args, self.argnums)

    def build(self, traced):
        program = traced.trace()
        _check_scalar_output(program, traced, self.kind)
        _check_float(traced, self.argnums, self.kind)
        wrt = [traced.owner[k] in self.argnums for k in traced.traced_positions]
        return grad_program(program, wrt)

    def value_and_grads(self, args):
        outs, traced = self.run(args)
        value = outs[0]
        grads = outs[1:]
        # rebuild one pytree per differentiated argument
        result, it = [], iter(grads)
        for a in self.argnums:
            leaves, treedef = tree.flatten(args[a])
            result.append(tree.unflatten(treedef, [_scalarize(next(it)) if not
                                                   isinstance(l, Tracer) else next(it)
                                                   for l in leaves]))
        if isinstance(value, np.ndarray):
            value = _scalarize(value)
        return value, (result[0] if self.single else tuple(result))


class Grad(_GradBase):
    kind = "grad"

    def __call__(self, *args):
        return self._call_fast_or_slow(args, lambda a: self.value_and_grads(a)[1])

    def make_fast(self, kernel, traced, layout):
        flat, regroup = _flattener(layout), _regrouper(layout, self.argnums, 1)
        if self.single:
            return lambda *args: regroup(kernel(*flat(args)))[0]
        return lambda *args: tuple(regroup(kernel(*flat(args))))


class ValueAndGrad(_GradBase):
    kind = "value_and_grad"

    def __call__(self, *args):
        return self._call_fast_or_slow(args, self.value_and_grads)

    def make_fast(self, kernel, traced, layout):
        flat, regroup = _flattener(layout), _regrouper(layout, self.argnums, 1)
        single = self.single

        def value_and_grad_fast(*args):
            outs = kernel(*flat(args))
            grads = regroup(outs)
            return outs[0][()], (grads[0] if single else tuple(grads))
        return value_and_grad_fast

def grad(fun, argnums=0, backend=None):
    """The gradient of a scalar function with respect to argument(s) ``argnums``."""
    return _cached_transform(fun, Grad, backend, _hashable(argnums))


def value_and_grad(fun, argnums=0, backend=None):
    """A function returning ``(fun(*args), grad(fun)(*args))`` from one kernel."""
    return _cached_transform(fun, ValueAndGrad, backend, _hashable(argnums))


# --------------------------------------------------------------------------- jit

class Jit(Transformed):
    kind = "jit"

    def make_traced(self, args):
        return _Traced(self.fun, args)

    def build(self, traced):
        return traced.trace()

    def __call__(self, *args):
        return self._call_fast_or_slow(args, self._call_slow)

    def _call_slow(self, args):
        outs, traced = self.run(args)
        return tree.unflatten(traced.out_tree, [o if isinstance(o, Tracer) else _scalarize(o)
                                                for o in outs])

    def make_fast(self, kernel, traced, layout):
        if traced.out_tree == tree.LEAF:
            flat = _flattener(layout)
            return lambda *args: _scalarize(kernel(*flat(args))[0])
        return None

def jit(fun, backend=None):
    """``fun`` itself, traced and compiled the same way as its derivatives."""
    return _cached_transform(fun, Jit, backend)


# --------------------------------------------------------------------------- jvp

class _ArgnumsTransformed(Transformed):
    """A transformation differentiating the float leaves of the arguments in ``argnums``
    (all arguments when None)."""

    def __init__(self, fun, argnums, backend):
        super().__init__(fun, backend)
        self.argnums = argnums

    def make_traced(self, args):
        argnums = tuple(range(len(args))) if self.argnums is None else self.argnums
        return _Traced(self.fun, args, argnums)


class _JvpFun(_ArgnumsTransformed):
    """(primals..., tangents...) -> (outputs..., output tangents...); tangents enter for the
    float leaves of the arguments in ``argnums`` (all arguments when None)."""

    kind = "jvp"

    def build(self, traced):
        return jvp_program(traced.trace(), _diff_mask(traced, self.argnums))


def _diff_mask(traced, argnums):
    return [traced.specs[k][2].kind == "f" and (argnums is None or traced.owner[k] in argnums)
            for k in traced.traced_positions]


def jvp(fun, primals, tangents, backend=None):
    """Forward mode, JAX's signature: returns ``(fun(*primals), J(primals) @ tangents)``."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise TypeError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    p_leaves, p_tree = tree.flatten(primals)
    t_leaves, t_tree = tree.flatten(tangents)
    if p_tree != t_tree:
        raise TypeError(f"jvp: tangents have structure {t_tree}, primals {p_tree}")
    for p, t in zip(p_leaves, t_leaves):
        if np.shape(p) != np.shape(t):
            raise ValueError(f"jvp: tangent of shape {np.shape(t)} for a primal of shape "
                             f"{np.shape(p)}")
    transformed = _cached_transform(fun, _JvpFun, backend, None)
    traced, entry = transformed._entry(primals)
    mask = _diff_mask(traced, None)
    tan_values = []
    for k, m in zip(traced.traced_positions, mask):
        if m:
            t = t_leaves[k]
            tan_values.append(t if isinstance(t, Tracer) else
                              np.asarray(t, dtype=traced.specs[k][2]))
    outs = transformed.call_flat(traced, entry, _traced_values(traced, p_leaves) + tan_values)
    n = len(outs) // 2
    return (tree.unflatten(traced.out_tree, outs[:n]), tree.unflatten(traced.out_tree, outs[n:]))


def _float_mask(traced):
    return [traced.specs[k][2].kind == "f" for k in traced.traced_positions]


_transform_cache: dict = {}


def _hashable(argnums):
    return tuple(argnums) if isinstance(argnums, list) else argnums


def _cached_transform(fun, cls, backend, *extra):
    """One Transformed object per (function, kind, backend, options): calling
    ``optad.grad(f)`` again (as an optimiser does on every run) reuses the traced programs and
    compiled kernels instead of tracing again.  Like JAX, arrays a function closes over are
    read when it is traced."""
    key = (fun, cls, backend or DEFAULT_BACKEND, extra)
    try:
        obj = _transform_cache.get(key)
    except TypeError:
        return cls(fun, *extra, backend) if extra else cls(fun, backend)
    if obj is None:
        obj = cls(fun, *extra, backend) if extra else cls(fun, backend)
        if len(_transform_cache) > 256:
            _transform_cache.clear()
        _transform_cache[key] = obj
    return obj


# --------------------------------------------------------------------------- vjp

class _VjpFun(_ArgnumsTransformed):
    """(primals..., output cotangents...) -> (outputs..., cotangents of the float leaves of
    the arguments in ``argnums`` (all when None)...)."""

    kind = "vjp"

    def build(self, traced):
        return vjp_program(traced.trace(), _diff_mask(traced, self.argnums))


def vjp(fun, *primals, backend=None):
    """Reverse mode: returns ``(fun(*primals), pullback)`` with ``pullback(cotangent)`` giving
    one cotangent per primal (same structures; zeros for integer leaves).  The pullback runs
    one kernel that recomputes the forward sweep and then the backward sweep."""
    transformed = _cached_transform(fun, _VjpFun, backend, None)
    traced, entry = transformed._entry(primals)
    p_leaves = tree.flatten(primals)[0]
    values = _traced_values(traced, p_leaves)
    mask = _float_mask(traced)
    n_out = len(entry[0].outputs) - sum(mask)
    out_avals = [a.aval for a in entry[0].outputs[:n_out]]
    out_tree = traced.out_tree
    forward = _cached_transform(fun, Jit, backend)
    fwd_value = forward(*primals)

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
        in_cts = iter(transformed.call_flat(traced, entry, values + cts)[n_out:])
        position_mask = dict(zip(traced.traced_positions, mask))
        flat = []
        for k, leaf in enumerate(p_leaves):
            if position_mask.get(k):
                flat.append(next(in_cts))
            else:
                flat.append(np.zeros_like(leaf) if _is_array_leaf(leaf) else None)
        return tuple(tree.unflatten(traced.in_tree, flat))

    return fwd_value, pullback


# --------------------------------------------------------------------------- hvp

class Hvp(Transformed):
    """(x, v, *args) -> H(x) v, forward-mode differentiation of the reverse-mode gradient."""

    kind = "hvp"

    def __init__(self, fun, backend):
        super().__init__(fun, backend)
        self._linear: dict = {}

    def make_traced(self, args):
        if len(args) < 2:
            raise TypeError("hvp(fun)(x, v, *args) needs at least x and v")
        x, v = args[0], args[1]
        if tree.flatten(x)[1] != tree.flatten(v)[1]:
            raise TypeError("hvp: v must have the same structure as x")
        for a, b in zip(tree.flatten(x)[0], tree.flatten(v)[0]):
            if np.shape(a) != np.shape(b):
                raise ValueError(f"hvp: v has shape {np.shape(b)} where x has {np.shape(a)}")
        return _Traced(self.fun, (x,) + tuple(args[2:]), (0,))

    def build(self, traced):
        program = traced.trace()
        _check_scalar_output(program, traced, "hvp")
        _check_float(traced, (0,), "hvp")
        wrt = [traced.owner[k] == 0 for k in traced.traced_positions]
        gradient = grad_program(program, wrt)
        n_grads = sum(wrt)
        gradient = simplify(select_outputs(gradient, range(1, 1 + n_grads)))
        hv = jvp_program(gradient, wrt)
        return select_outputs(hv, range(n_grads, 2 * n_grads))

    def __call__(self, *args):
        return self._call_fast_or_slow(args, lambda a: self._call_slow(*a))

    # -- linearised at a fixed x: the part of the program that does not depend on v runs once
    def _linearized(self, x, args):
        """(traced, known, unknown, known kernel, unknown kernel): the product's program split
        into the part computed from x alone (its outputs are the residuals) and the part linear
        in v (inputs: the residuals, then v)."""
        traced, entry = self._entry((x, x) + tuple(args))
        cached = self._linear.get(traced.key)
        if cached is None:
            program = entry[0]
            n_v = len(program.outputs)
            n_known = len(program.inputs) - n_v
            known, unknown, _ = partial_eval(program, [True] * n_known + [False] * n_v, [],
                                             range(n_v))
            backend = get_backend(self.backend)
            cached = (traced, known, unknown, backend.compile_program(known),
                      backend.compile_program(unknown))
            self._linear[traced.key] = cached
        return cached

    def at(self, x, *args):
        """``v -> H(x) v`` at a fixed ``x``: the work that does not depend on v (the forward
        sweep, activations and their derivatives, ...) is done once here, and each product
        runs only the part linear in v -- what an inner conjugate-gradient loop wants."""
        traced, known, unknown, known_kernel, unknown_kernel = self._linearized(x, args)
        x_leaves, x_tree = tree.flatten(x)
        values = _traced_values(traced, tree.flatten((x,) + tuple(args))[0])
        residuals = known_kernel(*values)
        dtypes = [np.asarray(_as_leaf_value(p)).dtype for p in x_leaves]

        def hvp_at_x(v):
            v_leaves, v_tree = tree.flatten(v)
            if v_tree != x_tree:
                raise TypeError("hvp(...).at(x)(v): v must have the same structure as x")
            for t, p in zip(v_leaves, x_leaves):
                if np.shape(t) != np.shape(p):
                    raise ValueError(f"hvp(...).at(x)(v): v has shape {np.shape(t)} where x "
                                     f"has {np.shape(p)}")
            outs = unknown_kernel(*residuals, *[np.asarray(t, dtype=d)
                                                for t, d in zip(v_leaves, dtypes)])
            return tree.unflatten(x_tree, [_scalarize(o) for o in outs])
        return hvp_at_x

    def linearized_at(self, x, *args):
        """``(known program, unknown program, known kernel, unknown kernel)`` of ``at`` at
        these arguments' signature (see ``_linearized``), or None with a static argument."""
        traced, known, unknown, known_kernel, unknown_kernel = self._linearized(x, args)
        if any(s[0] == "s" for s in traced.specs):
            return None
        return known, unknown, known_kernel, unknown_kernel

    def make_fast(self, kernel, traced, layout):
        if layout[0] != layout[1]:
            return None  # v must share x's structure (checked on the slow path)
        flat_rest = _flattener(layout[2:])
        if layout[0] is None:
            return lambda x, v, *rest: kernel(x, *flat_rest(rest), v)[0]
        kind = layout[0][0]
        return lambda x, v, *rest: kind(kernel(*x, *flat_rest(rest), *v))

    def _call_slow(self, x, v, *args):
        traced, entry = self._entry((x, v) + args)
        x_leaves, x_tree = tree.flatten(x)
        v_leaves = tree.flatten(v)[0]
        flat_args = tree.flatten((x,) + args)[0]
        values = _traced_values(traced, flat_args)
        v_values = [t if isinstance(t, Tracer) else np.asarray(t, dtype=np.asarray(
            _as_leaf_value(p)).dtype) for t, p in zip(v_leaves, x_leaves)]
        outs = self.call_flat(traced, entry, values + v_values)
        return tree.unflatten(x_tree, outs)


def hvp(fun, backend=None):
    """Hessian-vector product of a scalar function w.r.t. its first argument:
    ``hvp(f)(x, v, *args) = H(x) v``, forward over reverse (never forming H)."""
    return _cached_transform(fun, Hvp, backend)


# --------------------------------------------------------------------------- checkpoint

def checkpoint(fun):
    """``fun`` whose intermediates are recomputed in the backward sweep instead of stored."""
    def wrapped(*args):
        leaves, in_tree = tree.flatten(args)
        if not any(isinstance(x, Tracer) for x in leaves):
            return fun(*args)
        traced = _Traced(fun, args)
        program = traced.trace()
        from .ir.program import Program
        closed = Program(program.inputs + program.constvars, (), (), program.eqns,
                         program.outputs)
        values = _traced_values(traced, leaves) + list(program.constvalues)
        outs = call_checkpointed(closed, *values)
        return tree.unflatten(traced.out_tree, list(outs))
    wrapped.__name__ = f"checkpoint({getattr(fun, '__name__', 'fun')})"
    wrapped.__wrapped__ = fun
    return wrapped


# --------------------------------------------------------------------------- inspection

def make_program(fun, *example_args):
    """The traced IR of ``fun`` at these example arguments (print it)."""
    return _Traced(fun, example_args, tuple(range(len(example_args)))).trace()


def show_source(transformed_fun, *example_args):
    """The generated kernel source of a transformed function at these example arguments
    (for backend='numpy', the simplified program it evaluates)."""
    if not isinstance(transformed_fun, Transformed):
        transformed_fun = Jit(transformed_fun, None)
    program = transformed_fun.lowered(*example_args)
    return Source(get_backend(transformed_fun.backend).program_source(program))
