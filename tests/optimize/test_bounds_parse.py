"""``bounds=`` in scipy's forms (optad/optimize/bounds.py): the flat box they describe, and
clear errors naming the argument for bad ones."""
import numpy as np
import pytest
from scipy.optimize import Bounds

from optad.optimize import OptimizeWarning, minimize
from optad.optimize.bounds import clip_start, parse_bounds
from optad.tree import ravel_pytree

from bounded_problems import QUAD_BOUNDS, QUAD_LOWER, QUAD_UPPER, W, C, quad


def box_of(bounds, x0):
    x_flat, unravel = ravel_pytree(x0)
    return parse_bounds(bounds, np.asarray(x_flat, unravel.dtype), unravel)


def assert_box(box, lower, upper):
    np.testing.assert_array_equal(box.lower, lower)
    np.testing.assert_array_equal(box.upper, upper)


def test_pairs_with_none_and_inf():
    box = box_of(QUAD_BOUNDS, np.zeros(4))
    assert_box(box, QUAD_LOWER, QUAD_UPPER)
    assert box.bounded and box.lower.dtype == np.float64
    # an (n, 2) array; one pair per entry of a 2-D x0, in its flat (C) order
    assert_box(box_of(np.array([[0, 1], [2, 3], [4, 5], [6, 7]]), np.zeros((2, 2))),
               [0, 2, 4, 6], [1, 3, 5, 7])


def test_no_finite_bound_is_unbounded():
    for bounds in (None, [(None, None)] * 3, [(-np.inf, np.inf)] * 3, Bounds()):
        box = box_of(bounds, np.zeros(3))
        assert not box.bounded
        assert_box(box, [-np.inf] * 3, [np.inf] * 3)


def test_bounds_objects_broadcast():
    assert_box(box_of(Bounds(0.0, [1.0, 2.0, 3.0]), np.zeros(3)), [0, 0, 0], [1, 2, 3])
    assert_box(box_of(Bounds(np.zeros((2, 2)), 1.0), np.zeros((2, 2))), [0] * 4, [1] * 4)
    assert_box(box_of(Bounds(-1.0, np.inf), np.zeros(2)), [-1, -1], [np.inf, np.inf])
    # a pytree x0: scalars broadcast over every leaf, or pytrees of x0's structure
    x0 = {"a": np.zeros(2), "b": 0.0}
    assert_box(box_of(Bounds(0, 1), x0), [0, 0, 0], [1, 1, 1])
    assert_box(box_of(Bounds({"a": [0, 1], "b": 2}, {"a": 5, "b": np.inf}), x0),
               [0, 1, 2], [5, 5, np.inf])


def test_pytree_bounds_leaf_by_leaf():
    # dict keys ravel in sorted order: "a" (2 entries), "b" (2x1), "c" (scalar)
    x0 = {"c": 0.0, "a": np.zeros(2), "b": np.zeros((2, 1))}
    bounds = {"a": [(0, 1), (None, 2)],          # one pair per entry (scipy's form)
              "b": (np.array([[-1], [-2]]), 3),  # (lo, hi) broadcast to the leaf
              "c": None}                         # no bounds
    assert_box(box_of(bounds, x0), [0, -np.inf, -1, -2, -np.inf], [1, 2, 3, 3, np.inf])
    # a leaf of two entries given two numbers: one (lo, hi) pair for both
    assert_box(box_of({"a": (0, 1), "b": None, "c": Bounds(-1, 1)}, x0),
               [0, 0, -np.inf, -np.inf, -1], [1, 1, np.inf, np.inf, 1])
    # a flat list of one pair per entry works for pytrees too (ravel order)
    assert_box(box_of([(k, k + 1) for k in range(5)], x0), range(5), range(1, 6))
    # tuples and lists of leaves
    assert_box(box_of(((0, 1), [(2, 3), (4, 5)]), (0.0, np.zeros(2))), [0, 2, 4], [1, 3, 5])


def test_float32_bounds_round_inwards():
    box = box_of([(0.1, 0.3)], np.zeros(1, np.float32))
    assert box.lower.dtype == np.float32
    assert float(box.lower[0]) >= 0.1 and float(box.upper[0]) <= 0.3


@pytest.mark.parametrize("bounds, x0, match", [
    ([(0, 1)] * 3, np.zeros(4), "bounds must be a sequence of 4 .lo, hi. pairs"),
    ((0, 1), np.zeros(4), "bounds must be a sequence of 4"),
    ("box", np.zeros(2), "bounds must be"),
    ([(0, 1), (2, 1)], np.zeros(2), r"lower bound > upper bound at flat position\(s\) \[1\]"),
    ([(0, 1), (np.nan, 1)], np.zeros(2), r"lower bound is NaN at flat position\(s\) \[1\]"),
    (Bounds(0, [1, np.nan]), np.zeros(2), "upper bound is NaN"),
    ([(np.inf, np.inf)], np.zeros(1), "no finite point"),
    (Bounds(0, [1, 2, 3]), np.zeros(2), r"bounds.lb has shape \(3,\), which does not fit"),
    ({"a": (0, 1)}, {"a": 0.0, "b": 0.0}, r"keys \['a', 'b'\]"),
    ({"a": [(0, 1)] * 3, "b": None}, {"a": np.zeros(2), "b": 0.0}, "bounds .leaf 0"),
    ([(0, 1)], (0.0, 0.0), "expected a sequence of 2 items"),
])
def test_bad_bounds_are_clear_errors(bounds, x0, match):
    with pytest.raises(ValueError, match=match):
        box_of(bounds, x0)
    # minimize says so before anything is traced or compiled
    with pytest.raises(ValueError, match=match):
        minimize(lambda x: 0.0, x0, method="gd", bounds=bounds, backend="numpy")


def test_start_outside_is_clipped_with_a_warning():
    box = box_of(QUAD_BOUNDS, np.zeros(4))
    inside = np.array([0.5, -1.0, 3.0, 7.0])
    assert clip_start(inside, box) is inside
    x0 = np.array([5.0, 1.0, -3.0, 7.0])
    with pytest.warns(OptimizeWarning, match=r"outside the bounds at 3 flat position\(s\) "
                                             r"\[0, 1, 2\]") as record:
        res = minimize(quad, x0, args=(W, C), method="lbfgs", bounds=QUAD_BOUNDS,
                       backend="numpy")
    assert record[0].filename == __file__        # at the user's line
    assert res.history.f[0] == quad(np.array([1.0, 0.0, -1.0, 7.0]), W, C)
    assert res.success
