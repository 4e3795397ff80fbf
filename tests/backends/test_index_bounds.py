"""Issue 11.1: gathers and scatter-adds check their indices (one pass per index array) and raise
IndexError as NumPy does, on every backend; negative indices count from the end as in NumPy."""
import numpy as np
import pytest

import optad

X = np.array([1.0, 2.0, 3.0])


def _take(x, i):
    return x[i]


def _take_squares(x, i):
    return np.sum(np.take(x, i) ** 2)


@pytest.mark.parametrize("index", [[10 ** 6], [10 ** 8], [3], [-4], [0, 1, 2, -4]])
def test_out_of_bounds_gather_raises(backend, index):
    with pytest.raises(IndexError, match="out of bounds"):
        optad.jit(_take, backend=backend)(X, np.array(index))


@pytest.mark.parametrize("index", [[10 ** 6], [-4]])
def test_out_of_bounds_scatter_in_gradient_raises(backend, index):
    with pytest.raises(IndexError, match="out of bounds"):
        optad.grad(_take_squares, backend=backend)(X, np.array(index))


def test_in_bounds_indices_after_an_error_still_work(backend):
    jitted = optad.jit(_take, backend=backend)
    with pytest.raises(IndexError):
        jitted(X, np.array([5]))
    np.testing.assert_array_equal(jitted(X, np.array([2, 0])), X[[2, 0]])


@pytest.mark.parametrize("index", [[-3, 2, -1], [0, 0, -3]])
def test_negative_indices_count_from_the_end(backend, index):
    index = np.array(index)
    np.testing.assert_array_equal(optad.jit(_take, backend=backend)(X, index), X[index])
    expected = np.zeros(3)
    np.add.at(expected, index, 2 * X[index])
    np.testing.assert_allclose(optad.grad(_take_squares, backend=backend)(X, index), expected)


def test_int32_indices_are_checked_too(backend):
    with pytest.raises(IndexError):
        optad.jit(_take, backend=backend)(X, np.array([7], dtype=np.int32))
    np.testing.assert_array_equal(
        optad.jit(_take, backend=backend)(X, np.array([-1], dtype=np.int32)), [3.0])
