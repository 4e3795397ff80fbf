"""A generated corpus in the style of a peer library's NumPy test suite: many functions x
shapes x axes/keyword combinations, each checked for its value against NumPy and for its
gradient against central finite differences (NumPy backend: nothing compiles, so the whole
grid runs in the fast tier; the Numba backend is covered by test_numpy_extra_rules.py)."""
import itertools

import numpy as np
import pytest

import optad

SHAPES = [(5,), (3, 4), (2, 3, 4)]

AXIS_FUNCTIONS = {  # f(x, axis) defined for every axis of every shape
    "sort": lambda x, ax: np.sort(x, axis=ax),
    "partition": lambda x, ax: np.partition(x, 1, axis=ax),
    "diff": lambda x, ax: np.diff(x, axis=ax),
    "diff2_prepend": lambda x, ax: np.diff(x, n=2, axis=ax, prepend=0.3),
    "roll": lambda x, ax: np.roll(x, 2, axis=ax),
    "roll_neg": lambda x, ax: np.roll(x, -1, axis=ax),
    "gradient": lambda x, ax: np.gradient(x, 0.5, axis=ax),
    "gradient_edge2": lambda x, ax: np.gradient(x, axis=ax, edge_order=2),
    "repeat": lambda x, ax: np.repeat(x, 2, axis=ax),
    "array_split": lambda x, ax: np.array_split(x, 2, axis=ax)[-1],
    "flip": lambda x, ax: np.flip(x, axis=ax),
    "cumsum": lambda x, ax: np.cumsum(x, axis=ax),
    "fftshift": lambda x, ax: np.fft.fftshift(x, axes=ax),
    "ifftshift": lambda x, ax: np.fft.ifftshift(x, axes=ax),
    "norm3": lambda x, ax: np.linalg.norm(x, 3, axis=ax),
    "norm_inf": lambda x, ax: np.linalg.norm(x, np.inf, axis=ax),
    "append": lambda x, ax: np.append(x, x ** 2, axis=ax),
    "take_along": lambda x, ax: np.take(x, [0, -1, 1], axis=ax),
    "pad_reflect": lambda x, ax: np.pad(x, [(1, 2) if i == ax else (0, 0)
                                            for i in range(x.ndim)], mode="reflect"),
    "pad_wrap": lambda x, ax: np.pad(x, [(2, 1) if i == ax else (0, 0)
                                         for i in range(x.ndim)], mode="wrap"),
    "moveaxis_rollaxis": lambda x, ax: np.rollaxis(x, ax) * 1.0,
}

ELEMENTWISE = {
    "arcsin": (np.arcsin, (-0.9, 0.9)), "arccos": (np.arccos, (-0.9, 0.9)),
    "arctan": (np.arctan, (-3, 3)), "arcsinh": (np.arcsinh, (-3, 3)),
    "arccosh": (np.arccosh, (1.2, 3)), "arctanh": (np.arctanh, (-0.9, 0.9)),
    "sinc": (np.sinc, (-2, 2)), "deg2rad": (np.deg2rad, (-90, 90)),
    "rad2deg": (np.rad2deg, (-2, 2)), "fabs": (np.fabs, (0.1, 2)),
    "mod": (lambda x: np.mod(x, 0.45) * x, (0.05, 0.4)), "remainder_neg": (
        lambda x: np.remainder(x, -0.45), (0.05, 0.4)),
    "nan_to_num": (lambda x: np.nan_to_num(x) ** 2, (-2, 2)),
    "logaddexp2_self": (lambda x: np.logaddexp2(x, 2 * x), (-2, 2)),
    "arctan2_self": (lambda x: np.arctan2(x, 1.5 + x ** 2), (-2, 2)),
    "fmax_const": (lambda x: np.fmax(x, 0.05), (0.1, 2)),
}

MATRIX_FUNCTIONS = {  # f(a) on square (or stacked square) matrices, a well conditioned
    "inv": np.linalg.inv,
    "det": np.linalg.det,
    "slogdet": lambda a: np.linalg.slogdet(a)[1],
    "pinv": np.linalg.pinv,
    "solve": lambda a: np.linalg.solve(a, a[..., :1] ** 2),
    "cholesky_gram": lambda a: np.linalg.cholesky(a @ np.swapaxes(a, -1, -2)),
    "eigvalsh_sym": lambda a: np.linalg.eigvalsh(a + np.swapaxes(a, -1, -2)),
    "svdvals": lambda a: np.linalg.svd(a, compute_uv=False),
    "qr_r": lambda a: np.abs(np.linalg.qr(a, mode="r")),
    "matrix_power": lambda a: np.linalg.matrix_power(a, 2),
    "tril": lambda a: np.tril(a, -1),
    "triu": lambda a: np.triu(a, 1),
    "trace_offset": lambda a: np.trace(a, 1, -2, -1),
    "diagonal_last": lambda a: np.diagonal(a, 0, -1, -2),
    "rot90": lambda a: np.rot90(a, 1, axes=(-2, -1)),
    "einsum_ii": lambda a: np.einsum("...ii->...i", a),
    "einsum_chain": lambda a: np.einsum("...ij,...jk,...kl->...il", a, a, a),
    "tensordot_self": lambda a: np.tensordot(a, a, axes=([-1], [-2])),
    "kron_self": lambda a: np.kron(a, a[..., :2, :2]),
    "norm_fro": lambda a: np.linalg.norm(a, axis=(-2, -1)),
    "norm_nuc": lambda a: np.linalg.norm(a, "nuc", axis=(-2, -1)),
    "norm_1": lambda a: np.linalg.norm(a, 1, axis=(-2, -1)),
}
MATRIX_SHAPES = [(3, 3), (2, 3, 3), (2, 1, 3, 3)]


