"""Loops (fori_loop, scan, while_loop): values against the plain Python loop they describe,
derivatives against finite differences, on the numpy and numba backends."""
import os
import sys

import numpy as np
import pytest

import optad
from optad.primitives.loops import LoopError
from optad.trace.tracer import TracerError

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from fd import assert_close, directional  # noqa: E402

DT = 0.05


def pendulum(th, steps=30):
    """Explicit Euler for a damped pendulum; the carry is a tuple."""
    def body(i, carry):
        x, v = carry
        return (x + DT * v, v - DT * th[1] * np.sin(x) - DT * th[0] * v)
    x, v = optad.fori_loop(0, steps, body, (th[0] * 0 + 1.0, th[1] * 0))
    return x ** 2 + v ** 2


def pendulum_python(th, steps=30):
    x, v = 1.0, 0.0
    for _ in range(steps):
        x, v = x + DT * v, v - DT * th[1] * np.sin(x) - DT * th[0] * v
    return x ** 2 + v ** 2


def rnn(W, xs, h0):
    """A scan with xs and ys, closing over W (differentiated) and a constant bias."""
    bias = np.linspace(-0.1, 0.1, h0.shape[0])

    def step(h, x):
        h = np.tanh(W @ h + x + bias)
        return h, np.sum(h ** 2)
    h, ys = optad.scan(step, h0, xs)
    return np.sum(h) + np.sum(ys * np.arange(1.0, xs.shape[0] + 1))


def rnn_python(W, xs, h0):
    bias = np.linspace(-0.1, 0.1, h0.shape[0])
    h, total = h0, 0.0
    for k, x in enumerate(xs):
        h = np.tanh(W @ h + x + bias)
        total = total + (k + 1) * np.sum(h ** 2)
    return np.sum(h) + total


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(1)
    return {"th": np.array([0.3, 2.0]), "W": 0.5 * rng.standard_normal((3, 3)),
            "xs": rng.standard_normal((6, 3)), "h0": rng.standard_normal(3),
            "v": rng.standard_normal(2), "V": rng.standard_normal((3, 3))}


def test_outside_tracing_loops_run_in_python():
    assert optad.fori_loop(0, 4, lambda i, c: c + i, 0) == 6
    carry, ys = optad.scan(lambda c, x: (c + x, c * x), 1.0, np.arange(3.0))
    assert carry == 4.0 and np.array_equal(ys, [0.0, 1.0, 4.0])
    assert optad.while_loop(lambda c: c < 10, lambda c: c * 2, 1) == 16


def test_value_gradient_jvp_hvp(backend, data):
    th, v = data["th"], data["v"]
    value, g = optad.value_and_grad(pendulum, backend=backend)(th)
    assert_close(value, pendulum_python(th), rtol=1e-12)
    assert_close(g, [directional(pendulum_python, [th], [e])
                     for e in np.eye(2)], rtol=1e-6, what="grad")
    _, tangent = optad.jvp(pendulum, (th,), (v,), backend=backend)
    assert_close(tangent, directional(pendulum_python, [th], [v]), rtol=1e-6, what="jvp")
    hv = optad.hvp(pendulum, backend=backend)(th, v)
    grad = optad.grad(pendulum, backend="numpy")
    assert_close(hv, directional(grad, [th], [v], h=1e-5), rtol=1e-5, what="hvp")
    assert_close(optad.hvp(pendulum, backend=backend).at(th)(v), hv, rtol=1e-12, what="at")


def test_scan_with_xs_ys_and_closures(backend, data):
    W, xs, h0, V = data["W"], data["xs"], data["h0"], data["V"]
    value, g = optad.value_and_grad(rnn, backend=backend)(W, xs, h0)
    assert_close(value, rnn_python(W, xs, h0), rtol=1e-12)
    assert_close(np.sum(g * V), directional(lambda w: rnn_python(w, xs, h0), [W], [V]),
                 rtol=1e-6, what="grad W")
    gx = optad.grad(rnn, argnums=1, backend=backend)(W, xs, h0)
    assert_close(gx, optad.grad(rnn_python, argnums=1, backend="numpy")(W, xs, h0), rtol=1e-10)
    hv = optad.hvp(rnn, backend=backend)(W, V, xs, h0)
    gW = optad.grad(rnn, backend="numpy")
    assert_close(hv, directional(lambda w: gW(w, xs, h0), [W], [V], h=1e-5), rtol=1e-5)


