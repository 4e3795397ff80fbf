"""The derivative checks of one rule case, shared by the rule tables of tests/core.

A case is ``(fun, input makers)``.  ``case_results(case, backend)`` runs it through jvp, vjp
and (for second order) hvp on one backend, with inputs drawn as the tables always drew them
(seed 1 for first order, seed 2 for second order), so every backend sees the same numbers.
``check_against_finite_differences`` compares them with central differences of the plain NumPy
function (and H v with the central difference of the NumPy backend's gradient: an oracle that
compiles nothing), and ``check_same_results`` compares two backends array by array.  Every
message names the case and the array.

(Putting a dozen cases into one traced program, so one compile checks many rules, was measured
and does not pay here: the Numba backend fuses the group into one large function and Numba's
compile time grows with the function, so a 12-case group took as much CPU as 12 cases alone.)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import optad
from fd import assert_close, directional

HVP_STEP = 1e-5   # finite-difference step along v for the gradient's directional derivative


@dataclass
class CaseResult:
    name: str
    xs: list
    ts: list
    ct: object
    value: object
    tangent: object
    cotangents: tuple
    x2s: list = None   # second order: inputs (x2s[0] differentiated), output weights, direction
    weights: object = None
    v: object = None
    hvp: object = None


def first_order_draw(case):
    """(xs, tangents, output cotangent) of a case."""
    fun, makers = case
    rng = np.random.default_rng(1)
    xs = [m(rng) for m in makers]
    ts = [rng.normal(size=np.shape(x)) for x in xs]
    ct = rng.normal(size=np.shape(fun(*xs)))
    return xs, ts, ct


def second_order_draw(case):
    """(inputs, output weights, direction v for the first input)."""
    fun, makers = case
    rng = np.random.default_rng(2)
    xs = [m(rng) for m in makers]
    weights = rng.normal(size=np.shape(fun(*xs)))
    v = rng.normal(size=np.shape(xs[0]))
    return xs, weights, v


def weighted_scalar(fun, weights):
    """x, *rest -> sum(fun(x, *rest) * weights): the scalar whose H v is checked."""
    return lambda x, *rest: np.sum(fun(x, *rest) * weights)


def case_results(name, case, backend, second_order=True) -> CaseResult:
    fun = case[0]
    xs, ts, ct = first_order_draw(case)
    value, tangent = optad.jvp(fun, xs, ts, backend=backend)
    _, pullback = optad.vjp(fun, *xs, backend=backend)
    result = CaseResult(name, xs, ts, ct, np.asarray(value), np.asarray(tangent),
                        tuple(pullback(ct)))
    if second_order:
        x2s, weights, v = second_order_draw(case)
        result.x2s, result.weights, result.v = x2s, weights, v
        result.hvp = np.asarray(optad.hvp(weighted_scalar(fun, weights), backend=backend)(
            x2s[0], v, *x2s[1:]))
    return result


def check_against_finite_differences(case, r: CaseResult, value_rtol, value_atol):
    fun = case[0]
    assert_close(r.value, fun(*r.xs), rtol=value_rtol, atol=value_atol, what=f"{r.name}: value")
    assert_close(r.tangent, directional(fun, r.xs, r.ts), rtol=1e-6, atol=1e-7,
                 what=f"{r.name}: jvp")
    # <ct, J t> both ways: through the VJP, and by finite differences
    lhs = sum(np.sum(c * t) for c, t in zip(r.cotangents, r.ts))
    rhs = np.sum(r.ct * directional(fun, r.xs, r.ts))
    assert_close(lhs, rhs, rtol=1e-6, atol=1e-7, what=f"{r.name}: vjp")
    if r.hvp is not None:
        gradient = optad.grad(weighted_scalar(fun, r.weights), backend="numpy")
        rest = r.x2s[1:]
        expected = directional(lambda x: gradient(x, *rest), [r.x2s[0]], [r.v], h=HVP_STEP)
        assert_close(r.hvp, expected, rtol=1e-5, atol=1e-6, what=f"{r.name}: hvp")


def check_same_results(got: CaseResult, want: CaseResult, rtol, atol, backends):
    """Every array of one case on two backends; the message names the case and the array."""
    pairs = [("value", got.value, want.value), ("jvp", got.tangent, want.tangent)]
    pairs += [(f"vjp[{i}]", a, b) for i, (a, b) in enumerate(zip(got.cotangents,
                                                                 want.cotangents))]
    if got.hvp is not None:
        pairs.append(("hvp", got.hvp, want.hvp))
    for what, a, b in pairs:
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol,
                                   err_msg=f"{got.name}: {what}, {backends[0]} vs {backends[1]}")
