"""The Numba backend's first tier: its compiled interpreter (backends/numba/machine) runs any
program it can assemble, with no compile of the program, and agrees with the NumPy evaluator.

The interpreter is compiled (or loaded from the session's kernel cache) once per test process;
every program after that costs milliseconds to assemble.  The rule tables run on it too
(tests/core/test_derivative_rules.py), and every test taking the ``backend`` fixture."""
import importlib
import threading
import warnings

import numpy as np
import pytest

import optad
from optad.backends.numba import tiered
from optad.backends.numba.machine import FirstTier, Unsupported, assemble, loader
from optad.backends.numba.machine.backend import prepare
from optad.primitives.registry import impl_rules

from test_numpy_plan import CASES, halving

pytestmark = pytest.mark.skipif(not loader.enabled(), reason="OPTAD_MACHINE=0")


@pytest.fixture(scope="module")
def interpreter():
    assert loader.load_here()
    return loader.ready()


def _tier(fun, *args, transform="value_and_grad"):
    program = getattr(optad, transform)(fun, backend="numpy").compiled_program(*args)
    tier = FirstTier(prepare(program))
    tier.choice = "interpreter"
    return tier, optad.tree.flatten(args)[0]


@pytest.mark.parametrize("transform", ["jit", "value_and_grad", "hvp"])
@pytest.mark.parametrize("case", list(CASES))
def test_loops_nested_loops_and_rows_agree_with_the_numpy_evaluator(case, transform,
                                                                     interpreter):
    f, args = CASES[case]
    if transform == "hvp":
        if isinstance(args[0], list):
            pytest.skip("hvp takes one array argument here")
        args = (args[0], np.copy(args[0]) * 0.5 + 0.1) + tuple(args[1:])
    got = getattr(optad, transform)(f, backend="interpreter")(*args)
    want = getattr(optad, transform)(f, backend="numpy")(*args)
    for g, w in zip(optad.tree.flatten(got)[0], optad.tree.flatten(want)[0]):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    tier, _ = _tier(lambda *a: f(*a), *args, transform=transform)
    assert tier.assembly is not None, tier.why_not   # it ran on the interpreter, not the plan


def test_a_while_loop_runs_on_the_interpreter(interpreter):
    x = np.array([3.0, -4.0])
    got = optad.jit(halving, backend="interpreter")(x)
    np.testing.assert_array_equal(got, optad.jit(halving, backend="numpy")(x))
    assert np.sum(got ** 2) <= 1e-3 < np.sum((2 * got) ** 2)
    listing = optad.show_source(optad.jit(halving, backend="interpreter"), x)
    assert "JUMP_IF_ZERO" in listing and "JUMP " in listing


def test_carries_that_swap_are_staged(interpreter):
    def swap(x):
        def body(i, c):
            a, b = c
            return b, a + 0.5 * np.sin(b)
        a, b = optad.fori_loop(0, 7, body, (x[:2], x[2:]))
        return np.sum(a) + np.sum(b ** 2)
    x = np.array([1.0, 2.0, -0.5, 0.25])
    got = optad.value_and_grad(swap, backend="interpreter")(x)
    want = optad.value_and_grad(swap, backend="numpy")(x)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-15)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-15)


def test_transposes_read_by_products_are_not_written_out(interpreter):
    A = np.random.default_rng(0).standard_normal((30, 20))
    b = np.ones(30)
    f = lambda x: 0.5 * np.sum((A @ x - b) ** 2)   # noqa: E731 - the gradient is A.T @ r
    tier, leaves = _tier(f, np.zeros(20))
    assert "STRIDED" not in tier.assembly.listing()
    (value, grad) = tier(*leaves)
    np.testing.assert_allclose(grad, A.T @ (A @ np.zeros(20) - b), rtol=1e-13)


def test_a_program_it_cannot_run_runs_on_the_plan_and_says_why(interpreter):
    M = np.array([[3.0, 1.0], [1.0, 2.0]])
    f = lambda x: np.sum(np.linalg.solve(M + np.diag(x), x))   # noqa: E731
    x = np.array([0.5, 0.25])
    tier, leaves = _tier(f, x)
    assert tier.assembly is None and "'solve'" in tier.why_not
    got = optad.value_and_grad(f, backend="interpreter")(x)
    want = optad.value_and_grad(f, backend="numpy")(x)
    np.testing.assert_array_equal(got[1], want[1])
    assert "not run by the interpreter" in optad.show_source(
        optad.value_and_grad(f, backend="interpreter"), x)


def test_float32_programs_run_on_the_plan():
    with pytest.raises(Unsupported, match="float32"):
        assemble(optad.jit(lambda x: np.sin(x), backend="numpy").compiled_program(
            np.ones(3, np.float32)))


# Primitives the interpreter leaves to the NumPy plan (LAPACK-bound, or data-dependent
# orders): a new primitive must be added to the interpreter or here, knowingly.
ON_THE_PLAN = {"argpartition", "argsort", "checkpoint", "cholesky", "eig", "eigh", "inv",
               "pad_sum", "pinv", "qr", "slogdet", "solve", "svd", "svdvals"}


def test_every_primitive_is_run_by_the_interpreter_or_knowingly_by_the_plan():
    module = importlib.import_module("optad.backends.numba.machine.assemble")
    interpreted = set(module.UNARY) | set(module.BINARY) | set(module.REDUCE) | {
        name[1:] for name in vars(module._Assembler) if name.startswith("_") and
        not name.startswith("__")} | {"scan", "while"}
    names = {p.name for p in impl_rules if not p.name.startswith("test_only")}   # tests' own
    unclassified = sorted(names - interpreted - ON_THE_PLAN)
    assert not unclassified, f"primitives neither interpreted nor listed as on the plan: " \
                             f"{unclassified}"
    assert not (interpreted & ON_THE_PLAN)


