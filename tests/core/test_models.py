"""The models of the lecture notes: gradients and HVPs against finite differences."""
import numpy as np
import pytest

import optad
from fd import assert_close, directional


def least_squares(x, A, y):
    return 0.5 * np.sum((y - A @ x) ** 2)


def mds(W, D):
    diff = W[:, None, :] - W[None, :, :]
    S = np.sum(diff ** 2, axis=2)
    return np.sum((S - D) ** 2)


def mlp(params, X, y):
    W1, W2 = params
    return np.mean((W2 @ np.tanh(W1 @ X) - y) ** 2)


def linear3(W2, W1, W3, X, Y):
    return np.sum((Y - W3 @ W2 @ W1 @ X) ** 2)


def relu_net(W1, W2, X, Y):
    return np.sum((Y - W2 @ np.maximum(W1 @ X, 0.0)) ** 2)


def make(name, rng):
    if name == "least_squares":
        return least_squares, rng.normal(size=5), (rng.normal(size=(8, 5)), rng.normal(size=8))
    if name == "mds":
        P = rng.normal(size=(6, 2))
        D = np.sum((P[:, None] - P[None]) ** 2, axis=2)
        return mds, rng.normal(size=(6, 2)), (D,)
    if name == "mlp":
        X = rng.normal(size=(3, 10))
        y = rng.choice([-1.0, 0.0, 1.0], size=10)
        return mlp, (rng.uniform(size=(4, 3)), rng.uniform(size=(1, 4))), (X, y)
    if name == "linear3":
        X, Y = rng.normal(size=(4, 6)), rng.normal(size=(2, 6))
        return linear3, rng.normal(size=(5, 3)), (rng.normal(size=(3, 4)),
                                                  rng.normal(size=(2, 5)), X, Y)
    if name == "relu":
        X, Y = rng.normal(size=(3, 7)), rng.normal(size=(2, 7))
        return relu_net, rng.normal(size=(5, 3)), (rng.normal(size=(2, 5)), X, Y)
    raise KeyError(name)


MODELS = ["least_squares", "mds", "mlp", "linear3", "relu"]


def _flat(tree_value):
    leaves, _ = optad.tree.flatten(tree_value)
    return np.concatenate([np.ravel(a) for a in leaves])


@pytest.mark.parametrize("name", MODELS)
def test_model_gradient_and_hvp_against_finite_differences(name, backend, rng):
    f, x, data = make(name, rng)
    leaves, treedef = optad.tree.flatten(x)
    direction = [rng.normal(size=np.shape(a)) for a in leaves]
    v = optad.tree.unflatten(treedef, direction)

    def along(*xs):
        return f(optad.tree.unflatten(treedef, list(xs)), *data)

    value, g = optad.value_and_grad(f, backend=backend)(x, *data)
    assert_close(value, f(x, *data), rtol=1e-12, what="value")
    assert optad.tree.flatten(g)[1] == treedef
    fd_dir = directional(along, leaves, direction)
    assert_close(np.dot(_flat(g), _flat(v)), fd_dir, rtol=1e-6, what="gradient")

    hv = optad.hvp(f, backend=backend)(x, v, *data)
    gradient = optad.grad(f, backend=backend)
    flat_grad = lambda *xs: _flat(gradient(optad.tree.unflatten(treedef, list(xs)), *data))  # noqa
    assert_close(_flat(hv), directional(flat_grad, leaves, direction, h=1e-5), rtol=1e-5,
                 atol=1e-6, what="hvp")


def test_mds_gradient_matches_the_hand_formula(backend, rng):
    f, W, (D,) = make("mds", rng)
    diff = W[:, None, :] - W[None, :, :]
    R = np.sum(diff ** 2, axis=2) - D
    gdiff = 4 * R[:, :, None] * diff
    expected = np.sum(gdiff, axis=1) - np.sum(gdiff, axis=0) * 0.5 * 2 / 2
    # d/dW_i of sum_ij (S_ij - D_ij)^2 = sum_j 4 R_ij (W_i - W_j) + sum_j 4 R_ji (W_i - W_j)
    expected = np.sum(4 * (R + R.T)[:, :, None] * diff, axis=1)
    assert_close(optad.grad(f, backend=backend)(W, D), expected, rtol=1e-12)


def test_mlp_on_pytree_parameters_keeps_structure(backend, rng):
    f, params, data = make("mlp", rng)
    g = optad.grad(f, backend=backend)(params, *data)
    assert isinstance(g, tuple) and [a.shape for a in g] == [a.shape for a in params]
    d = {"W1": params[0], "W2": params[1]}
    g2 = optad.grad(lambda p, X, y: f((p["W1"], p["W2"]), X, y), backend=backend)(d, *data)
    assert set(g2) == {"W1", "W2"}
    np.testing.assert_allclose(g2["W1"], g[0], rtol=1e-13)
