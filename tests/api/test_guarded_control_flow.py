"""Python control flow on traced values is guarded (issue 22, item 3): ``if x > 0:`` takes the
branch of the call's values, derivatives are the branch's, the decision is checked on every
call and another branch is traced when taken.  Oracles: the function run eagerly on NumPy
arrays (the function itself), the same function written with np.where, finite differences.

Numba variants that compile many kernels are in test_guarded_paths_numba.py."""
import os
import sys
import warnings

import numpy as np
import pytest

import optad
from optad.primitives.loops import scan_p

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from guarded_functions import piecewise, piecewise_where  # noqa: E402
from fd import assert_close, directional  # noqa: E402

BACKEND = "numpy"


POINTS = [np.array([0.5, 1.5, -0.3]), np.array([-0.5, -1.0, 0.2]), np.array([2.0, 0.1, 0.3]),
          np.array([-2.0, 0.4, -0.7])]


def fd_grad(f, x, h=1e-6):
    return np.array([directional(f, [x], [e], h) for e in np.eye(x.size)])


@pytest.mark.parametrize("x", POINTS, ids=range(len(POINTS)))
def test_value_grad_hvp_against_np_where_and_finite_differences(x):
    v = np.array([0.3, -1.1, 0.7])
    assert_close(optad.jit(piecewise, BACKEND)(x), piecewise(x), rtol=1e-14)
    value, g = optad.value_and_grad(piecewise, backend=BACKEND)(x)
    assert_close(value, piecewise_where(x), rtol=1e-14)
    assert_close(g, optad.grad(piecewise_where, backend=BACKEND)(x), rtol=1e-13)
    assert_close(g, fd_grad(piecewise, x), rtol=1e-6)
    hv = optad.hvp(piecewise, backend=BACKEND)(x, v)
    assert_close(hv, optad.hvp(piecewise_where, backend=BACKEND)(x, v), rtol=1e-13)
    grad = optad.grad(piecewise_where, backend=BACKEND)
    assert_close(hv, directional(grad, [x], [v]), rtol=1e-5, atol=1e-6)


def test_switching_paths_back_and_forth_never_returns_a_stale_path():
    grad = optad.grad(piecewise, backend=BACKEND)
    value_and_grad = optad.value_and_grad(piecewise, backend=BACKEND)
    jit = optad.jit(piecewise, BACKEND)
    reference = optad.grad(piecewise_where, backend=BACKEND)
    rng = np.random.default_rng(3)
    for k in range(40):
        # runs of one branch, then switches; some points right at the other side of s = 0
        x = rng.normal(size=3)
        if k % 5 == 4:
            x = x - np.sum(x) / 3 + (1e-12 if k % 2 else -1e-12)
        assert_close(jit(x), piecewise(x), rtol=1e-13, what=f"value {k}")
        assert_close(grad(x), reference(x), rtol=1e-12, atol=1e-14, what=f"grad {k}")
        v, g = value_and_grad(x)
        assert_close(v, piecewise(x), rtol=1e-13)
        assert_close(g, reference(x), rtol=1e-12, atol=1e-14)
    assert len(grad._cache) == 1
    (paths,) = grad._cache.values()
    assert sorted(e.decisions for e in paths.entries) == [(False,), (True,)]


def test_pytree_arguments_take_the_slow_path_and_switch_too():
    def f(p, data):
        r = p["w"] @ data - p["b"]
        if np.max(r) > 1.0:
            return np.sum(np.abs(r))
        return 0.5 * np.sum(r ** 2)

    def f_where(p, data):
        r = p["w"] @ data - p["b"]
        return np.where(np.max(r) > 1.0, np.sum(np.abs(r)), 0.5 * np.sum(r ** 2))

    data = np.array([[0.5, -0.2], [0.1, 0.3]])
    grad, reference = optad.grad(f, backend=BACKEND), optad.grad(f_where, backend=BACKEND)
    for scale in [0.1, 5.0, 0.2, 4.0, 0.1]:
        p = {"w": np.array([1.0, -2.0]) * scale, "b": np.array([0.1, 0.2])}
        got, want = grad(p, data), reference(p, data)
        assert_close(got["w"], want["w"], rtol=1e-13)
        assert_close(got["b"], want["b"], rtol=1e-13)
        assert_close(optad.jit(f, BACKEND)(p, data), f(p, data), rtol=1e-13)


