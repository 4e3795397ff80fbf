"""The compiled inner CG of Newton-CG (optimize/compiled_cg.py) against the Python loop."""
import numba
import numpy as np
import pytest

import optad.optimize.newton_cg as ncg
from optad.optimize import minimize
from optad.optimize.compiled_cg import truncated_cg
from optad.optimize.objective import Objective


@numba.njit
def matvec_hessp(x, v, A):
    """H v for a fixed matrix A (x of any shape; v flattened and reshaped like x)."""
    return (A @ np.ascontiguousarray(v).reshape(v.size)).reshape(v.shape)


def both(A, g, maxiter=100, shape=None):
    """(compiled, python) results of the truncated CG for H = A at gradient g."""
    shape = g.shape if shape is None else shape
    x = np.zeros(g.size)
    gnorm = float(np.linalg.norm(g))
    p, iters, negative, finite = truncated_cg(matvec_hessp, x, g, gnorm, maxiter, shape, (A,))
    calls = []

    def hessp(x, v):
        calls.append(1)
        return A @ v

    ref = ncg._truncated_cg(hessp, x, g, gnorm, maxiter)
    assert iters == len(calls) == ref[1]  # the iteration count is the number of products
    return (p if finite else None, iters, negative), ref


def assert_same(ours, ref):
    assert ours[1:] == ref[1:]
    if ref[0] is None:
        assert ours[0] is None
    else:
        np.testing.assert_allclose(ours[0], ref[0], rtol=1e-10, atol=1e-14)


def spd(n, cond, seed):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return Q @ np.diag(np.logspace(0, np.log10(cond), n)) @ Q.T


@pytest.mark.parametrize("scale", [1e-4, 1.0, 1e3])  # eta = sqrt(||g||_1) below 0.5 and at 0.5
def test_same_iterates_spd(scale):
    A = spd(40, 1e4, seed=0)
    g = scale * np.random.default_rng(1).standard_normal(40)
    ours, ref = both(A, g)
    assert not ref[2] and ref[1] > 3
    assert_same(ours, ref)
    # maxiter reached
    ours, ref = both(A, g, maxiter=3)
    assert ref[1] == 3
    assert_same(ours, ref)


def test_same_iterates_negative_curvature_first_and_later_step():
    rng = np.random.default_rng(2)
    n = 20
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = np.linspace(-1.0, 10.0, n)
    A = Q @ np.diag(lam) @ Q.T
    # first step: g along an eigenvector of eigenvalue -1 -> scaled steepest descent
    g = Q[:, 0].copy()
    ours, ref = both(A, g)
    assert ref[1:] == (1, True)
    assert_same(ours, ref)
    # zero curvature on the first step -> -g / max(1, ||g||)
    A0 = np.diag(np.r_[0.0, lam[1:]])
    ours, ref = both(A0, 3 * np.eye(n)[0])
    assert ref[1:] == (1, True)
    assert_same(ours, ref)
    # later step: mostly positive directions with a small negative component
    g = Q[:, 1:] @ rng.standard_normal(n - 1) + 0.3 * Q[:, 0]
    ours, ref = both(A, 1e-3 * g)
    assert ref[2] and ref[1] > 1
    assert_same(ours, ref)


def test_non_finite_curvature_and_matrix_shaped_x():
    A = spd(12, 10.0, seed=3)
    g = np.random.default_rng(4).standard_normal(12)
    bad = A.copy()
    bad[0, 0] = np.nan
    ours, ref = both(bad, g)
    assert ref[0] is None and ref[1] == 1
    assert_same(ours, ref)
    ours, ref = both(A, g, shape=(3, 4))   # hessp sees x and v of x0's shape
    assert_same(ours, ref)


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def test_minimize_compiled_cg_on_optad_hvp_matches_python(monkeypatch):
    pytest.importorskip("optad.api")
    x0 = np.tile([-1.2, 1.0], 25)
    objective = Objective(rosen, x0, need_hess=True)
    if objective.numba_hessp() is None:
        pytest.skip("optad's numba backend offers no compiled hvp here")
    python = minimize(rosen, x0, options={"compiled_cg": False})
    with monkeypatch.context() as m:  # the compiled run never enters the Python CG loop
        m.setattr(ncg, "_truncated_cg", None)
        compiled = minimize(rosen, x0)
    assert compiled.success and python.success
    assert compiled.nit == python.nit and compiled.nhev == python.nhev > 0
    assert (compiled.nfev, compiled.njev) == (python.nfev, python.njev)
    np.testing.assert_allclose(compiled.x, python.x, atol=1e-10)
    np.testing.assert_array_equal(compiled.history.nhev, python.history.nhev)
    # a pytree x0 is differentiated through its flat vector, so it gets a compiled product too,
    # equal to the Python path's; a NumPy backend gets none
    tree_objective = Objective(lambda p: rosen(p[0]) + rosen(p[1]), (x0, x0), need_hess=True)
    kernel = tree_objective.numba_hessp()
    assert kernel is not None and tree_objective.kernel_shape == (2 * x0.size,)
    flat, v = np.concatenate([x0, x0 + 0.5]), np.linspace(-1, 1, 2 * x0.size)
    np.testing.assert_allclose(kernel(flat, v), tree_objective.hessp(flat, v), rtol=1e-12)
    assert Objective(rosen, x0, need_hess=True, backend="numpy").numba_hessp() is None


@numba.njit
def quartic_vg(x, A, b):
    """f = 1/2 x'Ax - b'x + 1/4 sum x^4 and its gradient."""
    Ax = A @ x
    return 0.5 * x @ Ax - b @ x + 0.25 * np.sum(x ** 4), Ax - b + x ** 3


@numba.njit
def quartic_hessp(x, p, A, b):
    return A @ p + 3.0 * x ** 2 * p


def test_minimize_user_njit_hessp_uses_compiled_cg(monkeypatch):
    rng = np.random.default_rng(5)
    n = 30
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = Q @ np.diag(np.linspace(-2.0, 5.0, n)) @ Q.T   # indefinite: negative curvature early on
    b = rng.standard_normal(n)
    x0 = np.zeros(n)
    args = (A, b)
    python = minimize(quartic_vg, x0, args=args, jac=True, hessp=quartic_hessp,
                      options={"compiled_cg": False, "gtol": 1e-9})
    with monkeypatch.context() as m:
        m.setattr(ncg, "_truncated_cg", None)
        compiled = minimize(quartic_vg, x0, args=args, jac=True, hessp=quartic_hessp,
                            options={"gtol": 1e-9})
    assert compiled.success and python.success
    assert (compiled.nit, compiled.nhev, compiled.nfev) == (python.nit, python.nhev, python.nfev)
    np.testing.assert_allclose(compiled.x, python.x, atol=1e-10)
    np.testing.assert_allclose(compiled.fun, python.fun, rtol=1e-12)

