"""Constant masks and index arrays (issue 22, item 4): reading through a NumPy boolean mask or
integer array the function closes over is a gather with a static shape; writes at constant
positions (``x[key] = v``, ``np.put``, ``optad.numpy.at``) trace too.  Values against NumPy,
JVP/VJP/HVP against finite differences (tests/rule_checks.py), the Numba backend against the
NumPy backend; what cannot trace (traced masks or positions, a write while a view is held,
into a NumPy array) raises an error naming the alternative."""
import numpy as np
import pytest

import optad
from rule_checks import case_results, check_against_finite_differences, check_same_results

RNG = np.random.default_rng(7)
MASK = RNG.random((4, 3)) > 0.45
ROWS = np.array([True, False, True, True])
H = RNG.normal(size=(3, 2))
Y = RNG.normal(size=(4, 3))


def anyv(*shape):
    return lambda rng: rng.normal(size=shape)


def matrix_completion(w):
    """The matrix-completion residual of the issue: observed entries only."""
    return (w @ H.T - Y)[MASK] ** 2


def mask_forms(x):
    return x[:, ROWS].sum(1) * x[ROWS[:3], 1:][..., ::-1].sum() + x[..., ROWS][0]


def write_mask(x):
    y = x * 2
    y[MASK[:3]] = np.sin(x[MASK[:3]])
    return y


def write_slices_and_rows(x):
    y = x.copy()
    y[1:, ::2] = 0.5
    y[0] = y[2] * 3          # a row read before the write: a copy
    y[:, -1] += x[:, 0] ** 2
    return y


def write_repeated_positions(x):
    y = np.zeros_like(x)
    y[np.array([0, 0, 2]), np.array([1, 1, 3])] = x[0, :3] * np.array([1.0, 2.0, 3.0])
    return y   # the last write to (0, 1) wins, as in NumPy


def cumulative_rows(x):
    y = np.zeros_like(x)
    for i in range(1, x.shape[1]):
        y[:, i] = y[:, i - 1] + x[:, i] ** 2
    return y


def put_and_at(x):
    y = x.copy()
    np.put(y, [0, 5, 11, -1], x[1, :2] ** 2)    # values repeated, -1 wraps
    base = optad.numpy.at(np.zeros(5))[np.array([1, 3])].set(x[0, :2])
    return y * optad.numpy.at(x)[MASK.T].add(1.0) + base.sum() + \
        optad.numpy.at(x)[np.array([0, 0])].add(x[1]).sum()


CASES = {
    "matrix_completion": (matrix_completion, [anyv(4, 2)]),
    "mask_forms": (mask_forms, [anyv(3, 4)]),
    "write_mask": (write_mask, [anyv(3, 3)]),
    "write_slices_and_rows": (write_slices_and_rows, [anyv(3, 4)]),
    "write_repeated_positions": (write_repeated_positions, [anyv(3, 4)]),
    "cumulative_rows": (cumulative_rows, [anyv(3, 4)]),
    "put_and_at": (put_and_at, [anyv(3, 4)]),
}


def numpy_reference(fun):
    """The plain-NumPy function on a copy (writes into the argument stay local, as traced)."""
    return lambda x: fun(np.array(x, copy=True))


def _case(name):
    fun, makers = CASES[name]
    return (numpy_reference(fun), makers), fun


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_derivatives_match_numpy_and_finite_differences(name):
    reference, fun = _case(name)
    result = case_results(name, (fun, reference[1]), "numpy")
    check_against_finite_differences(reference, result, value_rtol=1e-13, value_atol=1e-13)


@pytest.mark.skipif("numba" not in __import__("conftest").BACKENDS, reason="numba backend absent")
@pytest.mark.parametrize("name", ["matrix_completion"] + [
    pytest.param(n, marks=pytest.mark.slow) for n in sorted(CASES) if n != "matrix_completion"])
def test_numba_backend_matches_the_numpy_backend(name):
    reference, fun = _case(name)
    result = case_results(name, (fun, reference[1]), "numba")
    check_against_finite_differences(reference, result, value_rtol=1e-13, value_atol=1e-13)
    check_same_results(result, case_results(name, (fun, reference[1]), "numpy"), rtol=1e-10,
                       atol=1e-12, backends=("numba", "numpy"))


