"""The inner truncated conjugate gradient of Newton-CG inside one Numba function.

``truncated_cg(hessp, x, g, gnorm, maxiter, shape, args)`` is ``newton_cg._truncated_cg`` step for
step (same forcing term eta = min(0.5, sqrt(||g||_1)), same 1-norm residual test, same
negative-curvature handling), with the Hessian-vector product passed as a Numba-compiled function
``hessp(x, v, *args) -> H(x) v`` (x and v of x0's shape ``shape``; the loop keeps flat vectors and
passes reshaped views). It returns ``(p, cg_iterations, negative_curvature, finite)``: the
iteration count equals the number of Hessian-vector products evaluated, and ``finite`` is False
when a curvature d.Hd was NaN or inf (the Python version returns ``p = None`` then).

Dot products go through ``np.dot`` (BLAS, as ``r @ r`` does in NumPy); the 1-norms are plain
sums, so results agree with the Python loop to rounding.

The loop is compiled once per ``hessp`` with ``hessp`` as a global (``optad.numba_specialise``):
for optad's own kernels that compilation is cached on disk, so a new process running Newton-CG
on a problem it has seen loads the loop instead of compiling it for seconds.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from .compiled import specialised, unbind


@numba.njit(cache=True)
def _abs_sum(a):
    s = 0.0
    for i in range(a.size):
        s += abs(a[i])
    return s


def truncated_cg(hessp, x, g, gnorm, maxiter, shape, args):
    """``_truncated_cg_loop`` compiled for ``hessp`` (once per process and function)."""
    hessp, args = unbind(hessp, args)
    return specialised(_truncated_cg_loop, hessp=hessp)(x, g, gnorm, maxiter, shape, args)


def _truncated_cg_loop(x, g, gnorm, maxiter, shape, args):
    n = g.size
    xs = x.reshape(shape)
    g1 = _abs_sum(g)
    eta = min(0.5, math.sqrt(g1))
    tol = eta * g1
    z = np.zeros_like(g)
    r = g.copy()                 # residual H z + g
    d = -r
    rr = np.dot(r, r)
    for j in range(maxiter):
        hd = np.ascontiguousarray(hessp(xs, d.reshape(shape), *args)).reshape(n)
        curv = np.dot(d, hd)
        if not np.isfinite(curv):
            return z, j + 1, False, False
        if curv <= 0:
            if j > 0:
                return z, j + 1, True, True
            # steepest descent, scaled by the curvature magnitude along it (|g'Hg| / ||g||^2)
            if curv < 0:
                scale = rr / -curv
            else:
                scale = 1.0 / max(1.0, gnorm)
            p = np.empty_like(g)
            for i in range(n):
                p[i] = -scale * g[i]
            return p, 1, True, True
        alpha = rr / curv
        for i in range(n):
            z[i] = z[i] + alpha * d[i]
            r[i] = r[i] + alpha * hd[i]
        rr_new = np.dot(r, r)
        if _abs_sum(r) <= tol:
            return z, j + 1, False, True
        beta = rr_new / rr
        for i in range(n):
            d[i] = -r[i] + beta * d[i]
        rr = rr_new
    return z, maxiter, False, True