def test_threads_calling_one_program_at_once_get_their_own_answers(interpreter):
    W = np.random.default_rng(1).standard_normal((8, 8)) * 0.3
    f = lambda x: np.sum(np.tanh(W @ np.tanh(W @ x)) ** 2)   # noqa: E731
    tier, _ = _tier(f, np.ones(8))
    xs = [np.full(8, 0.1 * k) for k in range(8)]
    want = [optad.value_and_grad(f, backend="numpy")(x) for x in xs]
    errors = []

    def work(k):
        for _ in range(200):
            value, grad = tier(xs[k])
            if not (np.allclose(value, want[k][0], rtol=1e-13) and
                    np.allclose(grad, want[k][1], rtol=1e-13)):
                errors.append(k)
                return
    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_the_tiered_numba_backend_answers_from_the_interpreter(interpreter, monkeypatch):
    """OPTAD_TIERED=first: the Numba backend's kernels stay on the first tier."""
    monkeypatch.setenv("OPTAD_TIERED", "first")
    W = np.random.default_rng(2).standard_normal((5, 5))
    f = lambda x: np.sum(np.tanh(W @ x) ** 2) + np.max(x)   # noqa: E731
    x = np.linspace(-1, 1, 5)
    vg = optad.value_and_grad(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(8):        # enough calls for the tier to time both and choose
            value, grad = vg(x)
    want = optad.value_and_grad(f, backend="numpy")(x)
    np.testing.assert_allclose(value, want[0], rtol=1e-13)
    np.testing.assert_allclose(grad, want[1], rtol=1e-13)
    assert not tiered._running   # nothing was compiled for this program


def test_a_long_loop_goes_to_the_interpreter_without_trying_the_plan(interpreter):
    def pendulum(p):
        x = optad.fori_loop(0, 3000, lambda i, x: x + 0.01 * np.stack(
            [x[1], -np.sin(x[0]) - p[0] * x[1]]), p[1:])
        return np.sum(x ** 2)
    p = np.array([0.3, 1.0, 0.0])
    tier, leaves = _tier(pendulum, p)
    tier.choice = None
    tier.__init__(tier.program)
    assert tier.choice == "interpreter"
    value, grad = tier(*leaves)
    assert tier._plan is None     # never built
    want = optad.value_and_grad(pendulum, backend="numpy")(p)
    np.testing.assert_allclose(grad, want[1], rtol=1e-11)


def test_gathers_scatters_and_running_sums(interpreter):
    idx = np.array([2, 0, -1, 2])
    cases = [
        (lambda x: np.sum(x[idx] ** 2), np.linspace(-1, 1, 5)),
        (lambda x: np.sum(np.sin(x[:, idx]) * x[:, idx]), np.linspace(-1, 1, 12).reshape(3, 4)),
        (lambda x: np.sum(np.cumsum(x, axis=1) ** 2) + np.sum(np.cumsum(x[::-1, 0])),
         np.linspace(-1, 1, 12).reshape(3, 4)),
    ]
    for f, x in cases:
        tier, leaves = _tier(f, x)
        assert tier.assembly is not None, tier.why_not
        got = optad.value_and_grad(f, backend="interpreter")(x)
        want = optad.value_and_grad(f, backend="numpy")(x)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-13)
        np.testing.assert_allclose(got[1], want[1], rtol=1e-13, atol=1e-15)


def test_an_index_out_of_bounds_is_an_index_error(interpreter):
    idx = np.array([0, 7])
    tier, leaves = _tier(lambda x, i: np.sum(x[i]), np.ones(3), np.array([0, 1]))
    with pytest.raises(IndexError):
        tier(np.ones(3), idx)


@pytest.mark.slow
def test_a_kernel_worker_builds_the_interpreter_after_its_kernel(tmp_path, monkeypatch,
                                                                 cache_of_its_own):
    """On a machine without the interpreter, the one compile process compiles the kernel a
    caller waits for first, then the interpreter (compile_pool.compile_afterwards); the
    kernel is used as soon as its own module is marked compiled."""
    monkeypatch.setenv("OPTAD_MACHINE_DIR", str(tmp_path / "machine"))
    monkeypatch.setenv("OPTAD_TIERED", "1")      # hot from the first call
    monkeypatch.setattr(loader, "START_DELAY", 1e9)   # the loader never starts its own worker
    monkeypatch.setattr(loader._State, "module", None)
    monkeypatch.setattr(loader._State, "call", None)
    monkeypatch.setattr(loader._State, "failed", False)
    monkeypatch.setattr(loader._State, "first_need", None)
    monkeypatch.setattr(loader._State, "worker", None)
    monkeypatch.setattr(loader._State, "loader", None)
    assert not loader.compiled()
    f = lambda x: np.sum(np.cos(x) * x ** 3) - 0.25 * np.max(x)   # noqa: E731
    x = np.linspace(0.1, 0.9, 4)
    vg = optad.value_and_grad(f)
    vg(x)
    workers = list(tiered._running)
    assert len(workers) == 1
    workers[0][0].wait(timeout=600)
    assert workers[0][0].returncode == 0
    assert loader.compiled()      # built after the kernel, by the same process
    np.testing.assert_allclose(vg(x)[1], optad.value_and_grad(f, backend="numpy")(x)[1],
                               rtol=1e-12)
