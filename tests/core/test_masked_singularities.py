"""A zero cotangent (tangent) contributes exactly zero through rules whose local derivative can
be infinite, so a singular expression that np.where or np.tril masks out differentiates like
the function computed: gradient and HVP agree with finite differences, never NaN."""
import numpy as np
import pytest

import optad
from tests.fd import assert_close, directional

BACKENDS = ["numpy", "numba", "interpreter"]   # interpreter: the numba backend's first tier


def cola_like(x):
    """scipy's Cola benchmark shape: distances between all pairs of points (zero on the
    diagonal, where sqrt has an infinite derivative), then the strict lower triangle."""
    xi = np.atleast_2d(np.asarray([0.0, x[0]] + list(x[1::2])))
    xj = np.repeat(xi, np.size(xi, 1), axis=0)
    xi = xi.T
    yi = np.atleast_2d(np.asarray([0.0, 0.0] + list(x[2::2])))
    yj = np.repeat(yi, np.size(xi, 1), axis=0)
    yi = yi.T
    d = np.arange(16.0).reshape(4, 4) / 4
    inner = (np.sqrt((xi - xj) ** 2 + (yi - yj) ** 2) - d) ** 2
    return np.sum(np.sum(np.tril(inner, -1), axis=1))


CASES = {
    "cola": (cola_like, np.array([0.3, 1.1, -0.4, 0.8, 1.7])),
    # the masked entries sit at (or beyond) the singular point, with the mask constant nearby
    "where-sqrt": (lambda x: np.sum(np.where(x > 0.1, np.sqrt(x), 0.0) * x),
                   np.array([0.0, 0.4, -0.3])),
    "where-log": (lambda x: np.sum(np.where(x > 0.1, np.log(x), 0.0) * x ** 2),
                  np.array([0.0, 0.4, -1.3])),
    "where-div": (lambda x: np.sum(np.where(x > 0.1, np.sin(x) / x, 1.0)),
                  np.array([0.0, 0.4, 1.3])),
    "where-pow": (lambda x: np.sum(np.where(x > 0.1, x ** 0.5, 0.0) * x),
                  np.array([0.0, 0.4, 1.3])),
    "where-arcsin": (lambda x: np.sum(np.where(np.abs(x) < 0.9, np.arcsin(x), 0.0)),
                     np.array([1.0, 0.4, -1.5])),
    "where-arccos": (lambda x: np.sum(np.where(np.abs(x) < 0.9, np.arccos(x), 0.0)),
                     np.array([1.0, 0.4, -1.0])),
    "where-arctanh": (lambda x: np.sum(np.where(np.abs(x) < 0.9, np.arctanh(x), 0.0)),
                      np.array([1.0, 0.4, -0.3])),
    "tril-norm": (lambda x: np.sum(np.tril(np.linalg.norm(
        x[:, None, :] - x[None, :, :], axis=2), -1)), np.array([[0.0, 1.0], [2.0, 0.5],
                                                                 [1.0, 1.0]])),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_masked_singularity_gradient_and_hvp_match_finite_differences(backend, name):
    f, x = CASES[name]
    rng = np.random.default_rng(0)
    v = rng.normal(size=x.shape)
    g = optad.grad(f, backend=backend)(x)
    assert np.all(np.isfinite(g)), g
    # finite differences of the gradient along each coordinate, with the NumPy function
    # (only at points where f is smooth nearby; x = 0 entries sit on the masked side)
    fd = np.array([directional(f, [x], [e.reshape(x.shape)], h=1e-7)
                   for e in np.eye(x.size)]).reshape(x.shape)
    assert_close(g, fd, rtol=1e-5, atol=1e-5, what="gradient")
    hv = optad.hvp(f, backend=backend)(x, v)
    assert np.all(np.isfinite(hv)), hv
    grad_np = optad.grad(f, backend="numpy")
    fd2 = directional(lambda y: grad_np(y), [x], [v], h=1e-6)
    assert_close(hv, fd2, rtol=1e-4, atol=1e-5, what="hvp")
    _, tangent = optad.jvp(f, (x,), (v,))
    assert_close(tangent, np.sum(g * v), rtol=1e-10, atol=1e-12, what="jvp")
