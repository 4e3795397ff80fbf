"""A function with a Python ``if`` on a traced value and its ``np.where`` twin, shared by the
guarded control-flow tests (tests/api/test_guarded_*.py)."""
import numpy as np


def piecewise(x):
    s = np.sum(x)
    if s > 0:
        return np.sum(x ** 3) + s
    return np.sum(np.sin(x) * x)


def piecewise_where(x):
    s = np.sum(x)
    return np.where(s > 0, np.sum(x ** 3) + s, np.sum(np.sin(x) * x))
