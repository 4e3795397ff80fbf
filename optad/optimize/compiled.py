"""Whole optimisation loops inside one Numba function (no return to Python per iteration).

The problem enters as a Numba-compiled function: ``value_and_grad(x, *args) -> (f, g)`` for
gradient descent, ``value(x, *args) -> f`` for zero-order gradient descent, with x of x0's shape
(the loops keep flat vectors and reshape views).  Anything that produces such a function can be
plugged in: a user's ``@numba.njit`` function, optad's own Numba kernels through
``Objective.numba_value_and_grad()``.  Each loop is written once as a plain function naming the
problem function as a global, and compiled per problem function by ``specialised`` - cached on
disk when that function can be imported (optad's kernels can), so a new process loads the loop
instead of compiling it for seconds.

The loops mirror the Python loops in gd.py / zo_gd.py step for step (same formulas, same random
stream when given the same ``np.random.Generator``), and record the same history. Elapsed time per
iteration comes from ``clock_gettime(CLOCK_MONOTONIC)`` (Linux).
"""
from __future__ import annotations

import sys

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from . import status as st

_SUCCESS, _MAXITER, _NONFINITE, _MAXFEV, _XSTUCK = (st.SUCCESS, st.MAXITER, st.NONFINITE,
                                                    st.MAXFEV, st.LINE_SEARCH)


# clock_gettime is linked by symbol, with Linux's clock id and a 64-bit timespec
HAVE_CLOCK = sys.platform.startswith("linux") and sys.maxsize > 2 ** 32


@intrinsic
def _clock_monotonic(typingctx):
    """Seconds of CLOCK_MONOTONIC, from libc's ``clock_gettime`` called by its symbol name (an
    address would stop Numba from caching the loops that read the clock)."""
    def codegen(context, builder, signature, args):
        i32, i64, f64 = ir.IntType(32), ir.IntType(64), ir.DoubleType()
        timespec = ir.LiteralStructType([i64, i64])
        fnty = ir.FunctionType(i32, [i32, timespec.as_pointer()])
        clock_gettime = cgutils.get_or_insert_function(builder.module, fnty, "clock_gettime")
        ts = cgutils.alloca_once(builder, timespec)
        builder.call(clock_gettime, [ir.Constant(i32, 1), ts])   # 1 = CLOCK_MONOTONIC on Linux
        sec = builder.sitofp(builder.load(cgutils.gep_inbounds(builder, ts, 0, 0)), f64)
        nsec = builder.sitofp(builder.load(cgutils.gep_inbounds(builder, ts, 0, 1)), f64)
        return builder.fadd(sec, builder.fmul(nsec, ir.Constant(f64, 1e-9)))

    return types.float64(), codegen


if HAVE_CLOCK:
    @numba.njit(cache=True)
    def _now():
        return _clock_monotonic()
else:  # pragma: no cover - no per-iteration times elsewhere
    @numba.njit(cache=True)
    def _now():
        return np.nan


@numba.njit(cache=True)
def _finite_vec(a):
    for value in a.flat:
        if not np.isfinite(value):
            return False
    return True


def unbind(function, args):
    """``(function, args)`` for a compiled loop: a hook of optad's with constants bound in
    memory (a function closing over arrays) becomes its cached twin taking the constants as
    trailing arguments, so the loop can be cached too."""
    unbound = getattr(function, "optad_unbound", None)
    if unbound is None:
        return function, tuple(args)
    twin, constants = unbound
    return twin, tuple(args) + tuple(constants)


def gd_fixed_loop(value_and_grad, x0, shape, args, step, momentum, nesterov, maxiter, gtol):
    """``_gd_fixed_loop`` compiled for ``value_and_grad``."""
    value_and_grad, args = unbind(value_and_grad, args)
    return specialised(_gd_fixed_loop, value_and_grad=value_and_grad)(
        x0, shape, args, step, momentum, nesterov, maxiter, gtol)


_SPECIALISED = {}


def specialised(template, **callees):
    """``template`` compiled with ``callees`` as its globals (``optad.numba_specialise``), once
    per process and callees; cached on disk across processes when the callees are importable."""
    key = (template, *sorted(callees.items(), key=lambda item: item[0]))
    loop = _SPECIALISED.get(key)
    if loop is None:
        from ..api import numba_specialise
        loop = _SPECIALISED[key] = numba_specialise(template, **callees)
    return loop


def _gd_fixed_loop(x0, shape, args, step, momentum, nesterov, maxiter, gtol):
    """Fixed-step gradient descent with optional heavy-ball or Nesterov momentum.

    Returns (x, f, g, nit, status, f_hist, gnorm_hist, t_hist, best_x, best_f)."""
    t0 = _now()
    n = x0.size
    x = x0.copy()
    y = x0.copy()                 # the point where the gradient is evaluated
    velocity = np.zeros(n)
    f_hist = np.empty(maxiter + 1)
    gnorm_hist = np.empty(maxiter + 1)
    t_hist = np.empty(maxiter + 1)
    f, g_shaped = value_and_grad(y.reshape(shape), *args)
    g = np.ascontiguousarray(g_shaped).reshape(n)
    best_x = y.copy()
    best_f = np.inf
    k = 0
    status = _MAXITER
    while True:
        squares = 0.0
        for i in range(n):
            squares += g[i] * g[i]
        gnorm = np.sqrt(squares)
        f_hist[k] = f
        gnorm_hist[k] = gnorm
        t_hist[k] = _now() - t0
        if not (np.isfinite(f) and np.isfinite(gnorm)):
            status = _NONFINITE
            break
        if f <= best_f:
            best_f = f
            best_x[:] = y
        if gnorm <= gtol:
            status = _SUCCESS
            break
        if k >= maxiter:
            status = _MAXITER
            break
        k += 1
        if nesterov:
            x_new = y - step * g
            y = x_new + momentum * (x_new - x)
            x = x_new
        else:
            for i in range(n):   # in place: no temporaries per iteration
                velocity[i] = momentum * velocity[i] - step * g[i]
                x[i] = x[i] + velocity[i]
                y[i] = x[i]
        f, g_shaped = value_and_grad(y.reshape(shape), *args)
        g = np.ascontiguousarray(g_shaped).reshape(n)
    return (y, f, g, k, status, f_hist[:k + 1], gnorm_hist[:k + 1], t_hist[:k + 1],
            best_x, best_f)


