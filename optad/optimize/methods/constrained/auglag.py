"""Augmented Lagrangian with bounds (the outer loop of ALGENCAN's kind: Andreani, Birgin,
Martinez & Schuverdt 2007; Birgin & Martinez 2014), on optad's exact derivatives.

Problem: minimise f(x) subject to lower <= C(x) <= upper (the constraints, stacked;
equalities have lower = upper) and the box lo <= x <= hi.

Outer iteration k, with multipliers y (first 0) and penalty rho (first ``penalty``, 10 as in
LANCELOT: Conn, Gould & Toint 1992):
1. minimise the augmented Lagrangian L(x; y, rho) (optimize/constraints_lagrangian.py) over
   the box, from the previous x, to a projected-gradient norm eps_k, with an optad method
   that handles bounds (``inner``: trust-ncg by default, on exact Hessian-vector products of L
   traced as one function; or lbfgs / newton-cg).  eps_k falls tenfold per iteration from
   1e-2 to ``gtol``;
2. first-order multiplier update y <- rho (z - P(z)), z = C(x) + y/rho, safeguarded to
   |y| <= 1e20;
3. V = ||C(x) - P(C(x) + y_old/rho)||_inf measures feasibility and complementarity together;
   when it has not fallen below half its previous value, rho <- 10 rho;
4. stop with success when V <= ctol and the projected gradient of the Lagrangian
   f + y . C (the gradient of L, which the inner solve drove below eps_k = gtol) is <= gtol.
The run ends with ``success=False`` and status 11 when the constraints look infeasible: the
largest violation has not fallen by 1% in five outer iterations in a row (the penalty growing
tenfold whenever V did not halve), or the penalty passed 1e12.  When the last subproblem did
not converge either, the message adds that f may be unbounded below on the constraints.
"""
from __future__ import annotations

import math
import time

import numpy as np

from ... import status as st
from ...bound_multipliers import bound_multipliers
from ...box import gradient_norm
from ...constraints_lagrangian import augmented, cached, clip, stacked, violation
from ...options import COMMON, Option, check, gtol_for
from ...result import OptimizeResult, Rows
from ....tree import ravel_pytree

NAME = "auglag"
DESCRIPTION = ("augmented Lagrangian with bounds: equality and inequality constraints, inner "
               "trust-ncg on exact Hessian-vector products of the augmented Lagrangian")
OPTIONS = {
    **COMMON,
    "maxiter": Option("int+", "maximum number of outer (multiplier) iterations", 100),
    "gtol": Option("float0", "stop when the projected gradient of the Lagrangian is below "
                             "this (default 1e-6 for float64, scaled by the dtype otherwise)"),
    "ctol": Option("float0", "stop when every constraint is satisfied to within this (default "
                             "1e-8 for float64, 1e-4 for float32)"),
    "inner": Option(("trust-ncg", "lbfgs", "newton-cg"), "the bound-constrained method that "
                    "minimises the augmented Lagrangian", "trust-ncg"),
    "inner_maxiter": Option("int+", "iteration limit of each inner minimisation", 1000),
    "penalty": Option("float+", "the first penalty parameter rho (LANCELOT's default)", 10.0),
}
SAFEGUARD = 1e20          # multipliers are clipped to [-SAFEGUARD, SAFEGUARD]
RHO_MAX = 1e12
DECREASE, GROWTH = 0.5, 10.0
FIRST_EPS = 1e-2
STALL_ITERATIONS = 5


class _FlatBounds:
    def __init__(self, lb, ub):
        self.lb, self.ub = lb, ub


def configure(options, x0):
    o = check(NAME, OPTIONS, options)
    o["gtol"] = gtol_for(o, x0)
    if o["ctol"] is None:
        o["ctol"] = 1e-8 if x0.dtype == np.float64 else 1e-4
    return o


