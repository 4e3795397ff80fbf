"""A compiled loop that cannot be built is not attempted again, and the generator does not emit
what Numba rejects (issue 21: a scalar output made by a reshape was a 0-d array, which the
loop's ``float()`` refused, so L-BFGS fell back to Python steps on np.prod losses)."""
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

import optad
from optad.backends.numba import driver, tiered
from optad.optimize.loop import loop_code
from optad.optimize.methods import gd
from optad.optimize.objective import make_problem


def _prod_loss(x):
    return np.prod(np.sin(x) + 2.0)


def test_a_scalar_made_by_reshape_is_a_number_in_the_kernel_entry():
    x = np.array([0.3, 0.5, 0.1])
    source = optad.show_source(optad.value_and_grad(_prod_loss), x)
    assert ".reshape(())" not in source
    problem, _, _ = make_problem(_prod_loss, x, (), None, None, "numba", ("value_and_grad",))
    entries = problem.njit_entries(("value_and_grad",))
    f, g = entries.value_and_grad(x, *entries.args)
    assert isinstance(f, float)
    np.testing.assert_allclose(f, _prod_loss(x), rtol=1e-14)
    np.testing.assert_allclose(g, np.cos(x) * _prod_loss(x) / (np.sin(x) + 2.0), rtol=1e-13)


@pytest.mark.slow
def test_lbfgs_on_a_product_runs_its_compiled_loop():
    x0 = np.array([0.3, 0.5, 0.1])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)   # no "compiled loop could not be built"
        result = optad.minimize(_prod_loss, x0, method="lbfgs")
    assert result.success
    np.testing.assert_allclose(result.x, -np.pi / 2, atol=1e-6)


def test_a_loop_that_failed_to_compile_is_not_compiled_again(tmp_path, monkeypatch):
    monkeypatch.setenv("OPTAD_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(driver, "_WARNED_FAILED", set())

    def loss(x):
        return np.sum((x - 0.25) ** 2) * 1.375   # a loop of this test's own

    x0 = np.zeros(3)
    problem, _, _ = make_problem(loss, x0, (), None, None, "numba", gd.NEEDS)
    entries = problem.njit_entries(gd.NEEDS)
    function = driver._compiled(loop_code(gd), entries)[0]
    module = SimpleNamespace(__file__=function.py_func.__globals__["__file__"])
    tiered.mark_failed(module, "a Numba typing error, recorded by an earlier process")
    params = gd.configure({"maxiter": 5}, x0)
    assert driver.loop_ready(loop_code(gd), entries, x0, params)   # no worker is started for it
    with pytest.warns(RuntimeWarning, match="earlier run"):
        assert driver.drive(loop_code(gd), entries, x0, params) is None
    assert not function.signatures, "nothing was compiled"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert driver.drive(loop_code(gd), entries, x0, params) is None   # warned once per process
    result = optad.minimize(loss, x0, method="gd", options={"maxiter": 200})
    np.testing.assert_allclose(result.x, 0.25, atol=1e-6)   # the Python loop ran
