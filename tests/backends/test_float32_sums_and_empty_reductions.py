"""Issue 11.10: float32 sums are accurate (a compiled float32 sum accumulates in float64), and a
max or min over an empty axis raises ValueError as NumPy does, on every backend."""
import numpy as np
import pytest

import optad


def test_float32_sum_of_a_million_tenths(backend):
    x = np.full(10 ** 6, 0.1, np.float32)
    total = optad.jit(lambda x: np.sum(x), backend=backend)(x)
    assert total.dtype == np.float32
    exact = 10 ** 6 * float(np.float32(0.1))
    assert abs(float(total) - exact) <= 2e-6 * exact   # a float32 accumulator is 1.5e-4 off


def test_float32_fused_sum_with_elementwise_summand(backend):
    x = np.linspace(-3.0, 3.0, 300_001).astype(np.float32) + np.float32(0.25)
    got = optad.jit(lambda x: np.sum(np.tanh(x) + np.float32(1.0)), backend=backend)(x)
    exact = np.sum(np.tanh(x.astype(np.float64)) + 1.0)
    assert got.dtype == np.float32
    assert abs(float(got) - exact) <= 1e-5 * exact


def test_float32_axis_sums_and_gradient_keep_dtype(backend):
    x = np.linspace(0.0, 1.0, 60).astype(np.float32).reshape(6, 10)
    for axis in (0, 1, None):
        got = optad.jit(lambda x: np.sum(x * x, axis=axis), backend=backend)(x)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, np.sum(x.astype(np.float64) ** 2, axis=axis), rtol=1e-6)
    grad = optad.grad(lambda x: np.sum(np.tanh(x)) ** 2, backend=backend)(x)
    assert grad.dtype == np.float32


@pytest.mark.parametrize("reduce", [np.max, np.min, lambda x: np.max(x, axis=0),
                                    lambda x: np.amin(x, axis=(0, 1))])
def test_max_and_min_of_empty_arrays_raise_like_numpy(backend, reduce):
    x = np.zeros((0, 3))
    with pytest.raises(ValueError) as numpy_error:
        reduce(x)
    with pytest.raises(ValueError, match="zero-size array to reduction operation"):
        optad.jit(reduce, backend=backend)(x)
    assert "no identity" in str(numpy_error.value)


def test_reductions_over_non_empty_axes_of_empty_arrays_still_work(backend):
    x = np.zeros((0, 3))
    assert optad.jit(lambda x: np.max(x, axis=1), backend=backend)(x).shape == (0,)
    assert optad.jit(np.sum, backend=backend)(np.zeros(0)) == 0.0
