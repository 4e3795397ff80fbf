"""Zero-order gradient descent: x <- x - h G with G an estimate from optad.zero_order.

Estimators (option ``estimator``): "sphere" (default; G = (n/m) sum D(v) v, v uniform on the unit
sphere), "gaussian" (Gaussian smoothing), "coordinate" (central differences on every coordinate,
or on ``directions`` random coordinates). ``directions`` = m directions averaged per step
(default 1; all coordinates for "coordinate"). Every evaluation of ``fun`` is counted in nfev;
njev and nhev stay 0.

Step size h:
- ``step`` given: fixed;
- else ``lipschitz`` = L given: the theory's step, 1/(4 (n+4) L) for Gaussian smoothing with one
  direction (m / (4 (n+m+3) L) with m), 1/(c L) for the sphere and coordinate estimators, where
  c = E||G||^2 / ||grad||^2 (``optad.zero_order.variance_factor``);
- else backtracking (default): accept x - hG when f(x - hG) <= f(x) - 1e-4 h ||G||^2 / c (the
  expected decrease), halving h otherwise; after an accepted step the next trial starts at 2h.
  f is then known exactly at every iterate.

With a fixed step the iterates' f values are not evaluated: history ``f`` holds the mean of the
estimator's evaluations, f(x_k) + O(eps^2), and the final ``fun`` is one exact (counted)
evaluation. History ``grad_norm`` holds the estimate sqrt(||G||^2 / c) at each iterate (NaN at the
last). ``gtol`` stops when the root-mean of that estimate over the last 10 iterations (1 for
all-coordinate differences) is <= gtol.

With no callback and ``fun`` a Numba-compiled function (``@numba.njit``), the loop runs compiled;
given the same ``seed`` it follows the same random stream as the Python loop.
"""
from __future__ import annotations

import math
import time

import numpy as np

from optad import zero_order

from . import status as st
from .compiled import HAVE_CLOCK, zo_gd_loop
from .options import positive, positive_int, warn_unknown
from .result import History, PrebuiltRecorder
from .run import Run

ESTIMATOR_CODES = {"sphere": 0, "gaussian": 1, "coordinate": 2}
C1 = 1e-4
MAX_BACKTRACKS = 30


def _theory_step(estimator, n, m, lipschitz, c):
    if estimator == "gaussian":
        return m / (4.0 * (n + m + 3) * lipschitz)
    return 1.0 / (c * lipschitz)


def _minimize_zo_gd(fun_and_grad, hessp, x0, callback, *, maxiter=None, gtol=1e-6, disp=False,
                    estimator="sphere", eps=None, step=None, directions=None, seed=None,
                    max_nfev=None, lipschitz=None, **unknown):
    """zo-gd options: maxiter (default max(1000, 100 n)), gtol (0 disables), disp, estimator,
    eps (default cbrt(machine eps) max(1, rms(x0))), step, directions, seed, max_nfev,
    lipschitz."""
    warn_unknown("zo-gd", unknown)
    if estimator not in ESTIMATOR_CODES:
        raise ValueError(f"unknown estimator {estimator!r}; expected one of "
                         f"{tuple(ESTIMATOR_CODES)}")
    n = x0.size
    maxiter = positive_int("maxiter", maxiter, allow_none=True) or max(1000, 100 * n)
    gtol = positive("gtol", gtol, allow_zero=True)
    eps = positive("eps", eps, allow_none=True) or zero_order.default_eps(x0)
    step = positive("step", step, allow_none=True)
    directions = positive_int("directions", directions, allow_none=True)
    max_nfev = positive_int("max_nfev", max_nfev, allow_none=True)
    lipschitz = positive("lipschitz", lipschitz, allow_none=True)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)

    full_coordinate = estimator == "coordinate" and (directions is None or directions >= n)
    m = n if full_coordinate else (directions or 1)
    c = zero_order.variance_factor(estimator, n, None if full_coordinate else m)
    if step is None and lipschitz is not None:
        step = _theory_step(estimator, n, m, lipschitz, c)
    setting = dict(estimator=estimator, eps=eps, m=m, full_coordinate=full_coordinate, c=c,
                   step=step, maxiter=maxiter, max_nfev=max_nfev or 0, gtol=gtol,
                   window=1 if full_coordinate else 10)

    kernel = fun_and_grad.numba_value()
    if kernel is not None and callback is None and (full_coordinate or estimator != "coordinate"):
        hist = _compiled(fun_and_grad, kernel, x0, rng, setting)
    else:
        hist = _python(fun_and_grad, x0, rng, callback, setting)
    return _finish(fun_and_grad, hist, setting, disp)


