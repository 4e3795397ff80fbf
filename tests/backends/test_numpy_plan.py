"""The NumPy evaluator's plan (backends/numpy_plan.py) gives exactly the interpreter's values.

The plan writes a Program out as one Python function (loops as Python loops with their bodies
inline, shape and reduction primitives as direct NumPy calls); the interpreter
(primitives/loops.py: evaluate) runs the same implementations equation by equation.  Both are
the reference semantics, so they must agree bit for bit on every program, its derivatives
included."""
import numpy as np
import pytest

import optad
from optad.backends.numpy_backend import NumpyKernel
from optad.backends.numpy_plan import Plan
from optad.ir.program import Program
from optad.primitives.loops import evaluate


def mlp(Ws, X):
    h = X
    for W in Ws:
        h = np.tanh(W @ h)
    return np.sum(h ** 2) / h.size + np.max(h, axis=0).sum()


def pendulum(th):
    def body(i, x):
        return x + 0.01 * np.stack([x[1], -np.sin(x[0]) - th[0] * x[1]]) * (1.0 + 0.001 * i)
    x = optad.fori_loop(0, 25, body, th[1:])
    return np.sum(x ** 2)


def rnn(W, xs, h0):
    def step(h, x):
        h = np.tanh(W @ h + x)
        return h, np.sum(h)
    h, ys = optad.scan(step, h0, xs)
    return np.sum(h) + np.sum(ys ** 2)


def nested(x):
    def outer(i, carry):
        a, b = carry
        a = optad.fori_loop(0, 3, lambda j, t: t * 0.9 + np.cos(t) * 0.1, a)
        return a, b + np.sum(a) * x[0]
    a, b = optad.fori_loop(0, 4, outer, (x[1:], np.float64(0.0)))
    return b + np.sum(a * a)


def halving(x):
    return optad.while_loop(lambda c: np.sum(c ** 2) > 1e-3, lambda c: c * 0.5, x)


def split_rows(x):
    rows = [x[i] for i in range(x.shape[0])]     # unstack-like row views
    return np.prod(np.stack(rows[::-1]) + 1.0)


def _closed(program):
    return Program(list(program.inputs) + list(program.constvars), (), (), program.eqns,
                   program.outputs)


rng = np.random.default_rng(3)
CASES = {
    "mlp": (mlp, ([rng.standard_normal((4, 4)) for _ in range(3)], rng.standard_normal((4, 5)))),
    "pendulum": (pendulum, (np.array([0.3, 1.0, 0.2]),)),
    "rnn": (rnn, (rng.standard_normal((3, 3)) * 0.5, rng.standard_normal((6, 3)),
                  rng.standard_normal(3))),
    "nested": (nested, (np.array([0.7, 0.2, -0.4]),)),
    "split rows": (split_rows, (rng.standard_normal((3, 2)),)),
}


@pytest.mark.parametrize("transform", ["jit", "value_and_grad", "hvp"])
@pytest.mark.parametrize("case", list(CASES))
def test_the_plan_equals_the_interpreter_bit_for_bit(case, transform, monkeypatch):
    f, args = CASES[case]
    if transform == "hvp":
        if isinstance(args[0], list):
            pytest.skip("hvp takes one array argument here")
        args = (args[0], np.copy(args[0]) * 0.5 + 0.1) + tuple(args[1:])
    calls = []
    plain_call = NumpyKernel.__call__

    def recorded(kernel, *values):
        outs = plain_call(kernel, *values)
        calls.append((kernel.program, values, outs))
        return outs

    monkeypatch.setattr(NumpyKernel, "__call__", recorded)
    getattr(optad, transform)(lambda *a: f(*a), backend="numpy")(*args)
    assert calls, "the NumPy backend ran"
    for program, values, got in calls:
        want = evaluate(_closed(program), list(values) + list(program.constvalues))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert np.asarray(g).dtype == np.asarray(w).dtype
            np.testing.assert_array_equal(g, w)


def test_a_while_loop_runs_in_the_plan():
    x = np.array([3.0, -4.0])
    program = optad.jit(halving, backend="numpy").lowered(x)
    (got,) = NumpyKernel(program)(x)
    np.testing.assert_array_equal(got, evaluate(_closed(program), [x])[0])
    assert np.sum(got ** 2) <= 1e-3 < np.sum((2 * got) ** 2)
    source = Plan(program).source
    assert "while True:" in source and "break" in source


def test_the_plan_is_printable_and_drops_values_after_their_last_use():
    Ws, X = CASES["mlp"][1]
    source = optad.show_source(optad.value_and_grad(mlp, backend="numpy"), Ws, X)
    assert source.startswith("def plan(")
    assert "\n    del " in source            # intermediates released (checkpoint relies on it)
    assert "scan" not in source or "for " in source


def test_a_traceback_shows_the_plan_line():
    def bad(x):
        return np.linalg.solve(np.outer(x, x), x)      # a singular matrix

    x = np.array([1.0, 2.0])
    with pytest.raises(np.linalg.LinAlgError) as info:
        optad.jit(bad, backend="numpy")(x)
    frames = [entry for entry in info.traceback if "optad NumPy plan" in str(entry.path)]
    assert frames and "solve" in str(frames[0].statement)
