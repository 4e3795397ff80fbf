"""Zero-order gradient descent: x <- x - h G with G an estimate from function values only.

Estimators (option ``estimator``; the formulas of optad.zero_order): "sphere" (default;
G = (n/m) sum D(v) v, v uniform on the unit sphere), "gaussian" (Gaussian smoothing),
"coordinate" (central differences on every coordinate, or on ``directions`` random
coordinates). ``directions`` = m directions averaged per step (default 1; all coordinates for
"coordinate"). Every evaluation of ``fun`` is counted in nfev; njev and nhev stay 0.

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
last), and a row's ``nfev`` counts the evaluations made once that row was known (its estimate
included). ``gtol`` stops when the root-mean of that estimate over the last 10 iterations (1 for
all-coordinate differences) is <= gtol.

Success means that test was met by estimates that can show a small gradient: a difference
f(x + eps v) - f(x - eps v) is only known to f's rounding, about 2 u |f| (u the machine epsilon
of x), so an estimate cannot tell gradients below the noise floor sqrt(n) 2 u |f| / (2 eps)
from zero.  When the test is met but that floor exceeds gtol (f running off to -inf, say
f = -sum(x) reaching x = 1e11, where x +- eps v rounds to x and every difference is 0), the
run stops with status PRECISION and ``success=False``.  A run that ends on maxiter, max_nfev or
a non-finite f is not a success either.  Given the same ``seed``, the Python and the compiled
runs follow the same random stream.

With bounds, every iterate is projected onto the box (x <- P(x - h G); the backtracking test
uses the projected step, f(P(x - hG)) <= f(x) - 1e-4 G.(x - P(x - hG)) / c), the gtol test reads
the projected estimate ||x - P(x - G)||, and the estimate leaves out the variables held at a
bound (optimize/zo_bounds.py): at a minimum on a bound the gradient is not zero, and a random
direction through it would mix its outward part into every other coordinate as noise that no
step size removes.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ... import zero_order
from .. import status as st
from ..bounds import Box, unbounded
from ..box import project
from ..calls import value
from ..zo_bounds import bounded_estimate
from ..options import COMMON, Option, check
from ..step import RUNNING, Final, Progress, stopped

NAME = "zo-gd"
DESCRIPTION = "zero-order gradient descent on a two-point or coordinate estimate"
NEEDS = ("value",)
RETURNS_BEST = False
HAS_GRADIENT = False
ESTIMATORS = ("sphere", "gaussian", "coordinate")
SPHERE, GAUSSIAN, COORDINATE = 0, 1, 2
OPTIONS = {
    **COMMON,
    "maxiter": Option("int+", "maximum number of iterations (default max(1000, 100 n))"),
    "gtol": Option("float0", "stop when the root-mean gradient estimate of the last 10 "
                             "iterations falls below this (0 disables)", 1e-6),
    "estimator": Option(ESTIMATORS, "zero-order gradient estimator", "sphere"),
    "eps": Option("float+", "finite-difference radius (default cbrt(machine eps) "
                            "max(1, rms(x0)))"),
    "step": Option("float+", "fixed step size (absent: from lipschitz, else backtracking)"),
    "directions": Option("int+", "random directions averaged per step"),
    "seed": Option("int0", "random seed of the directions (or a numpy Generator)"),
    "max_nfev": Option("int+", "maximum number of function evaluations"),
    "lipschitz": Option("float+", "gradient Lipschitz constant L: use the theory's step "
                                  "(absent step and L: backtracking)"),
}
C1 = 1e-4
MAX_BACKTRACKS = 30


class Params(NamedTuple):
    maxiter: int
    gtol: float
    estimator: int
    subset: bool        # coordinate differences on m random coordinates
    eps: float
    m: int              # directions (or coordinates) per estimate
    c: float            # E||G||^2 / ||grad||^2
    step: float         # NaN: backtracking
    max_nfev: int       # 0: no limit
    window: int
    unit: float         # machine epsilon of x
    rng: np.random.Generator
    box: Box            # bounds on x (box.bounded False: none)


class State(NamedTuple):
    x: np.ndarray
    g: np.ndarray           # the estimate at x (once known)
    x_prev: np.ndarray      # fixed step: the iterate before x
    h: float                # the step (backtracking: the next trial)
    recent: np.ndarray      # ||G||^2 / c of the last ``window`` estimates
    f: float                # exact f at x (backtracking; NaN with a fixed step)
    progress: Progress


def configure(options, x0, box=None):
    options = dict(options)
    seed = options.pop("seed", None)
    o = check(NAME, OPTIONS, options)
    if not (seed is None or isinstance(seed, np.random.Generator)):
        seed = check(NAME, {"seed": OPTIONS["seed"]}, {"seed": seed})["seed"]
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n = x0.size
    estimator, directions = o["estimator"], o["directions"]
    full_coordinate = estimator == "coordinate" and (directions is None or directions >= n)
    m = n if full_coordinate else (directions or 1)
    c = zero_order.variance_factor(estimator, n, None if full_coordinate else m)
    step = o["step"]
    if step is None and o["lipschitz"] is not None:
        lipschitz = o["lipschitz"]
        step = m / (4.0 * (n + m + 3) * lipschitz) if estimator == "gaussian" \
            else 1.0 / (c * lipschitz)
    return Params(o["maxiter"] or max(1000, 100 * n), o["gtol"], ESTIMATORS.index(estimator),
                  estimator == "coordinate" and not full_coordinate,
                  o["eps"] or zero_order.default_eps(x0), m, float(c),
                  math.nan if step is None else float(step), o["max_nfev"] or 0,
                  1 if full_coordinate else 10, float(np.finfo(x0.dtype).eps), rng,
                  unbounded(x0) if box is None else box)


def estimate(x, args, params):
    """(G, mean of the evaluated f values, evaluations) at x."""
    n, eps, m, rng = x.size, params.eps, params.m, params.rng
    G = np.zeros_like(x)
    fsum = 0.0
    if params.estimator == COORDINATE:
        coordinates = rng.permutation(n)[:m] if params.subset else np.arange(n)
        for i in coordinates:
            e = np.zeros_like(x)
            e[i] = eps
            fp = value(x + e, *args)
            fm = value(x - e, *args)
            G[i] = (fp - fm) / (2 * eps)
            fsum += fp + fm
        return G * (n / m), fsum / (2 * m), 2 * m
    for _ in range(m):
        v = rng.standard_normal(n)
        if params.estimator == SPHERE:
            v = v / np.sqrt(v @ v)
        v = v.astype(x.dtype)
        fp = value(x + eps * v, *args)
        fm = value(x - eps * v, *args)
        G += ((fp - fm) / (2 * eps)) * v
        fsum += fp + fm
    scale = n / m if params.estimator == SPHERE else 1.0 / m
    return G * scale, fsum / (2 * m), 2 * m


def noise_floor(f, n, params):
    """The gradient norm an estimate at a point with value f cannot tell from 0."""
    return math.sqrt(n) * params.unit * abs(f) / params.eps if math.isfinite(f) else math.inf


def _estimated(state, args, params, box=None):
    """The state with the estimate at its x, or stopped before it (budget, non-finite f);
    ``box`` is None without bounds (Numba then compiles none of the bounded code)."""
    progress = state.progress
    backtracking = not params.step > 0
    if backtracking and not math.isfinite(state.f):
        return State(*state[:-1], stopped(progress, st.NONFINITE))
    if progress.nit >= params.maxiter:
        return State(*state[:-1], stopped(progress, st.MAXITER))
    # the estimate, plus a trial step or the final exact f, must fit in the budget
    if params.max_nfev > 0 and progress.nfev + 2 * params.m + 1 > params.max_nfev:
        return State(*state[:-1], stopped(progress, st.MAXFEV))
    if box is not None:
        G, fmid, used = bounded_estimate(state.x, state.g, progress.nit, args, params)
    else:
        G, fmid, used = estimate(state.x, args, params)
    g2 = float(G @ G)
    if not (math.isfinite(fmid) and math.isfinite(g2)):
        return State(*state[:-1], stopped(progress, st.NONFINITE, used))
    recent = state.recent.copy()
    if box is not None:
        gp = state.x - project(state.x - G, box.lower, box.upper)
        recent[progress.nit % params.window] = float(gp @ gp) / params.c
    else:
        recent[progress.nit % params.window] = g2 / params.c
    f_row = state.f if backtracking else fmid
    return State(state.x, G, state.x_prev, state.h, recent, state.f,
                 Progress(progress.nit, progress.nfev + used, 0, 0, f_row,
                          math.sqrt(g2 / params.c), RUNNING))


def init(x0, args, params):
    return _start(x0, args, params)


def bounded_init(x0, args, params):
    """``init`` with bounds (methods/boxed/zo_gd.py)."""
    return _start(x0, args, params, params.box)


def _start(x0, args, params, box=None):
    x = x0.copy()
    backtracking = not params.step > 0
    f = value(x, *args) if backtracking else math.nan
    h = 1.0 / params.c if backtracking else params.step
    state = State(x, np.zeros_like(x), x.copy(), h, np.full(params.window, np.inf), f,
                  Progress(0, 1 if backtracking else 0, 0, 0, f, math.nan, RUNNING))
    return _estimated(state, args, params, box)


def update(state, args, params):
    return _step(state, args, params)


def bounded_update(state, args, params):
    """``update`` with bounds (methods/boxed/zo_gd.py): projected steps and estimates."""
    return _step(state, args, params, params.box)


def _step(state, args, params, box=None):
    progress, x, G, f, h = state.progress, state.x, state.g, state.f, state.h
    nfev = progress.nfev
    x_prev = state.x_prev
    if params.step > 0:
        x_prev = x
        x = x - h * G
        if box is not None:
            x = project(x, box.lower, box.upper)
        f = math.nan                    # known at the next estimate (or exactly at the end)
    else:
        slope = float(G @ G) / params.c
        for _ in range(MAX_BACKTRACKS):
            if params.max_nfev > 0 and nfev + 1 > params.max_nfev:
                break
            x_trial = x - h * G
            target = f - C1 * h * slope
            if box is not None:
                x_trial = project(x_trial, box.lower, box.upper)
                decrease = float(G @ (x - x_trial)) / params.c
                if not decrease > 0:
                    break       # G holds only against the bounds: no step moves x
                target = f - C1 * decrease
            f_trial = value(x_trial, *args)
            nfev += 1
            if math.isfinite(f_trial) and f_trial <= target:
                x, f = x_trial, f_trial
                h *= 2.0
                break
            h *= 0.5
    nit = progress.nit + 1
    moved = State(x, G, x_prev, h, state.recent, f, Progress(nit, nfev, 0, 0, f, math.nan,
                                                               RUNNING))
    if nit >= params.window and math.sqrt(np.mean(state.recent)) <= params.gtol:
        floor = noise_floor(progress.f, x.size, params)
        status = st.SUCCESS if floor <= params.gtol else st.PRECISION
        return State(*moved[:-1], stopped(moved.progress, status))
    return _estimated(moved, args, params, box)


def finish(state, params, rows, value):
    """With a fixed step, f is evaluated exactly (and counted) at the returned point."""
    progress = state.progress
    status, x = progress.status, state.x
    detail = f"(f = {progress.f:.6g} here)" if status == st.PRECISION else ""
    if not params.step > 0:
        return Final(x, state.f, None, status, detail)
    if status == st.NONFINITE:
        x = state.x_prev
        detail = "(the estimate became non-finite; returning the last finite iterate)"
    f = value(x)
    if status != st.NONFINITE:
        rows.revise_last(f=f, nfev=1)
        if not math.isfinite(f):
            status = st.NONFINITE
    return Final(x, f, None, status, detail, nfev=1)
