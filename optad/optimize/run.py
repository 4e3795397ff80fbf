"""Bookkeeping shared by the Python-level loops: history, best point, callback, final result."""
from __future__ import annotations

import time

import numpy as np

from . import status as st
from .result import HistoryRecorder, OptimizeResult


class Run:
    def __init__(self, objective, callback, method, disp=False):
        self.objective = objective
        self.callback = callback
        self.method = method
        self.disp = disp
        self.recorder = HistoryRecorder()
        self.t0 = time.perf_counter()
        self.best = None  # (f, x, g)

    def record(self, nit, x, f, g=None, grad_norm=None):
        """Record iterate ``nit``; returns True when the callback asked to stop."""
        ob = self.objective
        if grad_norm is None:
            grad_norm = float(np.linalg.norm(g)) if g is not None else float("nan")
        self.recorder.append(f, grad_norm, ob.nfev, ob.njev, ob.nhev,
                             time.perf_counter() - self.t0)
        if np.isfinite(f) and (self.best is None or f <= self.best[0]):
            self.best = (f, x.copy(), None if g is None else g.copy())
        if self.callback is None:
            return False
        intermediate = OptimizeResult(x=ob.unravel(x.copy()), fun=f, nit=nit,
                                      jac=None if g is None else ob.unravel(g.copy()),
                                      grad_norm=grad_norm)
        try:
            self.callback(intermediate)
        except StopIteration:
            return True
        return False

    def result(self, x, f, g, nit, status, detail=""):
        """Final OptimizeResult; falls back to the best recorded point when the last one is not
        finite or (for a failed run) worse than the best."""
        use_best = self.best is not None and (
            x is None or not np.isfinite(f) or (status not in st.SUCCESSFUL and f > self.best[0]))
        if use_best:
            f, x, g = self.best
        ob = self.objective
        message = st.MESSAGES[status] + (f" {detail}" if detail else "")
        res = OptimizeResult(
            x=ob.unravel(x), fun=f, jac=None if g is None else ob.unravel(g),
            nit=nit, nfev=ob.nfev, njev=ob.njev, nhev=ob.nhev,
            status=status, success=status in st.SUCCESSFUL, message=message,
            history=self.recorder.build(), method=self.method)
        if self.disp:
            print(f"{message}\n         Current function value: {f:.6g}\n"
                  f"         Iterations: {nit}\n         Function evaluations: {ob.nfev}\n"
                  f"         Gradient evaluations: {ob.njev}\n"
                  f"         Hessian-vector products: {ob.nhev}")
        return res
