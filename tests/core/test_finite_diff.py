import numpy as np
import pytest

from optad import finite_diff as fd

RNG = np.random.default_rng(0)
A = RNG.standard_normal((5, 5))
Q = A @ A.T + np.eye(5)


def f(x):
    return np.sum(np.sin(x)) + 0.5 * x @ Q @ x + np.sum(x ** 3) / 3


def f_grad(x):
    return np.cos(x) + Q @ x + x ** 2


def f_hess(x):
    return np.diag(-np.sin(x)) + Q + np.diag(2 * x)


X = RNG.standard_normal(5)


@pytest.mark.parametrize("scheme, tol", [("forward", 1e-6), ("backward", 1e-6), ("central", 1e-9)])
def test_gradient_schemes_match_analytic(scheme, tol):
    g = fd.gradient(f, X, scheme=scheme)
    np.testing.assert_allclose(g, f_grad(X), rtol=0, atol=tol * np.abs(f_grad(X)).max() * 10)


def test_aliases_agree_with_gradient():
    np.testing.assert_array_equal(fd.forward_grad(f, X), fd.gradient(f, X, scheme="forward"))
    np.testing.assert_array_equal(fd.backward_grad(f, X), fd.gradient(f, X, scheme="backward"))
    np.testing.assert_array_equal(fd.central_grad(f, X), fd.gradient(f, X))


def test_truncation_error_orders():
    # f = exp on one coordinate: forward error ~ h/2 f'', central error ~ h^2/6 f'''
    g = lambda x: np.exp(x[0])  # noqa: E731
    x = np.array([0.3])
    exact = np.exp(0.3)
    errs = {}
    for scheme in ("forward", "central"):
        e1 = abs(fd.gradient(g, x, scheme=scheme, step=1e-2)[0] - exact)
        e2 = abs(fd.gradient(g, x, scheme=scheme, step=5e-3)[0] - exact)
        errs[scheme] = e1 / e2
    assert 1.8 < errs["forward"] < 2.2     # O(h)
    assert 3.6 < errs["central"] < 4.4     # O(h^2)


def test_default_steps_per_scheme_and_dtype():
    x = np.array([0.5, -3.0])
    eps = np.finfo(np.float64).eps
    np.testing.assert_allclose(fd.default_step(x, "forward"), np.sqrt(eps) * np.array([1, 3]))
    np.testing.assert_allclose(fd.default_step(x, "central"), np.cbrt(eps) * np.array([1, 3]))
    x32 = x.astype(np.float32)
    assert fd.default_step(x32, "central")[0] > 1e-3  # float32 eps -> larger step


def test_float32_gradient_is_reasonable():
    x32 = X.astype(np.float32)
    g = fd.gradient(lambda z: np.sum(np.sin(z) * z), x32)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, np.cos(x32) * x32 + np.sin(x32), atol=2e-3)


def test_jacobian_of_linear_map_and_shapes():
    B = RNG.standard_normal((3, 4))
    J = fd.jacobian(lambda x: B @ x, RNG.standard_normal(4))
    np.testing.assert_allclose(J, B, atol=1e-9)
    Xm = RNG.standard_normal((2, 3))
    Jm = fd.jacobian(lambda W: np.tanh(W).sum(axis=0), Xm)
    assert Jm.shape == (3, 2, 3)
    expected = np.zeros((3, 2, 3))
    for j in range(3):
        expected[j, :, j] = 1 - np.tanh(Xm[:, j]) ** 2
    np.testing.assert_allclose(Jm, expected, atol=1e-9)


@pytest.mark.parametrize("scheme", ["forward", "backward", "central"])
def test_directional_derivative(scheme):
    v = RNG.standard_normal(5)
    d = fd.directional(f, X, v, scheme=scheme)
    tol = 1e-8 if scheme == "central" else 1e-5
    np.testing.assert_allclose(d, f_grad(X) @ v, rtol=tol)
    assert fd.directional(f, X, np.zeros(5)) == 0


