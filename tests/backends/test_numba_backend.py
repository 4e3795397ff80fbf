"""The Numba backend against the NumPy evaluator (the oracle), family by family and on the
models (least squares, MDS, tanh MLP) with their gradient and Hessian-vector programs."""
import numpy as np
import pytest

from optad.backends import numpy_backend
from optad.ir.program import ShapedArray
from optad.primitives import elementwise as ew
from optad.primitives import linalg as la
from optad.primitives import reductions as rd
from optad.primitives import shape as sh
from optad.primitives.registry import impl_rules, primitive, shape_rules
from optad.trace.tracer import bind, make_program_flat
from optad.transforms import grad_program, jvp_program, simplify

numba_backend = pytest.importorskip("optad.backends.numba")

pytestmark = pytest.mark.slow  # compile-heavy: a kernel (or a process) per test

F8 = np.dtype("f8")
RNG = np.random.default_rng(1234)


@pytest.fixture(scope="module", autouse=True)
def kernel_cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("OPTAD_CACHE_DIR", str(tmp_path_factory.mktemp("optad_kernels")))
    yield
    mp.undo()


def aval(x):
    x = np.asarray(x)
    return ShapedArray(x.shape, x.dtype)


def assert_same(got, want, rtol=1e-10):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape, (g.shape, w.shape)
        assert g.dtype == w.dtype, (g.dtype, w.dtype)
        scale = max(1.0, float(np.max(np.abs(w[np.isfinite(w)]), initial=0.0))) \
            if w.dtype.kind == "f" else 0
        np.testing.assert_allclose(g, w, rtol=rtol, atol=1e-13 * scale)


def run_both(program, args, rtol=1e-10):
    got = numba_backend.compile_program(program)(*args)
    want = numpy_backend.compile_program(program)(*args)
    assert_same(got, want, rtol)
    return got


def check(fun, args, wrt=None, hvp=True, rtol=1e-10):
    """fun's program, its gradient program and its Hessian-vector program agree."""
    program = make_program_flat(fun, [aval(a) for a in args])
    run_both(program, args, rtol)
    if wrt is None:
        return program
    grad = simplify(grad_program(program, wrt=wrt))
    run_both(grad, args, rtol)
    if hvp:
        hess_vec = simplify(jvp_program(grad, wrt))
        tangents = [RNG.standard_normal(np.shape(a)) for a, w in zip(args, wrt) if w]
        run_both(hess_vec, [*args, *tangents], rtol)
    return program


# --------------------------------------------------------------------------- elementwise

def test_unary_family_and_derivatives():
    x = RNG.uniform(0.2, 2.0, (3, 4))

    def f(x):
        terms = [ew.exp(x), ew.log(x), ew.log1p(x), ew.expm1(ew.neg(x)), ew.sin(x), ew.cos(x),
                 ew.tanh(ew.sub(x, 1.0)), ew.sqrt(x), ew.abs(ew.sub(x, 1.0)),
                 ew.sign(ew.sub(x, 1.0)), ew.floor(ew.mul(x, 3.0))]
        total = terms[0]
        for t in terms[1:]:
            total = ew.add(total, t)
        return [rd.reduce_sum(total, (0, 1)), total]

    check(lambda x: f(x)[:1], [x], wrt=[True])
    check(f, [x])


def test_binary_comparisons_select_convert():
    x = RNG.uniform(0.5, 2.0, (4, 3))
    y = RNG.uniform(0.5, 2.0, (4, 3))
    y[0, 0] = x[0, 0]  # a tie for max/min

    def f(x, y):
        c = ew.logical_or(ew.logical_and(ew.lt(x, y), ew.ne(x, 1.0)),
                          ew.logical_not(ew.ge(x, 1.5)))
        sel = ew.select(c, ew.div(x, y), ew.pow(x, y))
        mixed = ew.add(ew.maximum(x, y), ew.minimum(x, ew.mul(y, 0.5)))
        counts = ew.convert(ew.le(x, y), F8)
        flags = [ew.gt(x, y), ew.eq(x, y), ew.convert(ew.mul(x, 3.0), np.dtype("i8"))]
        return [rd.reduce_sum(ew.add(ew.add(sel, mixed), counts), (0, 1)), *flags,
                ew.pow(x, 3.0), ew.pow(y, -1.0), ew.pow(x, 0.5)]

    check(f, [x, y])
    check(lambda x, y: f(x, y)[:1], [x, y], wrt=[True, True])


