"""Bad ``constraints=`` input: clear errors naming the constraint and what to write instead,
raised before anything is traced; methods without constraint support refuse them."""
import re

import numpy as np
import pytest
import scipy.optimize as so

from optad.optimize import OptimizeWarning, minimize


def f(x):
    return np.sum((x - 1.0) ** 2)


X0 = np.zeros(2)
GOOD = {"type": "ineq", "fun": lambda x: 1.0 - x[0]}


def refused(constraints, error=ValueError, match=None, **kwargs):
    with pytest.raises(error, match=match):
        minimize(f, X0, constraints=constraints, backend="numpy", **kwargs)


@pytest.mark.parametrize("method", ["lbfgs", "newton-cg", "trust-ncg", "gd"])
def test_methods_without_constraints_name_the_one_that_takes_them(method):
    refused(GOOD, match=re.escape(f"method {method!r} cannot take constraints") + ".*'auglag'",
            method=method)


def test_scipy_method_names_are_unknown_and_list_auglag():
    refused(GOOD, match="unknown method 'SLSQP'.*auglag", method="SLSQP")


def test_empty_constraints_keep_the_default_method():
    assert minimize(f, X0, constraints=[], backend="numpy").method == "newton-cg"
    assert minimize(f, X0, constraints=None, backend="numpy").method == "newton-cg"


def test_unknown_dict_key():
    refused({"type": "eq", "fun": GOOD["fun"], "jacobian": None},
            match=r"constraints has unknown key\(s\) \['jacobian'\].*'type'")


def test_missing_dict_keys():
    refused([GOOD, {"fun": GOOD["fun"]}], match=r"constraints\[1\] lacks the key\(s\) \['type'\]")


@pytest.mark.parametrize("kind", ["equality", "ineq ", None, 1])
def test_unknown_type_string(kind):
    refused([{"type": kind, "fun": GOOD["fun"]}],
            match=r"constraints\[0\] has type .*expected 'eq'.*'ineq'")


def test_fun_not_callable():
    refused({"type": "eq", "fun": 3.0}, error=TypeError, match=r"\['fun'\] must be callable")


def test_constraint_output_must_be_scalar_or_1d():
    refused([GOOD, {"type": "eq", "fun": lambda x: np.outer(x, x)}],
            match=r"constraints\[1\] \(dict, 'eq'\): .* returns shape \(2, 2\).*1-d")


def test_constraint_output_empty_or_nan():
    refused({"type": "eq", "fun": lambda x: np.zeros(0)}, match="empty")
    refused({"type": "eq", "fun": lambda x: x[0] + np.nan}, match="NaN or inf at x0")


def test_not_a_constraint_object():
    refused([GOOD, "x >= 0"], error=TypeError,
            match=r"constraints\[1\] must be a dict .* got str")


def test_nonlinear_constraint_sides():
    refused(so.NonlinearConstraint(lambda x: x, [0.0, 0.0, 0.0], 1.0),
            match=r"NonlinearConstraint\)\.lb has shape \(3,\); the constraint has 2")
    refused([_LbUb(2.0, 1.0)], match=r"constraints\[0\] \(NonlinearConstraint\): lb > ub")


class _LbUb:
    """A NonlinearConstraint-like object with lb > ub (scipy's own class refuses it)."""

    def __init__(self, lb, ub):
        self.fun, self.lb, self.ub = (lambda x: x[0]), lb, ub


def test_linear_constraint_wrong_width():
    refused(so.LinearConstraint(np.ones((1, 3)), 0.0, 1.0),
            match=r"LinearConstraint\)\.A has shape \(1, 3\); expected \(m, 2\)")


def test_given_jac_is_not_used_and_says_so():
    with pytest.warns(OptimizeWarning, match="'jac' given is not used"):
        res = minimize(f, X0, backend="numpy",
                       constraints={"type": "ineq", "fun": GOOD["fun"],
                                    "jac": lambda x: np.array([-1.0, 0.0])})
    assert res.success


def test_bad_option_fails_before_the_run():
    with pytest.raises(ValueError, match="option 'inner' must be one of .*got 'bfgs'"):
        minimize(f, X0, constraints=GOOD, options={"inner": "bfgs"}, backend="numpy")
    with pytest.raises(ValueError, match="option 'ctol' must be a non-negative number, got -1.0"):
        minimize(f, X0, constraints=GOOD, options={"ctol": -1.0}, backend="numpy")


def test_jac_and_hessp_of_fun_warn():
    with pytest.warns(OptimizeWarning, match="jac and hessp are not used"):
        minimize(f, X0, constraints=GOOD, jac=lambda x: 2 * (x - 1.0), backend="numpy")
