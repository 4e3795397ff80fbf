"""Regression tests for answers that were wrong: eigh's UPLO triangle, d(x**0)/dx at 0, eig of
a matrix with complex eigenvalues, real/imag/conj and the rounding functions, asanyarray and
ascontiguousarray of traced values, ufuncs of lists, and a traced value assigned into a NumPy
array.  Each on the NumPy and the Numba backends (NumPy's own results as the oracle)."""
import numpy as np
import pytest

import optad
from tests.fd import assert_close, directional

BACKENDS = ["numpy", "numba", "interpreter"]   # interpreter: the numba backend's first tier
NONSYMMETRIC = np.array([[2.0, 1.0, 0.3], [5.0, 3.0, -1.0], [7.0, 0.2, 4.0]])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_reads_the_named_triangle(backend, uplo):
    w = np.array([1.0, 2.0, 3.0])
    f = lambda a: np.sum(np.linalg.eigvalsh(a, UPLO=uplo) * w)  # noqa: E731
    g = lambda a: np.sum(np.abs(np.linalg.eigh(a, UPLO=uplo)[1]) * w)  # noqa: E731
    for fun in (f, g):
        assert_close(optad.jit(fun, backend=backend)(NONSYMMETRIC), fun(NONSYMMETRIC),
                     rtol=1e-12, atol=1e-12)
    sym = NONSYMMETRIC + NONSYMMETRIC.T
    t = np.triu(np.ones((3, 3))) if uplo == "U" else np.tril(np.ones((3, 3)))
    t = t + t.T  # a symmetric direction: the derivative is that of the symmetric part
    assert_close(optad.jvp(f, (sym,), (t,))[1], directional(f, [sym], [t]), rtol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("f", [lambda x: np.sum(np.power(x, 0.0)), lambda x: np.sum(x ** 0.0)],
                         ids=["power", "**"])
def test_power_zero_has_derivative_zero_at_zero(backend, f):
    x = np.array([0.0, 1.5])
    assert_close(optad.grad(f, backend=backend)(x), [0.0, 0.0], atol=0)
    assert_close(optad.hvp(f, backend=backend)(x, np.ones(2)), [0.0, 0.0], atol=0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_eig_with_complex_eigenvalues_is_refused_clearly(backend):
    rotation = lambda x: np.sum(np.linalg.eigvals(  # noqa: E731
        np.array([[x[0], -1.0 - x[1]], [1.0, 0.0]])))
    with pytest.raises(ValueError, match="complex eigenvalues"):
        optad.grad(rotation, backend=backend)(np.array([0.0, 1.0]))


ROUNDING = {
    "round": lambda x: np.round(x), "around-1": lambda x: np.around(x, 1),
    "round--1": lambda x: np.round(x, -1), "rint": np.rint, "trunc": np.trunc,
    "floor": np.floor, "ceil": np.ceil,
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", sorted(ROUNDING))
def test_rounding_values_and_zero_derivative(backend, name):
    fun = ROUNDING[name]
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999999999999994, -3.7, 2.675, 14.96])
    np.testing.assert_array_equal(optad.jit(fun, backend=backend)(x), fun(x))
    f = lambda x: np.sum(fun(x) * x)  # noqa: E731  (gradient fun(x): the rounding adds 0)
    assert_close(optad.grad(f, backend=backend)(x), fun(x), atol=0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_real_imag_conj_of_real_inputs(backend):
    x = np.array([0.5, -2.0])
    f = lambda x: np.sum(np.real(x) * np.conj(x) + np.conjugate(x) + np.imag(x) * x)  # noqa
    np.testing.assert_allclose(optad.jit(f, backend=backend)(x), f(x))
    assert_close(optad.grad(f, backend=backend)(x), 2 * x + 1, atol=0)
    assert_close(optad.hvp(f, backend=backend)(x, np.ones(2)), [2.0, 2.0], atol=0)
    assert optad.jit(lambda x: np.imag(x), backend=backend)(x).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_asanyarray_ascontiguousarray_and_ufuncs_of_lists(backend):
    x = np.array([0.7, 1.9])
    f = lambda x: (np.sum(np.asanyarray(x) * np.ascontiguousarray(x))  # noqa: E731
                   + np.sum(np.sqrt([x[0], 2 * x[1]])) + np.sum(np.exp([x[0], 1.0])))
    np.testing.assert_allclose(optad.jit(f, backend=backend)(x), f(x), rtol=1e-13)
    assert_close(optad.grad(f, backend=backend)(x),
                 [directional(f, [x], [e]) for e in np.eye(2)], rtol=1e-6)


def test_assigning_a_traced_value_into_a_numpy_array_names_np_stack():
    def f(x):
        a = np.zeros(3)
        a[0] = x[0]
        return a.sum()

    with pytest.raises((ValueError, optad.TracerError)) as info:
        optad.grad(f, backend="numpy")(np.ones(2))
    text = str(info.value) + str(info.value.__cause__)
    assert "np.stack" in text and "np.array([x, y])" in text

    def g(x):
        a = np.zeros(3)
        a[:2] = x
        return a.sum()

    with pytest.raises(optad.TracerError, match="np.stack"):
        optad.grad(g, backend="numpy")(np.ones(2))


@pytest.mark.parametrize("builtin", [max, min, sorted])
def test_builtin_max_min_sorted_name_the_numpy_function(builtin, monkeypatch):
    # with guards off (they compare with bool(), a decision; guarded by default, below)
    monkeypatch.setenv("OPTAD_GUARDS", "0")
    with pytest.raises(optad.TracerError, match="np.max / np.min"):
        optad.grad(lambda x: np.sum(builtin(x)), backend="numpy")(np.ones(3))


@pytest.mark.parametrize("builtin, twin", [(max, np.max), (min, np.min)])
def test_builtin_max_min_are_guarded_decisions(builtin, twin):
    weights = np.array([1.0, 2.0, 3.0])
    for x in [np.array([0.5, -1.5, 2.0]), np.array([2.0, -1.5, 0.5]), np.array([-0.5, 1.5, -2.0])]:
        assert_close(optad.grad(lambda x: builtin(x * weights) ** 2, backend="numpy")(x),
                     optad.grad(lambda x: twin(x * weights) ** 2, backend="numpy")(x), atol=0)


def test_builtin_sorted_is_guarded_decisions():
    weights = np.array([1.0, 2.0, 3.0])
    for x in [np.array([0.5, -1.5, 2.0]), np.array([2.0, -1.5, 0.5]), np.array([-0.5, 1.5, -2.0])]:
        assert_close(optad.grad(lambda x: np.sum(np.stack(sorted(x)) * weights),
                                backend="numpy")(x),
                     optad.grad(lambda x: np.sum(np.sort(x) * weights), backend="numpy")(x),
                     atol=0)


def test_builtin_abs_and_sum_trace():
    f = lambda x: sum(x) * abs(x[0])  # noqa: E731
    x = np.array([-1.5, 2.0])
    assert_close(optad.grad(f, backend="numpy")(x), [1.5 - 0.5, 1.5], atol=0)