def _python(objective, x0, rng, callback, s):
    start = time.perf_counter()
    value = objective.value
    estimate = zero_order._FLAT[s["estimator"]]
    m_arg = None if s["full_coordinate"] else s["m"]
    backtracking = s["step"] is None
    h = 1.0 / s["c"] if backtracking else s["step"]
    cost = 2 * s["m"] + 1           # the estimate, plus a trial step or the final exact f
    window = s["window"]
    recent = np.full(window, np.inf)
    x = x0.copy()
    x_prev = x
    f = value(x) if backtracking else math.nan
    f_hist, g_hist, e_hist, t_hist = [f], [], [objective.nfev], [0.0]
    k, status = 0, st.MAXITER
    while True:
        if backtracking and not math.isfinite(f):
            status = st.NONFINITE
            break
        if k >= s["maxiter"]:
            status = st.MAXITER
            break
        if s["max_nfev"] and objective.nfev + cost > s["max_nfev"]:
            status = st.MAXFEV
            break
        G, _, fmid = estimate(value, x, s["eps"], m_arg, rng)
        g2 = float(G @ G)
        if not (math.isfinite(fmid) and math.isfinite(g2)):
            status = st.NONFINITE
            break
        recent[k % window] = g2 / s["c"]
        g_hist.append(math.sqrt(g2 / s["c"]))
        if not backtracking:
            f_hist[k] = fmid
        if callback is not None and _stop_requested(callback, objective, x, f_hist[k], k):
            status = st.CALLBACK
            break
        k += 1
        if backtracking:
            for _ in range(MAX_BACKTRACKS):
                if s["max_nfev"] and objective.nfev + 1 > s["max_nfev"]:
                    break
                x_trial = x - h * G
                f_trial = value(x_trial)
                if math.isfinite(f_trial) and f_trial <= f - C1 * h * g2 / s["c"]:
                    x, f = x_trial, f_trial
                    h *= 2.0
                    break
                h *= 0.5
        else:
            x_prev = x
            x = x - h * G
            f = math.nan
        f_hist.append(f)
        e_hist.append(objective.nfev)
        t_hist.append(time.perf_counter() - start)
        if k >= window and math.sqrt(float(np.mean(recent))) <= s["gtol"]:
            status = st.SUCCESS
            break
    g_hist.extend([math.nan] * (len(f_hist) - len(g_hist)))
    return dict(x=x, f=f, nit=k, status=status, x_prev=x_prev,
                history=(f_hist, g_hist, e_hist, t_hist))


def _stop_requested(callback, objective, x, f, k):
    from .result import OptimizeResult
    try:
        callback(OptimizeResult(x=objective.unravel(x.copy()), fun=f, nit=k, jac=None))
    except StopIteration:
        return True
    return False


def _compiled(objective, kernel, x0, rng, s):
    start = time.perf_counter()
    step = s["step"] if s["step"] is not None else -1.0
    out = zo_gd_loop(kernel, x0.astype(np.float64), objective.kernel_shape,
                     objective.args, ESTIMATOR_CODES[s["estimator"]], float(s["eps"]),
                     int(s["m"]), rng, float(step), float(s["c"]), int(s["maxiter"]),
                     int(s["max_nfev"]), float(s["gtol"]), int(s["window"]), C1, MAX_BACKTRACKS)
    x, f, nit, nfev, status, f_hist, g_hist, e_hist, t_hist, x_prev = out
    if not HAVE_CLOCK:  # pragma: no cover
        t_hist = np.linspace(0.0, time.perf_counter() - start, len(f_hist))
    base = objective.nfev
    objective.nfev += int(nfev)
    return dict(x=x, f=f, nit=int(nit), status=int(status), x_prev=x_prev,
                history=(f_hist, g_hist, np.asarray(e_hist) + base, t_hist))


def _finish(objective, hist, s, disp):
    x, f, status = hist["x"], hist["f"], hist["status"]
    f_hist, g_hist, e_hist, t_hist = (np.array(a, dtype=float) for a in hist["history"])
    detail = ""
    if s["step"] is not None:
        if status == st.NONFINITE:
            x = hist["x_prev"]
            detail = "(the estimate became non-finite; returning the last finite iterate)"
        f = objective.value(x)      # exact value at the returned point, counted
        if status != st.NONFINITE:
            f_hist[-1] = f
            e_hist[-1] = objective.nfev
        if not math.isfinite(f) and status != st.NONFINITE:
            status = st.NONFINITE
    zeros = np.zeros(len(f_hist), np.int64)
    run = Run(objective, None, "zo-gd", disp)
    run.recorder = PrebuiltRecorder(History(f=f_hist, grad_norm=g_hist, nfev=e_hist, njev=zeros,
                                     nhev=zeros, time=t_hist))
    return run.result(x, f, None, hist["nit"], status, detail)
