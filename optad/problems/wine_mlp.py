"""One-hidden-layer tanh network on the wine data: mean((W2 tanh(W1 X) - y)^2).

The variable is the tuple (W1, W2) with W1 of shape (h, 13) and W2 of shape (1, h); X is the
standardised 13 x 178 feature matrix and y = cultivar - 2. As in the lecture the weights start
uniform on [0, 1). The optimum is not known (f_star is None).
"""
from __future__ import annotations

import numpy as np

from ..data import load_wine
from .base import Problem, check_positive_int


def wine_mlp_loss(params, X, y):
    W1, W2 = params
    prediction = W2 @ np.tanh(W1 @ X)
    error = prediction - y
    return np.mean(error * error)


def wine_mlp(h: int = 16, seed: int = 0) -> Problem:
    """Hidden width h; ``seed`` is mixed into every starting point drawn by x0(run_seed)."""
    h = check_positive_int("h", h)
    X, y = load_wine()

    def init(run_seed: int):
        rng = np.random.default_rng([seed, run_seed, 1])
        return (rng.random((h, X.shape[0])), rng.random((1, h)))

    return Problem(name="wine_mlp", f=wine_mlp_loss, data=(X, y), init=init, f_star=None,
                   params=dict(h=h, seed=seed),
                   description=f"wine MLP, tanh hidden layer of width {h}, mean squared error")
