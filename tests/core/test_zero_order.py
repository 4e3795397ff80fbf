import numpy as np
import pytest

from optad import zero_order as zo

RNG = np.random.default_rng(1)
N = 6
B = RNG.standard_normal((N, N))
Q = B @ B.T / N + np.eye(N)
c = RNG.standard_normal(N)
X = RNG.standard_normal(N)


def quad(x):
    return 0.5 * x @ Q @ x + c @ x


G = Q @ X + c


@pytest.mark.parametrize("name", ["sphere", "gaussian"])
def test_random_estimators_are_unbiased(name):
    rng = np.random.default_rng(123)
    est = getattr(zo, name)
    samples = np.array([est(quad, X, seed=rng).grad for _ in range(6000)])
    mean = samples.mean(axis=0)
    # standard error of the mean per coordinate, with a 5-sigma band
    se = samples.std(axis=0) / np.sqrt(len(samples))
    assert np.all(np.abs(mean - G) < 5 * se + 1e-8)
    # second moment matches the documented variance factor within 10 %
    ratio = np.mean(np.sum(samples ** 2, axis=1)) / (G @ G)
    expected = zo.variance_factor(name, N, 1)
    assert abs(ratio / expected - 1) < 0.1


def test_sphere_directions_are_unit_and_scaled_by_n():
    # on a linear function D(v) = c.v exactly, so G = n (c.v) v and ||G|| = n |c.v|
    lin = lambda x: c @ x  # noqa: E731
    g, nfev = zo.sphere(lin, X, seed=5)
    assert nfev == 2
    v = g / np.linalg.norm(g)
    np.testing.assert_allclose(np.linalg.norm(g), N * abs(c @ v), rtol=1e-7)


def test_coordinate_is_exact_on_quadratics_and_counts_2n():
    g, nfev = zo.coordinate(quad, X)
    np.testing.assert_allclose(g, G, atol=1e-8)
    assert nfev == 2 * N


def test_coordinate_subset_is_unbiased_and_counts():
    rng = np.random.default_rng(7)
    samples = []
    for _ in range(3000):
        g, nfev = zo.coordinate(quad, X, directions=2, seed=rng)
        assert nfev == 4 and np.count_nonzero(g) <= 2
        samples.append(g)
    np.testing.assert_allclose(np.mean(samples, axis=0), G, atol=0.15 * np.abs(G).max())


@pytest.mark.parametrize("name", ["sphere", "gaussian"])
def test_averaging_over_directions_counts_and_reduces_variance(name):
    est = getattr(zo, name)
    g, nfev = est(quad, X, directions=8, seed=0)
    assert nfev == 16
    rng = np.random.default_rng(3)
    err1 = np.mean([np.sum((est(quad, X, seed=rng).grad - G) ** 2) for _ in range(800)])
    err8 = np.mean([np.sum((est(quad, X, directions=8, seed=rng).grad - G) ** 2)
                    for _ in range(800)])
    assert err8 < err1 / 4


def test_seeding_reproduces_and_generators_continue():
    a = zo.sphere(quad, X, seed=42).grad
    b = zo.sphere(quad, X, seed=42).grad
    np.testing.assert_array_equal(a, b)
    rng = np.random.default_rng(42)
    first = zo.gaussian(quad, X, seed=rng).grad
    second = zo.gaussian(quad, X, seed=rng).grad
    assert not np.allclose(first, second)


def test_pytree_and_args():
    f = lambda p, s: s * (np.sum(p["a"] ** 2) + np.sum(p["b"]))  # noqa: E731
    p = {"a": np.ones((2, 2)), "b": np.zeros(3)}
    g, nfev = zo.coordinate(f, p, 3.0)
    assert nfev == 14
    np.testing.assert_allclose(g["a"], 6 * np.ones((2, 2)), atol=1e-7)
    np.testing.assert_allclose(g["b"], 3 * np.ones(3), atol=1e-7)


def test_bad_input():
    with pytest.raises(ValueError, match="estimator"):
        zo.estimate(quad, X, estimator="cube")
    with pytest.raises(ValueError, match="eps"):
        zo.sphere(quad, X, eps=0.0)
    with pytest.raises(ValueError, match="directions"):
        zo.gaussian(quad, X, directions=0)
    with pytest.raises(ValueError, match="scalar"):
        zo.sphere(lambda x: x, X)
