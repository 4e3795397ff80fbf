"""The user-program corpus (benchmarks/user_programs.py) on optad's NumPy backend, tiny shapes:
the value equals the program run by NumPy itself, and every gradient entry equals a central
finite difference of that NumPy run.  Slow: ten programs, traced and differentiated each."""
import sys
from pathlib import Path

import numpy as np
import pytest

import optad
from optad.tree import ravel_pytree

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from user_programs import PROGRAMS  # noqa: E402

pytestmark = pytest.mark.slow


def _central_differences(f, x, h=1e-6):
    gradient = np.empty_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = h * max(1.0, abs(x[i]))
        gradient[i] = (f(x + step) - f(x - step)) / (2 * step[i])
    return gradient


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_value_and_gradient_match_numpy_and_finite_differences(name):
    f, (params, *data) = PROGRAMS[name](np, "tiny")
    value, gradient = optad.value_and_grad(f, backend="numpy")(params, *data)
    assert float(value) == pytest.approx(float(f(params, *data)), rel=1e-12, abs=1e-12)

    flat, unravel = ravel_pytree(params)
    flat = np.asarray(flat, dtype=float)
    flat_gradient = np.asarray(ravel_pytree(gradient)[0], dtype=float)
    assert flat_gradient.shape == flat.shape
    expected = _central_differences(lambda x: float(f(unravel(x), *data)), flat)
    scale = max(1.0, float(np.max(np.abs(expected))))
    np.testing.assert_allclose(flat_gradient, expected, rtol=1e-5, atol=1e-6 * scale,
                               err_msg=name)
