"""Box-constrained problems shared by the bounds tests, with what every method must guarantee on
them: a feasible x (exactly), a small projected gradient, and f as low as the reference's."""
import numpy as np

# f = 1/2 sum w (x - c)^2: separable, so the constrained minimiser is clip(c) (analytic); the
# unconstrained minimum lies outside the box in the first two coordinates, the third is
# bounded below only and its minimum is inside, the fourth is unbounded.
W = np.array([1.0, 2.0, 3.0, 4.0])
C = np.array([2.0, 3.0, 0.5, -4.0])
QUAD_BOUNDS = [(-1.0, 1.0), (None, 0.0), (-1.0, None), (-np.inf, np.inf)]
QUAD_LOWER = np.array([-1.0, -np.inf, -1.0, -np.inf])
QUAD_UPPER = np.array([1.0, 0.0, np.inf, np.inf])
QUAD_X0 = np.zeros(4)
QUAD_SOLUTION = np.clip(C, QUAD_LOWER, QUAD_UPPER)            # [1, 0, 0.5, -4]


def quad(x, w, c):
    return 0.5 * np.sum(w * (x - c) ** 2)


def quad_grad(x, w=W, c=C):
    return w * (x - c)


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosen_grad(x):
    g = np.zeros_like(x)
    g[:-1] = -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return g


ROSEN_X0 = np.tile([-1.2, 1.0], 5)
# the upper bound 0.8 on the even coordinates cuts the minimum (ones) off; odd ones are free
ROSEN_BOUNDS = [(-2.0, 0.8) if i % 2 == 0 else (None, None) for i in range(10)]


def least_squares(n=80, m=120, seed=4):
    """(A, b): 0.5 ||Ax - b||^2 on 0 <= x <= 1 with about half the bounds active."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, n)) / np.sqrt(m)
    x_true = rng.uniform(-0.5, 1.5, n)
    return A, A @ x_true + 0.01 * rng.standard_normal(m)


def lsq(x, A, b):
    r = A @ x - b
    return 0.5 * np.sum(r * r)


def projected_gradient_norm(x, g, lower, upper):
    return float(np.linalg.norm(np.clip(x - g, lower, upper) - x))


def assert_feasible(x, lower, upper):
    x = np.asarray(x)
    assert np.all(x >= lower) and np.all(x <= upper), (x, lower, upper)
