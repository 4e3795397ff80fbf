"""Every primitive's JVP and VJP against central finite differences, and second order (HVP)
against finite differences of the gradient, on random inputs in float64.

Each case is a small NumPy function exercising one rule; inputs are drawn from a domain where
the function is smooth (away from kinks and ties).  The Numba backend runs every case too, checked
against the same differences and against the NumPy backend, array by array
(tests/rule_checks.py)."""
import numpy as np
import pytest

import optad
from rule_checks import case_results, check_against_finite_differences, check_same_results


def pos(*shape):
    return lambda rng: rng.uniform(0.5, 2.0, size=shape)


def anyv(*shape):
    return lambda rng: rng.normal(size=shape)


def away(*shape):
    """Values bounded away from 0 (for abs, sign, maximum ties)."""
    return lambda rng: rng.choice([-1, 1], size=shape) * rng.uniform(0.3, 2.0, size=shape)


IDX = np.array([2, 0, 2, 1])
MAT = np.array([[2.0, 0.3, 0.1], [0.2, 3.0, 0.5], [0.1, 0.4, 2.5]])

CASES = {
    # elementwise unary
    "neg": (lambda x: -x, [anyv(3, 4)]),
    "exp": (np.exp, [anyv(3, 4)]),
    "log": (np.log, [pos(3, 4)]),
    "log1p": (np.log1p, [pos(5)]),
    "expm1": (np.expm1, [anyv(5)]),
    "sqrt": (np.sqrt, [pos(5)]),
    "sin": (np.sin, [anyv(5)]),
    "cos": (np.cos, [anyv(5)]),
    "tan": (np.tan, [lambda rng: rng.uniform(-1, 1, 5)]),
    "tanh": (np.tanh, [anyv(3, 4)]),
    "sinh_cosh": (lambda x: np.sinh(x) * np.cosh(x), [anyv(5)]),
    "abs": (np.abs, [away(5)]),
    "sign_times": (lambda x: np.sign(x) * x ** 2, [away(5)]),
    "square_reciprocal": (lambda x: np.square(x) + np.reciprocal(x), [pos(5)]),
    "log2_log10_exp2": (lambda x: np.log2(x) + np.log10(x) + np.exp2(x), [pos(5)]),
    # elementwise binary, with broadcasting and Python scalars
    "add_broadcast": (lambda x, y: x + y, [anyv(3, 1), anyv(1, 4)]),
    "sub_scalar": (lambda x, y: x - 2.0 * y, [anyv(3, 4), anyv(4)]),
    "mul": (lambda x, y: x * y, [anyv(3, 4), anyv(3, 4)]),
    "div": (lambda x, y: x / y, [anyv(3, 4), pos(3, 4)]),
    "rdiv": (lambda x: 1.0 / x, [pos(4)]),
    "pow_array": (lambda x, y: x ** y, [pos(4), anyv(4)]),
    "pow_scalar": (lambda x: x ** 3 + x ** 0.5, [pos(4)]),
    "rpow": (lambda x: 2.0 ** x, [anyv(4)]),
    "maximum": (np.maximum, [anyv(6), anyv(6)]),
    "minimum": (np.minimum, [anyv(6), anyv(6)]),
    "relu": (lambda x: np.maximum(x, 0.0), [away(6)]),
    "where": (lambda x, y: np.where(x > 0, x * y, y ** 2), [away(6), anyv(6)]),
    "comparisons": (lambda x: np.where((x < 0.5) & (x >= -0.5), x ** 2, np.sin(x)),
                    [lambda rng: np.array([-1.3, -0.2, 0.3, 0.9, 1.7])]),
    "logaddexp": (np.logaddexp, [anyv(5), anyv(5)]),
    "hypot": (np.hypot, [away(5), away(5)]),
    "clip": (lambda x: np.clip(x, -0.5, 0.5), [lambda rng: np.array([-1.0, -0.2, 0.1, 0.7])]),
    "astype32": (lambda x: x.astype(np.float32).astype(np.float64) * 0 + x, [anyv(3)]),
    # reductions
    "sum_all": (np.sum, [anyv(3, 4)]),
    "sum_axis": (lambda x: np.sum(x, axis=1) * np.sum(x, axis=0)[:3], [anyv(3, 4)]),
    "sum_keepdims": (lambda x: x / np.sum(x ** 2, axis=-1, keepdims=True), [anyv(3, 4)]),
    "mean": (lambda x: np.mean(x, axis=0) + x.mean(), [anyv(3, 4)]),
    "max": (lambda x: np.max(x, axis=1), [anyv(3, 4)]),
    "min_keepdims": (lambda x: x - x.min(axis=0, keepdims=True), [anyv(3, 4)]),
    "prod": (lambda x: np.prod(x, axis=1), [anyv(3, 5)]),
    "prod_all": (np.prod, [anyv(7)]),
    "var_std": (lambda x: np.var(x, axis=0) + np.std(x), [anyv(4, 3)]),
    "cumsum": (lambda x: np.cumsum(x, axis=1) ** 2, [anyv(3, 4)]),
    "cumsum_flat": (lambda x: np.cumsum(x) ** 2, [anyv(2, 3)]),
    # shape
    "reshape": (lambda x: np.sin(x.reshape(4, 3)).reshape(-1), [anyv(3, 4)]),
    "transpose": (lambda x: np.transpose(x, (2, 0, 1)) * np.arange(3.0), [anyv(2, 3, 2)]),
    "T": (lambda x: x.T @ x, [anyv(3, 2)]),
    "swap_expand_squeeze": (lambda x: np.squeeze(np.expand_dims(np.swapaxes(x, 0, 1), 0)),
                            [anyv(3, 4)]),
    "moveaxis": (lambda x: np.moveaxis(x, 0, -1) ** 2, [anyv(2, 3, 4)]),
    "broadcast_to": (lambda x: np.broadcast_to(x, (3, 4)) * np.arange(4.0), [anyv(4)]),
    "slice_basic": (lambda x: x[1:, :2] * x[0, 1], [anyv(3, 4)]),
    "slice_strided": (lambda x: x[::-2, 1::2] ** 2, [anyv(5, 4)]),
    "slice_none_ellipsis": (lambda x: x[None, ..., -1] * x[..., 0][:, None], [anyv(3, 4)]),
    "flip": (lambda x: np.flip(x, axis=0) * x, [anyv(4, 2)]),
    "gather": (lambda x: x[IDX] ** 2, [anyv(3, 2)]),
    "gather_axis1": (lambda x: x[:, IDX] * 2, [anyv(2, 3)]),
    "gather_pairs": (lambda x: x[IDX, IDX[::-1]] ** 2, [anyv(3, 3)]),
    "take": (lambda x: np.take(x, IDX, axis=0), [anyv(3)]),
    "concatenate": (lambda x, y: np.concatenate([x, y ** 2, x], axis=1), [anyv(2, 3), anyv(2, 1)]),
    "stack": (lambda x, y: np.stack([x, y * x]), [anyv(3), anyv(3)]),
    "hstack_vstack": (lambda x: np.vstack([np.hstack([x, x ** 2]), x[::-1].reshape(1, -1)
                                           .repeat(1, axis=0) if False else
                                           np.hstack([x, x])]), [anyv(3)]),
    "diag_trace": (lambda x: np.trace(x @ x) + np.diagonal(x), [anyv(3, 3)]),
    "iterate_rows": (lambda x: sum(row ** 2 for row in x), [anyv(3, 2)]),
    # linear algebra
    "matmul_mm": (lambda a, b: a @ b, [anyv(3, 4), anyv(4, 2)]),
    "matmul_mv": (lambda a, b: a @ b, [anyv(3, 4), anyv(4)]),
    "matmul_vm": (lambda a, b: a @ b, [anyv(3), anyv(3, 4)]),
    "matmul_vv": (lambda a, b: np.matmul(a, b), [anyv(3), anyv(3)]),
    "matmul_batched": (lambda a, b: a @ b, [anyv(2, 3, 4), anyv(4, 2)]),
    "dot_outer_inner": (lambda a, b: np.dot(a, b) * np.outer(a, b) + np.inner(a, b),
                        [anyv(3), anyv(3)]),
    "matmul_const": (lambda x: MAT @ np.tanh(x), [anyv(3, 2)]),
    "solve_vec": (lambda a, b: np.linalg.solve(a, b), [lambda rng: MAT + 0.1 * rng.normal(
        size=(3, 3)), anyv(3)]),
    "solve_mat": (lambda a, b: np.linalg.solve(a, b), [lambda rng: MAT + 0.1 * rng.normal(
        size=(3, 3)), anyv(3, 2)]),
    "norm": (lambda x: np.linalg.norm(x) + np.linalg.norm(x, axis=0), [anyv(3, 2)]),
}

