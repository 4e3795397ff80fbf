"""Trust-region Newton-CG: Steihaug-Toint truncated conjugate gradient on Hessian-vector
products, inside a trust region whose radius follows the model's accuracy.

Iteration k at x with gradient g and radius Delta:
1. approximately minimise the model m(p) = g.p + p.Hp / 2 over ||p|| <= Delta by conjugate
   gradient from p = 0 (Steihaug 1983, Toint 1981; Nocedal & Wright, Algorithm 7.2): stop when
   ||Hp + g|| <= min(0.5, sqrt(||g||)) ||g||, at a direction of non-positive curvature (follow
   it to the boundary) or when an iterate would leave the region (stop on the boundary).  The
   products are linearised at x (``hvp_prepare`` once, then ``hvp_apply`` per CG step), so the
   inner loop is one compiled call when the problem is compiled;
2. rho = (f(x) - f(x + p)) / (m(0) - m(p)), the actual over the predicted reduction;
   rho < 1/4: Delta <- Delta / 4; rho > 3/4 with p on the boundary: Delta <- min(2 Delta,
   max_trust_radius); the step is taken when rho > eta (Nocedal & Wright, Algorithm 4.1).
   When the predicted reduction is below sqrt(eps) max(1, |f|), where f's rounding (or
   cancellation inside f) blurs f(x) - f(x + p), the actual reduction is measured by the
   trapezoidal rule on the gradients, -(g(x) + g(x + p)).p / 2 (exact for quadratics);
3. stop when ||g|| <= gtol (success), on maxiter, or when the radius has shrunk below the
   resolution of x (``success=False``, the best point found).
Every trial, taken or not, is one iteration (as in scipy).

With bounds (an active-set trust-region Newton-CG in the spirit of Lin & Moré 1999's TRON):
variables at a bound whose gradient pushes outwards are fixed; Steihaug-Toint CG runs on the
free ones (the fixed entries of every vector given to and returned by the Hessian-vector
product are zeroed); the step is then projected, s = P(x + p) - x, and its predicted reduction
recomputed with one more product, -(g.s + s.Hs / 2).  If the projection ruined the model's
decrease, the step is instead p truncated at the box, tau p with tau the largest feasible
fraction (its model decrease is positive, as m is along the segment [0, p]).  The ratio test
and the radius update are then those above, and convergence is the projected gradient norm
||P(x - g) - x|| <= gtol.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .. import status as st
from ..bounds import Box, unbounded
from ..box import free_mask, gradient_norm, max_step, project
from ..calls import hvp_apply, hvp_prepare, value_and_grad
from ..options import COMMON, Option, check, gtol_for
from ..step import RUNNING, Final, Progress, advanced, stopped

NAME = "trust-ncg"
DESCRIPTION = "trust-region Newton-CG: Steihaug-Toint CG on Hessian-vector products"
NEEDS = ("value_and_grad", "hvp_prepare", "hvp_apply")
RETURNS_BEST = True
OPTIONS = {
    **COMMON,
    "maxiter": Option("int+", "maximum number of iterations (default 200 n)"),
    "initial_trust_radius": Option("float+", "radius of the first trust region", 1.0),
    "max_trust_radius": Option("float+", "largest radius allowed", 1000.0),
    "eta": Option("fraction", "take a step when actual / predicted reduction exceeds this",
                  0.15),
    "cg_maxiter": Option("int+", "maximum inner conjugate-gradient iterations (default 2 n)"),
}


class Params(NamedTuple):
    maxiter: int
    gtol: float
    initial_trust_radius: float
    max_trust_radius: float
    eta: float
    cg_maxiter: int
    eps: float              # machine epsilon of x
    box: Box                # bounds on x (box.bounded False: none)


class State(NamedTuple):
    x: np.ndarray
    g: np.ndarray
    radius: float
    progress: Progress


def configure(options, x0, box=None):
    o = check(NAME, OPTIONS, options)
    if o["initial_trust_radius"] > o["max_trust_radius"]:
        raise ValueError(f"initial_trust_radius ({o['initial_trust_radius']}) must not exceed "
                         f"max_trust_radius ({o['max_trust_radius']})")
    n = x0.size
    return Params(o["maxiter"] or 200 * n, gtol_for(o, x0), o["initial_trust_radius"],
                  o["max_trust_radius"], o["eta"], o["cg_maxiter"] or 2 * n,
                  float(np.finfo(x0.dtype).eps), unbounded(x0) if box is None else box)


def _norm(g):
    return float(np.linalg.norm(g))


def to_boundary(z, d, radius):
    """The tau >= 0 with ||z + tau d|| = radius (z inside the region)."""
    a = float(d @ d)
    b = 2.0 * float(z @ d)
    c = float(z @ z) - radius * radius
    disc = math.sqrt(max(b * b - 4.0 * a * c, 0.0))
    # the positive root, written to avoid cancellation
    return (-b + disc) / (2.0 * a) if b <= 0 else -2.0 * c / (b + disc)


def steihaug_cg(x, g, gnorm, radius, maxiter, args):
    """(p, predicted reduction m(0) - m(p), on the boundary, products, finite): Steihaug-Toint
    CG on the model g.p + p.H(x)p / 2 within ||p|| <= radius."""
    return steihaug_on(x, g, gnorm, radius, maxiter, hvp_prepare(x, *args))


def steihaug_on(x, g, gnorm, radius, maxiter, residuals, mask=None):
    """steihaug_cg on products linearised at x (``residuals`` of hvp_prepare); with ``mask``
    (1 on the free variables, 0 on the fixed; g zero on the fixed) every product is masked,
    so the model is that of the free variables."""
    tol = min(0.5, math.sqrt(gnorm)) * gnorm
    z = np.zeros_like(g)
    hz = np.zeros_like(g)        # H z, for the model value
    r = g.copy()                 # residual H z + g
    d = -r
    rr = float(r @ r)
    for j in range(maxiter):
        hd = hvp_apply(x, d, *residuals)
        if mask is not None:
            hd = hd * mask
        curv = float(d @ hd)
        if not math.isfinite(curv):
            return z, 0.0, False, j + 1, False
        alpha = rr / curv if curv > 0 else 0.0
        if curv <= 0 or _norm(z + alpha * d) >= radius:
            tau = to_boundary(z, d, radius)
            p = z + tau * d
            hp = hz + tau * hd
            return p, -(float(g @ p) + 0.5 * float(p @ hp)), True, j + 1, True
        z = z + alpha * d
        hz = hz + alpha * hd
        r = r + alpha * hd
        rr_new = float(r @ r)
        if math.sqrt(rr_new) <= tol:
            return z, -(float(g @ z) + 0.5 * float(z @ hz)), False, j + 1, True
        d = -r + (rr_new / rr) * d
        rr = rr_new
    return z, -(float(g @ z) + 0.5 * float(z @ hz)), False, maxiter, True


def init(x0, args, params):
    x = x0.copy()
    f, g = value_and_grad(x, *args)
    finite = math.isfinite(f) and np.all(np.isfinite(g))
    return State(x, g, params.initial_trust_radius,
                 Progress(0, 1, 1, 0, f,
                          gradient_norm(x, g, params.box) if finite else math.nan,
                          RUNNING if finite else st.NONFINITE))


def update(state, args, params):
    progress, x, g, radius = state.progress, state.x, state.g, state.radius
    f, gnorm = progress.f, progress.grad_norm
    if gnorm <= params.gtol:
        return State(*state[:-1], stopped(progress, st.SUCCESS))
    if progress.nit >= params.maxiter:
        return State(*state[:-1], stopped(progress, st.MAXITER))
    if radius <= params.eps * max(1.0, _norm(x)):
        return State(*state[:-1], stopped(progress, st.TRUST_REGION))
    p, predicted, boundary, products, finite = steihaug_cg(x, g, gnorm, radius,
                                                           params.cg_maxiter, args)
    if not finite:
        return State(*state[:-1], stopped(progress, st.NONFINITE, 0, 0, products))
    f_new, g_new = value_and_grad(x + p, *args)
    ok = math.isfinite(f_new) and np.all(np.isfinite(g_new))
    actual = f - f_new if ok else -math.inf
    if ok and predicted <= math.sqrt(params.eps) * max(1.0, abs(f)):
        # a decrease this small is blurred by f's rounding (or cancellation inside f):
        # measure it by the trapezoidal rule on the gradients, exact for quadratics
        actual = -0.5 * float((g + g_new) @ p)
    rho = actual / predicted if predicted > 0 else -math.inf
    if rho < 0.25:
        radius = 0.25 * radius
    elif rho > 0.75 and boundary:
        radius = min(2.0 * radius, params.max_trust_radius)
    if rho > params.eta:
        return State(x + p, g_new, radius,
                     advanced(progress, f_new, _norm(g_new), 1, 1, products))
    return State(x, g, radius, advanced(progress, f, gnorm, 1, 1, products))


def _projected_step(x, g, p, predicted, residuals, box):
    """(s, predicted reduction, products): the CG step p projected onto the box, or truncated
    at it when the projection does not lower the model."""
    trial = x + p
    if not np.any((trial < box.lower) | (trial > box.upper)):
        return p, predicted, 0
    s = project(trial, box.lower, box.upper) - x
    hs = hvp_apply(x, s, *residuals)
    predicted_s = -(float(g @ s) + 0.5 * float(s @ hs))
    if predicted_s > 0:
        return s, predicted_s, 1
    # m(tau p) = tau g.p + tau^2 p.Hp / 2, with p.Hp from m(p) = -predicted
    gp = float(g @ p)
    php = 2.0 * (-predicted - gp)
    tau = min(1.0, max_step(x, p, box.lower, box.upper))
    s = project(x + tau * p, box.lower, box.upper) - x
    predicted_t = -(tau * gp + 0.5 * tau * tau * php)
    if predicted_t > 0 and np.any(s != 0):
        return s, predicted_t, 1
    # p leaves the box at once: the projected steepest-descent step of the same length
    gnorm = _norm(g)
    s = project(x - (_norm(p) / gnorm) * g, box.lower, box.upper) - x
    hs = hvp_apply(x, s, *residuals)
    return s, -(float(g @ s) + 0.5 * float(s @ hs)), 2


def bounded_update(state, args, params):
    """``update`` with bounds (methods/boxed/trust_ncg.py): the stops are update's, the trial
    step that of the free variables, projected or truncated at the box."""
    progress = state.progress
    if progress.grad_norm <= params.gtol or progress.nit >= params.maxiter or \
            state.radius <= params.eps * max(1.0, _norm(state.x)):
        return update(state, args, params)
    return _projected_update(state, args, params)


def _projected_update(state, args, params):
    """One trial with bounds: Steihaug-Toint CG on the free variables, the step projected
    (or truncated) at the box, the ratio test on the step taken."""
    progress, x, g, radius, box = state.progress, state.x, state.g, state.radius, params.box
    f = progress.f
    mask = free_mask(x, g, box.lower, box.upper)
    g_free = g * mask
    residuals = hvp_prepare(x, *args)
    p, predicted, boundary, products, finite = steihaug_on(
        x, g_free, _norm(g_free), radius, params.cg_maxiter, residuals, mask)
    if not finite:
        return State(*state[:-1], stopped(progress, st.NONFINITE, 0, 0, products))
    s, predicted, more = _projected_step(x, g_free, p, predicted, residuals, box)
    products += more
    x_new = project(x + s, box.lower, box.upper)   # x + (P(.) - x) may round past a bound
    f_new, g_new = value_and_grad(x_new, *args)
    ok = math.isfinite(f_new) and np.all(np.isfinite(g_new))
    actual = f - f_new if ok else -math.inf
    if ok and predicted <= math.sqrt(params.eps) * max(1.0, abs(f)):
        actual = -0.5 * float((g + g_new) @ s)
    rho = actual / predicted if predicted > 0 else -math.inf
    if rho < 0.25:
        step_norm = _norm(s)
        radius = 0.25 * (min(radius, step_norm) if step_norm > 0 else radius)
    elif rho > 0.75 and boundary:
        radius = min(2.0 * radius, params.max_trust_radius)
    if rho > params.eta:
        return State(x_new, g_new, radius,
                     advanced(progress, f_new, gradient_norm(x_new, g_new, box), 1, 1,
                              products))
    return State(x, g, radius, advanced(progress, f, progress.grad_norm, 1, 1, products))


def finish(state, params, rows, value):
    progress = state.progress
    status = progress.status
    detail = ""
    if status == st.NONFINITE:
        at_x0 = not (math.isfinite(progress.f) and np.all(np.isfinite(state.g)))
        detail = "(at x0)" if at_x0 else "(in a Hessian-vector product)"
    elif status in (st.MAXITER, st.TRUST_REGION):
        detail = f"Gradient norm {progress.grad_norm:.3g}."
    return Final(state.x, progress.f, state.g, status, detail)
