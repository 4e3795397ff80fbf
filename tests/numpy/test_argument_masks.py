"""A boolean mask or integer index array passed as a non-differentiated argument (issue 22,
item 4): ``optad.grad(loss)(w, mask)`` with ``x[mask]`` inside is a gather of static shape
(the mask's count is guarded: another count traces another path) and its adjoint a
scatter-add; ``y[mask] = v`` and ``.at[mask]`` writes too.  Values against NumPy, gradients
and HVPs against finite differences on the NumPy backend, the Numba backend against the NumPy
backend (small shapes); a mask computed from traced values stays the error naming np.where."""
import numpy as np
import pytest

import optad
from fd import assert_close, directional

RNG = np.random.default_rng(11)
H = RNG.normal(size=(3, 2))
Y = RNG.normal(size=(4, 3))


def matrix_completion(w, mask):
    """The issue's program: residuals of the observed entries only, the mask an argument."""
    r = (w @ H.T - Y)[mask]
    return np.sum(r ** 2) + np.sum(np.tanh(w[mask[:, 0]]) ** 3)


def mask_forms(w, mask):
    rows = mask[:, 0]
    return np.sum(w[rows, 1:] ** 2) * np.sum(np.sin(w[~rows])) + np.sum(w.T[:, rows] ** 3)


def writes(w, mask):
    y = w * 2
    y[mask] = np.sin(w[mask]) * 3
    z = optad.numpy.at(y)[mask].add(w[mask] ** 2)
    rows = np.zeros_like(w)
    rows[mask[:, 0]] = w[mask[:, 0]] ** 2 + 1.0
    return np.sum(z ** 2) + np.sum(np.tanh(rows)) + np.sum(y[~mask])


def integer_indices(w, idx):
    return np.sum(w[idx] ** 2 * np.arange(1.0, 4.0)[:, None]) + np.sum(np.take(w, idx[:2], axis=0) ** 3)


MASKS = [RNG.random((4, 3)) > 0.45, RNG.random((4, 3)) > 0.45, np.ones((4, 3), bool),
         np.zeros((4, 3), bool)]
CASES = {"matrix_completion": matrix_completion, "mask_forms": mask_forms, "writes": writes}


def _check_against_finite_differences(fun, w, data, backend="numpy"):
    value, gradient = optad.value_and_grad(fun, backend=backend)(w, data)
    assert_close(value, fun(w.copy(), data), rtol=1e-13, atol=1e-13, what="value")
    eye = np.eye(w.size).reshape((w.size,) + w.shape)
    expected = np.array([directional(lambda z: fun(z.copy(), data), [w], [e]) for e in eye])
    assert_close(gradient, expected.reshape(w.shape), rtol=1e-6, atol=1e-7, what="gradient")
    v = RNG.normal(size=w.shape)
    numpy_grad = optad.grad(fun, backend="numpy")
    hvp = optad.hvp(fun, backend=backend)(w, v, data)
    assert_close(hvp, directional(lambda z: numpy_grad(z, data), [w], [v], h=1e-5),
                 rtol=1e-5, atol=1e-6, what="hvp")


@pytest.mark.parametrize("name", sorted(CASES))
def test_mask_argument_against_numpy_and_finite_differences(name):
    w = RNG.normal(size=(4, 2)) if name == "matrix_completion" else RNG.normal(size=(4, 3))
    for mask in MASKS:          # counts change between calls: each count is a path
        _check_against_finite_differences(CASES[name], w, mask)


def test_integer_index_argument_against_finite_differences():
    w = RNG.normal(size=(5, 2))
    for idx in [np.array([0, 3, 3]), np.array([4, 1, 2])]:
        _check_against_finite_differences(integer_indices, w, idx)


@pytest.mark.skipif("numba" not in __import__("conftest").BACKENDS, reason="numba backend absent")
@pytest.mark.parametrize("backend, name", [
    ("numba", "matrix_completion"), pytest.param("numba", "writes", marks=pytest.mark.slow),
    ("interpreter", "matrix_completion"), ("interpreter", "writes")])   # the first tier
def test_compiled_backends_match_the_numpy_backend(backend, name):
    fun = CASES[name]
    w = RNG.normal(size=(4, 2)) if name == "matrix_completion" else RNG.normal(size=(4, 3))
    v = RNG.normal(size=w.shape)
    for mask in MASKS[:2] + MASKS[:1]:
        got = optad.value_and_grad(fun, backend=backend)(w, mask)
        want = optad.value_and_grad(fun, backend="numpy")(w, mask)
        assert_close(got[0], want[0], rtol=1e-12, atol=1e-13)
        assert_close(got[1], want[1], rtol=1e-12, atol=1e-13)
        assert_close(optad.hvp(fun, backend=backend)(w, v, mask),
                     optad.hvp(fun, backend="numpy")(w, v, mask), rtol=1e-12, atol=1e-13)


def test_the_gather_has_the_masks_count_and_one_path_serves_every_mask_of_that_count():
    jit = optad.jit(lambda w, m: np.sum(w[m] ** 2), backend="numpy")
    w = np.arange(1.0, 5.0)
    masks = [np.array(m) for m in ([1, 0, 1, 0], [0, 1, 1, 0], [1, 1, 1, 0], [0, 0, 0, 0],
                                   [1, 0, 0, 1])]
    for m in masks:
        m = m.astype(bool)
        assert jit(w, m) == np.sum(w[m] ** 2)
    (paths,) = jit._cache.values()
    counts = sorted(d[1][1] for (d,) in (e.decisions for e in paths.entries))
    assert counts == [0, 2, 3]     # [1,0,1,0], [0,1,1,0] and [1,0,0,1] share one path


def test_masks_computed_from_traced_numbers_stay_an_error_naming_np_where():
    with pytest.raises(IndexError, match="np.where"):
        optad.grad(lambda x: np.sum(x[x > 0]), backend="numpy")(np.ones(3))
    with pytest.raises(IndexError, match="np.where"):     # depends on the data argument
        optad.grad(lambda x, d: np.sum(x[d > 0]), backend="numpy")(np.ones(3), np.ones(3))


def test_mask_arguments_need_guards(monkeypatch):
    monkeypatch.setenv("OPTAD_GUARDS", "0")
    with pytest.raises(IndexError, match="np.where"):
        optad.grad(lambda x, m: np.sum(x[m] ** 2), backend="numpy")(
            np.ones(3), np.array([True, False, True]))


def test_a_mask_argument_of_the_wrong_shape_is_refused_as_numpy_does():
    with pytest.raises(IndexError, match=r"boolean index of shape \(2,\)"):
        optad.grad(lambda x, m: np.sum(x[m]), backend="numpy")(np.ones(3),
                                                              np.array([True, False]))
    with pytest.raises(IndexError, match=r"boolean index of shape \(2,\)"):
        def write(x, m):
            y = x * 1.0
            y[m] = 0.0
            return np.sum(y)
        optad.grad(write, backend="numpy")(np.ones(3), np.array([True, False]))