def test_nan_and_inf_follow_numpy():
    x = np.array([np.nan, 1.0, -np.inf, np.inf, 0.0, -0.0, 800.0, -800.0])
    y = np.array([1.0, np.nan, 0.0, 1.0, -0.0, 0.0, 1.0, 2.0])

    def f(x, y):
        return [ew.maximum(x, y), ew.minimum(x, y), ew.exp(x), ew.tanh(x), ew.sign(x),
                ew.expm1(x), rd.reduce_max(x, (0,)), rd.reduce_min(y, (0,))]

    got = run_both(make_program_flat(f, [aval(x), aval(y)]), [x, y])
    assert np.isnan(got[6])


def test_fast_elementary_functions_accurate_to_a_few_ulp():
    rt = pytest.importorskip("optad.backends.numba.runtime")
    from numba import njit

    @njit(error_model="numpy")
    def apply(x, out):
        for i in range(x.size):
            out[0, i] = rt.fast_exp(x[i])
            out[1, i] = rt.fast_tanh(x[i])
            out[2, i] = rt.fast_expm1(x[i])

    x = np.concatenate([RNG.uniform(-745, 709, 20000), RNG.uniform(-20, 20, 20000),
                        10.0 ** RNG.uniform(-300, 0, 20000) * RNG.choice([-1, 1], 20000),
                        [0.0, -0.0, 1e-310, -1e-310, 709.7, -745.0, 19.0, -19.0]])
    out = np.empty((3, x.size))
    apply(x, out)
    for row, ref in zip(out, (np.exp(x), np.tanh(x), np.expm1(x))):
        finite = np.isfinite(ref) & (ref != 0)
        ulp = np.abs(row[finite] - ref[finite]) / np.spacing(np.abs(ref[finite]))
        assert ulp.max() <= 4
        np.testing.assert_array_equal(row[~finite], ref[~finite])
    assert np.signbit(out[1, x.size - 7])  # tanh(-0.0) = -0.0


# --------------------------------------------------------------------------- shape family

def test_sum_of_exp_and_tanh_vectorises():
    """Only a sum's accumulator may be reassociated: the loop summing exp and tanh becomes
    vector code (packed doubles in Numba's optimised IR), and the value matches NumPy's."""
    import re
    import sys
    from pathlib import Path
    x = RNG.standard_normal((64, 33))
    program = make_program_flat(
        lambda x: [rd.reduce_sum(ew.add(ew.exp(x), ew.tanh(x)), (0, 1))], [aval(x)])
    run_both(program, [x], rtol=1e-13)
    kernel = numba_backend.compile_program(program)
    segment = sys.modules[Path(kernel.path).stem].segment_0
    llvm = "".join(segment.inspect_llvm().values())
    assert re.search(r"<\d+ x double>", llvm)


def test_broadcast_reshape_transpose():
    x = RNG.standard_normal((3, 1, 4))
    v = RNG.standard_normal((4,))

    def f(x, v):
        b = ew.mul(sh.broadcast_to(x, (2, 3, 5, 4)), sh.broadcast_to(v, (2, 3, 5, 4)))
        t = sh.transpose(b, (3, 1, 0, 2))
        r = sh.reshape(t, (4, 30))
        y = ew.add(sh.reshape(x, (3, 4)), sh.reshape(x, (3, 4)))
        return [rd.reduce_sum(ew.tanh(r), (0, 1)), r, y, sh.reshape(v, (2, 2)),
                ew.add(sh.transpose(sh.reshape(x, (3, 4)), (1, 0)), 1.0)]

    check(f, [x, v])
    check(lambda x, v: f(x, v)[:1], [x, v], wrt=[True, True])


def test_self_transpose_in_one_expression():
    a = RNG.standard_normal((5, 5))

    def f(a):
        e = ew.exp(a)
        return [rd.reduce_sum(ew.mul(ew.add(e, sh.transpose(e, (1, 0))), a), (0, 1))]

    check(f, [a], wrt=[True])


