"""method="trust-ncg" against scipy.optimize.minimize(method="trust-ncg"), its Steihaug-Toint
inner solver, and its compiled loop against the Python one."""
import numpy as np
import pytest
import scipy.optimize as so

import optad
from optad.backends.numba import driver as compiled_driver
from optad.optimize import minimize
from optad.optimize.calls import bind
from optad.optimize.methods import trust_ncg

from scipy_problems import PROBLEMS, rosen


@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_trust_ncg_reaches_scipy_minimiser(name):
    fun, jac, hessp, x0, x_star = PROBLEMS[name]()
    ours = minimize(fun, x0, method="trust-ncg", jac=jac, hessp=hessp, options={"gtol": 1e-8})
    ref = so.minimize(fun, x0, method="trust-ncg", jac=jac, hessp=hessp,
                      options={"gtol": 1e-10})
    assert ours.success, ours.message
    assert np.linalg.norm(jac(ours.x)) <= 1e-8
    np.testing.assert_allclose(ours.x, ref.x, atol=1e-5)
    if x_star is not None:
        np.testing.assert_allclose(ours.x, x_star, atol=1e-6)
    assert ours.fun <= ref.fun + 1e-10 * max(1.0, abs(ref.fun))


def _steihaug(H, g, radius, maxiter=50):
    calls = {"hvp_prepare": lambda x, H: (H,), "hvp_apply": lambda x, v, H: H @ v}
    solve = bind(trust_ncg.steihaug_cg, calls)
    return solve(np.zeros_like(g), g, float(np.linalg.norm(g)), radius, maxiter, (H,))


def test_steihaug_interior_boundary_and_negative_curvature():
    H = np.diag([1.0, 2.0, 4.0])
    g = np.array([1.0, -1.0, 2.0])
    newton = -np.linalg.solve(H, g)
    # a large region: the (inexact) Newton step, inside, with the model's reduction
    p, predicted, boundary, products, finite = _steihaug(H, g, 100.0)
    assert finite and not boundary and products <= 3
    assert np.linalg.norm(H @ p + g) <= min(0.5, np.sqrt(np.linalg.norm(g))) * \
        np.linalg.norm(g)
    np.testing.assert_allclose(predicted, -(g @ p + 0.5 * p @ H @ p), rtol=1e-12)
    # a small region: the step stops on the boundary
    p, predicted, boundary, _, _ = _steihaug(H, g, 0.1)
    assert boundary and np.linalg.norm(p) == pytest.approx(0.1, rel=1e-12)
    assert predicted > 0 and np.linalg.norm(newton) > 0.1
    # negative curvature along -g: straight to the boundary
    p, predicted, boundary, products, _ = _steihaug(-H, g, 2.0)
    assert boundary and products == 1
    np.testing.assert_allclose(p, -2.0 * g / np.linalg.norm(g), rtol=1e-12)
    np.testing.assert_allclose(predicted, -(g @ p - 0.5 * p @ H @ p), rtol=1e-12)


def test_trust_ncg_leaves_a_saddle_along_negative_curvature():
    """f = x^2 - y^2 + y^4/4 from just beside the saddle at 0: the minima are y = +-sqrt(2)."""
    fun = lambda z: z[0] ** 2 - z[1] ** 2 + 0.25 * z[1] ** 4  # noqa: E731
    jac = lambda z: np.array([2 * z[0], -2 * z[1] + z[1] ** 3])  # noqa: E731
    hessp = lambda z, p: np.array([2 * p[0], (-2 + 3 * z[1] ** 2) * p[1]])  # noqa: E731
    res = minimize(fun, np.array([0.5, 1e-3]), method="trust-ncg", jac=jac, hessp=hessp)
    assert res.success
    np.testing.assert_allclose(np.abs(res.x), [0.0, np.sqrt(2.0)], atol=1e-6)
    assert res.fun == pytest.approx(-1.0, abs=1e-10)


def test_trust_ncg_options_are_checked():
    x0 = np.array([-1.2, 1.0])
    kw = dict(method="trust-ncg", jac=so.rosen_der, hessp=so.rosen_hess_prod)
    with pytest.raises(ValueError, match="initial_trust_radius .* max_trust_radius"):
        minimize(so.rosen, x0, options={"initial_trust_radius": 10, "max_trust_radius": 1},
                 **kw)
    with pytest.raises(ValueError, match="'eta' must be in"):
        minimize(so.rosen, x0, options={"eta": 1.5}, **kw)
    short = minimize(so.rosen, x0, options={"maxiter": 3}, **kw)
    assert short.status == 1 and not short.success and short.nit == 3
    small = minimize(so.rosen, x0, options={"initial_trust_radius": 1e-3}, **kw)
    assert small.success


def test_trust_ncg_float32_converges_with_its_default_gtol():
    x0 = np.array([-1.2, 1.0], dtype=np.float32)
    res = minimize(rosen, x0, method="trust-ncg", backend="numpy")
    assert res.success, res.message
    assert res.x.dtype == np.float32
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=2e-3)


@pytest.mark.slow
def test_trust_ncg_compiled_driver_matches_python_driver(monkeypatch):
    x0 = np.tile([-1.2, 1.0], 5)
    vg = optad.value_and_grad(rosen)
    hvp = optad.hvp(rosen)
    python = minimize(vg, x0, method="trust-ncg", jac=True, hessp=hvp)
    drives = []
    real = compiled_driver.drive
    monkeypatch.setattr(compiled_driver, "drive", lambda *a: drives.append(1) or real(*a))
    compiled = minimize(rosen, x0, method="trust-ncg")
    assert drives and compiled.success and python.success
    assert compiled.nit == python.nit and compiled.nhev == python.nhev
    np.testing.assert_allclose(compiled.x, python.x, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(compiled.history.f, python.history.f, rtol=1e-9, atol=1e-14)
