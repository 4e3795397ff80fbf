"""The Python driver: runs a method's ``init``/``update`` (methods/, protocol in step.py) with
the callback, the history, the best point and the final OptimizeResult.

When the problem has njit entries (float64, the method's ``compiled`` option not off), the steps
run compiled: with no callback the whole loop is the backend's compiled driver
(optad/backends/numba/driver.py); with a callback this loop calls the compiled ``update`` once
per iteration.  Otherwise the same step code runs in Python on the problem's Python callables;
so does a call whose compiled loop another process is still compiling (the tiered first call,
``entries.loop_ready``).
"""
from __future__ import annotations

import math
import time

import numpy as np

from . import status as st
from .calls import bind
from .loop import loop_code
from .result import OptimizeResult, Rows
from .step import RUNNING, Progress


def run(method, problem, x0, params, unravel, callback=None, disp=False, compiled=True):
    """Minimise with ``method`` from the flat vector ``x0``; returns an OptimizeResult (and
    raises KeyboardInterrupt, carrying the result so far as ``.result``, on Ctrl-C)."""
    outcome = None
    entries = problem.njit_entries(method.NEEDS) \
        if compiled and x0.dtype == np.float64 else None
    loop = loop_code(method)
    not_ready = None
    if entries is not None and not entries.loop_ready(loop, x0, params):
        # the loop is not hot yet, or compiles elsewhere: Python steps on the kernels' calls
        not_ready, entries = entries, None
    if entries is not None and callback is None:
        outcome = entries.drive(loop, x0, params)
        if outcome is not None:
            state, rows, best, interrupted = outcome
            rows = Rows(rows)
    if outcome is None:
        steps = None if entries is None else entries.steps(loop, x0, params)
        t0 = time.perf_counter()
        state, rows, best, interrupted = _run_python(method, problem, x0, params, unravel,
                                                     callback, steps,
                                                     () if steps is None else entries.args)
        if not_ready is not None:   # how hot the loop is (backends/numba/tiered.py)
            not_ready.python_ran(loop, time.perf_counter() - t0)
    if interrupted:
        state = _with_status(state, st.INTERRUPTED)
    result = _result(method, problem, state, params, rows, best, unravel, disp)
    if interrupted:
        error = KeyboardInterrupt("optad.minimize interrupted; the best point so far is in "
                                  "this exception's .result")
        error.result = result
        raise error
    return result


def _with_status(state, status):
    p = state.progress
    return state._replace(progress=Progress(p.nit, p.nfev, p.njev, p.nhev, p.f, p.grad_norm,
                                            status))


def _run_python(method, problem, x0, params, unravel, callback, steps=None, args=()):
    """The loop; ``steps`` is (first state, compiled update) or None (Python steps)."""
    if steps is None:
        calls = problem.python_calls()
        done = {}
        init = bind(method.init, calls, None, done)
        update = bind(method.update, calls, None, done)
    else:
        first, update = steps

        def init(x0, args, params):
            return first
    extra = problem.extra
    rows, best = Rows(), None
    has_gradient = getattr(method, "HAS_GRADIENT", True)
    t0 = time.perf_counter()

    def record(state):
        nonlocal best
        p = state.progress
        rows.append(p.f, p.grad_norm, p.nfev + extra.nfev, p.njev + extra.njev,
                    p.nhev if problem.exact_hvp else 0, time.perf_counter() - t0)
        if math.isfinite(p.f) and (best is None or p.f <= best[0]):
            best = (p.f, state.x.copy(), state.g.copy())

    def stop_requested(state):
        p = state.progress
        g = state.g if has_gradient else None
        intermediate = OptimizeResult(x=unravel(state.x.copy()), fun=p.f, nit=p.nit,
                                      jac=None if g is None else unravel(g.copy()),
                                      grad_norm=p.grad_norm)
        try:
            callback(intermediate)
        except StopIteration:
            return True
        return False

    try:
        state = init(x0, args, params)
        record(state)
        while state.progress.status == RUNNING:
            if callback is not None and stop_requested(state):
                state = _with_status(state, st.CALLBACK)
                break
            nit = state.progress.nit
            state = update(state, args, params)
            if state.progress.nit != nit:
                record(state)
    except KeyboardInterrupt:
        if not rows.rows:
            raise
        return state, rows, best, True
    return state, rows, best, False


def _result(method, problem, state, params, rows, best, unravel, disp):
    final = method.finish(state, params, rows, problem.value)
    x, f, g, status = final.x, final.f, final.g, final.status
    returns_best = method.RETURNS_BEST and best is not None
    if returns_best and (x is None or not math.isfinite(f) or
                         (status not in st.SUCCESSFUL and f > best[0])):
        f, x, g = best
    if x is None:
        x, g = state.x, state.g
    p = state.progress
    nfev = p.nfev + problem.extra.nfev + final.nfev
    njev = p.njev + problem.extra.njev
    message = st.MESSAGES[status] + (f" {final.detail}" if final.detail else "")
    has_gradient = getattr(method, "HAS_GRADIENT", True)
    x = np.asarray(x, dtype=problem.dtype)
    result = OptimizeResult(
        x=unravel(x), fun=float(f),
        jac=unravel(np.asarray(g, dtype=problem.dtype)) if has_gradient and g is not None
        else None,
        nit=p.nit, nfev=nfev, njev=njev, nhev=p.nhev if problem.exact_hvp else 0, status=status,
        success=status in st.SUCCESSFUL, message=message, history=rows.history(),
        method=method.NAME)
    if disp:
        print(f"{message}\n         Current function value: {f:.6g}\n"
              f"         Iterations: {p.nit}\n         Function evaluations: {nfev}\n"
              f"         Gradient evaluations: {njev}\n"
              f"         Hessian-vector products: {result.nhev}")
    return result
