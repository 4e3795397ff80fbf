"""The functions of issue 12 (modular arithmetic, inverse trigonometry, contractions, array
manipulation, sorting, decompositions) against central finite differences: JVP and VJP
(first order) and HVP (second order), on both backends, in float64; the Numba backend also
against the NumPy backend, array by array (tests/rule_checks.py).

Each case is a small NumPy function; inputs are drawn where it is smooth (away from ties,
jumps and repeated eigenvalues).  The Numba variant compiles the jvp, vjp and hvp kernels of
each case, so all but a few cases are marked slow; the NumPy backend runs in the fast tier."""
import numpy as np
import pytest

from rule_checks import case_results, check_against_finite_differences, check_same_results


def anyv(*shape):
    return lambda rng: rng.normal(size=shape)


def unit(*shape):
    return lambda rng: rng.uniform(-0.8, 0.8, size=shape)


def pos(*shape):
    return lambda rng: rng.uniform(0.5, 2.0, size=shape)


def above_one(*shape):
    return lambda rng: rng.uniform(1.3, 3.0, size=shape)


def spd(n, batch=()):
    def make(rng):
        m = rng.normal(size=batch + (n, n))
        return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)
    return make


def well_conditioned(n, batch=()):
    return lambda rng: rng.normal(size=batch + (n, n)) * 0.3 + 2.0 * np.eye(n)


def distinct_real_eigen(n):
    def make(rng):
        q = np.linalg.qr(rng.normal(size=(n, n)))[0] + 0.2 * rng.normal(size=(n, n))
        return q @ np.diag(np.arange(1.0, n + 1.0) * 1.5) @ np.linalg.inv(q)
    return make


def mid_remainder(*shape):
    """x with x / 0.7 well away from integers (so x % 0.7 is smooth there)."""
    return lambda rng: (rng.integers(-3, 3, size=shape) + rng.uniform(0.2, 0.8, size=shape)) * 0.7


def sym(a):
    return (a + np.swapaxes(a, -1, -2)) / 2


def sign_fixed(v):
    """Eigen/singular vectors with a sign convention (first entry of each column positive),
    so a smooth function of them is differentiable across the LAPACK sign choice."""
    return v * np.sign(v[..., :1, :])


W3 = np.array([[0.3, -1.2, 0.5], [1.1, 0.4, -0.7], [0.2, 0.9, 1.3]])