def test_jvp_and_vjp_take_the_branch_of_their_primals():
    for x in POINTS:
        t = np.array([1.0, -2.0, 0.5])
        value, tangent = optad.jvp(piecewise, (x,), (t,), backend=BACKEND)
        assert_close(value, piecewise(x), rtol=1e-13)
        assert_close(tangent, optad.grad(piecewise_where, backend=BACKEND)(x) @ t, rtol=1e-12)
        value, pullback = optad.vjp(piecewise, x, backend=BACKEND)
        assert_close(value, piecewise(x), rtol=1e-13)
        assert_close(pullback(2.0)[0], 2 * optad.grad(piecewise_where, backend=BACKEND)(x),
                     rtol=1e-12)
        assert_close(optad.jacobian(piecewise, backend=BACKEND)(x),
                     optad.grad(piecewise_where, backend=BACKEND)(x), rtol=1e-12)


def test_hvp_at_a_point_checks_the_path_of_that_point():
    v = np.array([1.0, 0.5, -0.5])
    hvp = optad.hvp(piecewise, backend=BACKEND)
    reference = optad.hvp(piecewise_where, backend=BACKEND)
    for x in POINTS + POINTS[::-1]:
        assert_close(hvp.at(x)(v), reference(x, v), rtol=1e-12)
    assert hvp.linearized_at(POINTS[0]) is None   # one path's parts are not the function's
    assert hvp.kernel_at(POINTS[0], v) is None


def layered(Ws, X):
    h = X
    for W in Ws:
        h = np.tanh(W @ h)
        if np.sum(h) > 0:
            h = h * 1.5
        else:
            h = h - 0.1
    return np.sum(h ** 2)


def layered_where(Ws, X):
    h = X
    for W in Ws:
        h = np.tanh(W @ h)
        h = np.where(np.sum(h) > 0, h * 1.5, h - 0.1)
    return np.sum(h ** 2)


def test_a_decision_in_a_rerolled_loop_is_checked_at_every_iteration():
    rng = np.random.default_rng(1)
    Ws = [np.eye(3) * 0.9 + 0.01 * rng.standard_normal((3, 3)) for _ in range(14)]
    X = np.ones((3, 2))
    value_and_grad = optad.value_and_grad(layered, backend=BACKEND)
    reference = optad.value_and_grad(layered_where, backend=BACKEND)
    value_and_grad(Ws, X)
    entry = value_and_grad.entry((Ws, X))
    assert entry.decisions == (True,) * 14
    assert any(e.primitive is scan_p for e in entry.checked.eqns), "the loop was not rerolled"
    for k in [0, 6, 13, 6]:   # one layer decides the other way: every iteration is checked
        flipped = [-W if i == k else W for i, W in enumerate(Ws)]
        for ws in (flipped, Ws):
            (v, g), (v_ref, g_ref) = value_and_grad(ws, X), reference(ws, X)
            assert_close(v, layered(ws, X), rtol=1e-13, what=f"layer {k}")
            assert_close(v, v_ref, rtol=1e-13)
            for a, b in zip(g, g_ref):
                assert_close(a, b, rtol=1e-12, atol=1e-14)


def test_alternating_decisions_in_a_loop():
    def f(x):
        s = x[0] * 0.0
        for i in range(6):
            if x[i] > 0:
                s = s + x[i] ** 3 * x[(i + 1) % 6]
            else:
                s = s - np.sin(x[i]) * x[(i + 1) % 6]
        return s

    def f_where(x):
        xs = np.roll(x, -1)
        return np.sum(np.where(x > 0, x ** 3 * xs, -np.sin(x) * xs))

    grad, reference = optad.grad(f, backend=BACKEND), optad.grad(f_where, backend=BACKEND)
    hvp, hvp_ref = optad.hvp(f, backend=BACKEND), optad.hvp(f_where, backend=BACKEND)
    signs = [[1, 1, 1, 1, 1, 1], [1, -1, 1, -1, 1, -1], [-1, 1, -1, 1, -1, 1],
             [1, 1, 1, 1, 1, -1], [1, 1, 1, 1, 1, 1], [-1, 1, 1, 1, 1, 1]]
    base = np.array([0.3, 0.7, 1.1, 0.2, 0.9, 0.5])
    v = np.linspace(-1, 1, 6)
    for s in signs:
        x = base * np.array(s)
        assert_close(grad(x), reference(x), rtol=1e-13)
        assert_close(hvp(x, v), hvp_ref(x, v), rtol=1e-12)
        assert_close(optad.jit(f, BACKEND)(x), f(x), rtol=1e-13)


