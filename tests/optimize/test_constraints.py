"""optimize(method="auglag") with equality and inequality constraints and bounds, on the NumPy
backend (nothing to compile): solutions against closed forms and scipy's SLSQP/trust-constr,
feasibility, the KKT conditions checked from scratch, the multipliers' values and signs (scipy's
convention: grad f + J^T v = 0), and every input form giving the same answer."""
import warnings

import numpy as np
import pytest
import scipy.optimize as so

from optad.optimize import minimize
from optad.optimize.status import INFEASIBLE

# ---- HS71: bounds, one equality, one inequality (active at the solution)
HS71_X0 = np.array([1.0, 5.0, 5.0, 1.0])
HS71_BOUNDS = [(1.0, 5.0)] * 4
HS71_FSTAR = 17.0140173


def hs71(x):
    return x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2]


def hs71_grad(x):
    return np.array([x[3] * (2 * x[0] + x[1] + x[2]), x[0] * x[3], x[0] * x[3] + 1.0,
                     x[0] * (x[0] + x[1] + x[2])])


def hs71_product(x):          # >= 25
    return x[0] * x[1] * x[2] * x[3] - 25.0


def hs71_sphere(x):           # = 40
    return np.sum(x ** 2) - 40.0


HS71_CONSTRAINTS = [{"type": "ineq", "fun": hs71_product}, {"type": "eq", "fun": hs71_sphere}]


def hs71_jacobian(x):
    return np.array([[x[1] * x[2] * x[3], x[0] * x[2] * x[3], x[0] * x[1] * x[3],
                      x[0] * x[1] * x[2]], 2 * x])


def kkt_residual(x, v, grad, jac, lower, upper):
    """Projected gradient of the Lagrangian f + v.c over the box, computed from scratch."""
    g = grad(x) + jac(x).T @ v
    return float(np.linalg.norm(np.clip(x - g, lower, upper) - x))


@pytest.fixture(scope="module")
def hs71_result():
    return minimize(hs71, HS71_X0, method="auglag", bounds=HS71_BOUNDS,
                    constraints=HS71_CONSTRAINTS, backend="numpy")


@pytest.fixture(scope="module")
def hs71_slsqp():
    return so.minimize(hs71, HS71_X0, jac=hs71_grad, method="SLSQP", bounds=HS71_BOUNDS,
                       constraints=HS71_CONSTRAINTS, options={"ftol": 1e-12})


def test_hs71_solution_and_kkt(hs71_result, hs71_slsqp):
    res = hs71_result
    assert res.success and res.status == 0, res.message
    assert abs(res.fun - HS71_FSTAR) < 1e-6
    np.testing.assert_allclose(res.x, hs71_slsqp.x, atol=1e-5)
    assert res.constr_violation <= 1e-8
    assert abs(hs71_product(res.x)) < 1e-7 and abs(hs71_sphere(res.x)) < 1e-7
    assert np.all(res.x >= 1.0) and np.all(res.x <= 5.0)
    v = np.concatenate(res.v[:2])
    assert kkt_residual(res.x, v, hs71_grad, hs71_jacobian, 1.0, 5.0) < 1e-5
    np.testing.assert_allclose(res.jac, hs71_grad(res.x), rtol=1e-8, atol=1e-8)


