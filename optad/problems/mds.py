"""Multidimensional scaling: recover point coordinates from their squared distances.

Ground truth: N points in d dimensions, standard normal, drawn with ``seed``. The data is the
N x N matrix D of squared pairwise distances; the loss compares the squared distances of the
current coordinates W (N x d) with D, so f* = 0 (reached by any rigid motion of the truth).
"""
from __future__ import annotations

import numpy as np

from .base import Problem, check_positive_int


def mds_loss(W, D):
    diff = W[:, None, :] - W[None, :, :]
    squared = np.sum(diff * diff, axis=2)
    residual = squared - D
    return np.sum(residual * residual)


def squared_distances(points: np.ndarray) -> np.ndarray:
    diff = points[:, None, :] - points[None, :, :]
    return np.sum(diff * diff, axis=2)


def mds(N: int = 20, d: int = 2, seed: int = 0, init_scale: float = 1.0) -> Problem:
    """MDS with N points in d dimensions; x0(seed) is standard normal times ``init_scale``."""
    N, d = check_positive_int("N", N), check_positive_int("d", d)
    truth = np.random.default_rng(seed).standard_normal((N, d))
    D = squared_distances(truth)

    def init(run_seed: int):
        return init_scale * np.random.default_rng([seed, run_seed, 1]).standard_normal((N, d))

    return Problem(name="mds", f=mds_loss, data=(D,), init=init, f_star=0.0, x_star=truth,
                   params=dict(N=N, d=d, seed=seed, init_scale=init_scale),
                   description=f"MDS: {N} points in {d} dimensions from squared distances")
