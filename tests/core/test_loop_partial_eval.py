"""``hvp(f).at(x)`` through loops: partial evaluation splits a scan into a known scan (run once
at x, stacking per-step residuals) and an unknown scan (run per product, linear in v)."""
import numpy as np
import pytest

import optad
from optad.primitives.loops import scan_p


def pendulum(th):
    def body(i, c):
        x, v = c
        t = 0.01 * i
        return (x + 0.05 * v, v - 0.05 * th[1] * np.sin(x) - 0.05 * th[0] * v * np.cos(t))
    x, v = optad.fori_loop(0, 40, body, (th[0] * 0 + 1.0, th[1] * 0))
    return x ** 2 + v ** 2 + np.sum(th ** 4)


def scan_with_xs(w, reverse=False, checkpoint=None):
    xs = np.linspace(-1.0, 1.0, 12).reshape(6, 2)

    def step(h, x):
        h = np.tanh(w[:2] * h + w[2:] * x)
        return h, np.sum(h * h)

    h, ys = optad.scan(step, np.ones(2), xs, reverse=reverse, checkpoint=checkpoint)
    return np.sum(np.exp(ys)) + np.sum(h)


def mlp(Ws, X):
    h = X
    for W in Ws[:-1]:
        h = np.tanh(W @ h)
    return np.sum(np.log1p((Ws[-1] @ h) ** 2))


def _hvp_fd(f, x, v, eps=1e-5):
    g = optad.grad(f, backend="numpy")
    return (g(x + eps * v) - g(x - eps * v)) / (2 * eps)


def _scans(program):
    found = []
    for eqn in program.eqns:
        if eqn.primitive is scan_p:
            found.append(eqn)
            found += _scans(eqn.params["body"])
    return found


def _primitive_names(program):
    names = set()
    for eqn in program.eqns:
        names.add(eqn.primitive.name)
        for value in eqn.params.values():
            if hasattr(value, "eqns"):
                names |= _primitive_names(value)
    return names


CASES = {
    "fori_loop": (pendulum, np.array([0.3, 2.0])),
    "scan": (scan_with_xs, np.array([0.5, -0.4, 0.8, 0.3])),
    "reverse scan": (lambda w: scan_with_xs(w, reverse=True), np.array([0.5, -0.4, 0.8, 0.3])),
    "checkpointed scan": (lambda w: scan_with_xs(w, checkpoint=2),
                          np.array([0.5, -0.4, 0.8, 0.3])),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hvp_at_through_loops_matches_hvp_and_finite_differences(name, backend):
    f, x = CASES[name]
    rng = np.random.default_rng(1)
    hv = optad.hvp(f, backend=backend)
    at_x = hv.at(x)
    for _ in range(2):
        v = rng.standard_normal(x.shape)
        expected = hv(x, v)
        np.testing.assert_allclose(at_x(v), expected, rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(at_x(v), _hvp_fd(f, x, v), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", ["fori_loop", "scan"])
def test_the_product_loop_redoes_no_nonlinear_work(name):
    f, x = CASES[name]
    known, unknown, _, _ = optad.hvp(f, backend="numpy").linearized_at(x)
    assert _scans(unknown), "the product still runs a loop"
    nonlinear = {"sin", "cos", "tanh", "exp"}
    assert not nonlinear & _primitive_names(unknown), _primitive_names(unknown)
    assert nonlinear & _primitive_names(known)


def test_hvp_at_through_a_rerolled_python_loop(backend):
    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((3, 3)) * 0.5 for _ in range(8)]
    X = rng.standard_normal((3, 4))
    V = [rng.standard_normal((3, 3)) for _ in range(8)]
    hv = optad.hvp(mlp, backend=backend)
    known, unknown, _, _ = hv.linearized_at(Ws, X)
    assert _scans(unknown) and "tanh" not in _primitive_names(unknown)
    got = hv.at(Ws, X)(V)
    for a, b in zip(got, hv(Ws, V, X)):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-12)
