"""Every primitive at zero size and at size one, on the Numba backend against the NumPy backend.

Zero-size arrays are where generated loop nests end up with nothing inside them (issue 22: a
``np.repeat(a, 0)`` made a loop with an empty body, an IndentationError in the kernel's
source), and size one is where a broadcast and a squeeze look alike.  Each case is a NumPy
function of a vector ``a`` of length n (n = 0 or 1); its value and gradient on the Numba
backend must equal the NumPy backend's.  The table must reach every primitive of the
registry: the cases' programs (their derivatives and loop bodies included) are collected and
a primitive that none of them uses fails the coverage test."""
import numpy as np
import pytest

import optad
from optad.primitives.loops import sub_programs
from optad.primitives.registry import impl_rules


def _square(a):
    """An n x n matrix, well conditioned, from a (so it is differentiated)."""
    n = a.shape[0]
    return np.eye(n) * 2.0 + np.outer(a, a) * 0.1


def _rows(a):
    return np.stack([a, a * 0.5 + 0.25])          # 2 x n


def _scan_body(i, c):
    return c * 0.9 + 0.05


def _while_sum(a):
    return np.sum(optad.while_loop(lambda c: np.sum(c) > 100.0, lambda c: c * 0.5, a))


CASES = {
    # elementwise unary (the inputs stay in every function's domain: a in [0.5, 1.5))
    "unary": lambda a: np.sum(np.abs(a) + np.arccos(a * 0.5) + np.arccosh(a + 1.5)
                              + np.arcsin(a * 0.5) + np.arcsinh(a) + np.arctan(a)
                              + np.arctanh(a * 0.5) + np.cos(a) + np.exp(a) + np.expm1(a)
                              + np.log(a) + np.log1p(a) + np.sign(a) * a + np.sin(a)
                              + np.sqrt(a) + np.tanh(a) - a),
    "rounding": lambda a: np.sum(np.floor(a * 3.0) * a + np.mod(a, 0.3) + (a // 0.3) * a),
    # elementwise binary, comparisons, logic, select, convert
    "binary": lambda a: np.sum(a + a * a - a / (a + 1.0) + a ** 1.5 + np.arctan2(a, a + 1.0)
                               + np.maximum(a, 1.0) + np.minimum(a, 1.0)),
    "compare": lambda a: np.sum(np.where((a > 1.0) & (a >= 0.7) | ~(a < 0.6)
                                         & (a <= 1.2) & (a != 0.9) & (a == a), a, a * a)
                                * (a > 1.0).astype(np.float64)),
    # shapes
    "shape": lambda a: np.sum(np.broadcast_to(a, (2, a.shape[0])).T.reshape(-1) ** 2)
    + np.sum(np.concatenate([a, a[::-1], a[1:]]) ** 2)
    + np.sum(np.stack([a, 2.0 * a]) ** 2) + np.sum(np.pad(a, (1, 2)) ** 2),
    "rows": lambda a: sum(np.sum(row ** 2) for row in _rows(a)),   # unstack
    "repeat and diff": lambda a: np.sum(np.repeat(a, 0)) + np.sum(np.repeat(a, 2) ** 2)
    + np.sum(np.diff(a) ** 2),
    "gather": lambda a: np.sum(a[np.arange(a.shape[0])[::-1]] ** 2)
    + np.sum(np.take(a, np.zeros(a.shape[0], dtype=np.int64) if a.shape[0] else
                     np.zeros(0, dtype=np.int64)) * a),
    # reductions and scans
    "reductions": lambda a: np.sum(np.max(_rows(a), axis=0) + np.min(_rows(a), axis=0))
    + np.sum(np.cumsum(a) ** 2) + np.sum(np.sort(a) * a) + np.sum(np.partition(a, 0) * a
                                                                  if a.shape[0] else a),
    # linear algebra
    "matmul": lambda a: np.sum((_rows(a) @ a) ** 2) + np.sum((_square(a) @ _square(a)) ** 2),
    "solve and inverse": lambda a: np.sum(np.linalg.solve(_square(a), a) ** 2)
    + np.sum(np.linalg.inv(_square(a))) + np.linalg.slogdet(_square(a))[1]
    + np.sum(np.linalg.pinv(_rows(a)) ** 2),
    "decompositions": lambda a: np.sum(np.linalg.cholesky(_square(a)) ** 2)
    + np.sum(np.linalg.eigh(_square(a))[0]) + np.sum(np.linalg.svd(_rows(a), full_matrices=False)[1] ** 2)
    + np.sum(np.linalg.svd(_rows(a), compute_uv=False)) + np.sum(np.linalg.qr(_square(a))[1] ** 2)
    + np.sum(np.real(np.linalg.eig(_square(a))[0])),
    # control
    "loops": lambda a: np.sum(optad.fori_loop(0, 3, _scan_body, a) ** 2),
    "checkpoint": lambda a: np.sum(optad.checkpoint(lambda b: np.tanh(b) * b)(a)),
}
FORWARD_ONLY = {"while": _while_sum}     # while_loop has no reverse mode


def _vector(n):
    return np.linspace(0.55, 1.45, n) if n > 1 else np.full(n, 0.8)


def _primitives(program, seen):
    for eqn in program.eqns:
        seen.add(eqn.primitive.name)
        for body in sub_programs(eqn):
            _primitives(body, seen)
    return seen


def _optad_primitives():
    """The primitives optad's own modules define (tests may register primitives of their
    own in the same registry)."""
    import importlib
    import pkgutil

    import optad.primitives as package
    from optad.ir.primitive import Primitive
    found = set()
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        found |= {v for v in vars(module).values() if isinstance(v, Primitive)}
    assert found and found <= set(impl_rules)
    return found


def test_the_cases_reach_every_primitive():
    seen = set()
    for n in (1, 3):
        a = _vector(n)
        for f in CASES.values():
            for transform in (optad.value_and_grad(f, backend="numpy"),
                              optad.hvp(f, backend="numpy")):
                args = (a, np.ones_like(a)) if transform.kind == "hvp" else (a,)
                _primitives(transform.lowered(*args), seen)
        for f in FORWARD_ONLY.values():
            _primitives(optad.jit(f, backend="numpy").lowered(a), seen)
    # "schedule" primitives are made by the Numba backend's scheduler from traced ones (pad_sum
    # from a sum of pads: concatenate's gradient here), never traced
    missing = sorted(p.name for p in _optad_primitives()
                     if p.name not in seen and p.family != "schedule")
    assert not missing, f"primitives no zero/one-size case reaches: {missing}"


def _all_cases(a):
    return [f(a) for f in CASES.values()]


@pytest.mark.parametrize("n", [0, 1])
def test_each_case_on_the_numpy_backend_equals_plain_numpy(n):
    a = _vector(n)
    for name, f in CASES.items():
        want = f(a)
        got = optad.jit(f, backend="numpy")(a)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13, err_msg=name)


@pytest.mark.slow
@pytest.mark.parametrize("n", [0, 1])
def test_numba_equals_numpy_at_zero_and_one(n):
    """All cases in one function (one kernel per size and transformation: each compile costs
    seconds); the HVP at size zero, where loops lose their bodies."""
    a = _vector(n)
    for transform in ("value_and_grad", "hvp") if n == 0 else ("value_and_grad",):
        results = {}
        for backend in ("numpy", "numba"):
            def each(x):
                return sum(w * f(x) for w, f in zip(np.linspace(1.0, 2.0, len(CASES)),
                                                     CASES.values()))
            t = getattr(optad, transform)(each, backend=backend)
            results[backend] = t(a, np.full_like(a, 0.3)) if transform == "hvp" else t(a)
        want, got = results["numpy"], results["numba"]
        for w, g in zip(np.atleast_1d(want) if transform == "hvp" else want,
                        np.atleast_1d(got) if transform == "hvp" else got):
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12,
                                       err_msg=f"{transform} at n = {n}")
    f = FORWARD_ONLY["while"]
    np.testing.assert_allclose(optad.jit(f, backend="numba")(a), optad.jit(f, backend="numpy")(a),
                               rtol=1e-13, atol=1e-13)


def test_a_sum_of_thousands_of_pads_is_scheduled_without_recursion():
    """merge_pad_sums walked a sum of pads by recursion, one level per addition: a gradient
    assembled from thousands of padded terms (an RK4 loop left unrolled) hit Python's
    recursion limit while its kernel was scheduled."""
    from optad.backends.schedule_rewrites import merge_pad_sums, pad_sum_p
    from optad.ir.program import ShapedArray
    from optad.primitives import elementwise as ew
    from optad.primitives import shape as sh
    from optad.trace.tracer import make_program_flat

    n = 3000

    def many(x):
        total = None
        for i in range(n):
            term = sh.pad(ew.mul(sh.slice_array(x, (i,), (1,), (1,)), float(i % 7 + 1)),
                          (i,), (1,), (n,))
            total = term if total is None else ew.add(total, term)
        return [total]

    program = make_program_flat(many, [ShapedArray((n,), np.dtype(np.float64))])
    eqns = merge_pad_sums(list(program.eqns), set())
    sums = [e for e in eqns if e.primitive is pad_sum_p]
    assert len(sums) == 1 and len(sums[0].inputs) == n
    assert not any(e.primitive.name in ("add", "pad") for e in eqns)