def test_a_mask_is_a_gather_of_static_shape():
    program = optad.make_program(lambda w: np.sum(matrix_completion(w)), np.ones((4, 2)))
    names = [e.primitive.name for e in program.eqns]
    assert "gather" in names
    gathered = next(e for e in program.eqns if e.primitive.name == "gather")
    assert gathered.outputs[0].aval.shape == (int(MASK.sum()),)


def test_traced_masks_and_positions_name_np_where():
    with pytest.raises(IndexError, match="np.where"):
        optad.grad(lambda x: np.sum(x[x > 0]), backend="numpy")(np.ones(3))
    # a mask passed as an argument works (tests/numpy/test_argument_masks.py)

    def traced_position(x):
        x[np.argsort(x)[-1]] = 0.0
        return np.sum(x)

    with pytest.raises(IndexError, match="np.where"):
        optad.grad(traced_position, backend="numpy")(np.arange(3.0))


def test_mask_shape_is_checked_as_numpy_does():
    with pytest.raises(IndexError, match=r"boolean index of shape \(2,\)"):
        optad.grad(lambda x: np.sum(x[np.array([True, False])]), backend="numpy")(np.ones(3))


def test_a_write_while_a_view_is_held_is_refused():
    def view_then_write(x):
        row = x[0]           # a view in NumPy: it would see the write
        x[0, 0] = 5.0
        return np.sum(row)

    with pytest.raises(optad.TracerError, match="view"):
        optad.grad(view_then_write, backend="numpy")(np.ones((2, 2)))

    def view_used_up_then_write(x):
        x[1:] = x[:-1] * 2   # the view x[:-1] is consumed before the write
        return np.sum(x ** 2)

    g = optad.grad(view_used_up_then_write, backend="numpy")(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(g, [2.0 + 8.0, 16.0, 0.0])


def test_assigning_a_traced_value_into_a_numpy_array_names_the_alternatives():
    def scalar_into_numpy(x):
        a = np.zeros(3)
        a[0] = x[0]
        return a.sum()

    def slice_into_numpy(x):
        a = np.zeros(3)
        a[:2] = x[:2]
        return a.sum()

    for fun in (scalar_into_numpy, slice_into_numpy):
        with pytest.raises(optad.TracerError,
                           match=r"(?s)assignment into a NumPy array.*np\.stack"):
            optad.grad(fun, backend="numpy")(np.ones(3))
    with pytest.raises(optad.TracerError, match=r"optad\.numpy\.at"):
        optad.grad(slice_into_numpy, backend="numpy")(np.ones(3))


def test_lists_asanyarray_and_ascontiguousarray_of_traced_values():
    def f(x):
        return np.sum(np.sqrt([x[0], x[1] ** 2])) + np.sum(np.asanyarray(x) ** 2) + \
            np.sum(np.ascontiguousarray(x.T)) + np.sum(np.exp([x[2], 1.0]))

    x = np.array([4.0, 3.0, 0.5])
    np.testing.assert_allclose(optad.grad(f, backend="numpy")(x),
                               [0.25 + 8.0 + 1.0, 1.0 + 6.0 + 1.0, 1.0 + 1.0 + np.exp(0.5)])


def test_x_at_on_a_traced_array_is_optad_numpy_at():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])

    def by_method(x):
        return np.sum(x.at[MASK[:2, :2]].set(x[0, 0] ** 2) * x.at[:, 1].add(x[:, 0]))

    def by_function(x):
        at = optad.numpy.at
        return np.sum(at(x)[MASK[:2, :2]].set(x[0, 0] ** 2) * at(x)[:, 1].add(x[:, 0]))

    np.testing.assert_allclose(optad.grad(by_method, backend="numpy")(x),
                               optad.grad(by_function, backend="numpy")(x), rtol=0, atol=0)
    assert optad.jit(by_method, backend="numpy")(x) == by_function(x)


def test_a_write_from_inside_a_loop_body_into_an_outer_array_is_refused():
    def loss(x):
        y = np.zeros_like(x)

        def body(i, carry):
            y[0] = carry     # an enclosing function's array: traced once, would not repeat
            return carry * 2

        return np.sum(y) + optad.fori_loop(0, 3, body, x[0])

    with pytest.raises(optad.TracerError, match="carry"):
        optad.grad(loss, backend="numpy")(np.ones(2))
