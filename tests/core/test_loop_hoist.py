"""Loop-invariant code motion (transforms/loop_hoist.py): what a scan body computes from its
constants alone runs once before the loop, so a rerolled Python loop is the loop a user would
write with fori_loop, and results do not change."""
import os
import sys

import numpy as np

import optad
from optad.primitives.loops import scan_p

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from fd import directional  # noqa: E402

STEPS = 40


def pendulum_python(th):
    dt = 1.0 / STEPS
    x, v = th[0] * 0 + 1.0, th[1] * 0
    for _ in range(STEPS):
        x, v = x + dt * v, v - dt * th[1] * np.sin(x) - dt * th[0] * v
    return x ** 2 + v ** 2


def pendulum_fori(th):
    dt = 1.0 / STEPS

    def body(i, carry):
        x, v = carry
        return x + dt * v, v - dt * th[1] * np.sin(x) - dt * th[0] * v
    x, v = optad.fori_loop(0, STEPS, body, (th[0] * 0 + 1.0, th[1] * 0))
    return x ** 2 + v ** 2


def scans(program):
    return [e for e in program.eqns if e.primitive is scan_p]


def body_primitives(scan):
    return sorted(e.primitive.name for e in scan.params["body"].eqns)


TH = np.array([0.3, 2.0])


def test_the_rerolled_loop_reads_no_slice_of_its_invariants():
    rerolled, = scans(optad.make_program(pendulum_python, TH))
    fori, = scans(optad.make_program(pendulum_fori, TH))
    assert "slice" not in body_primitives(rerolled)
    assert body_primitives(rerolled) == body_primitives(fori)
    # th itself is no longer an operand: only the two hoisted products are constants
    assert rerolled.params["n_consts"] == 2


def test_the_gradient_program_accumulates_no_cotangent_of_th_per_step():
    program = optad.value_and_grad(pendulum_python, backend="numpy").lowered(TH)
    for scan in scans(program):
        assert all(e.primitive.name not in ("pad", "slice", "broadcast")
                   for e in scan.params["body"].eqns), scan.params["body"]


def test_results_equal_the_unrolled_program_and_finite_differences(backend, monkeypatch):
    value, grad = optad.value_and_grad(pendulum_python, backend=backend)(TH)
    monkeypatch.setenv("OPTAD_REROLL", "0")
    ref_value, ref_grad = optad.value_and_grad(pendulum_python, backend="numpy")(TH)
    np.testing.assert_allclose(value, ref_value, rtol=1e-13)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-11, atol=1e-14)
    for e in np.eye(2):
        np.testing.assert_allclose(grad @ e, directional(pendulum_python, [TH], [e]), rtol=1e-6)
    v = np.array([1.0, -0.5])
    hv = optad.hvp(pendulum_python, backend=backend)(TH, v)
    g = optad.grad(pendulum_python, backend="numpy")
    np.testing.assert_allclose(hv, directional(g, [TH], [v], h=1e-5), rtol=1e-5, atol=1e-8)


def test_an_invariant_of_the_inner_loop_moves_into_the_outer_body():
    def g(c):     # exp(c[0] + 0 * i) depends on the outer index: the tracer cannot lift it
        def outer(i, acc):
            def inner(j, a):
                return a + np.exp(c[0] + 0.0 * i) * j
            return optad.fori_loop(0, 3, inner, acc)
        return optad.fori_loop(0, 4, outer, c[1] * 0.0)

    c = np.array([0.5, 1.0])
    outer_scan, = scans(optad.make_program(g, c))
    inner_scan, = scans(outer_scan.params["body"])
    assert "exp" not in body_primitives(inner_scan)
    assert "exp" in body_primitives(outer_scan)
    np.testing.assert_allclose(optad.jit(g, backend="numpy")(c), 4 * 3 * np.exp(0.5))
    np.testing.assert_allclose(optad.grad(g, backend="numpy")(c), [4 * 3 * np.exp(0.5), 0.0])


def test_a_loop_of_no_steps_is_left_alone():
    def f(c):
        return optad.fori_loop(0, 0, lambda i, acc: acc + np.log(c[0] + 0.0 * i), c[1])
    c = np.array([-1.0, 2.0])          # log(-1) would be NaN if it were computed
    program = optad.make_program(f, c)
    scan, = scans(program)
    assert "log" in body_primitives(scan)
    assert optad.jit(f, backend="numpy")(c) == 2.0
