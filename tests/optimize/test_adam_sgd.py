"""method="adam" and method="sgd": the update rules against their formulas written out, full-batch
convergence, the step functions in a mini-batch loop, and the compiled loop."""
import numpy as np
import pytest

import optad
from optad.optimize import minimize
from optad.optimize.methods.adam import adam_step
from optad.optimize.methods.sgd import sgd_step

from scipy_problems import PROBLEMS, rosen


def _reference_adam(jac, x0, steps, lr, b1, b2, eps):
    x, m, v = x0.astype(float), np.zeros_like(x0), np.zeros_like(x0)
    for t in range(1, steps + 1):
        g = jac(x)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        x = x - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
    return x


def test_adam_iterates_follow_the_formulas():
    fun, jac, _, x0, _ = PROBLEMS["quartic"]()
    res = minimize(fun, x0, method="adam", jac=jac,
                   options={"maxiter": 50, "step": 0.1, "betas": (0.8, 0.99), "eps": 1e-6})
    # every step lowers f here, so the best point seen is the last iterate
    assert res.status == 1 and not res.success and res.nit == 50 and res.nfev == 51
    np.testing.assert_allclose(res.x, _reference_adam(jac, x0, 50, 0.1, 0.8, 0.99, 1e-6),
                               rtol=1e-12)


def test_sgd_iterates_follow_the_formulas():
    fun, jac, _, x0, _ = PROBLEMS["least-squares"]()
    res = minimize(fun, x0, method="sgd", jac=jac,
                   options={"maxiter": 30, "step": 0.005, "momentum": 0.5})
    x, vel = x0.copy(), np.zeros_like(x0)
    for _ in range(30):
        vel = 0.5 * vel - 0.005 * jac(x)
        x = x + vel
    np.testing.assert_allclose(res.x, x, rtol=1e-12)


@pytest.mark.parametrize("method, options", [
    ("adam", {"step": 0.05, "maxiter": 3000, "gtol": 1e-6}),
    ("sgd", {"step": 0.2, "momentum": 0.9, "maxiter": 3000, "gtol": 1e-6}),
])
def test_full_batch_runs_reach_the_minimiser(method, options):
    fun, jac, _, x0, _ = PROBLEMS["logistic"]()
    ref = minimize(fun, x0, method="lbfgs", jac=jac, options={"gtol": 1e-10})
    res = minimize(fun, x0, method=method, jac=jac, options=options)
    assert res.success, res.message
    np.testing.assert_allclose(res.x, ref.x, atol=1e-5)


def test_step_functions_in_a_mini_batch_loop():
    rng = np.random.default_rng(4)
    M = rng.standard_normal((200, 5))
    w_true = rng.standard_normal(5)
    y = M @ w_true + 0.01 * rng.standard_normal(200)
    vg = optad.value_and_grad(lambda w, A, b: np.mean((A @ w - b) ** 2), backend="numpy")
    w_adam, m, v = np.zeros(5), np.zeros(5), np.zeros(5)
    w_sgd, vel = np.zeros(5), np.zeros(5)
    t = 0
    for epoch in range(60):
        for batch in np.split(rng.permutation(200), 10):
            t += 1
            _, g = vg(w_adam, M[batch], y[batch])
            w_adam, m, v = adam_step(w_adam, g, m, v, t, 0.05, 0.9, 0.999, 1e-8)
            _, g = vg(w_sgd, M[batch], y[batch])
            w_sgd, vel = sgd_step(w_sgd, g, vel, 0.02, 0.9)
    w_star = np.linalg.lstsq(M, y, rcond=None)[0]
    np.testing.assert_allclose(w_adam, w_star, atol=0.02)
    np.testing.assert_allclose(w_sgd, w_star, atol=0.02)


def test_bad_options_name_the_option():
    x0 = np.zeros(2)
    with pytest.raises(ValueError, match="'betas' must be a pair of numbers in \\[0, 1\\)"):
        minimize(rosen, x0, method="adam", backend="numpy", options={"betas": (0.9, 1.0)})
    with pytest.raises(ValueError, match="'betas'"):
        minimize(rosen, x0, method="adam", backend="numpy", options={"betas": 0.9})
    with pytest.raises(ValueError, match="'momentum' must be in"):
        minimize(rosen, x0, method="sgd", backend="numpy", options={"momentum": 1.0})
    with pytest.raises(ValueError, match="'step'"):
        minimize(rosen, x0, method="sgd", backend="numpy", options={"step": -1})


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_diverging_sgd_stops_with_nonfinite_and_returns_a_finite_point():
    fun, jac, _, x0, _ = PROBLEMS["quadratic-cond-1e3"]()
    res = minimize(fun, x0, method="sgd", jac=jac,
                   options={"step": 1.0, "momentum": 0.0, "maxiter": 5000})
    assert not res.success and res.status == 3
    assert np.all(np.isfinite(res.x)) and np.isfinite(res.fun)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["adam", "sgd"])
def test_compiled_loop_matches_python(method):
    x0 = np.tile([-1.2, 1.0], 3)
    vg = optad.value_and_grad(rosen)
    options = {"maxiter": 200, "step": 1e-3}
    python = minimize(vg, x0, method=method, jac=True, options=options)
    compiled = minimize(rosen, x0, method=method, options=options)
    assert compiled.nit == python.nit == 200
    np.testing.assert_allclose(compiled.x, python.x, rtol=1e-10)
    np.testing.assert_allclose(compiled.history.f, python.history.f, rtol=1e-10)


def test_experiment_configs_accept_betas_and_reject_bad_ones():
    from optad.experiments.config import ConfigError, validate
    raw = {"name": "t", "problem": {"name": "rosenbrock"},
           "methods": [{"method": "adam", "options": {"betas": [0.8, 0.99], "step": 0.01}}]}
    config = validate(raw)
    assert config.methods[0].options["betas"] == (0.8, 0.99)
    raw["methods"][0]["options"]["betas"] = [0.8, 1.5]
    with pytest.raises(ConfigError, match=r"betas\[1\]"):
        validate(raw)
