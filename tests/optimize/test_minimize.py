"""optad.minimize against scipy.optimize.minimize and known minimisers."""
import numpy as np
import pytest
import scipy.optimize as so

from optad.optimize import OptimizeResult, minimize


def rosen_x0(n):
    return np.tile([-1.2, 1.0], n // 2)


@pytest.mark.parametrize("n", [2, 100])
def test_newton_cg_rosenbrock_matches_scipy(n):
    x0 = rosen_x0(n)
    ours = minimize(so.rosen, x0, jac=so.rosen_der, hessp=so.rosen_hess_prod)
    ref = so.minimize(so.rosen, x0, method="Newton-CG", jac=so.rosen_der,
                      hessp=so.rosen_hess_prod)
    assert ours.success and ours.status == 0
    np.testing.assert_allclose(ours.x, np.ones(n), atol=1e-6)
    assert ours.fun <= ref.fun + 1e-12
    assert np.linalg.norm(ours.jac) <= 1e-6
    # final values and gradient norms, not iteration counts: those move with BLAS settings
    assert np.linalg.norm(ours.jac) <= max(1e-6, np.linalg.norm(ref.jac))


def test_newton_cg_chained_rosenbrock_1000_reaches_small_gradient():
    x0 = rosen_x0(1000)
    ours = minimize(so.rosen, x0, jac=so.rosen_der, hessp=so.rosen_hess_prod,
                    options={"gtol": 1e-6})
    assert ours.success
    assert np.linalg.norm(so.rosen_der(ours.x)) <= 1e-6
    np.testing.assert_allclose(ours.x, np.ones(1000), atol=1e-6)
    # scipy's Newton-CG stops (reporting success) after ~1600 iterations at ||g|| ~ 0.2-0.8;
    # we reach a 1e-6 gradient in fewer outer iterations than that.
    assert ours.nit < 1600


def ill_conditioned_quadratic(n, cond, seed):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = Q @ np.diag(np.logspace(0, np.log10(cond), n)) @ Q.T
    A = 0.5 * (A + A.T)
    x_star = rng.standard_normal(n)
    b = A @ x_star
    return A, b, x_star


@pytest.mark.parametrize("cond", [1e2, 1e6])
def test_newton_cg_ill_conditioned_quadratic(cond):
    A, b, x_star = ill_conditioned_quadratic(30, cond, seed=1)
    fun = lambda x: 0.5 * x @ A @ x - b @ x  # noqa: E731
    jac = lambda x: A @ x - b  # noqa: E731
    hessp = lambda x, p: A @ p  # noqa: E731
    ours = minimize(fun, np.zeros(30), jac=jac, hessp=hessp, options={"gtol": 1e-8})
    ref = so.minimize(fun, np.zeros(30), method="Newton-CG", jac=jac, hessp=hessp)
    assert ours.success
    np.testing.assert_allclose(ours.x, x_star, atol=1e-9)
    assert np.linalg.norm(ours.x - x_star) <= np.linalg.norm(ref.x - x_star) + 1e-12


def test_gd_on_well_conditioned_quadratic_all_variants():
    A, b, x_star = ill_conditioned_quadratic(10, 10.0, seed=2)
    fun = lambda x: 0.5 * x @ A @ x - b @ x  # noqa: E731
    jac = lambda x: A @ x - b  # noqa: E731
    L = np.linalg.eigvalsh(A).max()
    variants = [{}, {"step": 1 / L}, {"step": 1 / L, "momentum": 0.5},
                {"step": 1 / L, "momentum": 0.5, "nesterov": True}, {"momentum": 0.5},
                {"momentum": 0.9, "nesterov": True}]
    for opts in variants:
        r = minimize(fun, np.zeros(10), method="gd", jac=jac, options=dict(opts, gtol=1e-7))
        assert r.success, (opts, r.message)
        np.testing.assert_allclose(r.x, x_star, atol=1e-6)
    plain = minimize(fun, np.zeros(10), method="gd", jac=jac, options={"step": 1 / L})
    heavy = minimize(fun, np.zeros(10), method="gd", jac=jac,
                     options={"step": 1 / L, "momentum": 0.5})
    assert heavy.nit < plain.nit


@pytest.mark.parametrize("method", ["newton-cg", "gd"])
def test_least_squares_against_lstsq(method):
    rng = np.random.default_rng(3)
    A, y = rng.standard_normal((60, 8)), rng.standard_normal(60)
    fun = lambda x: 0.5 * np.sum((y - A @ x) ** 2)  # noqa: E731
    jac = lambda x: -A.T @ (y - A @ x)  # noqa: E731
    hessp = lambda x, p: A.T @ (A @ p)  # noqa: E731
    r = minimize(fun, np.zeros(8), method=method, jac=jac,
                 hessp=hessp if method == "newton-cg" else None, options={"gtol": 1e-7})
    np.testing.assert_allclose(r.x, np.linalg.lstsq(A, y, rcond=None)[0], atol=1e-8)


def test_least_squares_args_and_jac_true():
    rng = np.random.default_rng(4)
    A, y = rng.standard_normal((30, 5)), rng.standard_normal(30)

    def fun_and_grad(x, A, y):
        r = y - A @ x
        return 0.5 * r @ r, -A.T @ r

    r = minimize(fun_and_grad, np.zeros(5), args=(A, y), jac=True, method="newton-cg")
    np.testing.assert_allclose(r.x, np.linalg.lstsq(A, y, rcond=None)[0], atol=1e-7)
    assert r.nhev == 0  # Hessian-vector products came from gradient differences (counted in njev)
    assert r.njev > r.nit


def test_result_fields_history_and_pytree_x():
    target = (np.arange(6.0).reshape(2, 3), np.array([-1.0, 2.0]))

    def fun(p):
        return np.sum((p[0] - target[0]) ** 2) + 3 * np.sum((p[1] - target[1]) ** 2)

    def jac(p):
        return (2 * (p[0] - target[0]), 6 * (p[1] - target[1]))

    def hessp(p, v):
        return (2 * v[0], 6 * v[1])

    x0 = (np.zeros((2, 3)), np.zeros(2))
    r = minimize(fun, x0, jac=jac, hessp=hessp)
    assert isinstance(r, OptimizeResult)
    assert isinstance(r.x, tuple) and r.x[0].shape == (2, 3) and r.x[1].shape == (2,)
    np.testing.assert_allclose(r.x[0], target[0], atol=1e-10)
    assert isinstance(r.jac, tuple)
    for key in ("x", "fun", "jac", "nit", "nfev", "njev", "nhev", "success", "status",
                "message", "history"):
        assert key in r and getattr(r, key) is r[key]
    h = r.history
    assert len(h) == r.nit + 1
    assert h.f[0] == fun(x0) and h.f[-1] == r.fun
    assert np.all(np.diff(h.nfev) >= 0) and h.nfev[-1] == r.nfev
    assert 0 < h.nhev[-1] <= r.nhev  # the final curvature check comes after the last record
    assert np.all(np.diff(h.time) >= 0)
    assert "fun" in repr(r)


def test_callback_gets_intermediate_results_and_can_stop():
    seen = []

    def callback(intermediate):
        seen.append((intermediate.nit, intermediate.fun))
        if intermediate.nit == 3:
            raise StopIteration

    r = minimize(so.rosen, np.array([-1.2, 1.0]), jac=so.rosen_der, hessp=so.rosen_hess_prod,
                 callback=callback)
    assert [k for k, _ in seen] == [0, 1, 2, 3]
    assert r.nit == 3 and not r.success and r.status == 6 and "callback" in r.message
    assert r.fun == seen[-1][1]


def test_tol_maps_to_gtol():
    loose = minimize(so.rosen, np.array([-1.2, 1.0]), jac=so.rosen_der,
                     hessp=so.rosen_hess_prod, tol=1e-1)
    tight = minimize(so.rosen, np.array([-1.2, 1.0]), jac=so.rosen_der,
                     hessp=so.rosen_hess_prod, tol=1e-10)
    assert np.linalg.norm(loose.jac) <= 1e-1 and loose.nit < tight.nit
    assert np.linalg.norm(tight.jac) <= 1e-10


def test_newton_cg_escapes_saddle_point():
    # f = x^2 - y^2 + y^4 / 4: saddle at 0, minima at (0, +-sqrt 2) with f = -1.
    # From y = 0 the gradient never has a y component, so plain Newton stops at the saddle.
    fun = lambda z: z[0] ** 2 - z[1] ** 2 + z[1] ** 4 / 4  # noqa: E731
    jac = lambda z: np.array([2 * z[0], -2 * z[1] + z[1] ** 3])  # noqa: E731
    hessp = lambda z, p: np.array([2 * p[0], (-2 + 3 * z[1] ** 2) * p[1]])  # noqa: E731
    r = minimize(fun, np.array([1.0, 0.0]), jac=jac, hessp=hessp)
    assert r.success
    np.testing.assert_allclose(r.fun, -1.0, atol=1e-10)
    np.testing.assert_allclose(abs(r.x[1]), np.sqrt(2), atol=1e-6)


def test_finite_difference_jac_strings():
    r = minimize(so.rosen, np.array([-1.2, 1.0]), jac="3-point", hessp=so.rosen_hess_prod,
                 options={"gtol": 1e-5})
    np.testing.assert_allclose(r.x, [1, 1], atol=1e-5)
    assert r.nfev > 4 * r.njev / 2  # finite differences spend function evaluations


def test_optad_derivatives_numpy_backend_rosenbrock_and_pytree():
    pytest.importorskip("optad.api")

    def rosen(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    r = minimize(rosen, rosen_x0(20), backend="numpy")
    assert r.success and r.nhev > 0
    np.testing.assert_allclose(r.x, np.ones(20), atol=1e-6)
    ref = minimize(so.rosen, rosen_x0(20), jac=so.rosen_der, hessp=so.rosen_hess_prod)
    assert r.nit == ref.nit  # same derivatives up to rounding -> same path

    W = (np.ones((2, 3)), np.zeros(3))
    r = minimize(lambda p: np.sum((p[0] - 2) ** 2) + np.sum(np.exp(p[1]) - p[1]), W,
                 method="gd", backend="numpy")
    np.testing.assert_allclose(r.x[0], 2.0, atol=1e-6)
    np.testing.assert_allclose(r.x[1], 0.0, atol=1e-6)
