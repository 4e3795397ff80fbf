"""argnums: negative positions count from the end like Python indexing; duplicates, positions
out of range, non-integers and leaves that cannot be differentiated are clear errors naming
argnums and the value -- never a StopIteration escaping (which would silently end a map)."""
import numpy as np
import pytest

import optad


def loss(x, y):
    return np.sum(x * y ** 2)


X, Y = np.array([1.0, 2.0]), np.array([3.0, -1.0])


def test_negative_argnums_count_from_the_end():
    np.testing.assert_allclose(optad.grad(loss, argnums=-1, backend="numpy")(X, Y), 2 * X * Y)
    gx, gy = optad.grad(loss, argnums=(-2, -1), backend="numpy")(X, Y)
    np.testing.assert_allclose(gx, Y ** 2)
    np.testing.assert_allclose(gy, 2 * X * Y)
    value, g = optad.value_and_grad(loss, argnums=-1, backend="numpy")(X, Y)
    np.testing.assert_allclose(value, loss(X, Y))
    np.testing.assert_allclose(g, 2 * X * Y)
    for jac in (optad.jacfwd, optad.jacrev):
        np.testing.assert_allclose(jac(lambda x, y: x * y, argnums=-1, backend="numpy")(X, Y),
                                   np.diag(X))


@pytest.mark.parametrize("argnums, nargs_message", [
    ((0, 0), "names argument 0 twice"),
    ((1, -1), "names argument 1 twice"),
])
def test_duplicate_argnums_are_refused(argnums, nargs_message):
    with pytest.raises(ValueError, match=r"argnums=.*" + nargs_message):
        optad.grad(loss, argnums=argnums, backend="numpy")(X, Y)


@pytest.mark.parametrize("argnums", [2, -3, (0, 5)])
def test_out_of_range_argnums_name_the_position_and_the_count(argnums):
    with pytest.raises(ValueError, match=r"argnums=.*names argument -?\d, but the call has 2 "
                                         r"positional arguments"):
        optad.grad(loss, argnums=argnums, backend="numpy")(X, Y)


@pytest.mark.parametrize("argnums", ["0", 1.0, True, (0, "1"), None])
def test_non_integer_argnums_are_refused_when_the_transform_is_made(argnums):
    with pytest.raises(TypeError, match="argnums must be an int or a tuple of ints"):
        optad.grad(loss, argnums=argnums, backend="numpy")


def test_empty_argnums_is_refused():
    with pytest.raises(ValueError, match=r"argnums=\(\) names no argument"):
        optad.grad(loss, argnums=(), backend="numpy")


@pytest.mark.parametrize("argument", ["text", {"w": np.ones(2), "name": "layer"},
                                      [np.ones(2), None, "x"]])
def test_a_string_leaf_in_a_differentiated_argument_is_refused(argument):
    def f(a):
        leaves = optad.tree.flatten(a)[0]
        return sum(np.sum(v) for v in leaves if isinstance(v, np.ndarray)) * 1.0
    with pytest.raises(TypeError, match=r"argument 0 is differentiated \(it is in argnums\) "
                                        r"but holds '.*' of type str"):
        optad.grad(f, backend="numpy")(argument)


def test_a_string_in_an_argument_not_differentiated_stays_static():
    def f(x, mode):
        return np.sum(x ** 2) if mode == "square" else np.sum(x)
    np.testing.assert_allclose(optad.grad(f, backend="numpy")(X, "square"), 2 * X)
    np.testing.assert_allclose(optad.grad(f, backend="numpy")(X, "plain"), np.ones(2))


def test_argnums_errors_do_not_leak_stop_iteration_into_map():
    g = optad.grad(loss, argnums=2, backend="numpy")
    with pytest.raises(ValueError):
        list(map(lambda y: g(X, y), [Y, Y]))
    h = optad.grad(lambda s: 1.0, backend="numpy")
    with pytest.raises(TypeError):
        list(map(h, ["a", "b"]))