def test_reverse_scan_dict_carry_and_traced_closure(backend):
    x = np.array([0.5, -1.0, 2.0])

    def f(x):
        scale = np.sum(x ** 2)          # a traced value the body closes over

        def step(c, xi):
            c = {"s": c["s"] * 0.9 + xi * scale, "n": c["n"] + 1}
            return c, c["s"]
        c, ys = optad.scan(step, {"s": 0.0, "n": np.int64(0)}, x, reverse=True)
        return c["s"] + np.sum(ys ** 2) + c["n"] * 0.0

    def f_python(x):
        scale, s, total = np.sum(x ** 2), 0.0, 0.0
        for xi in x[::-1]:
            s = s * 0.9 + xi * scale
            total += s ** 2
        return s + total

    value, g = optad.value_and_grad(f, backend=backend)(x)
    assert_close(value, f_python(x), rtol=1e-12)
    assert_close(g, [directional(f_python, [x], [e]) for e in np.eye(3)], rtol=1e-6)


def test_nested_loops_and_float32(backend):
    def f(x):
        def outer(i, c):
            return optad.fori_loop(0, 3, lambda j, d: d * 0.9 + np.sin(d) * ((i + j) * 0.01).astype(d.dtype), c)
        return np.sum(optad.fori_loop(0, 4, outer, x))

    def f_python(x):
        c = x
        for i in range(4):
            for j in range(3):
                c = c * 0.9 + np.sin(c) * (i + j) * 0.01
        return np.sum(c)

    x = np.array([0.2, 1.5], dtype=np.float32)
    value, g = optad.value_and_grad(f, backend=backend)(x)
    assert value.dtype == np.float32 and g.dtype == np.float32
    x64 = x.astype(np.float64)
    assert_close(value, f_python(x64), rtol=1e-5)
    assert_close(g, [directional(f_python, [x64], [e]) for e in np.eye(2)], rtol=1e-4)


@pytest.mark.parametrize("checkpoint", [4, True])
def test_checkpointed_scan_equals_plain(backend, data, checkpoint):
    th = data["th"]

    def f(th, checkpoint=checkpoint):
        def body(i, c):
            return c + DT * np.sin(c * th[0] + i * 0.01) * th[1]
        return np.sum(optad.fori_loop(0, 23, body, np.array([0.1, 0.7]), checkpoint=checkpoint))

    plain = optad.value_and_grad(lambda t: f(t, None), backend="numpy")(th)
    chunked = optad.value_and_grad(f, backend=backend)(th)
    assert_close(chunked[0], plain[0], rtol=1e-12)
    assert_close(chunked[1], plain[1], rtol=1e-12)
    program = optad.make_program(optad.grad(f), th)
    assert "length=5" in str(program) and "length=4" in str(program) or checkpoint is True


def test_while_loop_forward_mode_and_reverse_refused(backend):
    def f(x):
        def body(c):
            k, y = c
            return k + 1, y * 1.5 + x
        return optad.while_loop(lambda c: c[0] < 5, body, (0, x))[1]

    x = np.array([0.5, 2.0])
    assert_close(optad.jit(f, backend=backend)(x), f(x), rtol=1e-12)
    _, t = optad.jvp(f, (x,), (np.ones(2),), backend=backend)
    assert_close(t, directional(f, [x], [np.ones(2)]), rtol=1e-6)
    with pytest.raises(NotImplementedError, match="while_loop.*fori_loop"):
        optad.grad(lambda x: np.sum(f(x)), backend=backend)(x)


def test_minimize_through_a_loop():
    res = optad.minimize(lambda th: pendulum(th) + 0.1 * np.sum((th - 1.0) ** 2),
                         np.array([0.3, 2.0]), method="newton-cg")
    assert res.success
    assert np.linalg.norm(optad.grad(lambda th: pendulum(th) + 0.1 * np.sum((th - 1.0) ** 2))
                          (res.x)) < 1e-5


def test_loop_programs_print_and_typecheck(data):
    program = optad.make_program(pendulum, data["th"])
    text = str(program)
    assert "scan[length=30" in text and "\n      body = { lambda" in text
    optad.typecheck(program)
    grad_program = optad.grad(pendulum, backend="numpy").lowered(data["th"])
    grad_text = str(grad_program)
    assert grad_text.count("scan[") == 2        # forward sweep, reverse sweep
    assert "reverse=True" in grad_text
    # the NumPy backend's source: the same two sweeps as Python loops
    plan = optad.show_source(optad.grad(pendulum, backend="numpy"), data["th"])
    assert plan.count("    for ") == 2
    assert "in range(30):" in plan and "in range(30 - 1, -1, -1):" in plan


