"""Truncated Newton (line-search Newton-CG) using Hessian-vector products only.

Outer iteration k at x with gradient g:
1. inner conjugate gradient on H p = -g, stopped when ||H p + g||_1 <= eta_k ||g||_1 with the
   forcing term eta_k = min(0.5, sqrt(||g||_1)) (superlinear local convergence), or on negative
   curvature d.Hd <= 0: on the first CG step the direction is steepest descent -g scaled by
   ||g||^2 / |g.Hg|, later the last CG iterate;
2. a strong-Wolfe line search along p (unit step first); if it fails along the Newton direction,
   steepest descent is tried before giving up;
3. stop when ||g|| <= gtol, or when the step ||x_{k+1} - x_k||_inf <= xtol max(1, ||x_k||_inf).

When ||g|| <= gtol, a short Lanczos run checks for negative curvature: at a saddle the method
steps along the negative-curvature direction and continues; if that fails it reports
``success=False`` with status SADDLE. A failed line search returns the best point found, never a
worse one. Errors in the problem (NaN/inf) end the run with ``success=False``.

When the objective offers a Numba-compiled Hessian-vector product (``numba_hessp``: optad's own
hvp kernel on a single-array x, or a user ``hessp`` that is an ``@numba.njit`` function), the
inner CG runs as one compiled call (``compiled_cg.truncated_cg``, the same algorithm as
``_truncated_cg`` below); otherwise the Python loop calls ``hessp`` once per CG iteration.
With optad's own derivatives the product is linearised at each outer iterate
(``numba_hessp_linearized``): what does not depend on v runs once, before the CG loop.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from . import status as st
from .line_search import LineSearchResult, strong_wolfe
from .options import positive, positive_int, warn_unknown
from .run import Run


def _truncated_cg(hessp, x, g, gnorm, maxiter):
    """Approximate solution of H p = -g; returns (p, cg_iterations, negative_curvature).

    Residuals and the forcing term are measured in the 1-norm: ||r||_1 <= eta ||g||_1 with
    eta = min(0.5, sqrt(||g||_1)). In large dimensions the 1-norm keeps eta at 0.5 longer, so
    inner solves stay loose far from a minimum (on chained Rosenbrock n = 1000 this needs about
    half the outer iterations of the 2-norm version), and it still tends to 0 as g does.
    """
    g1 = float(np.abs(g).sum())
    eta = min(0.5, math.sqrt(g1))
    tol = eta * g1
    z = np.zeros_like(g)
    r = g.copy()                 # residual H z + g
    d = -r
    rr = float(r @ r)
    for j in range(maxiter):
        hd = hessp(x, d)
        curv = float(d @ hd)
        if not math.isfinite(curv):
            return None, j + 1, False
        if curv <= 0:
            if j > 0:
                return z, j + 1, True
            # steepest descent, scaled by the curvature magnitude along it (|g'Hg| / ||g||^2)
            scale = rr / -curv if curv < 0 else 1.0 / max(1.0, gnorm)
            return -scale * g, 1, True
        alpha = rr / curv
        z = z + alpha * d
        r = r + alpha * hd
        rr_new = float(r @ r)
        if float(np.abs(r).sum()) <= tol:
            return z, j + 1, False
        d = -r + (rr_new / rr) * d
        rr = rr_new
    return z, maxiter, False


def _compiled_cg_solver(objective):
    """``solve(x, g, gnorm, maxiter) -> (p, cg_iterations, negative_curvature)`` running the
    compiled CG on the objective's compiled Hessian-vector product, counting nhev; or None when
    there is no compiled product. A product that Numba cannot compile for these arguments (a
    user's njit ``hessp`` of another signature) warns and falls back to the Python loop."""
    linearized_for = getattr(objective, "numba_hessp_linearized", None)
    linearized = linearized_for() if linearized_for is not None else None
    if linearized is not None:
        # the part of the product that does not depend on v runs once per outer iteration
        prepare, kernel = linearized
    else:
        prepare = None
        kernel_for = getattr(objective, "numba_hessp", None)
        kernel = kernel_for() if kernel_for is not None else None
    if kernel is None:
        return None
    from numba.core.errors import NumbaError

    from .compiled import unbind
    from .compiled_cg import truncated_cg
    shape = objective.kernel_shape
    args = objective.args
    prepare_unbound, prepare_args = unbind(prepare, args)
    state = {"python": False}

    def solve(x, g, gnorm, maxiter):
        if not state["python"]:
            try:
                extra = args if prepare is None else prepare_unbound(x.reshape(shape),
                                                                     *prepare_args)
                p, iters, negative, finite = truncated_cg(kernel, x, g, float(gnorm),
                                                          int(maxiter), shape, extra)
            except NumbaError as exc:
                warnings.warn(f"newton-cg: the compiled inner CG could not be built ({exc}); "
                              "using the Python loop", RuntimeWarning, stacklevel=4)
                state["python"] = True
            else:
                objective.nhev += int(iters)
                return (p if finite else None), int(iters), bool(negative)
        return _truncated_cg(objective.hessp, x, g, gnorm, maxiter)
    return solve


def _lanczos_min(hessp, x, n, steps, seed=0):
    """Smallest Ritz value and vector of H(x) after ``steps`` Lanczos steps (full
    reorthogonalisation; small and only run at a candidate minimum)."""
    rng = np.random.default_rng(seed)
    k = min(n, steps)
    q = rng.standard_normal(n)
    q /= np.linalg.norm(q)
    basis = [q]
    alphas, betas = [], []
    for j in range(k):
        w = hessp(x, basis[j])
        alphas.append(float(basis[j] @ w))
        for b in basis:
            w -= (b @ w) * b
        beta = float(np.linalg.norm(w))
        if j == k - 1 or beta <= 1e-12 * max(1.0, abs(alphas[-1])):
            break
        betas.append(beta)
        basis.append(w / beta)
    m = len(alphas)
    tri = np.diag(alphas) + np.diag(betas[:m - 1], 1) + np.diag(betas[:m - 1], -1)
    evals, evecs = np.linalg.eigh(tri)
    vec = np.array(basis[:m]).T @ evecs[:, 0]
    return float(evals[0]), float(np.abs(evals).max()), vec / np.linalg.norm(vec)


def _curvature_check(fun_and_grad, hessp, x, f, g, n):
    """At a point with a small gradient: ("minimum", None) when no negative curvature is found,
    ("escaped", (x, f, g)) after a decreasing step along a negative-curvature direction,
    ("saddle", None) when negative curvature exists but no step along it decreased f."""
    lam_min, lam_abs, v = _lanczos_min(hessp, x, n, steps=20)
    if not lam_min < -1e-8 * max(1.0, lam_abs):
        return "minimum", None
    if g @ v > 0:
        v = -v
    alpha = max(1.0, float(np.linalg.norm(x)))
    for _ in range(60):
        f_new, g_new = fun_and_grad(x + alpha * v)
        if math.isfinite(f_new) and f_new < f:
            return "escaped", (x + alpha * v, f_new, g_new)
        alpha *= 0.5
    return "saddle", None


def _precision_limited_step(fun_and_grad, x, p, f, gnorm):
    """Near a minimum, f may stop resolving decreases (rounding) while the gradient still can.
    Accept the full Newton step when f does not rise beyond rounding and ||g|| shrinks."""
    f_new, g_new = fun_and_grad(x + p)
    rounding = 64 * np.finfo(x.dtype).eps * max(1.0, abs(f))
    if math.isfinite(f_new) and f_new <= f + rounding and np.all(np.isfinite(g_new)) \
            and float(np.linalg.norm(g_new)) < gnorm:
        return LineSearchResult(1.0, f_new, g_new, False, 1)
    return LineSearchResult(None, f, None, False, 1)


def _minimize_newton_cg(fun_and_grad, hessp, x0, callback, *, maxiter=None, gtol=1e-6,
                        xtol=1e-12, cg_maxiter=None, disp=False, compiled_cg=True, **unknown):
    """Newton-CG options: maxiter (default 200 n), gtol (2-norm of the gradient; 0 disables),
    xtol (relative step, 0 disables), cg_maxiter (default 20 n), disp, compiled_cg (default
    True: run the inner CG compiled when a compiled Hessian-vector product is available; False
    forces the Python loop)."""
    warn_unknown("newton-cg", unknown)
    n = x0.size
    maxiter = positive_int("maxiter", maxiter, allow_none=True) or 200 * n
    gtol = positive("gtol", gtol, allow_zero=True)
    xtol = positive("xtol", xtol, allow_zero=True)
    cg_maxiter = positive_int("cg_maxiter", cg_maxiter, allow_none=True) or 20 * n
    run = Run(fun_and_grad, callback, "newton-cg", disp)
    inner_cg = _compiled_cg_solver(fun_and_grad) if compiled_cg else None
    if inner_cg is None:
        def inner_cg(x, g, gnorm, maxiter):
            return _truncated_cg(hessp, x, g, gnorm, maxiter)

    x = np.array(x0, dtype=x0.dtype)
    f, g = fun_and_grad(x)
    if not (math.isfinite(f) and np.all(np.isfinite(g))):
        run.record(0, x, f, g)
        return run.result(x, f, g, 0, st.NONFINITE, "(at x0)")
    gnorm = float(np.linalg.norm(g))
    if run.record(0, x, f, g, gnorm):
        return run.result(x, f, g, 0, st.CALLBACK)
    escapes, k = 0, 0
    while True:
        if gnorm <= gtol:
            verdict, moved = _curvature_check(fun_and_grad, hessp, x, f, g, n)
            if verdict == "minimum":
                return run.result(x, f, g, k, st.SUCCESS)
            if verdict == "saddle" or escapes >= 5 or k >= maxiter:
                return run.result(x, f, g, k, st.SADDLE)
            escapes += 1
            k += 1
            x, f, g = moved
            gnorm = float(np.linalg.norm(g))
            if run.record(k, x, f, g, gnorm):
                return run.result(x, f, g, k, st.CALLBACK)
            continue
        if k >= maxiter:
            return run.result(x, f, g, k, st.MAXITER, f"Gradient norm {gnorm:.3g}.")
        p, cg_iters, negative = inner_cg(x, g, gnorm, cg_maxiter)
        if p is None:
            return run.result(x, f, g, k, st.NONFINITE, "(in a Hessian-vector product)")
        steepest = not float(g @ p) < 0
        if steepest:
            p = -g
        ls = strong_wolfe(fun_and_grad, x, p, f, g,
                          alpha0=min(1.0, 1.0 / gnorm) if steepest else 1.0)
        if ls.alpha is None and not steepest:
            ls = _precision_limited_step(fun_and_grad, x, p, f, gnorm)
        if ls.alpha is None and not steepest:
            p = -g
            ls = strong_wolfe(fun_and_grad, x, p, f, g, alpha0=min(1.0, 1.0 / gnorm))
        if ls.alpha is None:
            return run.result(x, f, g, k, st.LINE_SEARCH, f"Gradient norm {gnorm:.3g}.")
        k += 1
        step = ls.alpha * p
        x = x + step
        f, g = ls.f, ls.g
        gnorm = float(np.linalg.norm(g))
        if run.record(k, x, f, g, gnorm):
            return run.result(x, f, g, k, st.CALLBACK)
        if gnorm > gtol and xtol > 0 and np.abs(step).max() <= xtol * max(1.0, np.abs(x).max()):
            return run.result(x, f, g, k, st.XTOL, f"Gradient norm {gnorm:.3g} > gtol.")
