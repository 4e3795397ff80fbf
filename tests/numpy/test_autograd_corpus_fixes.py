"""What autograd's own tests, translated to plain NumPy (benchmarks/corpus_autograd.py), found:
einsum's labels of size 0 broadcast against 1, einsum's interleaved (sublist) form, np.pad's
pad_width given as (n,) or as one pair per axis in a column, np.angle and np.real_if_close of
real arrays, np.append of a list holding traced values.  Values against NumPy, derivatives
against finite differences (NumPy backend), one case on Numba against the NumPy backend."""
import numpy as np
import pytest

import optad
from fd import assert_close, directional

RNG = np.random.default_rng(5)


def _check(fun, *xs, backend="numpy"):
    """Value against NumPy, JVP against central differences, VJP by <ct, J t>."""
    value = optad.jit(fun, backend)(*xs)
    assert_close(value, fun(*xs), rtol=1e-13, atol=1e-13, what="value")
    tangents = [RNG.normal(size=np.shape(x)) for x in xs]
    _, tangent = optad.jvp(fun, tuple(xs), tuple(tangents), backend=backend)
    assert_close(tangent, directional(fun, list(xs), tangents), rtol=1e-6, atol=1e-7,
                 what="jvp")
    ct = RNG.normal(size=np.shape(value))
    _, pullback = optad.vjp(fun, *xs, backend=backend)
    lhs = sum(np.sum(c * t) for c, t in zip(pullback(ct), tangents))
    assert_close(lhs, np.sum(ct * tangent), rtol=1e-12, atol=1e-12, what="vjp")


@pytest.mark.parametrize("shapes", [((0, 2, 3), (0, 3, 4)), ((1, 2, 3), (0, 3, 4)),
                                    ((0, 2, 3), (1, 3, 4)), ((2, 2, 3), (1, 3, 4))])
def test_einsum_ellipsis_broadcasts_size_one_against_zero(shapes):
    a, b = (RNG.normal(size=s) for s in shapes)
    f = lambda a, b: np.einsum("...ij,...jk->...ik", a, b)  # noqa: E731
    assert optad.jit(f, "numpy")(a, b).shape == f(a, b).shape
    gradient = optad.grad(lambda a, b: np.sum(f(a, b) ** 2), argnums=(0, 1),
                          backend="numpy")(a, b)
    assert [g.shape for g in gradient] == [a.shape, b.shape]
    _check(f, a, b)


SUBLIST_CASES = {
    "transpose": (lambda a: np.einsum(a, (0, 1), (1, 0)), [(3, 4)]),
    "matmul": (lambda a, b: np.einsum(a, (0, 1), b, (1, 2), (0, 2)), [(2, 3), (3, 4)]),
    "implicit output": (lambda a, b: np.einsum(a, [0, 1], b, [1, 2]), [(2, 3), (3, 4)]),
    "ellipsis": (lambda a, b: np.einsum(a, (Ellipsis, 0, 1), b, (Ellipsis, 1, 2),
                                        (Ellipsis, 0, 2)), [(2, 2, 3), (2, 3, 4)]),
    "three operands": (lambda a, b, c: np.einsum(a, (0, 1, 2), b, (3, 1, 0), c, (3, 3, 0),
                                                 (3, 2, 0)), [(3, 4, 4), (4, 4, 3), (4, 4, 3)]),
}


@pytest.mark.parametrize("name", sorted(SUBLIST_CASES))
def test_einsum_interleaved_sublist_form(name):
    fun, shapes = SUBLIST_CASES[name]
    _check(fun, *[RNG.normal(size=s) for s in shapes])


@pytest.mark.skipif("numba" not in __import__("conftest").BACKENDS, reason="numba backend absent")
def test_einsum_sublist_form_on_numba_matches_numpy():
    fun, shapes = SUBLIST_CASES["three operands"]
    xs = [RNG.normal(size=s) for s in shapes]
    loss = lambda *xs: np.sum(fun(*xs) ** 2)  # noqa: E731
    got = optad.value_and_grad(loss, argnums=(0, 1, 2), backend="numba")(*xs)
    want = optad.value_and_grad(loss, argnums=(0, 1, 2), backend="numpy")(*xs)
    assert_close(got[0], want[0], rtol=1e-12)
    for g, w in zip(got[1], want[1]):
        assert_close(g, w, rtol=1e-12, atol=1e-13)


def test_einsum_sublist_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match="sublist"):
        optad.jit(lambda a: np.einsum(a, ("i", "j")), "numpy")(np.ones((2, 2)))


@pytest.mark.parametrize("width", [0, 3, (3,), (3, 2), ((3, 2),), ((1, 2), (3, 4)),
                                   ((0, 0), (0, 0)), ((1,), (2,)), [[1], [2]]])
def test_pad_width_forms_numpy_accepts(width):
    x = RNG.normal(size=(2, 3))
    _check(lambda x: np.pad(x, width, "constant"), x)
    if width in (0, ((0, 0), (0, 0)), ((1,), (2,))):
        _check(lambda x: np.pad(x, width, "reflect"), x)


