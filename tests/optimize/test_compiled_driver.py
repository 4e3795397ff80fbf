"""One text per method, two drivers: the compiled driver (optad/backends/numba/driver.py) and
the Python driver (optad/optimize/driver.py) run the same step code, so they must agree."""
import numba
import numpy as np
import pytest

from optad.backends.numba import driver as compiled_driver
from optad.optimize import minimize
from optad.optimize.calls import bind
from optad.optimize.methods import METHODS, newton_cg


def spd(n, cond, seed):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return Q @ np.diag(np.logspace(0, np.log10(cond), n)) @ Q.T


@numba.njit
def _prepare(x, A):
    return (A,)


@numba.njit
def _apply(x, v, A):
    return A @ v


CG_COMPILED = bind(newton_cg.truncated_cg, {"hvp_prepare": _prepare, "hvp_apply": _apply},
                   numba.njit)


def both_cg(A, g, maxiter=100):
    """(compiled, python) truncated CG for H = A; the Python run counts its products."""
    x = np.zeros(g.size)
    gnorm = float(np.linalg.norm(g))
    calls = []

    def apply(x, v, A):
        calls.append(1)
        return A @ v
    python_cg = bind(newton_cg.truncated_cg, {"hvp_prepare": lambda x, A: (A,),
                                              "hvp_apply": apply})
    ref = python_cg(x, g, gnorm, maxiter, (A,))
    ours = CG_COMPILED(x, g, gnorm, maxiter, (A,))
    assert ref[1] == len(calls)          # the iteration count is the number of products
    assert ours[1:] == ref[1:]
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-10, atol=1e-14)
    return ref


@pytest.mark.slow
@pytest.mark.parametrize("scale", [1e-4, 1.0, 1e3])  # eta = sqrt(||g||_1) below 0.5 and at 0.5
def test_truncated_cg_compiled_and_python_agree(scale):
    A = spd(40, 1e4, seed=0)
    g = scale * np.random.default_rng(1).standard_normal(40)
    ref = both_cg(A, g)
    assert not ref[2] and ref[1] > 3
    assert both_cg(A, g, maxiter=3)[1] == 3
    # negative curvature on the first step (scaled steepest descent) and later
    rng = np.random.default_rng(2)
    Q, _ = np.linalg.qr(rng.standard_normal((20, 20)))
    lam = np.linspace(-1.0, 10.0, 20)
    H = Q @ np.diag(lam) @ Q.T
    assert both_cg(H, Q[:, 0].copy())[1:3] == (1, True)
    assert both_cg(np.diag(np.r_[0.0, lam[1:]]), 3 * np.eye(20)[0])[1:3] == (1, True)
    later = both_cg(H, 1e-3 * (Q[:, 1:] @ rng.standard_normal(19) + 0.3 * Q[:, 0]))
    assert later[2] and later[1] > 1
    bad = A.copy()
    bad[0, 0] = np.nan
    assert both_cg(bad, g)[3] is False       # a non-finite curvature is reported


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def assert_same_run(compiled, python):
    assert compiled.status == python.status and compiled.nit == python.nit
    assert (compiled.nfev, compiled.njev, compiled.nhev) == \
        (python.nfev, python.njev, python.nhev)
    np.testing.assert_allclose(compiled.x, python.x, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(compiled.history.f, python.history.f, rtol=1e-9, atol=1e-14)
    for name in ("nfev", "njev", "nhev"):
        np.testing.assert_array_equal(compiled.history[name], python.history[name])


@pytest.mark.slow
def test_newton_cg_compiled_driver_matches_python_driver(monkeypatch):
    x0 = np.tile([-1.2, 1.0], 10)
    python = minimize(rosen, x0, options={"compiled_cg": False})
    drives = []
    real = compiled_driver.drive
    monkeypatch.setattr(compiled_driver, "drive",
                        lambda *a: drives.append(1) or real(*a))
    compiled = minimize(rosen, x0)
    assert drives and compiled.success and python.success
    assert_same_run(compiled, python)
    # a pytree x0 runs on its flat vector: compiled too, the same path
    tree = minimize(lambda p: rosen(p[0]) + rosen(p[1]), (x0[:10], x0[10:]))
    assert len(drives) == 2 and tree.nit > 0 and tree.success
    # the NumPy backend has no compiled entries
    numpy_run = minimize(rosen, x0, backend="numpy")
    assert len(drives) == 2 and numpy_run.nit == python.nit


@numba.njit
def quartic_vg(x, A, b):
    """f = 1/2 x'Ax - b'x + 1/4 sum x^4 and its gradient."""
    Ax = A @ x
    return 0.5 * x @ Ax - b @ x + 0.25 * np.sum(x ** 4), Ax - b + x ** 3


@numba.njit
def quartic_hessp(x, p, A, b):
    return A @ p + 3.0 * x ** 2 * p


@pytest.mark.slow
def test_user_njit_functions_run_compiled_like_python():
    rng = np.random.default_rng(5)
    n = 30
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = Q @ np.diag(np.linspace(-2.0, 5.0, n)) @ Q.T   # indefinite: negative curvature early on
    b = rng.standard_normal(n)
    common = dict(args=(A, b), jac=True, hessp=quartic_hessp)
    python = minimize(quartic_vg, np.zeros(n), options={"compiled_cg": False, "gtol": 1e-9},
                      **common)
    compiled = minimize(quartic_vg, np.zeros(n), options={"gtol": 1e-9}, **common)
    assert compiled.success and python.success
    assert_same_run(compiled, python)


def test_every_method_declares_the_protocol():
    for name, method in METHODS.items():
        assert method.NAME == name and callable(method.init) and callable(method.update)
        assert set(method.NEEDS) <= {"value", "value_and_grad", "hvp_prepare", "hvp_apply"}
        assert "maxiter" in method.OPTIONS and "gtol" in method.OPTIONS
