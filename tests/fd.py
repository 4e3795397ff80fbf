"""Finite-difference oracles used by the tests (independent of optad.finite_diff)."""
import numpy as np


def directional(f, xs, ts, h=1e-6):
    """Central difference of f along the tangents ts (lists of arrays)."""
    plus = f(*[x + h * t for x, t in zip(xs, ts)])
    minus = f(*[x - h * t for x, t in zip(xs, ts)])
    return (np.asarray(plus) - np.asarray(minus)) / (2 * h)


def assert_close(actual, expected, rtol=1e-6, atol=1e-7, what=""):
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)