def test_angle_and_real_if_close_of_real_arrays():
    x = np.array([-1.5, 0.0, 2.0, -0.0, 3.0])
    assert np.array_equal(optad.jit(np.angle, "numpy")(x), np.angle(x))
    assert np.array_equal(optad.jit(lambda x: np.angle(x, deg=True), "numpy")(x),
                          np.angle(x, deg=True))
    assert_close(optad.grad(lambda x: np.sum(np.angle(x) * x), backend="numpy")(x),
                 np.angle(x), atol=0)
    assert np.array_equal(optad.jit(np.real_if_close, "numpy")(x), x)
    assert_close(optad.grad(lambda x: np.sum(np.real_if_close(x) ** 2), backend="numpy")(x),
                 2 * x, atol=0)


def test_append_of_a_list_holding_traced_values():
    def f(a, b):
        return np.sum(np.append([a[0], a[1] ** 2, 3.0], b) * np.arange(1.0, 5.0))

    got = optad.grad(f, argnums=(0, 1), backend="numpy")(np.array([1.5, 2.0]), 0.5)
    assert_close(got[0], [1.0, 2.0 * 2 * 2.0], atol=0)
    assert_close(got[1], 4.0, atol=0)


# ------------------------------------------------- the triangle np.linalg reads, and its derivative

def _nonsymmetric(n, rng):
    b = rng.normal(size=(n, n))
    return b @ b.T + n * np.eye(n) + np.triu(rng.normal(size=(n, n)), 1) * 0.5 \
        - np.tril(rng.normal(size=(n, n)), -1) * 0.3


TRIANGLE_FUNCTIONS = {
    "eigvalsh L": lambda a, w: np.sum(np.linalg.eigvalsh(a) * w),
    "eigvalsh U": lambda a, w: np.sum(np.linalg.eigvalsh(a, "U") * w),
    "eigh vectors U": lambda a, w: np.sum(np.abs(np.linalg.eigh(a, UPLO="U")[1]) * w),
    "cholesky": lambda a, w: np.sum(np.linalg.cholesky(a) ** 2 * w),
    "cholesky upper": lambda a, w: np.sum(np.linalg.cholesky(a, upper=True) ** 3 * w),
}


@pytest.mark.parametrize("name", sorted(TRIANGLE_FUNCTIONS))
def test_linalg_of_a_nonsymmetric_matrix_is_numpys_function_with_its_derivative(name):
    """autograd's test_eigvalh_lower/upper: eigh of a matrix that is not symmetric.  NumPy
    reads one triangle; optad's value is NumPy's and its gradient that of NumPy's function
    (finite differences over every entry), also cholesky(upper=True), which read the lower
    triangle before."""
    rng = np.random.default_rng(3)
    a, w = _nonsymmetric(4, rng), rng.normal(size=4)
    fun = lambda a: TRIANGLE_FUNCTIONS[name](a, w)  # noqa: E731
    assert_close(optad.jit(fun, "numpy")(a), fun(a), rtol=1e-13, atol=1e-13)
    eye = np.eye(16).reshape(16, 4, 4)
    expected = np.array([directional(fun, [a], [e]) for e in eye]).reshape(4, 4)
    assert_close(optad.grad(fun, backend="numpy")(a), expected, rtol=1e-6, atol=1e-7)
    assert np.all(optad.grad(fun, backend="numpy")(a)[np.triu_indices(4, 1) if "U" not in name
                  and "upper" not in name else np.tril_indices(4, -1)] == 0)


@pytest.mark.skipif("numba" not in __import__("conftest").BACKENDS, reason="numba backend absent")
def test_linalg_triangles_on_numba_match_numpy():
    rng = np.random.default_rng(4)
    a, w = _nonsymmetric(3, rng), rng.normal(size=3)
    for name in ("eigvalsh U", "cholesky upper"):
        fun = lambda a: TRIANGLE_FUNCTIONS[name](a, w)  # noqa: E731
        got = optad.value_and_grad(fun, backend="numba")(a)
        want = optad.value_and_grad(fun, backend="numpy")(a)
        assert_close(got[0], want[0], rtol=1e-12)
        assert_close(got[1], want[1], rtol=1e-10, atol=1e-12)


def test_numpy_functions_themselves_transformed_stack_lists_like_their_names():
    """autograd's check_grads(np.append)(A, b) with A a list: the function transformed is
    NumPy's own object, bound before the trace; it traces like the name np.append."""
    value, tangent = optad.jvp(np.append, ([1.0, 2.0, 3.0], 4.0),
                               ([np.array(1.0)] * 3, np.array(2.0)), backend="numpy")
    assert_close(value, [1.0, 2.0, 3.0, 4.0], atol=0)
    assert_close(tangent, [1.0, 1.0, 1.0, 2.0], atol=0)
    got = optad.grad(lambda x: np.sum(np.append(2.0, x) ** 2), backend="numpy")(np.ones(2))
    assert_close(got, [2.0, 2.0], atol=0)
    assert np.append is np.lib._function_base_impl.append   # NumPy's own again afterwards