def solve(fun, x0, unravel, args, box, constraints, options, callback=None, backend=None, *,
          inner):
    """Minimise fun(x, *args) from the flat x0 (inside ``box``) subject to ``constraints``
    (optimize/constraints.py); returns the OptimizeResult.  ``inner`` is optad.minimize,
    which runs the inner solves (passed in: minimize imports this module)."""
    minimize = inner
    o = configure(options, x0)
    bounds = _FlatBounds(box.lower, box.upper) if box.bounded else None
    inner_options = {"maxiter": o["inner_maxiter"]}
    m, dtype = constraints.size, x0.dtype
    if m == 0:      # bounds only: one bound-constrained run of the inner method
        result = minimize(fun, unravel(x0), method=o["inner"], args=args, bounds=bounds,
                          options={**inner_options, "gtol": o["gtol"], "disp": o["disp"]},
                          callback=callback, backend=backend)
        grad_norms = result.history.grad_norm
        v = [] if bounds is None else \
            [_bound_v(np.asarray(ravel_pytree(result.x)[0], dtype), box,
                      np.asarray(ravel_pytree(result.jac)[0], dtype), unravel)]
        result.update(constr_violation=0.0, v=v, constr=[], method=NAME,
                      optimality=float(grad_norms[-1]) if len(grad_norms) else math.nan,
                      outer_iterations=0, inner_method=o["inner"])
        return result
    values = stacked(constraints, unravel)
    inner_fun = cached(augmented, fun, constraints, unravel)

    t0 = time.perf_counter()
    x = x0.copy()
    f = float(fun(unravel(x), *args))
    c = np.asarray(values(x), dtype=np.float64)
    counts = {"nit": 0, "nfev": 1, "njev": 0, "nhev": 0}
    rows = Rows()
    rows.append(f, math.nan, 1, 0, 0, time.perf_counter() - t0)
    y = np.zeros(m, dtype)
    rho = o["penalty"]
    eps = max(o["gtol"], FIRST_EPS)
    previous_v, previous_violation, stalled = math.inf, math.inf, 0
    inner = None
    status, kkt, grad_l = None, math.nan, None
    outer = 0
    while status is None:
        if outer >= o["maxiter"]:
            status = st.MAXITER
            break
        outer += 1
        inner = minimize(inner_fun, x, method=o["inner"], args=(y, np.asarray(rho, dtype)) + args,
                         bounds=bounds, options={**inner_options, "gtol": eps}, backend=backend)
        for key in counts:
            counts[key] += int(inner[key])
        if not np.all(np.isfinite(inner.x)) or not math.isfinite(inner.fun):
            status = st.NONFINITE
            break
        x = np.asarray(inner.x, dtype)
        c = np.asarray(values(x), dtype=np.float64)
        f = float(fun(unravel(x), *args))
        counts["nfev"] += 1
        v = float(np.max(np.abs(c - clip(c + y / rho, constraints)))) if m else 0.0
        z = c + y / rho
        y = np.clip(rho * (z - clip(z, constraints)), -SAFEGUARD, SAFEGUARD).astype(dtype)
        grad_l = np.asarray(inner.jac, dtype)           # grad f + J^T y, y the new multipliers
        kkt = gradient_norm(x, grad_l, box)
        rows.append(f, kkt, counts["nfev"], counts["njev"], counts["nhev"],
                    time.perf_counter() - t0)
        if v <= o["ctol"] and kkt <= o["gtol"]:
            status = st.SUCCESS
            break
        if callback is not None and _stop(callback, unravel, x, f, outer, c, y, constraints):
            status = st.CALLBACK
            break
        violated = violation(c, constraints)
        stalled = stalled + 1 if violated > o["ctol"] and violated > 0.99 * previous_violation \
            else 0
        previous_violation = violated
        if v > DECREASE * previous_v:
            rho *= GROWTH
        previous_v = v
        if stalled >= STALL_ITERATIONS or rho > RHO_MAX:
            status = st.INFEASIBLE
            break
        eps = max(o["gtol"], eps * 0.1)
    return _result(fun, x, f, c, y, kkt, grad_l, status, outer, counts, rows, unravel, args,
                   constraints, o, values, backend, inner_fun, rho, inner, box)


def _stop(callback, unravel, x, f, outer, c, y, constraints):
    intermediate = OptimizeResult(x=unravel(x.copy()), fun=f, nit=outer,
                                  constr_violation=violation(c, constraints),
                                  v=constraints.split(y))
    try:
        callback(intermediate)
    except StopIteration:
        return True
    return False


def _bound_v(x, box, grad_l, unravel):
    """The bounds' multipliers (bound_multipliers.py) in x0's structure: the last entry of v,
    as scipy's trust-constr appends them."""
    return unravel(bound_multipliers(x, grad_l, box.lower, box.upper))


def _result(fun, x, f, c, y, kkt, grad_l, status, outer, counts, rows, unravel, args,
            constraints, o, values, backend, inner_fun, rho, inner, box):
    violated = violation(c, constraints)
    if status == st.SUCCESS:
        message = (f"Optimization terminated successfully: constraint violation {violated:.2e} "
                   f"<= ctol and the Lagrangian's projected gradient {kkt:.2e} <= gtol.")
    else:
        message = st.MESSAGES[status] + f" The constraint violation is {violated:.2e}."
        if inner is not None and not inner.success and status != st.CALLBACK:
            message += (f" The last subproblem did not converge ({inner.message}); f may be "
                        f"unbounded below on the constraints.")
    result = OptimizeResult(
        x=unravel(x), fun=f, jac=unravel(_objective_gradient(inner_fun, x, c, rho, args,
                                                             constraints, backend)),
        nit=counts["nit"], nfev=counts["nfev"], njev=counts["njev"] + 1, nhev=counts["nhev"],
        status=status, success=status in st.SUCCESSFUL, message=message,
        constr_violation=violated, v=constraints.split(y) + (
            [_bound_v(x, box, grad_l, unravel)] if box.bounded and grad_l is not None else []),
        constr=constraints.split(c),
        lagrangian_grad=None if grad_l is None else unravel(grad_l), optimality=kkt,
        outer_iterations=outer, inner_method=o["inner"], history=rows.history(), method=NAME)
    if o["disp"]:
        print(f"{message}\n         Current function value: {f:.6g}\n"
              f"         Outer iterations: {outer}\n         Inner iterations: {counts['nit']}\n"
              f"         Function evaluations: {counts['nfev']}\n"
              f"         Hessian-vector products: {counts['nhev']}")
    return result


def _objective_gradient(inner_fun, x, c, rho, args, constraints, backend):
    """grad f(x), from the augmented Lagrangian's own gradient kernel: with the multipliers
    y = -rho (C - P(C)), z = C + y/rho = P(C) lies inside [lower, upper], so the penalty term
    and its gradient vanish and grad L = grad f (no other program traced)."""
    from .... import value_and_grad
    y = (-rho * (c - clip(c, constraints))).astype(x.dtype)
    _, g = value_and_grad(inner_fun, backend=backend)(x, y, np.asarray(rho, x.dtype), *args)
    return np.asarray(g, dtype=x.dtype)
