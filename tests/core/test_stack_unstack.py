"""stack / unstack, the primitives reroll writes for a rolled loop's xs and for the rows of its
ys: their rules against finite differences, rerolled programs against the unrolled ones
(``OPTAD_REROLL=0``) on the numpy and numba backends, and the rerolled MLP's kernel, whose
loop nests do not grow with the depth (counted in the generated source, nothing timed)."""
import os
import sys

import numpy as np
import pytest

import optad
from optad.primitives.shape import stack, stack_p, unstack, unstack_p

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from fd import assert_close, directional  # noqa: E402

C = np.linspace(-1.0, 1.0, 3 * 2 * 4).reshape(3, 2, 4)


def uses_stack(x, y):
    """stack of three (2, 4) arrays, one of them not depending on x (a zero tangent)."""
    return np.sum(np.sin(stack([x, y * y, x * y + 1.0])) * C) + np.sum(stack([x, x, y]) ** 3)


def uses_unstack(x):
    """unstack of a (3, 2, 4) array; the middle row is unused (a zero cotangent)."""
    a, _, c = unstack(x * x)
    return np.sum(np.cos(a) * c) + np.sum(unstack(np.tanh(x))[1])


def scalars(x):
    """stack of 0-d values (one a literal) and unstack of a 1-d array."""
    a, b, c = unstack(x)
    s = stack([a * b, np.sin(c), 2.0 + 0.0 * a, a])
    return np.sum(s * np.array([1.0, -2.0, 0.5, 3.0]) * s)


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(4)
    return {"x": rng.standard_normal((2, 4)), "y": rng.standard_normal((2, 4)),
            "X": rng.standard_normal((3, 2, 4)), "s": rng.standard_normal(3),
            "v": rng.standard_normal((2, 4)), "V": rng.standard_normal((3, 2, 4)),
            "sv": rng.standard_normal(3)}


def _check(fun, x, v, rest, backend):
    value, g = optad.value_and_grad(fun, backend=backend)(x, *rest)
    assert_close(value, fun(x, *rest), rtol=1e-12)
    assert_close(np.sum(g * v), directional(lambda t: fun(t, *rest), [x], [v]), rtol=1e-6)
    hv = optad.hvp(fun, backend=backend)(x, v, *rest)
    grad = optad.grad(fun, backend="numpy")
    assert_close(hv, directional(lambda t: grad(t, *rest), [x], [v]), rtol=1e-5, atol=1e-6)


def test_programs_use_the_primitives(points):
    program = optad.make_program(uses_stack, points["x"], points["y"])
    assert sum(e.primitive is stack_p for e in program.eqns) == 2
    grad_program = optad.grad(uses_unstack, backend="numpy").lowered(points["X"])
    assert any(e.primitive is unstack_p for e in grad_program.eqns)
    assert any(e.primitive is stack_p for e in grad_program.eqns)   # the VJP of unstack
    optad.typecheck(grad_program)
    assert "= unstack" in str(grad_program)


def test_rules_against_finite_differences(backend, points):
    _check(uses_stack, points["x"], points["v"], (points["y"],), backend)
    _check(uses_unstack, points["X"], points["V"], (), backend)
    _check(scalars, points["s"], points["sv"], (), backend)


# --------------------------------------------------------------------------- rerolled loops

def mlp(Ws, X):
    h = X
    for W in Ws[:-1]:
        h = np.tanh(W @ h)
    z = Ws[-1] @ h
    return np.sum(z * z) + np.sum(np.exp(-z))


def collected(Ws, X):
    """Every layer's activation is read after the loop (rows of the scan's ys)."""
    h, hs = X, []
    for W in Ws:
        h = np.tanh(W @ h)
        hs.append(h)
    return sum((k + 1.0) * np.sum(hk * hk) for k, hk in enumerate(hs[:-1])) + np.sum(hs[-1])


