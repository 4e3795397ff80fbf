"""Lists of traced values given to NumPy functions are stacked into a traced array (optad
wraps those NumPy names while a trace runs; OPTAD_PATCH_NUMPY=0 turns it off), and NumPy is
unchanged outside tracing (tests/core/test_numpy_untouched.py checks identity and threads)."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import optad


def central_gradient(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


@pytest.mark.parametrize("f", [
    lambda x: np.mean([x[0], 2 * x[1], x[0] * x[1]]),
    lambda x: np.linalg.norm([x[0], 2 * x[1]]),
    lambda x: np.sum(np.mean([x, x ** 2], axis=0) * np.array([1.0, -2.0])),
    lambda x: np.sum(np.where(x > 0, [x[0], 3 * x[1]], 0.0)),
    lambda x: np.dot([x[0], x[1]], [x[1], 1.0]),
    lambda x: np.std((x[0], x[1] ** 2, 1.0)),
    lambda x: np.prod(np.reshape([x[0], x[1], x[0], 1.0], (2, 2)), axis=1).sum(),
    lambda x: np.sum(np.sqrt([x[0] ** 2, 3 * x[1] ** 2])),
    lambda x: np.sum(np.multiply([x[0], 2.0], [x[1], x[0]])),
    lambda x: np.sum(np.asanyarray([x[0], x[1]]) * np.ascontiguousarray([x[1], 1.0])),
    lambda x: np.sum(np.asanyarray(x) ** 2 + np.ascontiguousarray(x)),
    lambda x: np.sum(np.r_[x, x[0] * x[1]] ** 2) + np.sum(np.c_[x, 2 * x]),
], ids=["mean", "norm", "mean-axis", "where", "dot", "std-tuple", "reshape", "ufunc",
        "ufunc-binary", "asanyarray-list", "asanyarray-traced", "r_-c_"])
def test_lists_of_traced_values_are_stacked(f, backend):
    x = np.array([0.7, -1.3])
    np.testing.assert_allclose(optad.jit(f, backend=backend)(x), f(x), rtol=1e-12)
    np.testing.assert_allclose(optad.grad(f, backend=backend)(x), central_gradient(f, x),
                               rtol=1e-6, atol=1e-8)


def test_numpy_is_unchanged_outside_tracing():
    assert np.mean([1.0, 2.0, 4.0]) == pytest.approx(7 / 3)
    assert np.linalg.norm([3.0, 4.0]) == 5.0
    assert type(np.array([1, 2])) is np.ndarray
    assert not getattr(np.mean, "optad_wrapped", False)
    assert isinstance(np.sqrt, np.ufunc)


def test_lists_of_plain_numbers_inside_a_traced_function_stay_numpy():
    # a list holding no traced value is NumPy's business even while tracing
    f = lambda x: np.sum(x * np.mean([1.0, 3.0]))  # noqa: E731
    np.testing.assert_allclose(optad.grad(f, backend="numpy")(np.ones(2)), [2.0, 2.0])


@pytest.mark.slow
def test_user_njit_code_still_compiles_numpy_calls_after_import():
    numba = pytest.importorskip("numba")

    @numba.njit
    def user_kernel(x):
        return np.mean(x) + np.linalg.norm(x) + np.asarray(x).sum() + np.array([1.0])[0]

    assert user_kernel(np.ones(4)) == pytest.approx(1 + 2 + 4 + 1)


@pytest.mark.slow
def test_optad_patch_numpy_0_leaves_numpy_untouched():
    script = textwrap.dedent("""
        import numpy as np
        array, mean, norm = np.array, np.mean, np.linalg.norm
        import optad
        assert np.array is array and np.mean is mean and np.linalg.norm is norm
        assert not hasattr(np.r_, "_traced")
        seen = []
        optad.grad(lambda x: seen.append(np.mean) or x * x, backend="numpy")(1.0)
        assert seen == [mean], "a NumPy name was wrapped during a trace with patches off"
        try:
            optad.grad(lambda x: np.mean([x, x]), backend="numpy")(1.0)
        except optad.TracerError as err:
            assert "np.stack" in str(err) and "OPTAD_PATCH_NUMPY=0" in str(err), err
        else:
            raise AssertionError("a list of traced values was accepted with patches off")
        # optad's own functions still take lists
        g = optad.grad(lambda x: optad.numpy.mean(optad.numpy.stack([x, 2 * x])),
                       backend="numpy")(1.0)
        assert abs(g - 1.5) < 1e-12
        print("untouched")
    """)
    env = dict(os.environ, OPTAD_PATCH_NUMPY="0", OPTAD_BACKEND="numpy")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "untouched" in out.stdout