def test_slice_pad_concatenate():
    x = RNG.standard_normal((6, 5))

    def f(x):
        a = sh.slice_array(x, (1, 0), (2, 1), (3, 5))
        b = sh.slice_array(x, (5, 4), (-1, -2), (4, 2))
        c = sh.concatenate([a, sh.slice_array(x, (0, 0), (1, 1), (2, 5))], 0)
        loss = ew.add(rd.reduce_sum(ew.mul(c, c), (0, 1)), rd.reduce_sum(ew.sin(b), (0, 1)))
        return [loss, c, sh.pad(b, (1, 0), (1, 2), (6, 4))]

    check(f, [x])
    check(lambda x: f(x)[:1], [x], wrt=[True])


def test_sum_of_pads_of_disjoint_slices_is_one_buffer():
    """The gradient of a loss on slices of one vector: pads summed into one array (pad_sum),
    disjoint or overlapping (the shifted slices of a chained Rosenbrock); values equal the
    NumPy backend."""
    x = RNG.standard_normal(11)

    def f(x):
        a = sh.slice_array(x, (0,), (1,), (6,))
        b = sh.slice_array(x, (6,), (1,), (3,))
        c = sh.slice_array(x, (9,), (1,), (2,))
        d = sh.slice_array(x, (2,), (2,), (4,))          # overlaps a and b
        return [ew.add(ew.add(rd.reduce_sum(ew.mul(a, a), (0,)), rd.reduce_sum(ew.sin(b), (0,))),
                       ew.add(rd.reduce_sum(ew.exp(c), (0,)), rd.reduce_sum(ew.mul(d, d), (0,))))]

    def disjoint(x):
        return [sh.pad(sh.slice_array(x, (0,), (1,), (6,)), (0,), (1,), (11,)),
                ew.add(ew.add(sh.pad(ew.sin(sh.slice_array(x, (0,), (1,), (4,))), (7,), (1,), (11,)),
                              sh.pad(sh.slice_array(x, (4,), (1,), (3,)), (0,), (2,), (11,))),
                       sh.pad(ew.neg(sh.slice_array(x, (7,), (1,), (1,))), (6,), (1,), (11,)))]

    check(f, [x], wrt=[True])
    program = check(disjoint, [x])
    source = numba_backend.program_source(program)
    assert source.count("rt.zeros((11,)") == 2 and "# pad_sum" in source
    overlapping = make_program_flat(
        lambda x: [ew.add(sh.pad(x, (0,), (1,), (12,)), sh.pad(x, (1,), (1,), (12,)))],
        [aval(x)])
    run_both(overlapping, [x])
    source = numba_backend.program_source(overlapping)
    assert "# pad_sum" in source and source.count("rt.zeros((12,)") == 1
    rosenbrock_gradient = make_program_flat(   # pad(a) + pad(b) + pad(c), two of them shifted
        lambda x: [ew.add(ew.add(sh.pad(ew.sin(x), (0,), (1,), (12,)), sh.pad(x, (0,), (1,), (12,))),
                          sh.pad(ew.mul(x, x), (1,), (1,), (12,)))], [aval(x)])
    run_both(rosenbrock_gradient, [x])
    assert "# pad_sum" in numba_backend.program_source(rosenbrock_gradient)


def test_outer_product_joins_the_loop_nest():
    u = RNG.standard_normal((5, 1))
    v = RNG.standard_normal((1, 7))
    h = RNG.standard_normal((5, 7))

    def f(u, v, h):
        w = la.matmul(u, v)
        return [rd.reduce_sum(ew.mul(w, ew.sub(1.0, ew.mul(h, h))), (0, 1)), w,
                la.matmul(sh.transpose(v, (1, 0)), sh.transpose(ew.tanh(u), (1, 0)))]

    program = check(f, [u, v, h])
    assert "rt.matmul" not in numba_backend.program_source(program)
    check(lambda u, v, h: f(u, v, h)[:1], [u, v, h], wrt=[True, True, False])


def test_row_times_matrix_joins_the_nest_computing_the_matrix():
    x = RNG.standard_normal((6, 9))
    r = RNG.standard_normal((1, 6))
    m = RNG.standard_normal((9, 4))

    def f(r, x, m):
        h = ew.tanh(x)
        fused = la.matmul(sh.reshape(sh.slice_array(r, (0, 0), (1, 1), (1, 6)), (1, 6)), h)
        not_fused = la.matmul(sh.transpose(ew.sin(fused), (1, 0)), la.matmul(r, x))   # (9, 9)
        return [ew.add(rd.reduce_sum(ew.mul(fused, fused), (0, 1)),
                       rd.reduce_sum(ew.mul(not_fused, la.matmul(m, sh.transpose(m, (1, 0)))),
                                     (0, 1)))]

    program = check(f, [r, x, m], wrt=[True, True, False])
    source = numba_backend.program_source(program)
    assert "] = rt.sum_add(" in source and "rt.matmul" in source   # accumulated in the nest