def test_hs71_multipliers_match_trust_constr(hs71_result):
    v_ineq, v_eq, v_bounds = hs71_result.v
    assert v_ineq.shape == (1,) and v_eq.shape == (1,) and v_bounds.shape == (4,)
    # the product constraint binds from below (c >= 0): scipy's sign is negative
    assert v_ineq[0] < -0.1
    # the multipliers solve grad f + J^T v = 0 on the free variables (x[0] sits at its bound)
    x = hs71_result.x
    free = x > 1.0 + 1e-8
    J = hs71_jacobian(x)
    v_ls, *_ = np.linalg.lstsq(J[:, free].T, -hs71_grad(x)[free], rcond=None)
    np.testing.assert_allclose(np.concatenate(hs71_result.v[:2]), v_ls, rtol=1e-5, atol=1e-7)
    # the bound x[0] >= 1 binds: its multiplier closes grad f + J^T v + v_bounds = 0
    assert v_bounds[0] < -0.1 and np.all(v_bounds[1:] == 0.0)
    np.testing.assert_allclose(hs71_grad(x) + J.T @ np.concatenate(hs71_result.v[:2])
                               + v_bounds, 0.0, atol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = so.minimize(hs71, HS71_X0, jac=hs71_grad, method="trust-constr",
                          bounds=so.Bounds(1.0, 5.0),
                          constraints=[so.NonlinearConstraint(hs71_product, 0.0, np.inf),
                                       so.NonlinearConstraint(hs71_sphere, 0.0, 0.0)],
                          options={"gtol": 1e-9, "xtol": 1e-12, "maxiter": 3000})
    # scipy appends the bounds' multipliers after the constraints', and so does optad
    assert len(ref.v) == len(hs71_result.v) == 3
    np.testing.assert_allclose(np.concatenate(hs71_result.v), np.concatenate(ref.v),
                               rtol=1e-3, atol=1e-4)


def test_hs71_history_and_counts(hs71_result):
    res = hs71_result
    assert len(res.history) == res.outer_iterations + 1
    assert res.nit >= res.outer_iterations and res.nfev > 0 and res.nhev > 0
    assert res.method == "auglag" and res.inner_method == "trust-ncg"
    np.testing.assert_allclose(res.constr[1], [hs71_sphere(res.x)])


# ---- an equality-constrained quadratic: x and v from the KKT linear system
Q = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 2.0]])
CQ = np.array([1.0, -2.0, 0.5])
A = np.array([[1.0, 1.0, 1.0], [1.0, -1.0, 2.0]])
B = np.array([1.0, 0.5])


def quadratic(x):
    return 0.5 * x @ Q @ x + CQ @ x


def kkt_solution():
    K = np.block([[Q, A.T], [A, np.zeros((2, 2))]])
    sol = np.linalg.solve(K, np.concatenate([-CQ, B]))
    return sol[:3], sol[3:]


@pytest.mark.parametrize("inner", ["trust-ncg", "lbfgs", "newton-cg"])
def test_equality_quadratic_exact(inner):
    x_star, v_star = kkt_solution()
    res = minimize(quadratic, np.zeros(3), method="auglag",
                   constraints={"type": "eq", "fun": lambda x: A @ x - B},
                   options={"inner": inner}, backend="numpy")
    assert res.success, res.message
    # gtol 1e-6 on the Lagrangian's gradient; Q's smallest eigenvalue is about 1.3
    np.testing.assert_allclose(res.x, x_star, atol=1e-6)
    np.testing.assert_allclose(res.v[0], v_star, atol=1e-5)
    assert res.constr_violation <= 1e-8


# ---- every input form, one problem: min (x0-2)^2 + (x1-1)^2, x0 + x1 <= 2, x0 - x1 = 0.5
def circle_f(x):
    return (x[0] - 2.0) ** 2 + (x[1] - 1.0) ** 2


SOLUTION = np.array([1.25, 0.75])          # on both constraints
X0 = np.array([0.0, 0.0])


