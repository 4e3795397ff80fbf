"""optad.minimize: one scipy-style entry point dispatching to the methods through a table."""
from __future__ import annotations

import warnings

from .gd import _minimize_gd
from .newton_cg import _minimize_newton_cg
from .objective import Objective
from .options import OptimizeWarning, positive
from .zo_gd import _minimize_zo_gd

# name -> (method function, needs a gradient, needs Hessian-vector products)
METHODS = {
    "gd": (_minimize_gd, True, False),
    "zo-gd": (_minimize_zo_gd, False, False),
    "newton-cg": (_minimize_newton_cg, True, True),
}


def minimize(fun, x0, method="newton-cg", args=(), jac=None, hessp=None, tol=None,
             callback=None, options=None, backend="numba"):
    """Minimise scalar ``fun(x, *args)`` from ``x0`` (an array or a pytree of arrays).

    method   "newton-cg" (default), "gd" or "zo-gd" (see each method's module for its options)
    jac      None: optad's ``value_and_grad(fun, backend=backend)``; True: fun returns (f, g);
             a callable ``jac(x, *args)``; or "2-point"/"3-point" finite differences
    hessp    None: optad's ``hvp(fun, backend=backend)`` (or, when ``jac`` is given, forward
             differences of jac); or a callable ``hessp(x, p, *args)``
    tol      sets each method's ``gtol`` unless ``options`` gives it
    callback called with an intermediate OptimizeResult (x, fun, nit, jac) after each
             iteration; raising StopIteration ends the run (status 6, success False)
    options  dict of method options; unknown names warn
    backend  "numba" (default; falls back to "numpy" with a warning where not available),
             "numpy"

    Returns an :class:`OptimizeResult`.
    """
    if not isinstance(method, str) or method.lower() not in METHODS:
        raise ValueError(f"unknown method {method!r}; known methods: {', '.join(METHODS)}")
    method = method.lower()
    solver, need_grad, need_hess = METHODS[method]
    if not isinstance(args, tuple):
        args = (args,)
    options = dict(options or {})
    if tol is not None:
        options.setdefault("gtol", positive("tol", tol))
    if callback is not None and not callable(callback):
        raise TypeError("callback must be callable")
    if not need_grad and (jac is not None or hessp is not None):
        warnings.warn(f"method {method!r} uses function values only; jac and hessp are ignored",
                      OptimizeWarning, stacklevel=2)
        jac = hessp = None
    if method == "gd" and hessp is not None:
        warnings.warn("method 'gd' does not use hessp; it is ignored", OptimizeWarning,
                      stacklevel=2)
        hessp = None
    objective = Objective(fun, x0, args, jac=jac, hessp=hessp, backend=backend,
                          need_grad=need_grad, need_hess=need_hess)
    return solver(objective, objective.hessp, objective.x0.copy(), callback, **options)
