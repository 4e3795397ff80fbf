"""The bounds' multipliers auglag reports as the last entry of ``res.v`` (scipy trust-constr's
layout and sign): the KKT conditions of a small problem checked from scratch -- stationarity
grad f + J^T v + z = 0, z <= 0 at lower bounds, z >= 0 at upper bounds, z = 0 inside -- and the
same numbers as trust-constr's."""
import warnings

import numpy as np
import scipy.optimize as so

from optad.optimize import minimize
from optad.optimize.bound_multipliers import bound_multipliers

# min (x0 - 3)^2 + (x1 + 3)^2 + (x2 - 0.5)^2 + x0 x2
#   s.t. x0 + x1 + x2 = 1,  x0 in [0, 1], x1 in [-1, 4], x2 free
# at the solution x0 sits on its upper bound 1 and x1 on its lower bound -1.
LOWER = np.array([0.0, -1.0, -np.inf])
UPPER = np.array([1.0, 4.0, np.inf])


def f(x):
    return (x[0] - 3) ** 2 + (x[1] + 3) ** 2 + (x[2] - 0.5) ** 2 + x[0] * x[2]


def grad(x):
    return np.array([2 * (x[0] - 3) + x[2], 2 * (x[1] + 3), 2 * (x[2] - 0.5) + x[0]])


def total(x):
    return x[0] + x[1] + x[2] - 1.0


def test_kkt_conditions_with_the_bound_multipliers():
    res = minimize(f, np.zeros(3), bounds=so.Bounds(LOWER, UPPER),
                   constraints={"type": "eq", "fun": total}, backend="numpy")
    assert res.success, res.message
    x = res.x
    assert x[0] == 1.0 and x[1] == -1.0
    v_eq, z = res.v
    assert v_eq.shape == (1,) and z.shape == (3,)
    stationarity = grad(x) + v_eq[0] * np.ones(3) + z
    np.testing.assert_allclose(stationarity, 0.0, atol=1e-6)
    assert z[0] > 0.1 and z[1] < -0.1 and z[2] == 0.0      # upper side +, lower side -
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = so.minimize(f, np.full(3, 0.3), jac=grad, method="trust-constr",
                          bounds=so.Bounds(LOWER, UPPER),
                          constraints=so.NonlinearConstraint(total, 0.0, 0.0),
                          options={"gtol": 1e-10, "xtol": 1e-14, "maxiter": 5000})
    # trust-constr is an interior-point method: it stops ~1e-5 inside the bounds, by an amount
    # that moves with BLAS settings (optad's own point is checked exactly above)
    np.testing.assert_allclose(x, ref.x, atol=1e-4)
    np.testing.assert_allclose(np.concatenate(res.v), np.concatenate(ref.v), atol=1e-4)


def test_pytree_x0_gets_bound_multipliers_in_its_structure():
    def g(p):
        return (p["a"][0] - 2.0) ** 2 + (p["b"] - 1.0) ** 2
    res = minimize(g, {"a": np.zeros(1), "b": 0.0}, bounds={"a": (None, 1.0), "b": None},
                   constraints={"type": "ineq", "fun": lambda p: 5.0 - p["b"]},
                   backend="numpy")
    assert res.success, res.message
    z = res.v[-1]
    assert set(z) == {"a", "b"}
    np.testing.assert_allclose(z["a"], [2.0], atol=1e-6)       # grad f = -2 at a = 1
    assert float(z["b"]) == 0.0


def test_multipliers_only_where_a_bound_holds_the_gradient_back():
    x = np.array([0.0, 1.0, 0.5, 0.0])
    g = np.array([2.0, -3.0, 4.0, -1.0])
    lower, upper = np.array([0.0, 0.0, 0.0, 0.0]), np.array([1.0, 1.0, 1.0, 1.0])
    # x0 at lower pushed out (kept), x1 at upper pushed out (kept), x2 inside, x3 at lower
    # pulled in (not held by its bound)
    np.testing.assert_array_equal(bound_multipliers(x, g, lower, upper), [-2.0, 3.0, 0.0, 0.0])