def _zo_estimate(x, shape, args, estimator, eps, m, rng):
    """estimator 0 = sphere, 1 = gaussian, 2 = all coordinates. Returns (G, fmid, nfev)."""
    n = x.size
    G = np.zeros(n)
    fsum = 0.0
    if estimator == 2:
        for i in range(n):
            xp = x.copy()
            xp[i] += eps
            xm = x.copy()
            xm[i] -= eps
            fp = value(xp.reshape(shape), *args)
            fm = value(xm.reshape(shape), *args)
            G[i] = (fp - fm) / (2 * eps)
            fsum += fp + fm
        return G, fsum / (2 * n), 2 * n
    for _ in range(m):
        v = rng.standard_normal(n)
        if estimator == 0:
            v = v / np.sqrt(np.sum(v * v))
        fp = value((x + eps * v).reshape(shape), *args)
        fm = value((x - eps * v).reshape(shape), *args)
        G += ((fp - fm) / (2 * eps)) * v
        fsum += fp + fm
    if estimator == 0:
        G *= n / m
    else:
        G /= m
    return G, fsum / (2 * m), 2 * m


def zo_gd_loop(value, x0, shape, args, estimator, eps, m, rng, step, c_factor, maxiter,
               max_nfev, gtol, window, c1, max_backtracks):
    """``_zo_gd_loop`` compiled for ``value``."""
    value, args = unbind(value, args)
    estimate = specialised(_zo_estimate, value=value)
    return specialised(_zo_gd_loop, value=value, _zo_estimate=estimate)(
        x0, shape, args, estimator, eps, m, rng, step, c_factor, maxiter, max_nfev, gtol,
        window, c1, max_backtracks)


def _zo_gd_loop(x0, shape, args, estimator, eps, m, rng, step, c_factor, maxiter,
                max_nfev, gtol, window, c1, max_backtracks):
    """Zero-order gradient descent; step > 0 fixed, step <= 0 backtracking (see zo_gd.py).

    Returns (x, f, nit, nfev, status, f_hist, gest_hist, nfev_hist, t_hist, x_prev); with a fixed step
    f and the last f_hist entry are NaN (the caller evaluates f at the final x exactly)."""
    t0 = _now()
    n = x0.size
    x = x0.copy()
    backtracking = step <= 0
    h = 1.0 / c_factor if backtracking else step
    cost = (2 * n) if estimator == 2 else 2 * m
    f_hist = np.empty(maxiter + 1)
    g_hist = np.empty(maxiter + 1)
    e_hist = np.empty(maxiter + 1, np.int64)
    t_hist = np.empty(maxiter + 1)
    recent = np.full(window, np.inf)
    nfev = 0
    f = np.nan
    if backtracking:
        f = value(x.reshape(shape), *args)
        nfev += 1
    f_hist[0] = f
    g_hist[0] = np.nan
    e_hist[0] = nfev
    t_hist[0] = _now() - t0
    x_prev = x.copy()
    k = 0
    status = _MAXITER
    while True:
        if backtracking and not np.isfinite(f):
            status = _NONFINITE
            break
        if k >= maxiter:
            status = _MAXITER
            break
        if max_nfev > 0 and nfev + cost + 1 > max_nfev:  # +1: a trial, or the final exact f
            status = _MAXFEV
            break
        G, fmid, used = _zo_estimate(x, shape, args, estimator, eps, m, rng)
        nfev += used
        g2 = np.sum(G * G)
        gest = np.sqrt(g2 / c_factor)
        if not (np.isfinite(fmid) and np.isfinite(g2)):
            status = _NONFINITE
            break
        recent[k % window] = g2 / c_factor
        g_hist[k] = gest                     # estimate at x_k, before the step
        if not backtracking:
            f_hist[k] = fmid                 # f(x_k) + O(eps^2)
        k += 1
        if backtracking:
            slope = g2 / c_factor
            accepted = False
            for _ in range(max_backtracks):
                if max_nfev > 0 and nfev + 1 > max_nfev:
                    break
                x_trial = x - h * G
                f_trial = value(x_trial.reshape(shape), *args)
                nfev += 1
                if np.isfinite(f_trial) and f_trial <= f - c1 * h * slope:
                    x = x_trial
                    f = f_trial
                    accepted = True
                    break
                h *= 0.5
            if accepted:
                h *= 2.0
        else:
            x_prev = x
            x = x - h * G
            f = np.nan                       # known at the next estimate (or exactly at the end)
        f_hist[k] = f
        g_hist[k] = np.nan
        e_hist[k] = nfev
        t_hist[k] = _now() - t0
        if k >= window and np.sqrt(np.mean(recent)) <= gtol:
            status = _SUCCESS
            break
    return (x, f, k, nfev, status, f_hist[:k + 1], g_hist[:k + 1], e_hist[:k + 1],
            t_hist[:k + 1], x_prev)
