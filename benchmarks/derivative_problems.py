"""The losses of the derivative benchmarks (bench_derivatives.py, bench_revisions.py), in plain
NumPy: least squares, MDS stress and a one-hidden-layer tanh MLP.  This module imports no
optad, so a benchmark can load it beside any revision of optad."""
import numpy as np


def lsq(x, A, y):
    r = A @ x - y
    return 0.5 * np.sum(r * r)


def mds(W, D):
    S = np.sum((W[:, None, :] - W[None, :, :]) ** 2, axis=2)
    return np.sum((S - D) ** 2)


def mlp(W1, W2, X, y):
    r = (W2 @ np.tanh(W1 @ X))[0] - y
    return np.mean(r * r)


def mlp_packed(W, X, y):
    """``mlp`` with (W1, W2) as one pytree argument, the form ``hvp`` differentiates."""
    return mlp(W[0], W[1], X, y)
