"""Small state in registers (issue 24, item 2): a loop whose carry is a small array (a state of
2-16 values built with ``np.stack``, its cotangent assembled from ``pad``s) runs on scalars in
the Numba kernel: no array is allocated inside the loops, forward or reverse
(backends/scalarize.py).  Values against the NumPy backend and finite differences."""
import re

import numpy as np
import pytest

import optad
from optad.backends.scalarize import LIMIT, scalarize
from fd import directional

pytestmark = pytest.mark.slow   # Numba kernels


def pendulum(p, steps=60):
    c = p[0]

    def step(i, x):
        return x + 0.01 * np.stack([x[1], -np.sin(x[0]) - c * x[1]])
    x = optad.fori_loop(0, steps, step, p[1:])
    return np.sum(x ** 2)


def pendulum_tuple(p, steps=60):
    c = p[0]

    def step(i, state):
        q, w = state
        return q + 0.01 * w, w + 0.01 * (-np.sin(q) - c * w)
    q, w = optad.fori_loop(0, steps, step, (p[1], p[2]))
    return q ** 2 + w ** 2


def rotation(p, steps=25):
    """A 2 x 2 state, a reduction and a transpose inside the body."""
    def step(i, m):
        r = np.stack([np.stack([np.cos(p[0]), -np.sin(p[0])]),
                      np.stack([np.sin(p[0]), np.cos(p[0])])])
        spread = np.sum(m, axis=0)
        return (r * m[0, 0] + m.T * 0.5 + spread) * 0.3
    m = optad.fori_loop(0, steps, step, np.reshape(p, (2, 2)))
    return np.sum(m ** 2) + np.max(m)


def mixed(p, W):
    """A small carry that also meets a matrix product (it goes through as an array)."""
    def step(i, h):
        return np.tanh(W @ h) + 0.1 * np.stack([h[1], h[0], h[2]])
    return np.sum(optad.fori_loop(0, 10, step, p) ** 2)


def nested(p):
    def outer(i, x):
        return optad.fori_loop(0, 4, lambda j, y: y * 0.9 + np.sin(y[::-1]) * 0.1, x) + p * 0.01
    return np.sum(optad.fori_loop(0, 5, outer, p) ** 2)


CASES = {
    "pendulum": (pendulum, [np.array([0.3, 1.0, 0.2])]),
    "pendulum tuple carry": (pendulum_tuple, [np.array([0.3, 1.0, 0.2])]),
    "rotation 2x2": (rotation, [np.array([0.4, 0.3, -0.2, 0.5])]),
    "mixed with matmul": (mixed, [np.array([0.3, -0.2, 0.5]),
                                  np.array([[0.5, 0.1, 0.0], [0.2, 0.3, 0.1], [0.0, 0.4, 0.2]])]),
    "nested loops": (nested, [np.array([0.3, -0.2, 0.5])]),
}


def _allocations_in_loops(source):
    """Lines inside a step loop (``for step_...``) that allocate an array."""
    found, depth = [], None
    for line in source.splitlines():
        indent = len(line) - len(line.lstrip())
        if re.match(r"\s*for step_\w+ in range", line):
            depth = indent if depth is None else min(depth, indent)
            continue
        if depth is not None and line.strip() and indent <= depth:
            depth = None
        if depth is not None and re.search(r"rt\.(empty|zeros|full)\(|np\.(empty|zeros)\(",
                                           line):
            found.append(line.strip())
    return found


@pytest.mark.parametrize("case", list(CASES))
def test_values_gradients_and_hvps_equal_the_numpy_backend(case):
    f, args = CASES[case]
    v = np.linspace(0.3, -0.4, args[0].size).reshape(args[0].shape)
    for backend in ("numba", "numpy"):
        value, grad = optad.value_and_grad(f, backend=backend)(*args)
        hvp = optad.hvp(f, backend=backend)(args[0], v, *args[1:])
        if backend == "numba":
            got = (value, grad, hvp)
        else:
            want = (value, grad, hvp)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    slope = directional(lambda x: f(x, *args[1:]), [args[0]], [v])
    np.testing.assert_allclose(np.dot(got[1], v), slope, rtol=1e-6, atol=1e-9)


def test_the_pendulum_loops_allocate_nothing_per_step():
    x = CASES["pendulum"][1][0]
    for transform in (optad.value_and_grad(pendulum), optad.hvp(pendulum)):
        args = (x, x * 0.5) if transform.kind == "hvp" else (x,)
        source = optad.show_source(transform, *args)
        assert source.count("for step_") == 2, "a forward and a reverse loop"
        assert _allocations_in_loops(source) == [], transform.kind


def test_the_stack_state_and_the_tuple_state_agree():
    x = CASES["pendulum"][1][0]
    a = optad.value_and_grad(pendulum)(x)
    b = optad.value_and_grad(pendulum_tuple)(x)
    np.testing.assert_allclose(a[0], b[0], rtol=1e-13)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-12)


def test_the_rewrite_keeps_large_carries_and_programs_without_loops():
    def big(p):
        return np.sum(optad.fori_loop(0, 3, lambda i, y: y * 0.5, np.tile(p, 9)))
    x = np.ones(2)
    program = optad.value_and_grad(big, backend="numpy").lowered(x)
    assert np.tile(x, 9).size > LIMIT
    assert scalarize(program).eqns == program.eqns
    plain = optad.value_and_grad(lambda p: np.sum(p ** 2), backend="numpy").lowered(x)
    assert scalarize(plain) is plain
    rewritten = scalarize(optad.value_and_grad(pendulum, backend="numpy").lowered(
        CASES["pendulum"][1][0]))
    optad.typecheck(rewritten)
    scans = [e for e in rewritten.eqns if e.primitive.name == "scan"]
    assert scans and all(all(v.aval.shape == () for v in
                             e.params["body"].inputs[1 + e.params["n_consts"]:
                                                     1 + e.params["n_consts"] +
                                                     e.params["n_carry"]])
                         for e in scans)