def forms():
    return {
        "dicts": [{"type": "ineq", "fun": lambda x: 2.0 - x[0] - x[1]},
                  {"type": "eq", "fun": lambda x: x[0] - x[1] - 0.5}],
        "dict-args": [{"type": "ineq", "fun": lambda x, s: s - x[0] - x[1], "args": (2.0,)},
                      {"type": "eq", "fun": lambda x, a, b: a * x[0] - x[1] - b,
                       "args": (1.0, 0.5)}],
        "tuple": ({"type": "ineq", "fun": lambda x: 2.0 - x[0] - x[1]},
                  {"type": "eq", "fun": lambda x: x[0] - x[1] - 0.5}),
        "one-vector-dict": {"type": "ineq",
                            "fun": lambda x: np.stack([2.0 - x[0] - x[1], x[0] - x[1] - 0.5,
                                                       0.5 - x[0] + x[1]])},
        "nonlinear": [so.NonlinearConstraint(lambda x: x[0] + x[1], -np.inf, 2.0),
                      so.NonlinearConstraint(lambda x: x[0] - x[1], 0.5, 0.5)],
        "nonlinear-vector": so.NonlinearConstraint(
            lambda x: np.stack([x[0] + x[1], x[0] - x[1]]), [-np.inf, 0.5], [2.0, 0.5]),
        "linear": so.LinearConstraint([[1.0, 1.0], [1.0, -1.0]], [-np.inf, 0.5], [2.0, 0.5]),
        "mixed": [so.LinearConstraint([[1.0, 1.0]], -np.inf, 2.0),
                  {"type": "eq", "fun": lambda x: x[0] - x[1] - 0.5}],
    }


@pytest.mark.parametrize("form", sorted(forms()))
def test_every_form_same_solution(form):
    res = minimize(circle_f, X0, constraints=forms()[form], backend="numpy")  # default method
    assert res.method == "auglag"
    assert res.success, res.message
    np.testing.assert_allclose(res.x, SOLUTION, atol=1e-6)
    assert res.constr_violation <= 1e-8
    # grad f = (-1.5, -0.5) = -(J^T v): both constraints bind; the upper side x0 + x1 <= 2
    # has a positive multiplier
    v = np.concatenate(res.v)
    if form in ("dicts", "dict-args", "tuple"):
        # ineq 2 - x0 - x1 >= 0 is a lower side (c >= 0): its multiplier is negative
        np.testing.assert_allclose(v, [-1.0, 0.5], atol=1e-6)
    elif form == "one-vector-dict":
        assert res.v[0].shape == (3,)
    else:
        np.testing.assert_allclose(v, [1.0, 0.5], atol=1e-6)


def test_scalar_and_vector_constraints_report_per_constraint_multipliers():
    res = minimize(circle_f, X0, constraints=forms()["nonlinear-vector"], backend="numpy")
    assert len(res.v) == 1 and res.v[0].shape == (2,)
    assert len(res.constr) == 1 and res.constr[0].shape == (2,)


def test_pytree_x0_and_constraint_on_the_tree():
    def f(p):
        return (p["a"][0] - 2.0) ** 2 + (p["b"] - 1.0) ** 2

    cons = [{"type": "ineq", "fun": lambda p: 2.0 - p["a"][0] - p["b"]},
            {"type": "eq", "fun": lambda p: p["a"][0] - p["b"] - 0.5}]
    res = minimize(f, {"a": np.zeros(1), "b": np.array(0.0)}, constraints=cons,
                   backend="numpy")
    assert res.success
    np.testing.assert_allclose(res.x["a"], [1.25], atol=1e-6)
    np.testing.assert_allclose(res.x["b"], 0.75, atol=1e-6)
    assert set(res.jac) == {"a", "b"}
    linear = minimize(f, {"a": np.zeros(1), "b": np.array(0.0)}, backend="numpy",
                      constraints=so.LinearConstraint([[1.0, 1.0], [1.0, -1.0]],
                                                      [-np.inf, 0.5], [2.0, 0.5]))
    np.testing.assert_allclose(linear.x["a"], [1.25], atol=1e-6)


def test_inactive_inequality_has_zero_multiplier():
    res = minimize(circle_f, X0, constraints={"type": "ineq", "fun": lambda x: 10.0 - x[0]},
                   backend="numpy")
    np.testing.assert_allclose(res.x, [2.0, 1.0], atol=1e-6)
    assert res.v[0][0] == 0.0


