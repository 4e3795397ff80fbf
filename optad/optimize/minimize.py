"""optad.minimize: one scipy-style entry point dispatching to the methods through a table."""
from __future__ import annotations

import warnings

import numpy as np

from .. import backends
from ..tree import ravel_pytree
from .bounds import clip_start, parse_bounds
from .constraints import is_given, parse_constraints
from .driver import run
from .methods import METHODS
from .methods.boxed import BOUNDED
from .methods.constrained import CONSTRAINED
from .objective import flat_start, make_problem
from .options import OptimizeWarning, checked


def minimize(fun, x0, method=None, args=(), jac=None, hessp=None, bounds=None,
             constraints=(), tol=None, callback=None, options=None, backend=None):
    """Minimise scalar ``fun(x, *args)`` from ``x0`` (an array or a pytree of arrays).

    method   "newton-cg" (the default without constraints), "auglag" (the default with them),
             "lbfgs", "trust-ncg", "gd", "zo-gd", "adam" or "sgd" (see
             optad/optimize/methods/ for each one's options)
    jac      None: optad's ``value_and_grad(fun, backend=backend)``; True: fun returns (f, g);
             a callable ``jac(x, *args)``; or "2-point"/"3-point" finite differences
    hessp    None: optad's ``hvp(fun, backend=backend)`` (or, when ``jac`` is given, forward
             differences of jac); or a callable ``hessp(x, p, *args)``
    bounds   None, a sequence of (lo, hi) pairs (None for no bound), a Bounds(lb, ub)
             object, or for a pytree x0 a pytree of per-leaf bounds (optimize/bounds.py);
             every method keeps its iterates in the box and measures convergence by the
             projected gradient; an x0 outside is clipped with an OptimizeWarning
    constraints  scipy's forms: a dict {"type": "eq" | "ineq", "fun": c, "args": ...} (c(x) = 0
             or c(x) >= 0), a NonlinearConstraint / LinearConstraint, or a list of them
             (optimize/constraints.py); only method "auglag" takes them (the default method
             when constraints are given); the result adds constr_violation, the multipliers v
    tol      sets each method's ``gtol`` unless ``options`` gives it
    callback called with an intermediate OptimizeResult (x, fun, nit, jac) after each
             iteration; raising StopIteration ends the run (status 6, success False)
    options  dict of method options; unknown names warn
    backend  "numba" (the default, or $OPTAD_BACKEND; falls back to "numpy" with a warning
             where it cannot compile the problem), "numpy"

    Returns an :class:`OptimizeResult`.  Ctrl-C ends the run with KeyboardInterrupt, whose
    ``.result`` holds the result so far (the best point found).
    """
    if method is None:   # scipy's habit: the default depends on the problem
        method = "auglag" if is_given(constraints) else "newton-cg"
    if isinstance(method, str) and method.lower() in CONSTRAINED:
        return _constrained(fun, x0, method.lower(), args, jac, hessp, bounds, constraints,
                            tol, callback, options, backend)
    if not isinstance(method, str) or method.lower() not in METHODS:
        raise ValueError(f"unknown method {method!r}; known methods: "
                         f"{', '.join(list(METHODS) + list(CONSTRAINED))}")
    if is_given(constraints):
        raise ValueError(f"method {method!r} cannot take constraints; the methods that take "
                         f"them (with bounds): {', '.join(repr(m) for m in CONSTRAINED)}")
    spec = METHODS[method.lower()]
    if backend is None:
        backend = backends.default_backend()
    if not isinstance(args, tuple):
        args = (args,)
    options = dict(options or {})
    if tol is not None:
        options.setdefault("gtol", checked("tol", tol, "float+"))
    if callback is not None and not callable(callback):
        raise TypeError("callback must be callable")
    if "value_and_grad" not in spec.NEEDS and (jac is not None or hessp is not None):
        warnings.warn(f"method {spec.NAME!r} uses function values only; jac and hessp are "
                      "ignored", OptimizeWarning, stacklevel=2)
        jac = hessp = None
    if "hvp_apply" not in spec.NEEDS and hessp is not None:
        warnings.warn(f"method {spec.NAME!r} does not use hessp; it is ignored",
                      OptimizeWarning, stacklevel=2)
        hessp = None
    _checked_bounds(bounds, x0)
    problem, x_flat, unravel = make_problem(fun, x0, args, jac, hessp, backend, spec.NEEDS)
    box = parse_bounds(bounds, x_flat, unravel)   # checked in _checked_bounds already
    x_flat = clip_start(x_flat, box)
    params = spec.configure(options, x_flat, box)
    if box.bounded:
        spec = BOUNDED.get(spec.NAME, spec)
    compiled = getattr(spec, "compiled", lambda options: True)(options)
    return run(spec, problem, x_flat, params, unravel, callback, options.get("disp", False),
               compiled)


def _checked_bounds(bounds, x0):
    """Bad bounds are an error before anything is traced or compiled (x0's own errors are
    make_problem's)."""
    if bounds is None:
        return
    try:
        x_flat, unravel = ravel_pytree(x0)
    except (TypeError, ValueError):
        return
    parse_bounds(bounds, np.asarray(x_flat, dtype=unravel.dtype), unravel)


def _constrained(fun, x0, method, args, jac, hessp, bounds, constraints, tol, callback, options,
                 backend):
    """A method of methods/constrained/: checks, then its outer loop."""
    spec = CONSTRAINED[method]
    if backend is None:
        backend = backends.default_backend()
    if not isinstance(args, tuple):
        args = (args,)
    if not callable(fun):
        raise TypeError(f"fun must be callable, got {type(fun).__name__}")
    if callback is not None and not callable(callback):
        raise TypeError("callback must be callable")
    if jac is not None or hessp is not None:
        warnings.warn(f"method {method!r} differentiates fun itself (with the constraints, as "
                      "one traced Lagrangian); jac and hessp are not used", OptimizeWarning,
                      stacklevel=3)
    options = dict(options or {})
    if tol is not None:
        options.setdefault("gtol", checked("tol", tol, "float+"))
    x_flat, unravel = flat_start(x0)
    box = parse_bounds(bounds, x_flat, unravel)
    x_flat = clip_start(x_flat, box)
    parsed = parse_constraints(constraints, x_flat, unravel)
    spec.configure(options, x_flat)     # bad options fail here, before any trace
    return spec.solve(fun, x_flat, unravel, args, box, parsed, options, callback, backend,
                      inner=minimize)