def test_boolean_operators_builtins_and_non_boolean_truth():
    def f(x):
        if x[0] > 0 and not x[1] > 0:
            y = x[0] * x[1]
        elif x[0] > 0 or x[1] > 0:
            y = max(x[0], x[1]) ** 2
        else:
            y = x[0] + x[1]
        if np.sum(x > 0):          # an integer: true when not zero
            y = y + 1.0
        if x[2:3]:                 # a one-element float array: true when not zero
            y = y * x[2]
        return y

    def f_where(x):
        a, b = x[0], x[1]
        y = np.where((a > 0) & ~(b > 0), a * b,
                     np.where((a > 0) | (b > 0), np.maximum(a, b) ** 2, a + b))
        y = np.where(np.sum(x > 0) != 0, y + 1.0, y)
        return np.where(x[2] != 0, y * x[2], y)

    grad, reference = optad.grad(f, backend=BACKEND), optad.grad(f_where, backend=BACKEND)
    for x in [[1.0, -2.0, 0.5], [1.0, 2.0, 0.0], [0.5, 3.0, -1.0], [-1.0, -2.0, 0.0],
              [-1.0, -2.0, 2.0], [1.0, -2.0, 0.5]]:
        x = np.array(x)
        assert_close(optad.jit(f, BACKEND)(x), f(x), rtol=1e-14)
        assert_close(grad(x), reference(x), rtol=1e-13)


def test_a_nan_decides_like_python():
    f = optad.jit(lambda x: x + 1.0 if x > 0 else x - 1.0, BACKEND)
    assert f(np.array(2.0)) == 3.0 and np.isnan(f(np.array(np.nan)))
    assert f(np.array(-2.0)) == -3.0 and f(np.array(2.0)) == 3.0


def test_a_branch_that_fails_on_other_values_is_not_run_for_them():
    def f(a, b):
        if np.abs(a[0, 0] * a[1, 1] - a[0, 1] * a[1, 0]) > 1e-8:
            return np.sum(np.linalg.solve(a, b))
        return np.sum(b)

    grad = optad.grad(f, backend=BACKEND)
    b = np.array([1.0, 2.0])
    regular, singular = np.array([[2.0, 1.0], [1.0, 3.0]]), np.array([[1.0, 2.0], [2.0, 4.0]])
    for a in [regular, singular, regular, singular]:
        assert_close(optad.jit(f, BACKEND)(a, b), f(a, b), rtol=1e-13)
        assert_close(grad(a, b), fd_grad(lambda t: f(t.reshape(2, 2), b),
                                         a.ravel()).reshape(2, 2), rtol=1e-5, atol=1e-7)


def test_a_data_dependent_trip_count_warns_once_and_stays_right(monkeypatch):
    monkeypatch.setenv("OPTAD_MAX_PATHS", "3")

    def halve_until_small(x):
        while x > 1.0:
            x = x / 2.0
        return x * x

    grad = optad.grad(halve_until_small, backend=BACKEND)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k in [0, 1, 2, 3, 4, 0, 5, 1, 4]:   # revisits dropped paths too
            x = 2.0 ** k + 0.25
            assert_close(grad(np.array(x)), 2 * x / 4.0 ** np.ceil(np.log2(x)), rtol=1e-14)
    found = [w for w in caught if issubclass(w.category, optad.GuardWarning)]
    assert len(found) == 1, [str(w.message) for w in caught]
    message = str(found[0].message)
    assert "while x > 1.0" in message and "OPTAD_MAX_PATHS" in message
    assert "optad.while_loop" in message and found[0].filename == __file__
    (paths,) = grad._cache.values()
    assert len(paths.entries) == 3


def test_branches_returning_different_shapes_are_refused():
    def f(x):
        if x[0] > 0:
            return x * 2.0
        return x[:2]

    jit = optad.jit(f, BACKEND)
    assert_close(jit(np.array([1.0, 2.0, 3.0])), [2.0, 4.0, 6.0])
    with pytest.raises(TypeError, match="branches.*different"):
        jit(np.array([-1.0, 2.0, 3.0]))