def test_gather_scatter_add_cumsum():
    x = RNG.standard_normal((4, 5))
    idx = np.array([[0, 3], [3, -1]])

    def f(x):
        g = sh.gather(x, idx, 1)                       # (4, 2, 2)
        s = sh.scatter_add(g, idx, 1, 5)               # (4, 5)
        c = rd.cumsum(x, 0, reverse=True)
        loss = rd.reduce_sum(ew.mul(ew.add(s, c), rd.cumsum(x, 1)), (0, 1))
        return [loss, g, s, c]

    check(f, [x])
    check(lambda x: f(x)[:1], [x], wrt=[True])


# --------------------------------------------------------------------------- reductions

def test_reductions_over_inner_outer_and_all_axes():
    x = RNG.standard_normal((3, 4, 5))
    x[1, 2, :2] = 7.0  # ties for max

    def f(x):
        return [rd.reduce_sum(x, (0,)), rd.reduce_sum(x, (1,)), rd.reduce_sum(x, (2,)),
                rd.reduce_sum(x, (0, 2)), rd.reduce_max(x, (2,)), rd.reduce_min(x, (0, 1)),
                rd.reduce_max(x, (0, 1, 2))]

    check(f, [x])
    def loss(x):
        m = rd.reduce_max(x, (2,))
        return [ew.add(rd.reduce_sum(ew.mul(m, m), (0, 1)),
                       rd.reduce_sum(rd.reduce_min(ew.exp(x), (0,)), (0, 1)))]

    check(loss, [x], wrt=[True])


# --------------------------------------------------------------------------- linear algebra

def test_matmul_2d_and_batched():
    a = RNG.standard_normal((2, 3, 4))
    b = RNG.standard_normal((2, 4, 5))
    m = RNG.standard_normal((4, 6))

    def f(a, b, m):
        c = la.matmul(a, b)
        a0 = sh.reshape(sh.slice_array(a, (0, 0, 0), (1, 1, 1), (1, 3, 4)), (3, 4))
        d = la.matmul(la.matmul(a0, m), sh.transpose(m, (1, 0)))       # (3, 4)
        return [ew.add(rd.reduce_sum(ew.tanh(c), (0, 1, 2)), rd.reduce_sum(ew.mul(d, d), (0, 1)))]

    check(f, [a, b, m], wrt=[True, True, True])


def test_integer_matmul_uses_loops():
    a = RNG.integers(-5, 5, (3, 4))
    b = RNG.integers(-5, 5, (4, 2))
    check(lambda a, b: [la.matmul(a, b)], [a, b])


def test_solve_and_svdvals():
    a = RNG.standard_normal((4, 4)) + 4 * np.eye(4)
    b = RNG.standard_normal((4,))
    w = RNG.standard_normal((5, 3))

    def f(a, b, w):
        x = la.solve(a, b)
        s = la.svdvals(w)
        return [ew.add(rd.reduce_sum(ew.mul(x, x), (0,)), rd.reduce_sum(ew.mul(s, s), (0,)))]

    check(f, [a, b, w], wrt=[True, True, True], hvp=False)


# --------------------------------------------------------------------------- models

def least_squares(x, A, y):
    r = ew.sub(la.matmul(A, sh.reshape(x, (x.shape[0], 1))), sh.reshape(y, (y.shape[0], 1)))
    return [ew.mul(rd.reduce_sum(ew.mul(r, r), (0, 1)), 0.5)]


def mds(W, D):
    n, d = W.shape
    diff = ew.sub(sh.broadcast_to(sh.reshape(W, (n, 1, d)), (n, n, d)),
                  sh.broadcast_to(sh.reshape(W, (1, n, d)), (n, n, d)))
    r = ew.sub(rd.reduce_sum(ew.pow(diff, 2.0), (2,)), D)
    return [rd.reduce_sum(ew.pow(r, 2.0), (0, 1))]


