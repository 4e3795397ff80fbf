"""The worked examples of the lecture notes, by forward and by reverse mode."""
import numpy as np
import pytest

import optad


def griewank(x1, x2):
    # y = 2.0167 at (1.5, 0.5) in the notes, whose intermediates are rounded to 4 digits
    v = x1 / x2
    return (np.sin(v) + v - np.exp(x2)) * (v - np.exp(x2))


def test_griewank_walther_example_forward_and_reverse(backend):
    x1, x2 = np.float64(1.5), np.float64(0.5)
    y = optad.jit(griewank, backend=backend)(x1, x2)
    assert abs(float(y) - 2.0167) < 1e-4  # the notes round to 4 digits
    # forward mode: one pass per input
    _, dy_dx1 = optad.jvp(griewank, (x1, x2), (1.0, 0.0), backend=backend)
    _, dy_dx2 = optad.jvp(griewank, (x1, x2), (0.0, 1.0), backend=backend)
    assert abs(float(dy_dx1) - 3.0118) < 1e-4  # the notes round to 4 digits
    assert abs(float(dy_dx2) - -13.7239) < 1e-4  # the notes round to 4 digits
    # reverse mode: one pass for both
    g1, g2 = optad.grad(griewank, argnums=(0, 1), backend=backend)(x1, x2)
    assert abs(float(g1) - 3.0118) < 1e-4  # the notes round to 4 digits
    assert abs(float(g2) - -13.7239) < 1e-4  # the notes round to 4 digits


def test_griewank_intermediates_in_the_program():
    program = optad.make_program(griewank, 1.5, 0.5)
    text = str(program)
    assert "div" in text and "sin" in text and "exp" in text
    values = optad.backends.get_backend("numpy").compile_program(program)(
        np.float64(1.5), np.float64(0.5))
    assert abs(float(values[0]) - 2.0167) < 1e-4


def lecture_loss(w1, w2):
    v1 = np.log(w1)
    v2 = w2 * v1
    v3 = np.sqrt(v2)
    return v2 + v3


@pytest.mark.parametrize("w1, w2", [(2.0, 3.0), (5.0, 0.7)])
def test_log_sqrt_example_by_hand(w1, w2, backend):
    w1, w2 = np.float64(w1), np.float64(w2)
    v1 = np.log(w1)
    dL_dw1 = (w2 / w1) * (1 + 1 / (2 * np.sqrt(w2 * v1)))
    dL_dw2 = v1 * (1 + 1 / (2 * np.sqrt(w2 * v1)))
    _, t1 = optad.jvp(lecture_loss, (w1, w2), (1.0, 0.0), backend=backend)
    _, t2 = optad.jvp(lecture_loss, (w1, w2), (0.0, 1.0), backend=backend)
    g1, g2 = optad.grad(lecture_loss, argnums=(0, 1), backend=backend)(w1, w2)
    np.testing.assert_allclose([t1, t2], [dL_dw1, dL_dw2], rtol=1e-13)
    np.testing.assert_allclose([g1, g2], [dL_dw1, dL_dw2], rtol=1e-13)


def test_solve_adjoint_closed_form(backend, rng):
    A = rng.normal(size=(4, 4)) + 4 * np.eye(4)
    b = rng.normal(size=4)
    g = rng.normal(size=4)
    loss = lambda A, b: np.sum(np.linalg.solve(A, b) * g)  # noqa: E731
    dA, db = optad.grad(loss, argnums=(0, 1), backend=backend)(A, b)
    x = np.linalg.solve(A, b)
    adj = np.linalg.solve(A.T, g)
    np.testing.assert_allclose(db, adj, rtol=1e-12)
    np.testing.assert_allclose(dA, -np.outer(adj, x), rtol=1e-12)


def test_svd_adjoint_closed_form(backend, rng):
    W = rng.normal(size=(5, 3))
    g = rng.normal(size=3)
    loss = lambda W: np.sum(np.linalg.svd(W, compute_uv=False) * g)  # noqa: E731
    U, s, Vt = np.linalg.svd(W, full_matrices=False)
    np.testing.assert_allclose(optad.grad(loss, backend=backend)(W), U @ np.diag(g) @ Vt,
                               rtol=1e-10, atol=1e-12)


def test_three_layer_linear_network_gradient_closed_form(backend, rng):
    X = rng.normal(size=(4, 6))   # columns are samples x_i
    Y = rng.normal(size=(2, 6))
    W1, W2, W3 = rng.normal(size=(3, 4)), rng.normal(size=(5, 3)), rng.normal(size=(2, 5))
    f = lambda W2, W1, W3: np.sum((Y - W3 @ W2 @ W1 @ X) ** 2)  # noqa: E731
    R = Y - W3 @ W2 @ W1 @ X
    expected = -2 * W3.T @ R @ (W1 @ X).T   # = -2 sum_i W3^T (y_i - ...)(W1 x_i)^T
    np.testing.assert_allclose(optad.grad(f, backend=backend)(W2, W1, W3), expected,
                               rtol=1e-11)
