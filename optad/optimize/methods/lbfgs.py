"""Limited-memory BFGS: quasi-Newton steps from the last ``m`` steps and gradient changes.

Iteration k at x with gradient g:
1. direction d = -H_k g by the two-loop recursion over the stored pairs (s_i, y_i) =
   (x_{i+1} - x_i, g_{i+1} - g_i), newest first, with the initial inverse Hessian
   gamma_k I, gamma_k = s'y / y'y of the newest pair (Nocedal & Wright, Algorithm 7.4);
   with no pairs yet, d = -g and the first trial step is min(1, 1/||g||);
2. a strong-Wolfe line search along d (optimize/line_search.py, shared with newton-cg) from the
   unit step, at most ``maxls`` evaluations, comparing f values only up to f's rounding
   (64 eps |f|), so near a minimum, where f no longer resolves the decrease, steps are still
   judged by their directional derivative; if it finds no acceptable point the memory is dropped
   and steepest descent is tried before giving up;
3. the pair is stored only when it meets the curvature condition s'y > eps y'y (eps the machine
   epsilon of x), so H_k stays positive definite; otherwise the step is taken and the pair
   skipped.
Stops when ||g|| <= gtol (success), on maxiter, or when no point of sufficient decrease exists
along either direction (``success=False``, the best point found).

With bounds the step is L-BFGS-B's (Byrd, Lu, Nocedal & Zhu 1995): generalized Cauchy point,
subspace minimisation over the free variables, a search that stays in the box (lbfgs_b.py, run
as ``update`` by boxed/lbfgs.py); the state, the stored pairs and the stops are this module's.
Convergence is then the projected gradient norm ||P(x - g) - x|| <= gtol (the quantity L-BFGS-B
tests), and the reported gradient is the true gradient.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .. import status as st
from ..bounds import Box, unbounded
from ..box import gradient_norm
from ..calls import value_and_grad
from ..line_search import strong_wolfe
from ..options import COMMON, Option, check, gtol_for
from ..step import RUNNING, Final, Progress, advanced, stopped

NAME = "lbfgs"
DESCRIPTION = "limited-memory BFGS: two-loop recursion, strong-Wolfe line search"
NEEDS = ("value_and_grad",)
RETURNS_BEST = True
OPTIONS = {
    **COMMON,
    "maxiter": Option("int+", "maximum number of iterations (default 15000)"),
    "m": Option("int+", "number of (step, gradient change) pairs kept", 10),
    "maxls": Option("int+", "maximum evaluations per line search", 20),
}


class Params(NamedTuple):
    maxiter: int
    gtol: float
    m: int
    maxls: int
    eps: float          # machine epsilon of x
    box: Box            # bounds on x (box.bounded False: none)


class State(NamedTuple):
    x: np.ndarray
    g: np.ndarray
    S: np.ndarray       # (m, n) steps s_i, a ring buffer
    Y: np.ndarray       # (m, n) gradient changes y_i
    rho: np.ndarray     # 1 / y_i's_i
    stored: int         # pairs held
    head: int           # slot the next pair goes to
    progress: Progress


def configure(options, x0, box=None):
    o = check(NAME, OPTIONS, options)
    return Params(o["maxiter"] or 15000, gtol_for(o, x0), o["m"], o["maxls"],
                  float(np.finfo(x0.dtype).eps), unbounded(x0) if box is None else box)


def _norm(g):
    return float(np.linalg.norm(g))


def two_loop(g, S, Y, rho, stored, head):
    """-H g for the L-BFGS inverse Hessian H of the stored pairs (newest at head - 1)."""
    m = rho.size
    q = g.copy()
    alphas = np.zeros(m)
    for k in range(stored):
        i = (head - 1 - k + m) % m
        a = rho[i] * float(S[i] @ q)
        alphas[i] = a
        q -= a * Y[i]
    if stored > 0:
        newest = (head - 1 + m) % m
        q *= float(S[newest] @ Y[newest]) / float(Y[newest] @ Y[newest])
    for k in range(stored - 1, -1, -1):
        i = (head - 1 - k + m) % m
        b = rho[i] * float(Y[i] @ q)
        q += (alphas[i] - b) * S[i]
    return -q


def init(x0, args, params):
    x = x0.copy()
    f, g = value_and_grad(x, *args)
    finite = math.isfinite(f) and np.all(np.isfinite(g))
    n = x.size
    return State(x, g, np.zeros((params.m, n), x.dtype), np.zeros((params.m, n), x.dtype),
                 np.zeros(params.m), 0, 0,
                 Progress(0, 1, 1, 0, f,
                          gradient_norm(x, g, params.box) if finite else math.nan,
                          RUNNING if finite else st.NONFINITE))


def update(state, args, params):
    progress, x, g = state.progress, state.x, state.g
    f, gnorm = progress.f, progress.grad_norm
    if gnorm <= params.gtol:
        return State(*state[:-1], stopped(progress, st.SUCCESS))
    if progress.nit >= params.maxiter:
        return State(*state[:-1], stopped(progress, st.MAXITER))
    stored, head = state.stored, state.head
    d = two_loop(g, state.S, state.Y, state.rho, stored, head)
    if not float(g @ d) < 0:
        stored, d = 0, -g
    alpha0 = 1.0 if stored > 0 else min(1.0, 1.0 / gnorm)
    noise = 64 * params.eps * max(1.0, abs(f))
    ls = strong_wolfe(x, d, f, g, args, alpha0=alpha0, maxiter=params.maxls, f_noise=noise)
    evals = ls.evaluations
    if not ls.found and stored > 0:
        stored, d = 0, -g
        ls = strong_wolfe(x, d, f, g, args, alpha0=min(1.0, 1.0 / gnorm),
                          maxiter=params.maxls, f_noise=noise)
        evals += ls.evaluations
    if not ls.found:
        return State(*state[:-1], stopped(progress, st.LINE_SEARCH, evals, evals))
    s = ls.alpha * d
    S, Y, rho, stored, head = _stored(state, stored, params, s, ls.g - g)
    return State(x + s, ls.g, S, Y, rho, stored, head,
                 advanced(progress, ls.f, _norm(ls.g), evals, evals))


def _stored(state, stored, params, s, y):
    """(S, Y, rho, stored, head) with the pair (s, y) added when it meets s'y > eps y'y."""
    sy, yy = float(s @ y), float(y @ y)
    S, Y, rho, head = state.S, state.Y, state.rho, state.head
    if sy > params.eps * yy and yy > 0:
        S, Y, rho = S.copy(), Y.copy(), rho.copy()
        S[head] = s
        Y[head] = y
        rho[head] = 1.0 / sy
        head = (head + 1) % params.m
        stored = min(stored + 1, params.m)
    return S, Y, rho, stored, head


def finish(state, params, rows, value):
    progress = state.progress
    status = progress.status
    detail = ""
    if status == st.NONFINITE:
        detail = "(at x0)"
    elif status in (st.MAXITER, st.LINE_SEARCH):
        detail = f"Gradient norm {progress.grad_norm:.3g}."
    return Final(state.x, progress.f, state.g, status, detail)