def mlp(W1, W2, X, y):
    hidden = ew.tanh(la.matmul(W1, X))
    out = sh.reshape(la.matmul(W2, hidden), (X.shape[1],))
    r = ew.sub(out, y)
    return [ew.div(rd.reduce_sum(ew.mul(r, r), (0,)), float(X.shape[1]))]


def test_least_squares_value_grad_hvp():
    A = RNG.standard_normal((20, 6))
    check(least_squares, [RNG.standard_normal(6), A, RNG.standard_normal(20)],
          wrt=[True, False, False])


def test_mds_value_grad_hvp_and_no_cubic_temporary():
    n, d = 7, 3
    W = RNG.standard_normal((n, d))
    D = np.abs(RNG.standard_normal((n, n)))
    program = check(mds, [W, D], wrt=[True, False])
    grad = simplify(grad_program(program, wrt=[True, False]))
    source = numba_backend.program_source(grad)
    code = source.split('"""', 2)[2]  # after the docstring, which prints the program
    assert f"({n}, {n}, {d})" not in code  # no N x N x d array anywhere in the kernel
    assert source.count("for i0 in range") == 2  # one nest for value and gradient, one to add
    # the d = 3 coordinate loops are written out: the differences W_i - W_j computed for the
    # value stay in registers for the gradient instead of being recomputed
    assert "for i2 in range" not in code and "(recomputed)" not in code
    assert code.count(f"= (a[i0, {d - 1}] - a[i1, {d - 1}])") == 1


def test_mlp_value_grad_hvp():
    X = RNG.standard_normal((13, 30))
    y = RNG.integers(-1, 2, 30).astype(float)
    W1 = RNG.standard_normal((8, 13)) * 0.3
    W2 = RNG.standard_normal((1, 8)) * 0.3
    check(mlp, [W1, W2, X, y], wrt=[True, True, False, False])


def test_float32_smoke():
    X = RNG.standard_normal((13, 30)).astype(np.float32)
    y = RNG.integers(-1, 2, 30).astype(np.float32)
    W1 = (RNG.standard_normal((8, 13)) * 0.3).astype(np.float32)
    W2 = (RNG.standard_normal((1, 8)) * 0.3).astype(np.float32)
    program = make_program_flat(mlp, [aval(a) for a in (W1, W2, X, y)])
    grad = simplify(grad_program(program, wrt=[True, True, False, False]))
    got = run_both(grad, [W1, W2, X, y], rtol=1e-4)
    assert all(np.asarray(g).dtype == np.float32 for g in got)


# --------------------------------------------------------------------------- the kernel itself

def test_constants_are_arguments_not_source():
    c = RNG.standard_normal((3, 3))
    program = make_program_flat(lambda x: [rd.reduce_sum(ew.mul(x, c), (0, 1))],
                                [ShapedArray((3, 3), F8)])
    source = numba_backend.program_source(program)
    assert repr(float(c[0, 0]))[:8] not in source
    x = RNG.standard_normal((3, 3))
    run_both(program, [x])


def test_source_is_readable():
    program = make_program_flat(lambda x: [rd.reduce_sum(ew.tanh(x), (0,))],
                                [ShapedArray((4,), F8)])
    source = numba_backend.program_source(program)
    assert "# tanh  <- " in source and "test_numba_backend.py" in source
    assert "b = rt.fast_tanh(a[i0])" in source
    compile(source, "kernel.py", "exec")


def test_scalar_inputs_outputs_and_literal_outputs():
    def f(s, x):
        return [ew.mul(s, 2.0), ew.mul(x, sh.broadcast_to(s, (2,))), 3.0, x]

    program = make_program_flat(f, [ShapedArray((), F8), ShapedArray((2,), F8)])
    got = run_both(program, [np.float64(1.5), np.arange(2.0)])
    assert np.ndim(got[0]) == 0


test_only_p = primitive("test_only_cube_plus", "test")
impl_rules[test_only_p] = lambda x, offset: x ** 3 + offset
shape_rules[test_only_p] = lambda x, lits, offset: (x,)


def test_unknown_primitive_runs_through_numpy_between_segments():
    def f(x):
        y = bind(test_only_p, ew.exp(x), offset=1.0)
        return [rd.reduce_sum(ew.mul(y, x), (0,)), rd.reduce_sum(y, (0,))]

    program = make_program_flat(f, [ShapedArray((3,), F8)])
    assert "fallback_0" in numba_backend.program_source(program)
    run_both(program, [RNG.standard_normal(3)])
