"""optad.problems: values, optima, seeding, and that optad differentiates each f correctly."""
import numpy as np
import pytest
from scipy.optimize import approx_fprime, rosen

import optad
from optad.problems import PROBLEMS, make_problem

SMALL = {
    "mds": dict(N=6, d=3),
    "least_squares": dict(n=30, p=7),
    "wine_mlp": dict(h=3),
    "rosenbrock": dict(n=5),
    "quadratic": dict(n=8, condition=50.0),
}


def _flat(x):
    leaves = x if isinstance(x, tuple) else (x,)
    return np.concatenate([np.ravel(leaf) for leaf in leaves])


def _unflat(z, like):
    if not isinstance(like, tuple):
        return z.reshape(np.shape(like))
    out, start = [], 0
    for leaf in like:
        out.append(z[start:start + leaf.size].reshape(leaf.shape))
        start += leaf.size
    return tuple(out)


def test_registry_lists_all_problems():
    assert set(PROBLEMS) == {"mds", "least_squares", "wine_mlp", "rosenbrock", "quadratic"}
    with pytest.raises(KeyError, match="unknown problem 'nope'"):
        make_problem("nope")


@pytest.mark.parametrize("name", sorted(SMALL))
def test_value_is_finite_scalar_and_x0_seeded(name):
    problem = make_problem(name, **SMALL[name])
    a, b, c = problem.x0(0), problem.x0(0), problem.x0(1)
    np.testing.assert_array_equal(_flat(a), _flat(b))
    assert not np.array_equal(_flat(a), _flat(c))
    value = problem.value(a)
    assert np.isfinite(value)
    if problem.f_star is not None:
        assert value > problem.f_star


@pytest.mark.parametrize("name", sorted(SMALL))
def test_optad_gradient_matches_finite_differences(name):
    problem = make_problem(name, **SMALL[name])
    x = problem.x0(3)
    gradient = _flat(optad.grad(problem.f, backend="numpy")(x, *problem.data))
    numeric = approx_fprime(_flat(x), lambda z: problem.f(_unflat(z, x), *problem.data), 1e-7)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-4, atol=1e-4 * np.abs(numeric).max())


def test_mds_truth_is_optimal_and_loss_formula():
    problem = make_problem("mds", N=5, d=2, seed=4)
    assert problem.value(problem.x_star) == 0.0
    W = problem.x0(0)
    (D,) = problem.data
    expected = sum((np.sum((W[i] - W[j]) ** 2) - D[i, j]) ** 2
                   for i in range(5) for j in range(5))
    assert problem.value(W) == pytest.approx(expected)
    rotation = np.array([[0.0, -1.0], [1.0, 0.0]])
    assert problem.value(problem.x_star @ rotation + 3.0) == pytest.approx(0.0, abs=1e-9)


def test_least_squares_optimum_from_lstsq():
    problem = make_problem("least_squares", n=40, p=6, seed=2)
    A, y = problem.data
    assert problem.value(problem.x_star) == pytest.approx(problem.f_star)
    np.testing.assert_allclose(A.T @ (A @ problem.x_star - y), 0.0, atol=1e-10)
    assert problem.f_star == pytest.approx(0.5 * np.sum((A @ problem.x_star - y) ** 2))
    assert A.shape == (40, 6) and y.shape == (40,)


def test_wine_mlp_shapes_and_initial_loss_like_the_lecture():
    problem = make_problem("wine_mlp", h=16)
    W1, W2 = problem.x0(0)
    assert W1.shape == (16, 13) and W2.shape == (1, 16)
    assert W1.min() >= 0 and W1.max() < 1
    # The lecture reports an initial loss of about 53 for uniform [0, 1) weights.
    losses = [problem.value(problem.x0(s)) for s in range(5)]
    assert 30 < np.mean(losses) < 80
    X, y = problem.data
    manual = np.mean((W2 @ np.tanh(W1 @ X) - y) ** 2)
    assert problem.value((W1, W2)) == pytest.approx(manual)


def test_rosenbrock_is_scipys():
    problem = make_problem("rosenbrock", n=6)
    for seed in range(3):
        x = problem.x0(seed)
        assert problem.value(x) == pytest.approx(rosen(x))
    assert problem.value(problem.x_star) == 0.0
    with pytest.raises(ValueError, match="at least 2"):
        make_problem("rosenbrock", n=1)


def test_quadratic_condition_number_and_minimiser():
    problem = make_problem("quadratic", n=12, condition=100.0, seed=1)
    A, x_star = problem.data
    eigenvalues = np.linalg.eigvalsh(A)
    assert eigenvalues[0] == pytest.approx(1.0) and eigenvalues[-1] == pytest.approx(100.0)
    assert problem.value(x_star) == 0.0
    x = problem.x0(0)
    assert problem.value(x) == pytest.approx(0.5 * (x - x_star) @ A @ (x - x_star))
    with pytest.raises(ValueError, match="condition"):
        make_problem("quadratic", condition=0.5)


@pytest.mark.parametrize("name, bad", [("mds", dict(N=0)), ("mds", dict(d=2.5)),
                                       ("least_squares", dict(p=-1)), ("wine_mlp", dict(h=0))])
def test_constructors_reject_bad_sizes(name, bad):
    with pytest.raises(ValueError, match="positive integer"):
        make_problem(name, **bad)