@pytest.mark.parametrize("scheme, tol", [("forward", 1e-6), ("central", 1e-9)])
def test_hvp_from_gradient_differences(scheme, tol):
    v = RNG.standard_normal(5)
    hv = fd.hvp(f_grad, X, v, scheme=scheme)
    np.testing.assert_allclose(hv, f_hess(X) @ v, rtol=0, atol=tol * 100)


def test_hessian_is_symmetric_and_correct():
    H = fd.hessian(f_grad, X)
    np.testing.assert_array_equal(H, H.T)
    np.testing.assert_allclose(H, f_hess(X), atol=1e-8)


def test_pytree_inputs_keep_structure():
    W1, W2 = RNG.standard_normal((3, 2)), RNG.standard_normal(3)
    loss = lambda p, y: np.sum((p[1] @ np.tanh(p[0]) - y) ** 2)  # noqa: E731
    y = RNG.standard_normal(2)
    g = fd.gradient(loss, (W1, W2), y)
    assert isinstance(g, tuple) and g[0].shape == (3, 2) and g[1].shape == (3,)
    r = W2 @ np.tanh(W1) - y
    gW2 = 2 * np.tanh(W1) @ r
    gW1 = 2 * np.outer(W2, r) * (1 - np.tanh(W1) ** 2)
    np.testing.assert_allclose(g[1], gW2, atol=1e-8)
    np.testing.assert_allclose(g[0], gW1, atol=1e-8)
    hv = fd.hvp(lambda p, yy: fd.gradient(loss, p, yy), (W1, W2), (W1 * 0, np.ones(3)), y,
                scheme="central", step=1e-4)
    assert isinstance(hv, tuple) and hv[1].shape == (3,)
    np.testing.assert_allclose(hv[1], 2 * np.tanh(W1) @ np.tanh(W1).T @ np.ones(3), atol=1e-4)


def test_extra_args_pass_through():
    Am, b = RNG.standard_normal((4, 3)), RNG.standard_normal(4)
    ls = lambda x, A, b: 0.5 * np.sum((A @ x - b) ** 2)  # noqa: E731
    x = RNG.standard_normal(3)
    np.testing.assert_allclose(fd.gradient(ls, x, Am, b), Am.T @ (Am @ x - b), atol=1e-8)


def test_check_grad_detects_right_and_wrong_gradients():
    good = fd.check_grad(f, X, grad=f_grad)
    assert good.rel_err < 1e-8 and good.ok()
    bad = fd.check_grad(f, X, grad=lambda x: f_grad(x) + np.eye(5)[2] * 1e-3)
    assert 5e-4 < bad.abs_err < 2e-3 and not bad.ok()
    assert bad.grad.shape == bad.fd_grad.shape == (5,)


def test_check_grad_with_optad_gradient():
    api = pytest.importorskip("optad.api")
    if not hasattr(api, "grad"):
        pytest.skip("optad.api.grad not available yet")
    r = fd.check_grad(lambda x: np.sum(np.sin(x) * x), X, backend="numpy")
    assert r.rel_err < 1e-8


def test_bad_input():
    with pytest.raises(ValueError, match="scheme"):
        fd.gradient(f, X, scheme="sideways")
    with pytest.raises(ValueError, match="scalar"):
        fd.gradient(lambda x: x * 2, X)
    with pytest.raises(ValueError, match="positive"):
        fd.gradient(f, X, step=-1e-3)
    with pytest.raises(ValueError, match="positive"):
        fd.gradient(f, X, step=0.0)
    with pytest.raises(ValueError, match="entries"):
        fd.directional(f, X, np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        fd.hvp(f_grad, X, np.ones(4))
    with pytest.raises(ValueError, match="entries"):
        fd.check_grad(f, X, grad=lambda x: np.ones(4))
