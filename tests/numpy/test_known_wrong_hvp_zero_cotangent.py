"""A wrong second derivative found while writing optad.scipy, left for the owner of
optad/primitives/elementwise.py (a strict xfail: it fails loudly once fixed, so the marker
goes).

``zero_where_zero(t, value)`` selects a constant 0 wherever the (co)tangent ``t`` is exactly
0, so that a masked singularity gives 0 instead of 0 * inf = NaN.  Differentiated again
(forward over reverse), the select also drops the tangent of ``t`` itself at those points.
In ``x * log(x + 2)`` the cotangent reaching ``log`` is ``x``, which is exactly 0 at x = 0, so
the Hessian there loses the term d(x)/dx * 1/(x + 2): 0.5 instead of 1.  The same holds for
``x * sqrt(x + 1)``, ``x * expit(x)`` written with a division, and any product of x with a
guarded function, evaluated at x = 0 exactly (a common starting point)."""
import numpy as np
import pytest

import optad


@pytest.mark.xfail(strict=True, reason="zero_where_zero drops the tangent of a zero cotangent")
@pytest.mark.parametrize("fun", [lambda x: np.sum(x * np.log(x + 2.0)),
                                 lambda x: np.sum(x * np.sqrt(x + 1.0))])
def test_hvp_where_a_cotangent_is_exactly_zero(fun):
    h = optad.hvp(fun, backend="numpy")(np.array([0.0]), np.array([1.0]))
    np.testing.assert_allclose(h, [1.0], rtol=1e-12)