def scalar_steps(th, d):
    """0-d xs (half of them data, with no tangent) and 0-d ys read after the loop."""
    ts = [th[k // 2] if k % 2 == 0 else d[k // 2] for k in range(10)]
    x, xs = th[0] * 0 + 1.0, []
    for t in ts:
        x = x + 0.1 * np.sin(x * t) * t
        xs.append(x)
    return x ** 2 + sum(xk * xk for xk in xs[::3])


def _cases():
    rng = np.random.default_rng(5)
    Ws = [0.5 * rng.standard_normal((4, 4)) for _ in range(9)]
    X = rng.standard_normal((4, 3))
    th, d = rng.standard_normal(5), rng.standard_normal(5)
    return {"mlp": (mlp, (Ws, X)), "collected": (collected, (Ws, X)),
            "scalar_steps": (scalar_steps, (th, d))}


@pytest.mark.parametrize("case", ["mlp", "collected", "scalar_steps"])
def test_rerolled_equals_unrolled(backend, monkeypatch, case):
    fun, args = _cases()[case]
    program = optad.make_program(fun, *args)
    # "collected" is two loops: the layers, and the weighted sum over the collected layers
    # (the numbers k + 1.0 change with the step), which reads the first loop's ys as its xs
    scans = 2 if case == "collected" else 1
    assert sum(e.primitive.name == "scan" for e in program.eqns) == scans
    assert sum(e.primitive is stack_p for e in program.eqns) == 1
    tangent = optad.tree.tree_map(lambda a: np.cos(3.0 * a), args[0])
    value, grads = optad.value_and_grad(fun, backend=backend)(*args)
    hv = optad.hvp(fun, backend=backend)(args[0], tangent, *args[1:])

    monkeypatch.setenv("OPTAD_REROLL", "0")
    assert not any(e.primitive.name == "scan" for e in optad.make_program(fun, *args).eqns)
    ref_value, ref_grads = optad.value_and_grad(lambda *a: fun(*a), backend="numpy")(*args)
    ref_hv = optad.hvp(lambda *a: fun(*a), backend="numpy")(args[0], tangent, *args[1:])
    assert_close(value, ref_value, rtol=1e-12)
    for g, r in zip(optad.tree.flatten(grads)[0], optad.tree.flatten(ref_grads)[0]):
        assert_close(g, r, rtol=1e-10, atol=1e-12)
    for h, r in zip(optad.tree.flatten(hv)[0], optad.tree.flatten(ref_hv)[0]):
        assert_close(h, r, rtol=1e-9, atol=1e-11)

    # and the directional derivative against finite differences
    leaves, treedef = optad.tree.flatten(args[0])
    t_leaves = optad.tree.flatten(tangent)[0]
    along = directional(lambda *xs: fun(optad.tree.unflatten(treedef, list(xs)), *args[1:]),
                        leaves, t_leaves)
    slope = sum(np.sum(g * t) for g, t in zip(optad.tree.flatten(grads)[0], t_leaves))
    assert_close(slope, along, rtol=1e-6)


@pytest.mark.slow
def test_stacked_inputs_of_any_layout():
    """The numba stack copies through np.ascontiguousarray: Fortran-ordered and strided
    weights give the same results as C-ordered ones."""
    fun, (Ws, X) = _cases()["mlp"]
    mixed = list(Ws)
    mixed[1] = np.asfortranarray(Ws[1])
    big = np.zeros((8, 8))
    big[::2, ::2] = Ws[2]
    mixed[2] = big[::2, ::2]
    value, grads = optad.value_and_grad(fun)(Ws, X)
    value_mixed, grads_mixed = optad.value_and_grad(fun)(mixed, X)
    assert_close(value_mixed, value, rtol=1e-14)
    for g, r in zip(grads_mixed, grads):
        assert_close(g, r, rtol=1e-13, atol=1e-15)


def _kernel_counts(transformed, args):
    program = transformed.lowered(*args)
    source = optad.show_source(transformed, *args)
    code = [line for line in source.split('"""', 2)[2].splitlines()
            if line.strip() and not line.strip().startswith("#")]
    loops = sum(line.lstrip().startswith("for ") for line in code)
    segments = source.split("def segment_0(", 1)[1].split("\ndef entry(", 1)[0]
    signature, segment_body = segments.split("\n", 1)
    return {"eqns": len(program.eqns), "for": loops, "lines": len(code),
            "segment arguments": signature.count(","), "segment lines": len(
                [line for line in segment_body.splitlines() if line.strip()])}


def test_rerolled_mlp_kernel_does_not_grow_with_depth():
    """8 and 20 layers: the same equations and loop nests in the value_and_grad and HVP
    kernels.  The compiled segment is the same at both depths, arguments included: the
    per-layer weights are stacked, and their gradients unstacked, by the kernel's Python
    wrapper (one row copy and one view per layer) and by ``entry`` (one view per layer)."""
    rng = np.random.default_rng(6)
    X = rng.standard_normal((4, 3))
    counts = {}
    for layers in (8, 20):
        Ws = [0.5 * rng.standard_normal((4, 4)) for _ in range(layers)]
        counts["vg", layers] = _kernel_counts(optad.value_and_grad(mlp), (Ws, X))
        counts["hvp", layers] = _kernel_counts(optad.hvp(mlp), (Ws, Ws, X))
    for kind in ("vg", "hvp"):
        short, deep = counts[kind, 8], counts[kind, 20]
        assert deep["eqns"] == short["eqns"], (kind, short, deep)
        assert deep["for"] == short["for"], (kind, short, deep)
        assert deep["segment lines"] == short["segment lines"], (kind, short, deep)
        assert deep["segment arguments"] == short["segment arguments"], (kind, short, deep)
        # per layer: a row copy (the HVP's: two, Ws and Vs), a view in the kernel and in entry
        per_layer = 3 if kind == "vg" else 4
        assert deep["lines"] - short["lines"] <= per_layer * (20 - 8), (kind, short, deep)


def test_cuda_backend_runs_them_on_the_host():
    """Under the CUDA simulator stack and unstack run through their NumPy implementations."""
    pytest.importorskip("numba.cuda")
    if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
        pytest.skip("the CUDA backend is tested under Numba's simulator")
    fun, args = _cases()["scalar_steps"]
    value, grads = optad.value_and_grad(fun, backend="cuda")(*args)
    reference = optad.value_and_grad(fun, backend="numpy")(*args)
    assert_close(value, reference[0], rtol=1e-12)
    assert_close(grads, reference[1], rtol=1e-12)
