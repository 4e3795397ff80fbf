"""Zero-order gradient estimators: gradients from function values only.

With D(v) = (f(x + eps v) - f(x - eps v)) / (2 eps) (a central difference along v):

- ``sphere``:     G = (n / m) sum_j D(v_j) v_j,  v_j uniform on the unit sphere   (unbiased for the
                  gradient of a ball-smoothed f; E||G||^2 ~ (n + m - 1) / m ||grad||^2)
- ``gaussian``:   G = (1 / m) sum_j D(u_j) u_j,  u_j ~ N(0, I)    (Gaussian smoothing, Nesterov &
                  Spokoiny; E||G||^2 ~ (n + m + 1) / m ||grad||^2)
- ``coordinate``: G = sum_i D(e_i) e_i over all n coordinates (2n evaluations, deterministic), or
                  over m random coordinates scaled by n / m when ``directions=m < n``.

m = ``directions`` (averaging over several directions per estimate). Each call returns an
:class:`Estimate` ``(grad, nfev)``: the estimate (x's shape) and the number of function
evaluations it used (2 per direction). ``seed`` is an int, ``None`` or a ``np.random.Generator``
(pass the same Generator across calls to continue one stream).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .tree import ravel_pytree

__all__ = ["Estimate", "sphere", "gaussian", "coordinate", "estimate", "ESTIMATORS",
           "default_eps", "variance_factor"]


class Estimate(NamedTuple):
    grad: np.ndarray
    nfev: int


def _rng(seed):
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def default_eps(x):
    """cbrt(machine eps) * max(1, rms(x)): the central-difference step for a unit direction."""
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0
    return float(np.cbrt(np.finfo(dtype).eps) * max(1.0, rms))


def variance_factor(estimator, n, directions=None):
    """c with E||G||^2 ≈ c ||grad f||^2 for the estimator (used for step-size defaults)."""
    if estimator == "sphere":
        m = 1 if directions is None else directions
        return (n + m - 1) / m
    if estimator == "gaussian":
        m = 1 if directions is None else directions
        return (n + m + 1) / m
    if estimator == "coordinate":
        m = n if directions is None else min(directions, n)
        return n / m
    raise ValueError(f"unknown estimator {estimator!r}; expected one of {tuple(ESTIMATORS)}")


def _check(eps, directions):
    if eps is not None and (not np.isfinite(eps) or eps <= 0):
        raise ValueError(f"eps must be positive and finite, got {eps!r}")
    if directions is not None and (int(directions) != directions or directions < 1):
        raise ValueError(f"directions must be a positive integer, got {directions!r}")


def _flat(fun, x, args):
    if isinstance(x, (tuple, list, dict)):
        x_flat, unravel = ravel_pytree(x)
        return x_flat, (lambda z: fun(unravel(z), *args)), unravel
    x_arr = np.asarray(x)
    dtype = x_arr.dtype if x_arr.dtype.kind == "f" else np.dtype(np.float64)
    shape = x_arr.shape
    return (x_arr.astype(dtype).reshape(-1), (lambda z: fun(z.reshape(shape), *args)),
            (lambda z: z.reshape(shape)))


def _value(f, z):
    a = np.asarray(f(z))
    if a.size != 1:
        raise ValueError(f"fun must return a scalar; it returned shape {a.shape}")
    return float(a.reshape(()))


# Flat kernels: f maps a flat vector to a float. They return (G, nfev, fmid) where fmid is the
# mean of all evaluated f values (f(x) + O(eps^2)), which zo-gd uses for monitoring.

def _directional_sum(f, x, eps, dirs):
    g = np.zeros_like(x)
    fsum = 0.0
    for v in dirs:
        fp, fm = _value(f, x + eps * v), _value(f, x - eps * v)
        g += ((fp - fm) / (2 * eps)) * v
        fsum += fp + fm
    return g, 2 * len(dirs), fsum / (2 * len(dirs))


def _sphere_flat(f, x, eps, m, rng):
    n = x.size
    dirs = []
    for _ in range(m):
        z = rng.standard_normal(n)
        dirs.append((z / np.linalg.norm(z)).astype(x.dtype))
    g, nfev, fmid = _directional_sum(f, x, eps, dirs)
    return g * (n / m), nfev, fmid


def _gaussian_flat(f, x, eps, m, rng):
    dirs = [rng.standard_normal(x.size).astype(x.dtype) for _ in range(m)]
    g, nfev, fmid = _directional_sum(f, x, eps, dirs)
    return g / m, nfev, fmid


def _coordinate_flat(f, x, eps, m, rng):
    n = x.size
    idx = np.arange(n) if m is None or m >= n else rng.choice(n, size=m, replace=False)
    g = np.zeros_like(x)
    fsum = 0.0
    for i in idx:
        e = np.zeros_like(x)
        e[i] = eps
        fp, fm = _value(f, x + e), _value(f, x - e)
        g[i] = (fp - fm) / (2 * eps)
        fsum += fp + fm
    return g * (n / len(idx)), 2 * len(idx), fsum / (2 * len(idx))


_FLAT = {"sphere": _sphere_flat, "gaussian": _gaussian_flat, "coordinate": _coordinate_flat}
ESTIMATORS = tuple(_FLAT)


def estimate(fun, x, *args, estimator="sphere", eps=None, directions=None, seed=None):
    """Zero-order gradient estimate of scalar ``fun`` at ``x`` -> ``Estimate(grad, nfev)``."""
    if estimator not in _FLAT:
        raise ValueError(f"unknown estimator {estimator!r}; expected one of {ESTIMATORS}")
    _check(eps, directions)
    x_flat, f, unravel = _flat(fun, x, args)
    eps = default_eps(x_flat) if eps is None else float(eps)
    m = directions if estimator == "coordinate" else (1 if directions is None else int(directions))
    g, nfev, _ = _FLAT[estimator](f, x_flat, eps, m, _rng(seed))
    return Estimate(unravel(g), nfev)


def sphere(fun, x, *args, eps=None, directions=1, seed=None):
    """Two-point estimate with directions uniform on the unit sphere (see module docstring)."""
    return estimate(fun, x, *args, estimator="sphere", eps=eps, directions=directions, seed=seed)


def gaussian(fun, x, *args, eps=None, directions=1, seed=None):
    """Gaussian-smoothing estimate with directions u ~ N(0, I) (see module docstring)."""
    return estimate(fun, x, *args, estimator="gaussian", eps=eps, directions=directions, seed=seed)


def coordinate(fun, x, *args, eps=None, directions=None, seed=None):
    """Coordinate-wise central differences (all coordinates unless ``directions`` < n)."""
    return estimate(fun, x, *args, estimator="coordinate", eps=eps, directions=directions,
                    seed=seed)