def test_forward_mode_through_a_scan_is_one_loop(data):
    """The tangent loop carries the primal too, and its outputs are the primal outputs: the
    HVP (forward over reverse) is one forward and one reverse loop, as the gradient."""
    program = optad.hvp(pendulum, backend="numpy").lowered(data["th"], data["v"])
    assert sum(e.primitive.name == "scan" for e in program.eqns) == 2
    value, tangent = optad.jvp(pendulum, (data["th"],), (data["v"],), backend="numpy")
    assert_close(value, pendulum_python(data["th"]), rtol=1e-12)
    assert_close(tangent, directional(pendulum_python, [data["th"]], [data["v"]]), rtol=1e-6)


def test_numba_kernel_has_one_loop_per_sweep(data):
    source = optad.show_source(optad.grad(pendulum), data["th"])
    assert source.count("for step_") == 2 and "(NumPy implementation)" not in source


def test_errors_name_the_loop():
    x = np.ones(2)
    with pytest.raises(TracerError, match="fori_loop.*Python ints"):
        optad.jit(lambda x, n: optad.fori_loop(0, n, lambda i, c: c, x))(x, np.array(3))
    with pytest.raises(LoopError, match=r"carry\[1\].*float64\[2\].*float64\[3\]"):
        optad.jit(lambda x: optad.fori_loop(0, 3, lambda i, c: (c[0], np.ones(3)), (x, x)))(x)
    with pytest.raises(LoopError, match="structure"):
        optad.jit(lambda x: optad.fori_loop(0, 3, lambda i, c: (c, c), x))(x)
    with pytest.raises(LoopError, match=r"xs\[0\]: 3, xs\[1\]: 4"):
        optad.jit(lambda x: optad.scan(lambda c, a: (c, None), x, (np.ones(3), np.ones(4)))[0])(x)
    with pytest.raises(TracerError, match="bool"):
        optad.jit(lambda x: optad.fori_loop(0, 3, lambda i, c: c if c[0] > 0 else -c, x))(x)


def mlp_python_loop(Ws, X):
    h = X
    for W in Ws[:-1]:
        h = np.tanh(W @ h)
    return np.sum((Ws[-1] @ h) ** 2)


def euler_python_loop(th, steps=40):
    x, v = th[0] * 0 + 1.0, th[1] * 0
    for _ in range(steps):
        x, v = x + DT * v, v - DT * th[1] * np.sin(x) - DT * th[0] * v
    return x ** 2 + v ** 2


@pytest.mark.parametrize("case", ["mlp", "euler"])
def test_python_loops_are_rerolled(backend, monkeypatch, case):
    rng = np.random.default_rng(3)
    if case == "mlp":
        fun, args = mlp_python_loop, ([0.4 * rng.standard_normal((4, 4)) for _ in range(7)],
                                      rng.standard_normal((4, 5)))
    else:
        fun, args = euler_python_loop, (np.array([0.3, 2.0]),)
    program = optad.make_program(fun, *args)
    assert sum(e.primitive.name == "scan" for e in program.eqns) == 1
    assert len(program.eqns) < 30
    value, grads = optad.value_and_grad(fun, backend=backend)(*args)
    hv = optad.hvp(fun, backend=backend)(args[0], grads, *args[1:])
    monkeypatch.setenv("OPTAD_REROLL", "0")
    unrolled = optad.make_program(fun, *args)
    assert not any(e.primitive.name == "scan" for e in unrolled.eqns)
    reference = optad.value_and_grad(lambda *a: fun(*a), backend="numpy")(*args)
    assert_close(value, reference[0], rtol=1e-12)
    for g, r in zip(optad.tree.flatten(grads)[0], optad.tree.flatten(reference[1])[0]):
        assert_close(g, r, rtol=1e-10)
    hv_reference = optad.hvp(lambda *a: fun(*a), backend="numpy")(args[0], grads, *args[1:])
    for h, r in zip(optad.tree.flatten(hv)[0], optad.tree.flatten(hv_reference)[0]):
        assert_close(h, r, rtol=1e-9)


def test_cuda_backend_runs_loops_on_the_host(data):
    """Under the CUDA simulator a loop equation runs through the NumPy implementation between
    device kernels: the same numbers as the NumPy backend."""
    pytest.importorskip("numba.cuda")
    if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
        pytest.skip("the CUDA backend is tested under Numba's simulator")
    th = data["th"]
    value, g = optad.value_and_grad(pendulum, backend="cuda")(th)
    reference = optad.value_and_grad(pendulum, backend="numpy")(th)
    assert_close(value, reference[0], rtol=1e-12)
    assert_close(g, reference[1], rtol=1e-12)
