"""Moré, Garbow & Hillstrom (1981) problems: optad's Newton-CG against scipy's, same derivatives.

Derivatives are optad's own (numpy backend), handed to both solvers. A problem counts as solved
when f reaches a published minimum value (MGH 1981, section 3) within 1e-6 (relative to
max(1, |f*|)) and the gradient is small.
"""
import numpy as np
import pytest
import scipy.optimize as so

from optad.optimize import minimize

optad = pytest.importorskip("optad")


def rosenbrock(x):                       # MGH 1, f* = 0
    return 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2


def freudenstein_roth(x):                # MGH 2, f* = 0 or 48.9842 (local)
    r1 = -13 + x[0] + ((5 - x[1]) * x[1] - 2) * x[1]
    r2 = -29 + x[0] + ((x[1] + 1) * x[1] - 14) * x[1]
    return r1 ** 2 + r2 ** 2


def beale(x):                            # MGH 5, f* = 0
    f = 0.0
    for i, y in enumerate((1.5, 2.25, 2.625), start=1):
        f = f + (y - x[0] * (1 - x[1] ** i)) ** 2
    return f


def jennrich_sampson(x):                 # MGH 6 (m = 10), f* = 124.362
    f = 0.0
    for i in range(1, 11):
        f = f + (2 + 2 * i - (np.exp(i * x[0]) + np.exp(i * x[1]))) ** 2
    return f


def box3d(x):                            # MGH 12 (m = 10), f* = 0
    f = 0.0
    for i in range(1, 11):
        t = 0.1 * i
        r = np.exp(-t * x[0]) - np.exp(-t * x[1]) - x[2] * (np.exp(-t) - np.exp(-10 * t))
        f = f + r ** 2
    return f


def powell_singular(x):                  # MGH 13, f* = 0
    return ((x[0] + 10 * x[1]) ** 2 + 5 * (x[2] - x[3]) ** 2 + (x[1] - 2 * x[2]) ** 4
            + 10 * (x[0] - x[3]) ** 4)


def wood(x):                             # MGH 14, f* = 0
    return (100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2 + 90 * (x[3] - x[2] ** 2) ** 2
            + (1 - x[2]) ** 2 + 10 * (x[1] + x[3] - 2) ** 2 + 0.1 * (x[1] - x[3]) ** 2)


def brown_dennis(x):                     # MGH 16 (m = 20), f* = 85822.2
    f = 0.0
    for i in range(1, 21):
        t = i / 5
        f = f + ((x[0] + t * x[1] - np.exp(t)) ** 2
                 + (x[2] + x[3] * np.sin(t) - np.cos(t)) ** 2) ** 2
    return f


def variably_dimensioned(x):             # MGH 25 (n = 10), f* = 0
    j = np.arange(1, x.shape[0] + 1)
    s = np.sum(j * (x - 1))
    return np.sum((x - 1) ** 2) + s ** 2 + s ** 4


def trigonometric(x):                    # MGH 26 (n = 10), f* = 0 (also a local 2.79506e-5)
    n = x.shape[0]
    j = np.arange(1, n + 1)
    r = n - np.sum(np.cos(x)) + j * (1 - np.cos(x)) - np.sin(x)
    return np.sum(r ** 2)


PROBLEMS = [
    ("rosenbrock", rosenbrock, [-1.2, 1.0], (0.0,)),
    ("freudenstein_roth", freudenstein_roth, [0.5, -2.0], (0.0, 48.9842)),
    ("beale", beale, [1.0, 1.0], (0.0,)),
    ("jennrich_sampson", jennrich_sampson, [0.3, 0.4], (124.362,)),
    ("box3d", box3d, [0.0, 10.0, 20.0], (0.0,)),
    ("powell_singular", powell_singular, [3.0, -1.0, 0.0, 1.0], (0.0,)),
    ("wood", wood, [-3.0, -1.0, -3.0, -1.0], (0.0,)),
    ("brown_dennis", brown_dennis, [25.0, 5.0, -5.0, -1.0], (85822.2,)),
    ("variably_dimensioned", variably_dimensioned, list(1 - np.arange(1, 11) / 10), (0.0,)),
    ("trigonometric", trigonometric, [0.1] * 10, (0.0, 2.79506e-5)),
]


def solved(f, minima):
    # published values carry 6 significant digits
    return any(abs(f - m) <= 1e-6 * max(1.0, abs(m)) + 1e-5 * abs(m) for m in minima)


def run_both(fun, x0):
    vg = optad.value_and_grad(fun, backend="numpy")
    jac = lambda x: vg(x)[1]  # noqa: E731
    hvp = optad.hvp(fun, backend="numpy")
    ours = minimize(fun, x0, jac=jac, hessp=hvp, options={"gtol": 1e-8, "maxiter": 2000})
    ref = so.minimize(fun, x0, method="Newton-CG", jac=jac, hessp=hvp,
                      options={"maxiter": 2000})
    return ours, ref


def test_mgh_newton_cg_solves_what_scipy_solves_with_fewer_iterations():
    ours_solved = ref_solved = 0
    ours_iters = ref_iters = 0
    report = []
    for name, fun, x0, minima in PROBLEMS:
        ours, ref = run_both(fun, np.array(x0, dtype=float))
        ok, ref_ok = solved(ours.fun, minima), solved(ref.fun, minima)
        report.append((name, ours.nit, ours.fun, ok, ref.nit, ref.fun, ref_ok))
        if ref_ok:
            assert ok, (name, ours.fun, ours.message)
            ours_iters += ours.nit
            ref_iters += ref.nit
        ours_solved += ok
        ref_solved += ref_ok
    assert ours_solved >= ref_solved, report
    assert ours_iters <= ref_iters, report


@pytest.mark.parametrize("name, fun, x0, minima", PROBLEMS[:4])
def test_mgh_published_minima(name, fun, x0, minima):
    ours, _ = run_both(fun, np.array(x0, dtype=float))
    assert solved(ours.fun, minima), (name, ours.fun, ours.message)
