"""A wrong second derivative found while writing optad.scipy, now fixed (elementwise.py:
zero_where_zero zeroes a product only where it is NaN).

``zero_where_zero(t, value)`` selected a constant 0 wherever the (co)tangent ``t`` was exactly
0, so that a masked singularity gives 0 instead of 0 * inf = NaN.  Differentiated again
(forward over reverse), the select also dropped the tangent of ``t`` itself at those points.
In ``x * log(x + 2)`` the cotangent reaching ``log`` is ``x``, which is exactly 0 at x = 0, so
the Hessian there lost the term d(x)/dx * 1/(x + 2): 0.5 instead of 1.  The same held for
``x * sqrt(x + 1)``, ``x * expit(x)`` written with a division, and any product of x with a
guarded function, evaluated at x = 0 exactly (a common starting point)."""
import numpy as np
import pytest

import optad


@pytest.mark.parametrize("fun", [lambda x: np.sum(x * np.log(x + 2.0)),
                                 lambda x: np.sum(x * np.sqrt(x + 1.0))])
def test_hvp_where_a_cotangent_is_exactly_zero(fun):
    h = optad.hvp(fun, backend="numpy")(np.array([0.0]), np.array([1.0]))
    np.testing.assert_allclose(h, [1.0], rtol=1e-12)


def test_a_masked_singularity_still_gives_zero():
    fun = lambda x: np.sum(np.where(x > 0, np.sqrt(np.abs(x)), 0.0))   # noqa: E731
    x = np.array([0.0, 4.0])
    np.testing.assert_array_equal(optad.grad(fun, backend="numpy")(x), [0.0, 0.25])
    np.testing.assert_allclose(optad.hvp(fun, backend="numpy")(x, np.ones(2)), [0.0, -1 / 32])