def _check(fun, x, rng, what):
    expected = fun(x)
    weights = rng.normal(size=np.shape(expected))
    scalar = lambda x: np.sum(fun(x) * weights)  # noqa: E731
    got = optad.jit(fun, backend="numpy")(x)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12, err_msg=what)
    g = optad.grad(scalar, backend="numpy")(x)
    t = rng.normal(size=x.shape)
    h = 1e-6
    fd = (scalar(x + h * t) - scalar(x - h * t)) / (2 * h)
    np.testing.assert_allclose(np.sum(g * t), fd, rtol=1e-5, atol=1e-6, err_msg=what)


AXIS_GRID = [(name, shape, ax) for name in sorted(AXIS_FUNCTIONS) for shape in SHAPES
             for ax in range(-len(shape), len(shape))]


@pytest.mark.parametrize("name, shape, axis", AXIS_GRID)
def test_axis_functions(name, shape, axis):
    rng = np.random.default_rng(len(AXIS_GRID) + axis)
    x = rng.normal(size=shape)
    fun = lambda x: AXIS_FUNCTIONS[name](x, axis)  # noqa: E731
    if name == "gradient_edge2" and shape[axis] < 3:  # too short: NumPy's error, both ways
        for call in (fun, optad.jit(fun, backend="numpy")):
            with pytest.raises(ValueError, match="too small"):
                call(x)
        return
    _check(fun, x, rng, f"{name} {shape} axis={axis}")


@pytest.mark.parametrize("name, shape", list(itertools.product(sorted(ELEMENTWISE),
                                                               [(), (4,), (2, 3)])))
def test_elementwise_functions(name, shape):
    fun, (lo, hi) = ELEMENTWISE[name]
    rng = np.random.default_rng(7)
    x = np.asarray(rng.uniform(lo, hi, size=shape))
    _check(fun, x, rng, f"{name} {shape}")


@pytest.mark.parametrize("name, shape", list(itertools.product(sorted(MATRIX_FUNCTIONS),
                                                               MATRIX_SHAPES)))
def test_matrix_functions(name, shape):
    rng = np.random.default_rng(11)
    a = 0.3 * rng.normal(size=shape) + 2.0 * np.eye(shape[-1])
    _check(MATRIX_FUNCTIONS[name], a, rng, f"{name} {shape}")


EINSUM_CASES = [
    ("ij,jk->ik", [(3, 4), (4, 2)]), ("ij,jk", [(3, 4), (4, 2)]), ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(3,), (2,)]), ("ij->ji", [(3, 4)]), ("ij->", [(3, 4)]),
    ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("iij->j", [(2, 2, 3)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]), ("...ij,...jk->...ik", [(2, 3, 4), (4, 2)]),
    ("bi,bij,bj->b", [(3, 2), (3, 2, 4), (3, 4)]), ("ij,jk,kl,lm->im", [(2, 3), (3, 4),
                                                                        (4, 3), (3, 2)]),
    ("ijk,jkl->il", [(2, 3, 4), (3, 4, 2)]), ("ij,ij->i", [(3, 4), (3, 4)]),
    ("abc,cd,db->a", [(2, 3, 4), (4, 3), (3, 3)]), ("i,jk->ijk", [(2,), (3, 2)]),
    ("ij,kj->ik", [(3, 4), (2, 4)]), ("...i,...i", [(2, 3), (2, 3)]),
]


@pytest.mark.parametrize("subscripts, shapes", EINSUM_CASES)
def test_einsum_subscripts(subscripts, shapes):
    rng = np.random.default_rng(5)
    operands = [rng.normal(size=s) for s in shapes]
    for i in range(len(operands)):  # the gradient with respect to each operand in turn
        def fun(x, i=i):
            ops = list(operands)
            ops[i] = x
            return np.einsum(subscripts, *ops)
        _check(fun, operands[i], rng, f"einsum {subscripts} operand {i}")


TENSORDOT_CASES = [((2, 3, 4), (3, 4, 2), 2), ((2, 3), (3, 2), 1), ((2, 3), (4,), 0),
                   ((2, 3, 4), (4, 2, 3), ([1, 2], [2, 0])), ((3, 4), (4, 3), ([0], [1]))]


@pytest.mark.parametrize("sa, sb, axes", TENSORDOT_CASES)
def test_tensordot_axes(sa, sb, axes):
    rng = np.random.default_rng(9)
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    _check(lambda a: np.tensordot(a, b, axes), a, rng, f"tensordot {sa} {sb} {axes}")
    _check(lambda b: np.tensordot(a, b, axes), b, rng, f"tensordot {sa} {sb} {axes}")


INDEX_KEYS = [(1, slice(1, None), [0, 2]), ([0, 2], 1), (slice(None), [1, 3], [0, 3]),
              ([[0], [1]], None, [1, 2]), (None, 2, [1], slice(None)), (Ellipsis, [1, 0]),
              (-1, [0, 0, 2]), ([1, 0], slice(None, None, -1), 2)]


@pytest.mark.parametrize("key", INDEX_KEYS, ids=str)
def test_mixed_advanced_indexing(key):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4, 4))
    _check(lambda x: x[key], x, rng, f"x[{key}]")
