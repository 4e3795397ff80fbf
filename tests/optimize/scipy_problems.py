"""Smooth problems on which optad's methods are compared with scipy.optimize.minimize: each
entry builds (fun, jac, hessp, x0, x_star or None), all in plain NumPy."""
import numpy as np
import scipy.optimize as so


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def _rosenbrock(n):
    return lambda: (so.rosen, so.rosen_der, so.rosen_hess_prod, np.tile([-1.2, 1.0], n // 2),
                    np.ones(n))


def _quadratic():
    rng = np.random.default_rng(1)
    n = 30
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = Q @ np.diag(np.logspace(0, 3, n)) @ Q.T
    A = 0.5 * (A + A.T)
    x_star = rng.standard_normal(n)
    b = A @ x_star
    return (lambda x: 0.5 * x @ A @ x - b @ x, lambda x: A @ x - b, lambda x, p: A @ p,
            np.zeros(n), x_star)


def _least_squares():
    rng = np.random.default_rng(2)
    M = rng.standard_normal((60, 12))
    y = rng.standard_normal(60)
    x_star = np.linalg.lstsq(M, y, rcond=None)[0]
    return (lambda x: 0.5 * np.sum((M @ x - y) ** 2), lambda x: M.T @ (M @ x - y),
            lambda x, p: M.T @ (M @ p), np.zeros(12), x_star)


def _logistic():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((80, 6))
    labels = (X @ rng.standard_normal(6) + 0.5 * rng.standard_normal(80) > 0).astype(float)
    lam = 0.1

    def fun(w):
        z = X @ w
        return np.sum(np.logaddexp(0, z) - labels * z) / 80 + 0.5 * lam * w @ w

    def jac(w):
        s = 1 / (1 + np.exp(-(X @ w)))
        return X.T @ (s - labels) / 80 + lam * w

    def hessp(w, p):
        s = 1 / (1 + np.exp(-(X @ w)))
        return X.T @ (s * (1 - s) * (X @ p)) / 80 + lam * p
    return fun, jac, hessp, np.zeros(6), None


def _quartic():
    """A convex quartic with a non-quadratic valley: sum (x_i - i)^4 + (sum x)^2."""
    n = 8
    c = np.arange(n, dtype=float)
    return (lambda x: np.sum((x - c) ** 2 + 0.1 * (x - c) ** 4) + np.sum(x - c) ** 2,
            lambda x: 2 * (x - c) + 0.4 * (x - c) ** 3 + 2 * np.sum(x - c),
            lambda x, p: 2 * p + 1.2 * (x - c) ** 2 * p + 2 * np.sum(p),
            np.full(n, 10.0), c)


PROBLEMS = {
    "rosenbrock-2": _rosenbrock(2),
    "rosenbrock-20": _rosenbrock(20),
    "quadratic-cond-1e3": _quadratic,
    "least-squares": _least_squares,
    "logistic": _logistic,
    "quartic": _quartic,
}


def assert_same_run(compiled, python):
    """Two runs of one method on the same arithmetic took the same path."""
    assert compiled.status == python.status and compiled.nit == python.nit
    assert (compiled.nfev, compiled.njev, compiled.nhev) == \
        (python.nfev, python.njev, python.nhev)
    np.testing.assert_allclose(compiled.x, python.x, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(compiled.history.f, python.history.f, rtol=1e-9, atol=1e-14)
    for name in ("nfev", "njev", "nhev"):
        np.testing.assert_array_equal(compiled.history[name], python.history[name])
