"""Gradient descent: fixed step or Armijo backtracking; optional heavy-ball or Nesterov momentum.

- fixed step, heavy ball:  v <- momentum v - step g(x);  x <- x + v
- fixed step, Nesterov:    x' <- y - step g(y);  y <- x' + momentum (x' - x);  x <- x'
  (the gradient, f and the returned point are those of the extrapolated point y)
- no step (default): Armijo backtracking from twice the previous accepted step along
  d = -g + momentum d_prev (reset to -g when not a descent direction); with Nesterov the
  backtracking runs at the extrapolated point y along -g(y), and the extrapolation is skipped
  whenever f would increase the step is dropped and the next one starts from x without
  momentum (adaptive restart, O'Donoghue & Candes 2015), so f(x) decreases monotonically.

With a fixed step, no callback and a Numba-compiled value-and-gradient (``fun`` an ``@njit``
function with ``jac=True``, or optad's Numba kernels), the whole loop runs in compiled code.
"""
from __future__ import annotations

import math
import time

import numpy as np

from . import status as st
from .compiled import HAVE_CLOCK, gd_fixed_loop
from .line_search import armijo_with_grad
from .options import fraction, positive, positive_int, warn_unknown
from .result import History, PrebuiltRecorder
from .run import Run


def _minimize_gd(fun_and_grad, hessp, x0, callback, *, maxiter=None, gtol=1e-6, step=None,
                 momentum=0.0, nesterov=False, disp=False, **unknown):
    """GD options: maxiter (default 10000), gtol (2-norm; 0 disables), step (fixed step; absent
    means Armijo backtracking), momentum in [0, 1), nesterov, disp."""
    warn_unknown("gd", unknown)
    maxiter = positive_int("maxiter", maxiter, allow_none=True) or 10000
    gtol = positive("gtol", gtol, allow_zero=True)
    step = positive("step", step, allow_none=True)
    momentum = fraction("momentum", momentum)
    if nesterov and momentum == 0:
        raise ValueError("nesterov=True needs a momentum > 0")
    kernel = fun_and_grad.numba_value_and_grad() if step is not None and callback is None \
        else None
    if kernel is not None:
        return _compiled(fun_and_grad, kernel, x0, maxiter, gtol, step, momentum, bool(nesterov),
                         disp)
    return _python(fun_and_grad, x0, callback, maxiter, gtol, step, momentum, bool(nesterov), disp)


def _finite(f, g):
    return math.isfinite(f) and bool(np.all(np.isfinite(g)))


def _python(fun_and_grad, x0, callback, maxiter, gtol, step, momentum, nesterov, disp):
    run = Run(fun_and_grad, callback, "gd", disp)
    x = x0.copy()
    y = x0.copy()                   # point where f and g are evaluated
    velocity = np.zeros_like(x0)
    direction = None
    alpha = 1.0                     # backtracking: last accepted step
    f_x = None                      # backtracking: f at the last accepted x
    f, g = fun_and_grad(y)
    k = 0
    while True:
        gnorm = float(np.linalg.norm(g)) if np.all(np.isfinite(g)) else math.inf
        if run.record(k, y, f, g, gnorm):
            return run.result(y, f, g, k, st.CALLBACK)
        if not _finite(f, g):
            return run.result(None, f, g, k, st.NONFINITE)
        if gnorm <= gtol:
            return run.result(y, f, g, k, st.SUCCESS)
        if k >= maxiter:
            return run.result(y, f, g, k, st.MAXITER, f"Gradient norm {gnorm:.3g}.")
        if step is not None:
            if nesterov:
                x_new = y - step * g
                y = x_new + momentum * (x_new - x)
                x = x_new
            else:
                velocity = momentum * velocity - step * g
                x = x + velocity
                y = x
        else:
            if nesterov or direction is None:
                direction = -g
            else:
                direction = -g + momentum * direction
                if not float(g @ direction) < 0:
                    direction = -g
            found, f_new, g_new = armijo_with_grad(fun_and_grad, y, direction, f,
                                                   float(g @ direction), alpha0=2.0 * alpha)
            if found is None:
                return run.result(y, f, g, k, st.LINE_SEARCH, f"Gradient norm {gnorm:.3g}.")
            alpha = found
            x_new = y + alpha * direction
            if nesterov and f_x is not None and \
                    f_new > f_x + 64 * np.finfo(y.dtype).eps * max(1.0, abs(f_x)):
                y = x                   # adaptive restart: drop x_new and the momentum
            elif nesterov:
                y = x_new + momentum * (x_new - x)
                x, f_x = x_new, f_new
            else:
                x = y = x_new
                k += 1
                f, g = f_new, g_new     # gradient already evaluated by the line search
                continue
        k += 1
        f, g = fun_and_grad(y)


def _compiled(objective, kernel, x0, maxiter, gtol, step, momentum, nesterov, disp):
    shape = objective.kernel_shape
    start = time.perf_counter()
    y, f, g, nit, status, f_hist, g_hist, t_hist, best_x, best_f = gd_fixed_loop(
        kernel, x0.astype(np.float64), tuple(shape), objective.args, float(step),
        float(momentum), nesterov, int(maxiter), float(gtol))
    elapsed = time.perf_counter() - start
    if not HAVE_CLOCK:  # pragma: no cover
        t_hist = np.linspace(0.0, elapsed, len(f_hist))
    objective.nfev += nit + 1
    objective.njev += nit + 1
    counts = objective.nfev - np.arange(nit, -1, -1)
    run = Run(objective, None, "gd", disp)
    run.recorder = PrebuiltRecorder(History(f=f_hist, grad_norm=g_hist, nfev=counts, njev=counts,
                                     nhev=np.zeros(nit + 1, np.int64), time=t_hist))
    if status == st.NONFINITE and np.isfinite(best_f):
        run.best = (best_f, best_x, None)
        return run.result(None, f, g, nit, status)
    gnorm = g_hist[-1]
    detail = f"Gradient norm {gnorm:.3g}." if status == st.MAXITER else ""
    return run.result(y, f, g, nit, status, detail)
