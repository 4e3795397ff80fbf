"""Moré, Garbow & Hillstrom (1981) problems 1-28 (mgh_problems.py): what optad's methods solve.

A problem counts as solved when f reaches a published minimum value (MGH 1981, section 3).
optad's methods run on optad's own derivatives (NumPy backend); scipy's Newton-CG gets the same
derivatives.  The assertions are about optad's results (solved counts, final gradients); scipy's
iteration counts are reported by benchmarks/bench_mgh.py, not pinned here.
"""
import warnings

import numpy as np
import pytest
import scipy.optimize as so

import optad
from optad.optimize import minimize

from mgh_problems import PROBLEMS, solved

OPTIONS = {"gtol": 1e-8, "maxiter": 5000}


def run(method, fun, x0):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # overflow at rejected trial points
        return minimize(fun, np.array(x0, dtype=float), method=method, backend="numpy",
                        options=OPTIONS)


@pytest.mark.parametrize("method", ["lbfgs", "trust-ncg"])
def test_mgh_all_28_solved(method):
    unsolved = []
    for name, fun, x0, minima in PROBLEMS:
        res = run(method, fun, x0)
        if not solved(res.fun, minima):
            unsolved.append((name, res.fun, res.message))
        elif res.success:
            # a reported success is a real one: the gradient is at gtol
            assert np.linalg.norm(res.jac) <= OPTIONS["gtol"], (name, res.jac)
    assert len(PROBLEMS) == 28
    assert not unsolved, unsolved


def test_mgh_newton_cg_solves_what_scipy_newton_cg_solves():
    ours_solved = ref_solved = 0
    report = []
    for name, fun, x0, minima in PROBLEMS:
        ours = run("newton-cg", fun, x0)
        vg = optad.value_and_grad(fun, backend="numpy")
        hvp = optad.hvp(fun, backend="numpy")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ref = so.minimize(vg, np.array(x0, dtype=float), jac=True, hessp=hvp,
                              method="Newton-CG", options={"maxiter": 2000})
        ok, ref_ok = solved(ours.fun, minima), solved(ref.fun, minima)
        report.append((name, ours.fun, ok, ref.fun, ref_ok))
        if ref_ok:
            assert ok, (name, ours.fun, ours.message)
        ours_solved += ok
        ref_solved += ref_ok
    assert ours_solved >= max(ref_solved, 27), report