def test_bounds_and_constraints_together_against_slsqp():
    def f(x):
        return np.sum((x - np.array([3.0, -1.0, 2.0])) ** 2) + x[0] * x[1]

    cons = [{"type": "ineq", "fun": lambda x: 4.0 - x[0] ** 2 - x[1] ** 2},
            {"type": "eq", "fun": lambda x: x[0] + x[1] + x[2] - 2.0}]
    bounds = [(0.0, None), (None, 0.5), (-1.0, 1.5)]
    res = minimize(f, np.zeros(3), bounds=bounds, constraints=cons, backend="numpy")
    ref = so.minimize(f, np.zeros(3), method="SLSQP", bounds=bounds, constraints=cons,
                      options={"ftol": 1e-12})
    # SLSQP's own success flag moves with BLAS settings (with OPENBLAS_CORETYPE unset it stops
    # at the same point with "Positive directional derivative for linesearch"): only its point
    # is the reference, optad's flag is asserted
    assert res.success
    np.testing.assert_allclose(res.x, ref.x, atol=1e-5)
    assert res.fun <= ref.fun + 1e-7


def test_infeasible_problem_stops_with_a_message():
    res = minimize(circle_f, X0, constraints={"type": "eq", "fun": lambda x: x[0] ** 2 + 1.0},
                   backend="numpy")
    assert not res.success and res.status == INFEASIBLE
    assert "infeasible" in res.message
    assert res.outer_iterations < 40
    assert res.constr_violation >= 1.0 - 1e-6


def test_infeasible_with_bounds():
    res = minimize(circle_f, X0, bounds=[(0.0, 1.0), (0.0, 1.0)],
                   constraints={"type": "ineq", "fun": lambda x: x[0] + x[1] - 3.0},
                   backend="numpy")
    assert not res.success and res.status == INFEASIBLE
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-6)


def test_bounds_only_runs_the_inner_method():
    res = minimize(circle_f, X0, method="auglag", bounds=[(None, 1.0), (None, None)],
                   backend="numpy")
    assert res.success and res.constr_violation == 0.0
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-7)
    # v: the bounds' multipliers alone; x[0] <= 1 binds (grad f = (-2, 0) there)
    assert len(res.v) == 1
    np.testing.assert_allclose(res.v[0], [2.0, 0.0], atol=1e-6)


def test_callback_stops_the_outer_loop():
    seen = []

    def callback(intermediate):
        seen.append(intermediate.constr_violation)
        raise StopIteration

    res = minimize(hs71, HS71_X0, bounds=HS71_BOUNDS, constraints=HS71_CONSTRAINTS,
                   callback=callback, backend="numpy")
    assert len(seen) == 1 and not res.success and res.outer_iterations == 1


def test_tol_sets_gtol_and_unknown_options_warn():
    with pytest.warns(UserWarning, match="Unknown solver options"):
        res = minimize(circle_f, X0, constraints=forms()["dicts"], tol=1e-9,
                       options={"bogus": 1}, backend="numpy")
    assert res.optimality <= 1e-9


@pytest.mark.slow
def test_numba_backend_matches_numpy(hs71_result):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = minimize(hs71, HS71_X0, bounds=HS71_BOUNDS, constraints=HS71_CONSTRAINTS,
                       backend="numba")
    assert res.success
    np.testing.assert_allclose(res.x, hs71_result.x, atol=1e-7)


def test_float32_in_float32_out():
    res = minimize(circle_f, X0.astype(np.float32), constraints=forms()["dicts"],
                   backend="numpy")
    assert res.success and res.x.dtype == np.float32 and res.v[0].dtype == np.float32
    np.testing.assert_allclose(res.x, SOLUTION, atol=1e-3)
    assert res.constr_violation <= 1e-4


def test_unbounded_problem_says_f_may_be_unbounded():
    res = minimize(lambda x: -x[0] - x[1], X0, backend="numpy",
                   constraints={"type": "eq", "fun": lambda x: x[0] - x[1]},
                   options={"maxiter": 6, "inner_maxiter": 20})
    assert not res.success
    assert "unbounded below" in res.message
