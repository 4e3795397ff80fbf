"""Behaviour of the issue-12 functions a user sees besides their derivatives: dtypes of
integer floor division and remainder, errors like NumPy's, arrays built from lists of traced
values, no NaN gradients at zero (issue 11, item 9), float32, 0-d and non-contiguous inputs."""
import numpy as np
import pytest

import optad


def jit(f):
    return optad.jit(f, backend="numpy")


def test_integer_floor_division_and_remainder_stay_integers():
    x = np.arange(-7, 7)
    q, r = jit(lambda x: (x // 3, x % 3))(x)
    assert q.dtype == np.int64 and r.dtype == np.int64
    np.testing.assert_array_equal(q, x // 3)
    np.testing.assert_array_equal(r, x % 3)
    q, r = jit(lambda x: divmod(x, -2))(x)
    np.testing.assert_array_equal(q, x // -2)
    np.testing.assert_array_equal(r, x % -2)


def test_float_floor_division_matches_numpy_at_rounding_edges(backend):
    x = np.array([1.0, -1.0, 0.3, -7.5, 1e-300, 5.0])
    y = np.array([0.1, 0.1, -0.1, 2.5, -3.0, -0.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = (np.floor_divide(x, y), np.remainder(x, y))
        got = optad.jit(lambda x, y: (x // y, x % y), backend=backend)(x, y)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


def test_integer_to_negative_power_raises_like_numpy():
    with pytest.raises(ValueError, match="negative integer powers"):
        jit(lambda x: x ** -1)(np.arange(1, 4))


def test_arrays_built_from_lists_of_traced_values():
    def f(x):
        rows = np.array([x, 2 * x, [1.0, x[0]]])
        return (np.sum(rows) + np.r_[x, x ** 2, 3.0].sum() + np.c_[x, x].sum()
                + np.asarray([x[0], x[1]]).prod())
    x = np.array([1.0, 3.0])
    g = optad.grad(f, backend="numpy")(x)
    np.testing.assert_allclose(g, [1 + 2 + 1 + 1 + 2 * x[0] + 2 + x[1],
                                   1 + 2 + 1 + 2 * x[1] + 2 + x[0]])
    assert type(np.array([1, 2])) is np.ndarray  # untouched outside tracing
    np.testing.assert_array_equal(np.r_[1:3, [5]], [1, 2, 5])


@pytest.mark.parametrize("f, x", [
    (lambda x: np.linalg.norm(x) ** 2, np.zeros(3)),
    (lambda x: np.linalg.norm(x), np.zeros(3)),
    (lambda x: np.linalg.norm(x, 3), np.zeros(3)),
    (lambda x: np.sum(np.hypot(x, 0.0)), np.zeros(2)),
    (np.std, np.full(4, 2.5)),
    (np.std, np.array(3.5)),
])
def test_no_nan_gradient_at_zero(f, x, backend):
    g = optad.grad(f, backend=backend)(x)
    assert np.all(np.isfinite(g)) and np.allclose(g, 0.0)


def test_float32_smoke(backend):
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 3)).astype(np.float32) + 3 * np.eye(3, dtype=np.float32)

    def f(a):
        s, logdet = np.linalg.slogdet(a)
        return (np.sum(np.einsum("ij,jk->ik", a, a) * np.arctan(a)) + logdet
                + np.sum(np.sort(a, axis=0) * np.roll(a, 1)) + np.sum(a % 0.7))

    value, g = optad.value_and_grad(f, backend=backend)(a)
    assert g.dtype == np.float32 and np.asarray(value).dtype == np.float32
    g64 = optad.grad(f, backend="numpy")(a.astype(np.float64))
    np.testing.assert_allclose(g, g64, rtol=2e-4, atol=2e-4)


def test_zero_dimensional_inputs(backend):
    f = lambda x: np.arcsinh(x) * np.arctan2(x, 2.0) + x % 0.3 + np.sinc(x)  # noqa: E731
    x = np.array(0.45)
    g = optad.grad(f, backend=backend)(x)
    h = 1e-6
    np.testing.assert_allclose(g, (f(x + h) - f(x - h)) / (2 * h), rtol=1e-6)


def test_transposed_and_sliced_inputs(backend):
    rng = np.random.default_rng(3)
    base = rng.normal(size=(4, 6))
    x = base.T[::2]            # non-contiguous (3, 4)
    w = rng.normal(size=(4, 4))[:, ::-1]

    def f(x, w):
        return np.sum(np.einsum("ij,jk->ik", x, w) ** 2) + np.sum(np.linalg.pinv(x) * 2.0) \
            + np.sum(np.tril(np.tensordot(x, w, 1)))

    g = optad.grad(f, backend=backend)(x, w)
    t = rng.normal(size=x.shape)
    h = 1e-6
    expected = (f(x + h * t, w) - f(x - h * t, w)) / (2 * h)
    np.testing.assert_allclose(np.sum(g * t), expected, rtol=1e-6)


def test_bad_input_errors_say_what_was_wrong():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="equal division"):
        jit(lambda x: np.split(x, 2, axis=1))(x)
    with pytest.raises(ValueError, match="einsum"):
        jit(lambda x: np.einsum("ij,jk", x, x))(x)
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        jit(lambda x: np.linalg.svd(x))(x)
    with pytest.raises(ValueError, match="complex eigenvalues"):
        jit(lambda a: np.linalg.eig(a)[0])(np.array([[0.0, -1.0], [1.0, 0.0]]))
    with pytest.raises(NotImplementedError, match="mode"):
        jit(lambda x: np.pad(x, 1, mode="linear_ramp"))(x)


@pytest.mark.slow
def test_cuda_templates_of_the_new_elementwise_primitives():
    """Under Numba's CUDA simulator: the fused kernels of the inverse trigonometric functions,
    arctan2, remainder and floor division agree with the NumPy backend."""
    pytest.importorskip("numba.cuda")
    x, y = np.array([0.3, -0.5, 0.7]), np.array([1.2, 0.4, -2.0])

    def f(x, y):
        return np.sum(np.arcsin(x) * np.arctan2(x, y) + np.arccosh(y ** 2 + 1.5) + x % 0.4
                      + np.arctanh(x) + np.arcsinh(y) + np.arccos(x) + np.arctan(y) + x // 0.2)

    expected = optad.value_and_grad(f, backend="numpy")(x, y)
    got = optad.value_and_grad(f, backend="cuda")(x, y)
    np.testing.assert_allclose(got[0], expected[0], rtol=1e-12)
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-12)