FIRST_ORDER_ONLY = {
    "svdvals": (lambda w: np.linalg.svd(w, compute_uv=False),
                [lambda rng: np.array([[3.0, 1.0], [0.5, 2.0], [0.2, -1.0]])
                 + 0.1 * rng.normal(size=(3, 2))]),
}


ALL_CASES = {**CASES, **FIRST_ORDER_ONLY}


def draw(case, seed):
    """(fun, inputs, the generator they came from) of a case (tests/backends uses it too)."""
    rng = np.random.default_rng(seed)
    fun, makers = case
    return fun, [m(rng) for m in makers], rng


@pytest.mark.parametrize("name", sorted(ALL_CASES))
def test_jvp_and_vjp_match_finite_differences(name):
    """NumPy backend (nothing compiles): value, JVP and VJP against central differences."""
    result = case_results(name, ALL_CASES[name], "numpy", second_order=False)
    check_against_finite_differences(ALL_CASES[name], result, value_rtol=1e-12, value_atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_hvp_matches_finite_differences_of_gradient(name):
    """NumPy backend: H v against the central difference of the gradient along v."""
    result = case_results(name, CASES[name], "numpy")
    check_against_finite_differences(CASES[name], result, value_rtol=1e-12, value_atol=1e-12)


# A few quick cases (elementwise, a BLAS product, a reduction) run on Numba in the fast tier,
# so the inner loop of work exercises the compiler; the rest compile in the slow tier.
FAST_NUMBA_CASES = {"exp", "matmul_mv", "sum_axis"}


@pytest.mark.skipif("numba" not in __import__("conftest").BACKENDS, reason="numba backend absent")
@pytest.mark.parametrize("name", [name if name in FAST_NUMBA_CASES else
                                  pytest.param(name, marks=pytest.mark.slow)
                                  for name in sorted(ALL_CASES)])
def test_numba_backend_matches_finite_differences_and_numpy_backend(name):
    """Every case compiled by Numba: value, JVP and VJP against central differences, H v
    against the difference of the gradient, and every array against the NumPy backend to
    1e-10 relative (one test per case, so each kernel compiles once)."""
    case = ALL_CASES[name]
    result = case_results(name, case, "numba", second_order=name in CASES)
    check_against_finite_differences(case, result, value_rtol=1e-12, value_atol=1e-12)
    check_same_results(result, case_results(name, case, "numpy", second_order=name in CASES),
                       rtol=1e-10, atol=1e-12, backends=("numba", "numpy"))


def test_float32_end_to_end(backend):
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    w = np.ones((3, 2), dtype=np.float32)

    def f(x, w):
        return np.sum(np.tanh(x @ w) ** 2) + 0.5 * np.sum(x * x)

    value, g = optad.value_and_grad(f, backend=backend)(x, w)
    assert g.dtype == np.float32 and np.asarray(value).dtype == np.float32
    hv = optad.hvp(f, backend=backend)(x, np.ones_like(x), w)
    assert hv.dtype == np.float32
    g64 = optad.grad(f, backend=backend)(x.astype(np.float64), w.astype(np.float64))
    np.testing.assert_allclose(g, g64, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif("interpreter" not in __import__("conftest").BACKENDS,
                    reason="numba backend absent")
@pytest.mark.parametrize("name", sorted(ALL_CASES))
def test_first_tier_interpreter_matches_finite_differences_and_numpy_backend(name):
    """Every case on the Numba backend's first tier (its compiled interpreter, compiled once
    per session): value, JVP, VJP and H v against central differences, and every array
    against the NumPy backend to 1e-10 relative."""
    case = ALL_CASES[name]
    result = case_results(name, case, "interpreter", second_order=name in CASES)
    check_against_finite_differences(case, result, value_rtol=1e-12, value_atol=1e-12)
    check_same_results(result, case_results(name, case, "numpy", second_order=name in CASES),
                       rtol=1e-10, atol=1e-12, backends=("interpreter", "numpy"))
