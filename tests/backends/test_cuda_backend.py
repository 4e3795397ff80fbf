"""The CUDA backend against the NumPy evaluator, under Numba's CUDA simulator, on small
shapes: fused elementwise kernels, tree reductions, tiled matmul, strided copies, and the host
fallbacks."""
import sys
from pathlib import Path

import numpy as np
import pytest

import optad

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))  # the shared corpora
from test_derivative_rules import CASES, FIRST_ORDER_ONLY, draw  # noqa: E402
from test_models import MODELS, make  # noqa: E402

pytest.importorskip("numba.cuda")

pytestmark = pytest.mark.slow  # compile-heavy: a kernel (or a process) per test

SAMPLE = ["tanh", "div", "pow_array", "where", "maximum", "sum_axis", "max", "prod",
          "cumsum", "transpose", "slice_strided", "gather_pairs", "concatenate",
          "matmul_batched", "solve_vec", "sign_times", "astype32"]


@pytest.mark.parametrize("name", SAMPLE + ["svdvals"])
def test_cuda_jvp_and_vjp_equal_numpy(name):
    case = {**CASES, **FIRST_ORDER_ONLY}[name]
    fun, xs, rng = draw(case, 3)
    ts = [rng.normal(size=x.shape) for x in xs]
    out, tan = optad.jvp(fun, xs, ts, backend="cuda")
    ref_out, ref_tan = optad.jvp(fun, xs, ts, backend="numpy")
    np.testing.assert_allclose(out, ref_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tan, ref_tan, rtol=1e-10, atol=1e-12)
    value, pullback = optad.vjp(fun, *xs, backend="cuda")
    ct = rng.normal(size=np.shape(value))
    ref = optad.vjp(fun, *xs, backend="numpy")[1](ct)
    for a, b in zip(pullback(ct), ref):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", MODELS)
def test_cuda_gradient_and_hvp_of_models_equal_numpy(name):
    f, x, data = make(name, np.random.default_rng(4))
    value, g = optad.value_and_grad(f, backend="cuda")(x, *data)
    ref_value, ref_g = optad.value_and_grad(f, backend="numpy")(x, *data)
    np.testing.assert_allclose(value, ref_value, rtol=1e-10)
    for a, b in zip(optad.tree.flatten(g)[0], optad.tree.flatten(ref_g)[0]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    if name not in ("least_squares", "mlp"):
        return  # HVPs of the larger programs cost minutes under the simulator
    hv = optad.hvp(f, backend="cuda")(x, g, *data)
    ref_hv = optad.hvp(f, backend="numpy")(x, ref_g, *data)
    for a, b in zip(optad.tree.flatten(hv)[0], optad.tree.flatten(ref_hv)[0]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_cuda_float32_and_reduction_over_several_blocks():
    x = np.linspace(-2, 2, 300, dtype=np.float32)       # 300 > one block of 128 threads
    f = lambda x: np.sum(np.tanh(x) ** 2) + np.max(x)  # noqa: E731
    value, g = optad.value_and_grad(f, backend="cuda")(x)
    ref_value, ref_g = optad.value_and_grad(f, backend="numpy")(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(value, ref_value, rtol=1e-5)
    np.testing.assert_allclose(g, ref_g, rtol=1e-5, atol=1e-6)


def test_cuda_source_shows_fused_kernels_and_steps():
    f = lambda W, X: np.sum(np.tanh(W @ X) ** 2)  # noqa: E731
    src = optad.show_source(optad.grad(f, backend="cuda"), np.ones((3, 2)), np.ones((2, 4)))
    assert "@cuda.jit" in src and "sc.tanh(" in src and "matmul (device)" in src
