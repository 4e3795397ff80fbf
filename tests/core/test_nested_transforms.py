"""Transformations called while another function is traced trace their function in that trace
and inline it (JAX's rule), so they close over the outer traced values and take them as extra
arguments; checked against hand-derived values and central finite differences."""
import numpy as np
import pytest

import optad


def central_difference(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


def test_grad_of_a_function_calling_grad_over_a_closure(backend):
    # inner: d/dy (x y) = x, so the outer function is x * x, with derivative 2 x
    outer = optad.grad(lambda x: x * optad.grad(lambda y: x * y, backend=backend)(2.0),
                       backend=backend)
    assert outer(1.0) == pytest.approx(2.0)
    assert outer(1.5) == pytest.approx(3.0)


def test_nested_grad_given_the_outer_traced_value_as_an_argument(backend):
    inner = optad.grad(lambda y, z: y ** 2 * np.sin(z), backend=backend)  # 2 y sin z
    outer = optad.grad(lambda x: inner(2.0, x), backend=backend)          # 4 cos x
    for x in (0.3, -1.2):
        assert outer(x) == pytest.approx(4 * np.cos(x), rel=1e-12)
    # the inner transformation still works on plain values afterwards (nothing traced was
    # cached in it)
    assert inner(2.0, 0.3) == pytest.approx(4 * np.sin(0.3), rel=1e-12)


def test_third_derivative_with_argnums(backend):
    def f(a, b):
        return a * np.sin(b) ** 3 + a * b ** 4

    d3 = optad.grad(optad.grad(optad.grad(f, argnums=1, backend=backend), argnums=1,
                               backend=backend), argnums=1, backend=backend)
    d2 = optad.grad(optad.grad(f, argnums=1, backend=backend), argnums=1, backend=backend)
    a, b = 2.0, 0.5
    by_hand = a * (6 * np.cos(b) ** 3 - 21 * np.sin(b) ** 2 * np.cos(b)) + 24 * a * b
    assert d3(a, b) == pytest.approx(by_hand, rel=1e-12)
    assert d3(a, b) == pytest.approx(central_difference(lambda t: d2(a, t), b), rel=1e-7)
    mixed = optad.grad(optad.grad(f, argnums=1, backend=backend), argnums=0, backend=backend)
    assert mixed(a, b) == pytest.approx(3 * np.sin(b) ** 2 * np.cos(b) + 4 * b ** 3, rel=1e-12)


def test_transforms_inside_a_traced_function_close_over_arrays(backend):
    w = np.array([0.5, -1.0, 2.0])

    def outer(x):
        # hvp of y -> sum(x * y^3) at y = v = 1 is 6 x; jvp of y -> x y^2 at y = 1, t = 1 is
        # 2 x; the pullback of y -> x * tanh(y) at y = 0 is x; jit of y -> x * y at y = w
        h = optad.hvp(lambda y: np.sum(x * y ** 3), backend=backend)(np.ones(3), np.ones(3))
        t = optad.jvp(lambda y: x * y ** 2, (np.ones(3),), (np.ones(3),), backend=backend)[1]
        _, pullback = optad.vjp(lambda y: x * np.tanh(y), np.zeros(3), backend=backend)
        j = optad.jit(lambda y: x * y, backend=backend)(w)
        return np.sum(h * w) + np.sum(t * w) + np.sum(pullback(np.ones(3))[0] * w) + np.sum(j)

    x = np.array([0.1, 0.2, -0.3])
    np.testing.assert_allclose(optad.jit(outer, backend=backend)(x), np.sum(10 * x * w),
                               rtol=1e-12)
    np.testing.assert_allclose(optad.grad(outer, backend=backend)(x), 10 * w, rtol=1e-12)


def test_jacobian_inside_a_traced_function(backend):
    outer = optad.grad(lambda x: np.sum(optad.jacfwd(lambda y: x * y ** 2,
                                                     backend=backend)(np.ones(2))),
                       backend=backend)
    assert outer(1.0) == pytest.approx(4.0)


def test_hessian_vector_product_of_a_function_using_grad_inside(backend, rng):
    # f(x) = sum(grad(g)(x) ** 2) with g(y) = sum(sin(y)): f = sum(cos(x)^2); its Hessian is
    # diagonal with entries -2 cos(2x)
    g = optad.grad(lambda y: np.sum(np.sin(y)), backend=backend)
    f = lambda x: np.sum(g(x) ** 2)  # noqa: E731
    x, v = rng.normal(size=3), rng.normal(size=3)
    np.testing.assert_allclose(optad.hvp(f, backend=backend)(x, v), -2 * np.cos(2 * x) * v,
                               rtol=1e-10)
