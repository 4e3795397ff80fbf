"""Numerical derivatives by finite differences: the oracle optad's derivatives are checked against.

Schemes and their truncation errors (step h):

- ``"forward"``  (f(x + h e_i) - f(x)) / h            error O(h),  default h = sqrt(eps) max(1, |x_i|)
- ``"backward"`` (f(x) - f(x - h e_i)) / h            error O(h),  default h = sqrt(eps) max(1, |x_i|)
- ``"central"``  (f(x + h e_i) - f(x - h e_i)) / (2h)  error O(h^2), default h = cbrt(eps) max(1, |x_i|)

``eps`` is the machine epsilon of x's dtype (so float32 inputs get larger steps). These defaults
balance truncation against round-off. Steps are adjusted so that ``x + h - x == h`` exactly.

``x`` may be an array of any shape or a pytree (tuple/list/dict) of arrays; gradients keep x's
structure. Extra positional ``*args`` are passed through to ``fun`` unchanged.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .tree import ravel_pytree

__all__ = [
    "default_step", "gradient", "forward_grad", "backward_grad", "central_grad", "jacobian",
    "directional", "hvp", "hessian", "check_grad", "GradCheck",
]

SCHEMES = ("forward", "backward", "central")


# -- helpers ----------------------------------------------------------------------------------

def _raveler(x):
    """The pytree's Unravel: ``rav(flat)`` rebuilds a tree, ``rav.ravel(tree)`` flattens one."""
    return ravel_pytree(x)[1]


def _check_scheme(scheme):
    if scheme not in SCHEMES:
        raise ValueError(f"unknown finite-difference scheme {scheme!r}; expected one of {SCHEMES}")


def _float_dtype(x):
    dtype = np.asarray(x).dtype
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def default_step(x, scheme="central"):
    """Per-coordinate default step for ``scheme``: eps**(1/2) (one-sided) or eps**(1/3) (central),
    times max(1, |x_i|), with eps the machine epsilon of x's float dtype."""
    _check_scheme(scheme)
    x = np.asarray(x)
    eps = np.finfo(_float_dtype(x)).eps
    base = np.cbrt(eps) if scheme == "central" else np.sqrt(eps)
    return base * np.maximum(1.0, np.abs(x.astype(_float_dtype(x))))


def _steps(x_flat, scheme, step):
    """Representable per-coordinate steps for flat x."""
    if step is None:
        h = default_step(x_flat, scheme)
    else:
        h = np.broadcast_to(np.asarray(step, dtype=x_flat.dtype), x_flat.shape).copy()
        if not np.all(np.isfinite(h)) or np.any(h <= 0):
            raise ValueError(f"finite-difference step must be positive and finite, got {step!r}")
    h = h.astype(x_flat.dtype)
    return (x_flat + h) - x_flat  # exactly representable


def _flat_problem(fun, x, args):
    """(flat x, flat -> fun value, unravel) for an array or pytree x."""
    if isinstance(x, (tuple, list, dict)):
        rav = _raveler(x)
        x_flat = rav.ravel(x)
        return x_flat, (lambda z: fun(rav(z), *args)), rav
    x_arr = np.asarray(x)
    dtype = _float_dtype(x_arr)
    shape = x_arr.shape
    x_flat = x_arr.astype(dtype).reshape(-1)
    return x_flat, (lambda z: fun(z.reshape(shape), *args)), (lambda z: np.asarray(z).reshape(shape))


def _scalar(value):
    a = np.asarray(value)
    if a.size != 1:
        raise ValueError(f"fun must return a scalar for a gradient; it returned shape {a.shape}")
    return a.reshape(()).item()


# -- first derivatives --------------------------------------------------------------------------