CASES = {
    # modular arithmetic
    "remainder": (lambda x: (x % 0.7) * x + np.mod(x, 1.3) ** 2, [mid_remainder(6)]),
    "remainder_divisor": (lambda x, y: np.remainder(x, y) * x, [mid_remainder(5), pos(5)]),
    "floordiv_divmod": (lambda x: (x // 0.7) * x + divmod(x, 0.7)[1] ** 2, [mid_remainder(5)]),
    # inverse trigonometric and hyperbolic
    "arcsin_arccos": (lambda x: np.arcsin(x) * np.arccos(x), [unit(5)]),
    "arctan": (lambda x: np.arctan(x) ** 2, [anyv(5)]),
    "arcsinh_arctanh": (lambda x: np.arcsinh(3 * x) + np.arctanh(x), [unit(5)]),
    "arccosh": (np.arccosh, [above_one(5)]),
    "arctan2": (lambda y, x: np.arctan2(y, x) * y, [anyv(5), pos(5)]),
    "logaddexp2": (np.logaddexp2, [anyv(4), anyv(4)]),
    "deg_rad": (lambda x: np.sin(np.deg2rad(x)) * np.rad2deg(x) + np.radians(np.degrees(x)),
                [anyv(4)]),
    "ceil_fabs": (lambda x: np.ceil(x) * np.fabs(x), [lambda rng: np.array([-1.7, -0.4, 0.3,
                                                                            1.6])]),
    "sinc": (lambda x: np.sinc(x), [lambda rng: np.array([0.0, 1e-4, -0.3, 0.8, 2.5])]),
    "fmax_fmin": (lambda x, y: np.fmax(x, y) * np.fmin(x, 2 * y), [anyv(6), anyv(6)]),
    "nan_to_num": (lambda x: np.nan_to_num(np.log(x)) * x, [pos(4)]),
    # contractions
    "einsum_matmul": (lambda a, b: np.einsum("ij,jk->ik", a, b), [anyv(3, 4), anyv(4, 2)]),
    "einsum_chain": (lambda a, b, c: np.einsum("ij,jk,kl->il", a, b, c),
                     [anyv(2, 3), anyv(3, 4), anyv(4, 2)]),
    "einsum_batched_bilinear": (lambda x, a, y: np.einsum("bi,bij,bj->b", x, a, y),
                                [anyv(3, 2), anyv(3, 2, 4), anyv(3, 4)]),
    "einsum_trace_diag": (lambda a: np.einsum("ii", a) * np.einsum("ii->i", a), [anyv(3, 3)]),
    "einsum_ellipsis_implicit": (lambda a, b: np.einsum("...ij,...jk", a, b) +
                                 np.einsum("ij->ji", b[0]).sum(), [anyv(2, 3, 3), anyv(2, 3, 3)]),
    "einsum_outer_sum": (lambda a, b: np.einsum("i,j->ij", a, b) + np.einsum("ij->", a[:, None]
                                                                             * b), [anyv(3),
                                                                                    anyv(3)]),
    "tensordot_int": (lambda a, b: np.tensordot(a, b, 2), [anyv(2, 3, 4), anyv(3, 4, 2)]),
    "tensordot_axes": (lambda a, b: np.tensordot(a, b, axes=([0, 2], [1, 0])),
                       [anyv(2, 3, 4), anyv(4, 2, 3)]),
    "kron": (lambda a, b: np.kron(a, b), [anyv(2, 3), anyv(2, 2)]),
    "cross": (lambda a, b: np.cross(a, b) + np.cross(a.T, b, axisa=0, axisc=0).T,
              [anyv(4, 3), anyv(4, 3)]),
    "dot_nd_and_float": (lambda a, b: np.dot(a, b).sum(axis=1) * np.dot(a, 2.0)[..., :2],
                         [anyv(2, 3), anyv(2, 3, 2)]),
    # manipulation
    "diff": (lambda x: np.diff(x, axis=0) ** 2 + np.diff(x, n=2, axis=0, prepend=0.5)[:2],
             [anyv(3, 4)]),
    "tril_triu": (lambda x: np.tril(x) * 2 + np.triu(x, 1) ** 2, [anyv(3, 4)]),
    "roll_rollaxis": (lambda x: np.roll(x, 2, axis=1) * np.rollaxis(x[None], 2, 0)[0],
                      [anyv(4, 4)]),
    "roll_flat_fftshift": (lambda x: np.roll(x, -1) * np.fft.fftshift(x) + np.fft.ifftshift(x),
                           [anyv(3, 4)]),
    "diag": (lambda v: np.diag(v, 1) @ np.diag(v ** 2, -1) + np.diag(np.diag(v), 1).sum(),
             [anyv(3)]),
    "diag_2d": (lambda a: np.diag(a[0], -1) * np.trace(a, 1)[:2] + np.diagonal(a, 0, 1, 2).sum(),
                [anyv(3, 3, 3)]),
    "atleast_3d_column_stack": (lambda x: np.atleast_3d(x) * np.column_stack([x, x ** 2]).sum(),
                                [anyv(3)]),
    "pad_constant": (lambda x: np.pad(x, ((1, 0), (2, 1)), constant_values=0.5) ** 2,
                     [anyv(2, 3)]),
    "pad_modes": (lambda x: np.pad(x, 2, mode="reflect") * np.pad(x, 2, mode="edge") +
                  np.pad(x, 2, mode="wrap") + np.pad(x, 2, mode="symmetric"), [anyv(3, 3)]),
    "tile_repeat": (lambda x: np.tile(x, (2, 1, 2)).sum(0) * np.repeat(x, 2, axis=1)
                    + np.repeat(x, [1, 2, 0, 1], axis=1)[:, :1], [anyv(2, 4)]),
    "split_family": (lambda x: np.split(x, 2)[1] * np.array_split(x, 3, axis=1)[0].sum()
                     + np.hsplit(x, [1, 3])[1].sum() * np.vsplit(x, 4)[3].sum(), [anyv(4, 4)]),
    "dsplit_append": (lambda x: np.dsplit(x, 2)[0] * np.append(x, x ** 2, axis=2)[..., 6:],
                      [anyv(2, 2, 4)]),
    "select": (lambda x: np.select([x < -0.5, x > 0.5], [x ** 2, np.sin(x)], default=x),
               [lambda rng: np.array([-1.2, -0.1, 0.3, 0.9, 1.7])]),
    "flips_rot90": (lambda x: np.flipud(x) * np.fliplr(x) + np.rot90(x) + np.rot90(x, 3) ** 2,
                    [anyv(3, 3)]),
    "linspace": (lambda a, b: np.linspace(a, b, 5) ** 2 + np.linspace(a, b, 4, endpoint=False,
                                                                      axis=-1).sum(),
                 [anyv(2), anyv(2)]),
    "gradient": (lambda f: np.gradient(f, 0.5, axis=1) * np.gradient(f, edge_order=2)[0],
                 [anyv(4, 5)]),
    # sorting
    "sort": (lambda x: np.sort(x, axis=0) * np.arange(4.0)[:, None] + np.sort(x, axis=None)[:3],
             [anyv(4, 3)]),
    "partition": (lambda x: np.partition(x, 2)[2] ** 2 + np.partition(x, 1, axis=0)[1].sum(),
                  [anyv(3, 5)]),
    # linear algebra
    "inv": (lambda a: np.linalg.inv(a) @ a[0], [well_conditioned(3)]),
    "inv_batched": (lambda a: np.linalg.inv(a) ** 2, [well_conditioned(3, (2,))]),
    "det_slogdet": (lambda a: np.linalg.det(a) + np.linalg.slogdet(a)[1],
                    [well_conditioned(3, (2,))]),
    "cholesky": (lambda a: np.linalg.cholesky(sym(a) + 3 * np.eye(3)), [spd(3)]),
    "cholesky_batched": (lambda a: np.linalg.cholesky(sym(a)) ** 2, [spd(2, (2,))]),
    "eigh_values": (lambda a: np.linalg.eigvalsh(sym(a)) ** 2, [anyv(2, 3, 3)]),
    "eigh_vectors": (lambda a: sign_fixed(np.linalg.eigh(sym(a))[1]) * np.linalg.eigh(sym(a))[0],
                     [anyv(3, 3)]),
    "eig_real": (lambda a: np.linalg.eig(a)[0] ** 2 + sign_fixed(np.linalg.eig(a)[1]).sum(0),
                 [distinct_real_eigen(3)]),
    "qr": (lambda a: np.linalg.qr(a)[0] * 2 + np.linalg.qr(a)[1].sum(), [anyv(4, 3)]),
    "qr_square_batched": (lambda a: np.linalg.qr(a)[1] ** 2, [anyv(2, 3, 3)]),
    "svd_vectors_tall": (lambda a: sign_fixed(np.linalg.svd(a, full_matrices=False)[0])
                         + np.linalg.svd(a, full_matrices=False)[1], [anyv(4, 3)]),
    "svd_vectors_wide": (lambda a: sign_fixed(np.swapaxes(np.linalg.svd(a, full_matrices=False)[2],
                                                          -1, -2)), [anyv(2, 4)]),
    "svd_batched_square": (lambda a: np.linalg.svd(a)[1] ** 2
                           + np.abs(np.linalg.svd(a)[0][..., 0]).sum(), [anyv(2, 3, 3)]),
    "pinv": (lambda a: np.linalg.pinv(a) * 2, [anyv(4, 3)]),
    "pinv_wide": (lambda a: np.linalg.pinv(a) @ a, [anyv(2, 3)]),
    "solve_batched": (lambda a, b: np.linalg.solve(a, b) ** 2,
                      [well_conditioned(3, (2,)), anyv(2, 3, 2)]),
    "solve_batched_vector": (lambda a, b: np.linalg.solve(a, b), [well_conditioned(3, (2,)),
                                                                  anyv(3)]),
    "norm_orders": (lambda x: np.linalg.norm(x, 3) + np.linalg.norm(x, 0.5) + np.linalg.norm(x, -1),
                    [pos(4)]),
    "norm_matrix": (lambda x: np.linalg.norm(x, 1) * np.linalg.norm(x, -np.inf) +
                    np.linalg.norm(x, axis=(0, 1)), [anyv(3, 3)]),
    "matrix_power": (lambda a: np.linalg.matrix_power(a, 3) + np.linalg.matrix_power(a, -1),
                     [well_conditioned(3)]),
    # the README's indexing gap
    "index_int_slice_array": (lambda x: x[1, 1:, [0, 2]] ** 2, [anyv(3, 4, 3)]),
}


# A few quick cases run on Numba in the fast tier (the inner loop of work exercises the
# compiler); the rest compile in the slow tier.
FAST_NUMBA_CASES = {"arctan", "einsum_matmul"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_jvp_and_vjp_match_finite_differences(name):
    """NumPy backend (nothing compiles): value, JVP and VJP against central differences."""
    result = case_results(name, CASES[name], "numpy", second_order=False)
    check_against_finite_differences(CASES[name], result, value_rtol=1e-10, value_atol=1e-11)


@pytest.mark.parametrize("name", sorted(CASES))
def test_hvp_matches_finite_differences_of_gradient(name):
    """NumPy backend: H v against the central difference of the gradient along v."""
    result = case_results(name, CASES[name], "numpy")
    check_against_finite_differences(CASES[name], result, value_rtol=1e-10, value_atol=1e-11)


@pytest.mark.skipif("numba" not in __import__("conftest").BACKENDS, reason="numba backend absent")
@pytest.mark.parametrize("name", [name if name in FAST_NUMBA_CASES else
                                  pytest.param(name, marks=pytest.mark.slow)
                                  for name in sorted(CASES)])
def test_numba_backend_matches_finite_differences_and_numpy_backend(name):
    """Every case compiled by Numba: value, JVP, VJP and H v against central differences, and
    every array against the NumPy backend to 1e-9 relative (one test per case, so each kernel
    compiles once)."""
    case = CASES[name]
    result = case_results(name, case, "numba")
    check_against_finite_differences(case, result, value_rtol=1e-10, value_atol=1e-11)
    check_same_results(result, case_results(name, case, "numpy"), rtol=1e-9, atol=1e-11,
                       backends=("numba", "numpy"))
