"""Truncated Newton (line-search Newton-CG) using Hessian-vector products only.

Outer iteration k at x with gradient g:
1. inner conjugate gradient on H p = -g, stopped when ||H p + g||_1 <= eta_k ||g||_1 with the
   forcing term eta_k = min(0.5, sqrt(||g||_1)) (superlinear local convergence), or on negative
   curvature d.Hd <= 0: on the first CG step the direction is steepest descent -g scaled by
   ||g||^2 / |g.Hg|, later the last CG iterate.  The products are linearised at x
   (``hvp_prepare`` once, then ``hvp_apply`` per CG step);
2. a strong-Wolfe line search along p (unit step first); if it fails along the Newton direction,
   steepest descent is tried before giving up;
3. stop when ||g|| <= gtol, or when the step ||x_{k+1} - x_k||_inf <= xtol max(1, ||x_k||_inf).

When ||g|| <= gtol, a short Lanczos run checks for negative curvature: at a saddle the method
steps along the negative-curvature direction and continues; if that fails it reports
``success=False`` with status SADDLE. A failed line search returns the best point found, never a
worse one. Errors in the problem (NaN/inf) end the run with ``success=False``.

With bounds it is a projected active-set Newton-CG (Bertsekas 1982; Lin & Moré 1999 for
Newton-CG on the free variables):
1. variables at a bound whose gradient pushes outwards are fixed for the step; the truncated
   CG solves H_FF p_F = -g_F on the others (the fixed entries of every vector given to and
   returned by the Hessian-vector product are zeroed), p = 0 on the fixed;
2. a backtracking search along the projection arc P(x + alpha p) from the unit step, accepted
   on the Armijo condition with the projected step (optimize/projected_search.py), then the
   projected gradient path if that fails;
3. convergence is the projected gradient norm ||P(x - g) - x|| <= gtol; the curvature check
   runs on the variables strictly inside their bounds, and an escape step is projected too.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .. import status as st
from ..bounds import Box, unbounded
from ..box import free_mask, gradient_norm, project
from ..calls import hvp_apply, hvp_prepare, value_and_grad
from ..line_search import precision_limited_step, strong_wolfe
from ..projected_search import projected_armijo
from ..options import COMMON, Option, check, gtol_for
from ..step import RUNNING, Final, Progress, advanced, stopped

NAME = "newton-cg"
DESCRIPTION = "truncated Newton: conjugate gradient on Hessian-vector products, Wolfe search"
NEEDS = ("value_and_grad", "hvp_prepare", "hvp_apply")
RETURNS_BEST = True
OPTIONS = {
    **COMMON,
    "maxiter": Option("int+", "maximum number of iterations (default 200 n)"),
    "xtol": Option("float0", "stop when the relative step is shorter than this (0 disables)",
                   1e-12),
    "cg_maxiter": Option("int+", "maximum inner conjugate-gradient iterations (default 20 n)"),
    "compiled_cg": Option("bool", "run the iterations compiled when the backend offers compiled "
                                  "derivatives (default true; false runs them in Python)", True),
}
LANCZOS_STEPS = 20
ESCAPE_TRIALS = 60
MAX_ESCAPES = 5
MINIMUM, ESCAPED, SADDLE_POINT = 0, 1, 2


class Params(NamedTuple):
    maxiter: int
    gtol: float
    xtol: float
    cg_maxiter: int
    eps: float              # machine epsilon of x
    lanczos_start: np.ndarray
    box: Box                # bounds on x (box.bounded False: none)


class State(NamedTuple):
    x: np.ndarray
    g: np.ndarray
    escapes: int            # steps taken along negative curvature at small gradients
    progress: Progress


def configure(options, x0, box=None):
    o = check(NAME, OPTIONS, options)
    n = x0.size
    return Params(o["maxiter"] or 200 * n, gtol_for(o, x0), o["xtol"], o["cg_maxiter"] or 20 * n,
                  float(np.finfo(x0.dtype).eps), np.random.default_rng(0).standard_normal(n),
                  unbounded(x0) if box is None else box)


def compiled(options):
    return options.get("compiled_cg", True) is not False


def _norm(g):
    return float(np.linalg.norm(g))


def truncated_cg(x, g, gnorm, maxiter, args, mask=None):
    """Approximate solution of H p = -g -> (p, cg_iterations, negative_curvature, finite);
    the iteration count is the number of Hessian-vector products.  With ``mask`` (1 on the
    free variables, 0 on the fixed; g zero on the fixed) it solves H_FF p_F = -g_F: every
    product is masked, so all CG vectors stay in the free subspace.

    Residuals and the forcing term are measured in the 1-norm: ||r||_1 <= eta ||g||_1 with
    eta = min(0.5, sqrt(||g||_1)). In large dimensions the 1-norm keeps eta at 0.5 longer, so
    inner solves stay loose far from a minimum (on chained Rosenbrock n = 1000 this needs about
    half the outer iterations of the 2-norm version), and it still tends to 0 as g does.
    """
    residuals = hvp_prepare(x, *args)
    g1 = float(np.sum(np.abs(g)))
    eta = min(0.5, math.sqrt(g1))
    tol = eta * g1
    z = np.zeros_like(g)
    r = g.copy()                 # residual H z + g
    d = -r
    rr = float(r @ r)
    for j in range(maxiter):
        hd = hvp_apply(x, d, *residuals)
        if mask is not None:
            hd = hd * mask
        curv = float(d @ hd)
        if not math.isfinite(curv):
            return z, j + 1, False, False
        if curv <= 0:
            if j > 0:
                return z, j + 1, True, True
            # steepest descent, scaled by the curvature magnitude along it (|g'Hg| / ||g||^2)
            scale = rr / -curv if curv < 0 else 1.0 / max(1.0, gnorm)
            return -scale * g, 1, True, True
        alpha = rr / curv
        z += alpha * d
        r += alpha * hd
        rr_new = float(r @ r)
        if float(np.sum(np.abs(r))) <= tol:
            return z, j + 1, False, True
        d = -r + (rr_new / rr) * d
        rr = rr_new
    return z, maxiter, False, True


def lanczos_min(x, args, start, steps, mask=None):
    """(smallest Ritz value, largest |Ritz value|, its unit Ritz vector, products) of H(x)
    after ``steps`` Lanczos steps from ``start`` (full reorthogonalisation; small, and only run
    at a candidate minimum); with ``mask`` (and a masked start), of H restricted to the
    variables where the mask is 1."""
    n = start.size
    k = min(n, steps)
    basis = np.zeros((k, n))
    basis[0] = start / np.sqrt(start @ start)
    alphas = np.zeros(k)
    betas = np.zeros(k)
    residuals = hvp_prepare(x, *args)
    m = 0
    for j in range(k):
        w = hvp_apply(x, basis[j].astype(x.dtype), *residuals).astype(np.float64)
        if mask is not None:
            w = w * mask
        m = j + 1
        alphas[j] = basis[j] @ w
        for i in range(j + 1):
            w -= (basis[i] @ w) * basis[i]
        beta = np.sqrt(w @ w)
        if j == k - 1 or beta <= 1e-12 * max(1.0, abs(alphas[j])):
            break
        betas[j] = beta
        basis[j + 1] = w / beta
    tri = np.zeros((m, m))
    for i in range(m):
        tri[i, i] = alphas[i]
        if i + 1 < m:
            tri[i, i + 1] = tri[i + 1, i] = betas[i]
    values, vectors = np.linalg.eigh(tri)
    vec = np.zeros(n)
    for i in range(m):
        vec += vectors[i, 0] * basis[i]
    return values[0], np.max(np.abs(values)), vec / np.sqrt(vec @ vec), m


def curvature_check(x, f, g, args, params, inside=None):
    """At a point with a small gradient: (MINIMUM, ...) when no negative curvature is found,
    (ESCAPED, x', f', g', ...) after a decreasing step along a negative-curvature direction,
    (SADDLE_POINT, ...) when negative curvature exists but no step along it decreased f.
    The last two entries count value-and-gradient evaluations and Hessian-vector products.
    With bounds, ``inside`` is 1 on the variables strictly inside their bounds: the curvature
    is that of those variables, and the escape steps are projected."""
    if inside is None:
        lam_min, lam_abs, v, products = lanczos_min(x, args, params.lanczos_start,
                                                    LANCZOS_STEPS)
    else:
        start = params.lanczos_start * inside
        if not np.any(start != 0):
            return MINIMUM, x, f, g, 0, 0
        lam_min, lam_abs, v, products = lanczos_min(x, args, start, LANCZOS_STEPS, inside)
    if not lam_min < -1e-8 * max(1.0, lam_abs):
        return MINIMUM, x, f, g, 0, products
    v = v.astype(x.dtype)
    if g @ v > 0:
        v = -v
    alpha = max(1.0, _norm(x))
    for trial in range(ESCAPE_TRIALS):
        x_new = x + alpha * v
        if inside is not None:
            x_new = project(x_new, params.box.lower, params.box.upper)
        f_new, g_new = value_and_grad(x_new, *args)
        if math.isfinite(f_new) and f_new < f:
            return ESCAPED, x_new, f_new, g_new, trial + 1, products
        alpha *= 0.5
    return SADDLE_POINT, x, f, g, ESCAPE_TRIALS, products


def small_gradient(state, args, params, inside=None):
    """The step at a point whose (projected) gradient norm is <= gtol: stop there (a minimum,
    or a saddle not escaped), or the escape step (``curvature_check``)."""
    progress, x, g = state.progress, state.x, state.g
    verdict, x_new, f_new, g_new, evals, products = curvature_check(x, progress.f, g, args,
                                                                    params, inside)
    if verdict == MINIMUM:
        return State(*state[:-1], stopped(progress, st.SUCCESS, evals, evals, products))
    if verdict == SADDLE_POINT or state.escapes >= MAX_ESCAPES or \
            progress.nit >= params.maxiter:
        return State(*state[:-1], stopped(progress, st.SADDLE, evals, evals, products))
    return State(x_new, g_new, state.escapes + 1,
                 advanced(progress, f_new, gradient_norm(x_new, g_new, params.box), evals,
                          evals, products))


def init(x0, args, params):
    x = x0.copy()
    f, g = value_and_grad(x, *args)
    finite = math.isfinite(f) and np.all(np.isfinite(g))
    gnorm = gradient_norm(x, g, params.box) if finite else math.nan
    return State(x, g, 0, Progress(0, 1, 1, 0, f, gnorm, RUNNING if finite else st.NONFINITE))


def update(state, args, params):
    progress, x, g = state.progress, state.x, state.g
    f, gnorm = progress.f, progress.grad_norm
    if gnorm <= params.gtol:
        return small_gradient(state, args, params)
    if progress.nit >= params.maxiter:
        return State(*state[:-1], stopped(progress, st.MAXITER))
    p, products, negative, finite = truncated_cg(x, g, gnorm, params.cg_maxiter, args)
    if not finite:
        return State(*state[:-1], stopped(progress, st.NONFINITE, 0, 0, products))
    steepest = not float(g @ p) < 0
    if steepest:
        p = -g
    ls = strong_wolfe(x, p, f, g, args, alpha0=min(1.0, 1.0 / gnorm) if steepest else 1.0)
    evals = ls.evaluations
    if not ls.found and not steepest:
        ls = precision_limited_step(x, p, f, gnorm, args, params.eps)
        evals += ls.evaluations
    if not ls.found and not steepest:
        p = -g
        ls = strong_wolfe(x, p, f, g, args, alpha0=min(1.0, 1.0 / gnorm))
        evals += ls.evaluations
    if not ls.found:
        return State(*state[:-1], stopped(progress, st.LINE_SEARCH, evals, evals, products))
    step = ls.alpha * p
    x = x + step
    gnorm = _norm(ls.g)
    status = RUNNING
    if gnorm > params.gtol and params.xtol > 0 and \
            np.max(np.abs(step)) <= params.xtol * max(1.0, np.max(np.abs(x))):
        status = st.XTOL
    return State(x, ls.g, state.escapes,
                 advanced(progress, ls.f, gnorm, evals, evals, products, status))


def bounded_update(state, args, params):
    """``update`` with bounds (methods/boxed/newton_cg.py): Newton-CG on the free variables
    with a search along the projection arc; at a small projected gradient the curvature check
    of the variables strictly inside their bounds."""
    progress, x, box = state.progress, state.x, params.box
    if progress.grad_norm <= params.gtol:
        inside = ((x > box.lower) & (x < box.upper)).astype(np.float64)
        return small_gradient(state, args, params, inside)
    if progress.nit >= params.maxiter:
        return State(*state[:-1], stopped(progress, st.MAXITER))
    return _projected_update(state, args, params)


def _projected_update(state, args, params):
    """One step with bounds: Newton-CG on the free variables, search along the projection
    arc."""
    progress, x, g, box = state.progress, state.x, state.g, params.box
    f, pgnorm = progress.f, progress.grad_norm
    mask = free_mask(x, g, box.lower, box.upper)
    g_free = g * mask
    free_norm = _norm(g_free)
    p, products, _, finite = truncated_cg(x, g_free, free_norm, params.cg_maxiter,
                                          args, mask)
    if not finite:
        return State(*state[:-1], stopped(progress, st.NONFINITE, 0, 0, products))
    steepest = not float(g @ p) < 0
    if steepest:
        p = -g_free
    alpha0 = min(1.0, 1.0 / free_norm) if steepest else 1.0
    ls = projected_armijo(x, p, f, g, pgnorm, args, box.lower, box.upper, params.eps,
                          alpha0=alpha0)
    evals = ls.evaluations
    if not ls.found and not steepest:
        ls = projected_armijo(x, -g_free, f, g, pgnorm, args, box.lower, box.upper, params.eps,
                              alpha0=min(1.0, 1.0 / free_norm))
        evals += ls.evaluations
    if not ls.found:
        return State(*state[:-1], stopped(progress, st.LINE_SEARCH, evals, evals, products))
    step = ls.x - x
    pg_new = gradient_norm(ls.x, ls.g, box)
    status = RUNNING
    if pg_new > params.gtol and params.xtol > 0 and \
            np.max(np.abs(step)) <= params.xtol * max(1.0, np.max(np.abs(ls.x))):
        status = st.XTOL
    return State(ls.x, ls.g, state.escapes,
                 advanced(progress, ls.f, pg_new, evals, evals, products, status))


def finish(state, params, rows, value):
    progress = state.progress
    status, gnorm = progress.status, progress.grad_norm
    detail = ""
    if status == st.NONFINITE:
        at_x0 = not (math.isfinite(progress.f) and np.all(np.isfinite(state.g)))
        detail = "(at x0)" if at_x0 else "(in a Hessian-vector product)"
    elif status in (st.MAXITER, st.LINE_SEARCH):
        detail = f"Gradient norm {gnorm:.3g}."
    elif status == st.XTOL:
        detail = f"Gradient norm {gnorm:.3g} > gtol."
    return Final(state.x, progress.f, state.g, status, detail)