def test_make_program_and_lowered_follow_the_example_path():
    def f(x):
        if x > 0:
            return np.exp(x)
        return np.log1p(x * x)

    positive = optad.make_program(f, np.array(1.0))
    negative = optad.make_program(f, np.array(-1.0))
    assert [e.primitive.name for e in positive.eqns] == ["exp"]
    assert "log1p" in [e.primitive.name for e in negative.eqns]
    grad = optad.grad(f, backend=BACKEND)
    for x in [1.0, -1.0, 2.0]:
        names = [e.primitive.name for e in grad.lowered(np.array(x)).eqns]
        assert ("exp" in names) == (x > 0) and ("log1p" in names) == (x < 0)


def test_minimize_with_a_branch_finds_the_branch_minimum():
    def f(x):
        if x[0] > 0:
            return np.sum((x - 2.0) ** 2)
        return np.sum((x + 1.0) ** 2) + 10.0

    for method in ["newton-cg", "lbfgs"]:
        result = optad.minimize(f, np.array([0.5, 0.0]), method=method, backend=BACKEND)
        assert_close(result.x, [2.0, 2.0], atol=1e-5, what=method)


def test_hessian_and_nested_gradients_take_the_inner_branch():
    # optad.hessian is jacfwd(grad(f)): grad(f) is traced inside jacfwd's trace, with its
    # values; the inner path's guard becomes a decision of the outer trace
    def f(x):
        if np.sum(x) > 0:
            return np.sum(x ** 3)
        return np.sum(np.sin(x) * x[::-1])

    def f_where(x):
        return np.where(np.sum(x) > 0, np.sum(x ** 3), np.sum(np.sin(x) * x[::-1]))

    hessian = optad.hessian(f, backend=BACKEND)
    reference = optad.hessian(f_where, backend=BACKEND)
    grad_of_grad = optad.grad(lambda x: np.sum(optad.grad(f, backend=BACKEND)(x) ** 2),
                              backend=BACKEND)
    grad_of_grad_where = optad.grad(
        lambda x: np.sum(optad.grad(f_where, backend=BACKEND)(x) ** 2), backend=BACKEND)
    for x in [[1.0, 2.0], [-1.0, -0.5], [0.5, 0.1], [-3.0, 1.0], [1.0, 2.0]]:
        x = np.array(x)
        assert_close(hessian(x), reference(x), rtol=1e-13, what=str(x))
        assert_close(grad_of_grad(x), grad_of_grad_where(x), rtol=1e-13, what=str(x))


def test_show_source_shows_the_kernel_of_the_example_path_with_its_guard():
    grad = optad.grad(piecewise, backend=BACKEND)
    positive = optad.show_source(grad, np.array([1.0, 2.0, 0.0]))
    negative = optad.show_source(grad, np.array([-3.0, 1.0, 0.0]))
    assert "sin" not in positive and "gt" in positive and "not" not in positive
    assert "sin" in negative and "not" in negative


def test_static_arguments_and_python_numbers_with_decisions():
    def f(x, mode):
        if mode == "square" and x > 1.0:
            return x * x
        return 3.0 * x

    grad = optad.grad(f, backend=BACKEND)
    for x, mode, want in [(2.0, "square", 4.0), (0.5, "square", 3.0), (2.0, "linear", 3.0),
                          (3.0, "square", 6.0), (0.0, "square", 3.0)]:
        assert_close(grad(x, mode), want, atol=0, what=f"{x} {mode}")


def test_threads_calling_on_different_paths_get_their_own_results():
    import threading
    grad = optad.grad(piecewise, backend=BACKEND)
    reference = optad.grad(piecewise_where, backend=BACKEND)
    points = [np.array([0.5, 1.0, 0.2]) * (1 if k % 2 else -1) * (1 + k / 10) for k in range(8)]
    wanted = [reference(p) for p in points]
    errors = []

    def worker(offset):
        for k in range(200):
            i = (k + offset) % len(points)
            got = grad(points[i])
            if not np.allclose(got, wanted[i], rtol=1e-13, atol=0):
                errors.append((i, got, wanted[i]))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