def gradient(fun, x, *args, scheme="central", step=None):
    """Finite-difference gradient of scalar ``fun`` at ``x`` (same structure as x).

    Costs n + 1 evaluations (forward/backward) or 2n (central) for n = number of entries of x.
    """
    _check_scheme(scheme)
    x_flat, f, unravel = _flat_problem(fun, x, args)
    h = _steps(x_flat, scheme, step)
    g = np.empty_like(x_flat)
    f0 = _scalar(f(x_flat)) if scheme != "central" else None
    for i in range(x_flat.size):
        e = np.zeros_like(x_flat)
        e[i] = h[i]
        if scheme == "forward":
            g[i] = (_scalar(f(x_flat + e)) - f0) / h[i]
        elif scheme == "backward":
            g[i] = (f0 - _scalar(f(x_flat - e))) / h[i]
        else:
            g[i] = (_scalar(f(x_flat + e)) - _scalar(f(x_flat - e))) / (2 * h[i])
    return unravel(g)


def forward_grad(fun, x, *args, step=None):
    return gradient(fun, x, *args, scheme="forward", step=step)


def backward_grad(fun, x, *args, step=None):
    return gradient(fun, x, *args, scheme="backward", step=step)


def central_grad(fun, x, *args, step=None):
    return gradient(fun, x, *args, scheme="central", step=step)


def jacobian(fun, x, *args, scheme="central", step=None):
    """Jacobian of array-valued ``fun`` at array ``x``, one column per coordinate.

    Shape ``fun(x).shape + x.shape`` (JAX's convention). For pytree x, the input axis is x
    flattened (length = total number of entries).
    """
    _check_scheme(scheme)
    x_flat, f, _ = _flat_problem(fun, x, args)
    h = _steps(x_flat, scheme, step)
    f0 = np.asarray(f(x_flat), dtype=x_flat.dtype) if scheme != "central" else None
    columns = []
    for i in range(x_flat.size):
        e = np.zeros_like(x_flat)
        e[i] = h[i]
        if scheme == "forward":
            col = (np.asarray(f(x_flat + e)) - f0) / h[i]
        elif scheme == "backward":
            col = (f0 - np.asarray(f(x_flat - e))) / h[i]
        else:
            col = (np.asarray(f(x_flat + e)) - np.asarray(f(x_flat - e))) / (2 * h[i])
        columns.append(col)
    jac = np.stack(columns, axis=-1)
    in_shape = np.shape(x) if not isinstance(x, (tuple, list, dict)) else (x_flat.size,)
    return jac.reshape(jac.shape[:-1] + tuple(in_shape))


def _direction_step(x_flat, v_flat, scheme, step):
    if step is not None:
        step = float(step)
        if not np.isfinite(step) or step <= 0:
            raise ValueError(f"finite-difference step must be positive and finite, got {step!r}")
        return step
    vnorm = np.linalg.norm(v_flat)
    if vnorm == 0:
        return 0.0
    eps = np.finfo(x_flat.dtype).eps
    base = np.cbrt(eps) if scheme == "central" else np.sqrt(eps)
    return float(base * max(1.0, np.linalg.norm(x_flat)) / vnorm)


def directional(fun, x, v, *args, scheme="central", step=None):
    """Directional derivative J(x) v ≈ (fun(x + h v) - fun(x - h v)) / (2h) (or one-sided).

    The default step is scaled by ||x|| / ||v||; v = 0 gives 0.
    """
    _check_scheme(scheme)
    x_flat, f, _ = _flat_problem(fun, x, args)
    v_flat = _flat_problem(lambda z: z, v, ())[0].astype(x_flat.dtype)
    if v_flat.shape != x_flat.shape:
        raise ValueError(f"direction v has {v_flat.size} entries, x has {x_flat.size}")
    h = _direction_step(x_flat, v_flat, scheme, step)
    if h == 0.0:
        return np.zeros_like(np.asarray(f(x_flat), dtype=x_flat.dtype))
    if scheme == "forward":
        return (np.asarray(f(x_flat + h * v_flat)) - np.asarray(f(x_flat))) / h
    if scheme == "backward":
        return (np.asarray(f(x_flat)) - np.asarray(f(x_flat - h * v_flat))) / h
    return (np.asarray(f(x_flat + h * v_flat)) - np.asarray(f(x_flat - h * v_flat))) / (2 * h)


# -- second derivatives -------------------------------------------------------------------------

