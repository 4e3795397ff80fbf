"""The problem the methods see: ``fun`` (and a user's ``jac``/``hessp``, scipy style, or optad's
own derivatives) as a compiled problem on flat float vectors (optad/optimize/problem.py).

A pytree x0 is ravelled into one vector (``optad.tree.ravel_pytree``); optad's derivatives are
then taken of fun on that vector (the leaves are cut out by slicing inside the trace), so the
kernels and the compiled loops work on one array whatever the structure of x0.
"""
from __future__ import annotations

import numpy as np

from .problem import CompiledProblem, compile_problem, scalar
from ..tree import ravel_pytree

FD_JAC = {"2-point": "forward", "3-point": "central"}


def is_njit(obj):
    """Whether ``obj`` is a Numba-compiled function (without importing Numba for the check)."""
    return type(obj).__name__ == "CPUDispatcher" and hasattr(obj, "py_func")


_FLAT_FUNCTIONS: dict = {}


def _flat_function(fun, unravel):
    """fun on a flat parameter vector, one per (fun, structure), so repeated runs on the same
    problem reuse optad's traced programs and compiled kernels."""
    try:
        key = (fun, unravel.shapes, unravel.treedef)
        cached = _FLAT_FUNCTIONS.get(key)
    except TypeError:  # an unhashable fun: no reuse
        key, cached = None, None
    if cached is None:
        def flat_fun(w, *args):
            return fun(unravel(w), *args)
        flat_fun.__name__ = getattr(fun, "__name__", "fun")
        cached = flat_fun
        if key is not None:
            if len(_FLAT_FUNCTIONS) > 64:
                _FLAT_FUNCTIONS.clear()
            _FLAT_FUNCTIONS[key] = cached
    return cached


def flat_start(x0):
    """``(x0 as one flat vector, unravel)``, or a clear error for a start with no array leaves,
    leaves that are not real numbers, NaN or inf."""
    try:
        x_flat, unravel = ravel_pytree(x0)
    except ValueError:
        raise ValueError("x0 has no array leaves") from None
    except TypeError as exc:
        raise TypeError(f"x0 leaves must be real numbers: {exc}") from None
    x_flat = np.array(x_flat, dtype=unravel.dtype)
    if not np.all(np.isfinite(x_flat)):
        bad = np.flatnonzero(~np.isfinite(x_flat))
        raise ValueError(f"x0 contains NaN or inf (at flat positions {bad[:10].tolist()})")
    return x_flat, unravel


def make_problem(fun, x0, args, jac, hessp, backend, needs):
    """``(problem, flat x0, unravel)`` for minimising ``fun`` from ``x0``; ``needs`` names the
    calls the method makes (see optimize/calls.py)."""
    if not callable(fun):
        raise TypeError(f"fun must be callable, got {type(fun).__name__}")
    if jac is not None and not (jac is True or callable(jac) or jac in FD_JAC):
        raise ValueError(f"jac must be None, True, a callable or one of {tuple(FD_JAC)}; "
                         f"got {jac!r}")
    if hessp is not None and not callable(hessp):
        raise TypeError(f"hessp must be callable, got {type(hessp).__name__}")
    x_flat, unravel = flat_start(x0)
    args = tuple(args)
    n, dtype = x_flat.size, unravel.dtype

    def flat_grad(g):
        try:
            return np.asarray(unravel.ravel(g), dtype=dtype)
        except ValueError as exc:
            raise ValueError(f"the gradient does not match x0: {exc} (x0 has {n} entries in "
                             f"shapes {list(unravel.shapes)})") from None

    def call(x):
        return fun(unravel(x), *args)

    def raw_value(x):
        out = call(x)
        if jac is True:
            return scalar(_pair(out)[0])
        return scalar(out)

    hvp_needed = "hvp_prepare" in needs
    if jac is None and hessp is None:
        single = unravel.single_array
        dfun = fun if single else _flat_function(fun, unravel)
        wants = [name for name in ("value", "value_and_grad") if name in needs] + \
            (["hvp"] if hvp_needed else [])
        problem = compile_problem(dfun, x_flat.reshape(unravel.shapes[0]) if single else x_flat,
                                  args, backend, wants, raw_value=raw_value)
        if is_njit(fun) and "value" in needs:
            problem.njit = _user_njit(unravel, args, value=fun)
        return problem, x_flat, unravel

    problem = CompiledProblem(n, dtype, value=raw_value, backend=backend)
    if jac is True:
        def value_and_grad(x):
            f, g = _pair(call(x))
            return scalar(f), flat_grad(g)
    elif callable(jac):
        def value_and_grad(x):
            xt = unravel(x)
            return scalar(fun(xt, *args)), flat_grad(jac(xt, *args))
    elif jac in FD_JAC:
        from ..finite_diff import gradient

        def value_and_grad(x):
            f = raw_value(x)
            evaluations = []

            def counted(z):
                evaluations.append(1)
                return raw_value(z)
            g = gradient(counted, x, scheme=FD_JAC[jac])
            problem.extra.nfev += len(evaluations)
            return f, g
    else:   # optad's gradient beside the user's hessp
        optad_part = compile_problem(fun if unravel.single_array else _flat_function(fun, unravel),
                                     x_flat.reshape(unravel.shapes[0]) if unravel.single_array
                                     else x_flat, args, backend, ["value_and_grad"])
        value_and_grad = optad_part.value_and_grad
    problem.value_and_grad = value_and_grad

    if hvp_needed and hessp is not None:
        def hvp(x, p):
            return flat_grad(hessp(unravel(x), unravel(p), *args))
        problem.hvp = hvp
    elif hvp_needed:
        def linearize(x):
            """Forward differences of the gradient from g(x), evaluated once here; the
            evaluations count as gradients."""
            _, g0 = value_and_grad(x)
            problem.extra.nfev += 1
            problem.extra.njev += 1
            scale = np.sqrt(np.finfo(dtype).eps) * max(1.0, np.linalg.norm(x))

            def hvp_at_x(p):
                pnorm = np.linalg.norm(p)
                if pnorm == 0:
                    return np.zeros_like(p)
                h = scale / pnorm
                _, g1 = value_and_grad(x + h * p)
                problem.extra.nfev += 1
                problem.extra.njev += 1
                return (g1 - g0) / h
            return hvp_at_x
        problem.linearize = linearize
        problem.exact_hvp = False
    user = {}
    if unravel.single_array:
        if jac is True and is_njit(fun):
            user["value_and_grad"] = fun
        if jac is not True and is_njit(fun) and "value" in needs:
            user["value"] = fun
        if is_njit(hessp):
            user["hessp"] = hessp
    if user:
        problem.njit = _user_njit(unravel, args, **user)
    return problem, x_flat, unravel


def _pair(out):
    if not (isinstance(out, tuple) and len(out) == 2):
        raise ValueError("with jac=True, fun must return a pair (f, gradient)")
    return out


def _user_njit(unravel, args, **user):
    """njit entries from a user's own @numba.njit functions (numba backend)."""
    if not unravel.single_array:
        return None

    def njit(needs):
        from ..backends import get_backend
        return get_backend("numba").njit_entries(unravel.shapes[0], args, needs, user=user)
    return njit