def hvp(grad, x, v, *args, scheme="forward", step=None):
    """Hessian-vector product from differences of a gradient function ``grad(x, *args)``:
    (grad(x + h v) - grad(x)) / h (``"forward"``) or (grad(x + h v) - grad(x - h v)) / (2h)
    (``"central"``). Result has x's structure."""
    if scheme not in ("forward", "central"):
        raise ValueError(f"hvp scheme must be 'forward' or 'central', got {scheme!r}")
    if isinstance(x, (tuple, list, dict)):
        rav = _raveler(x)
        grad_flat = lambda z: rav.ravel(grad(rav(z), *args))  # noqa: E731
        return rav(hvp(grad_flat, rav.ravel(x), rav.ravel(v), scheme=scheme, step=step))
    x_arr = np.asarray(x, dtype=_float_dtype(x))
    v_arr = np.asarray(v, dtype=x_arr.dtype)
    if v_arr.shape != x_arr.shape:
        raise ValueError(f"v has shape {v_arr.shape}, x has shape {x_arr.shape}")
    h = _direction_step(x_arr.reshape(-1), v_arr.reshape(-1), scheme, step)
    if h == 0.0:
        return np.zeros_like(x_arr)
    if scheme == "forward":
        return (np.asarray(grad(x_arr + h * v_arr, *args)) - np.asarray(grad(x_arr, *args))) / h
    return (np.asarray(grad(x_arr + h * v_arr, *args))
            - np.asarray(grad(x_arr - h * v_arr, *args))) / (2 * h)


def hessian(grad, x, *args, scheme="central", step=None):
    """Dense Hessian of a flat array x from gradient differences, symmetrised (H + H^T) / 2."""
    x_arr = np.asarray(x, dtype=_float_dtype(x))
    if x_arr.ndim != 1:
        raise ValueError(f"hessian expects a 1-D x, got shape {x_arr.shape}")
    jac = jacobian(lambda z: np.asarray(grad(z, *args)), x_arr, scheme=scheme, step=step)
    return 0.5 * (jac + jac.T)


# -- gradient checking -------------------------------------------------------------------------

class GradCheck(NamedTuple):
    """Result of :func:`check_grad`: max absolute error, normwise relative error
    (max |g - g_fd| / max(max |g_fd|, max |g|, tiny)), and both gradients (flat)."""
    abs_err: float
    rel_err: float
    grad: np.ndarray
    fd_grad: np.ndarray

    def ok(self, rtol=1e-6, atol=0.0):
        return self.abs_err <= atol or self.rel_err <= rtol


def _optad_grad(fun, backend):
    import optad
    grad = getattr(optad, "grad", None)
    if grad is None:
        from optad.api import grad
    if backend is None:
        return grad(fun)
    return grad(fun, backend=backend)


def check_grad(fun, x, *args, grad=None, backend=None, step=None):
    """Compare a gradient against central differences of ``fun`` at ``x``.

    ``grad`` defaults to optad's own ``optad.grad(fun, backend=backend)``; pass any callable
    ``grad(x, *args)`` to check a hand-written one. Returns a :class:`GradCheck`.
    """
    if grad is None:
        grad = _optad_grad(fun, backend)
    x_flat, _, _ = _flat_problem(fun, x, args)
    if isinstance(x, (tuple, list, dict)):
        rav = _raveler(x)
        g = rav.ravel(grad(x, *args))
        fd = rav.ravel(gradient(fun, x, *args, scheme="central", step=step))
    else:
        g = np.asarray(grad(x, *args), dtype=x_flat.dtype).reshape(-1)
        fd = np.asarray(gradient(fun, x, *args, scheme="central", step=step)).reshape(-1)
        if g.shape != fd.shape:
            raise ValueError(f"gradient has {g.size} entries, x has {fd.size}")
    diff = np.abs(g - fd)
    abs_err = float(diff.max()) if diff.size else 0.0
    scale = max(float(np.abs(fd).max(initial=0.0)), float(np.abs(g).max(initial=0.0)),
                np.finfo(x_flat.dtype).tiny)
    return GradCheck(abs_err, abs_err / scale, g, fd)
