"""NaN, infinities and signed zeros mean the same on every backend: each elementwise function,
fed every pair of special values, gives on the Numba and CUDA backends (the latter under the
simulator) what the NumPy backend gives - values bit for bit in their class (NaN, +-inf, the
sign of a zero; finite values to rounding) and gradients likewise (where NaN sits, infinities,
finite values; the sign of a zero gradient is not compared, it follows the order of additions).

All functions of a family run in one program (row k of the inputs feeds function k), so each
backend compiles one forward and one gradient program per family, and the gradient row k is
the derivative of function k alone.

A unary function needs each special value once; its row holds them all 12 times over (the
binary family's x column) on NumPy and Numba, where the length may decide which of a compiled
loop's paths (vectorised body, scalar remainder) an element takes.  The CUDA simulator runs
every element as a Python thread of the same code, block by block, so there the unary rows
hold each special value once (one block instead of five per launch; the NumPy backend is
compared on the same rows)."""
import numpy as np
import pytest

import optad

pytestmark = pytest.mark.slow  # one Numba compile per family and mode

SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.5, 710.0])
X = np.repeat(SPECIAL, SPECIAL.size)   # every ordered pair (x, y) of special values
Y = np.tile(SPECIAL, SPECIAL.size)


def columns(family, backend):
    """The x (and y) values a function of the family is fed, in order, on ``backend``: every
    special value once for the unary functions under the CUDA simulator (see above), the
    pairs (X, Y) otherwise."""
    if family == "unary" and backend == "cuda":
        return (SPECIAL,)
    return (X,) if family == "unary" else (X, Y)


def oracle(family, backend):
    """The NumPy backend run on the inputs ``backend`` was fed."""
    return "numpy-compact" if columns(family, backend)[0] is SPECIAL else "numpy"


def _where(condition):
    return np.where(condition, 1.0, 0.0)


UNARY = {
    "negative": np.negative, "exp": np.exp, "exp2": np.exp2, "log": np.log, "log2": np.log2,
    "log10": np.log10, "log1p": np.log1p, "expm1": np.expm1, "sin": np.sin, "cos": np.cos,
    "tan": np.tan, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "sqrt": np.sqrt,
    "square": np.square, "reciprocal": np.reciprocal, "abs": np.abs, "fabs": np.fabs,
    "sign": np.sign, "floor": np.floor, "ceil": np.ceil, "arcsin": np.arcsin,
    "arccos": np.arccos, "arctan": np.arctan, "arcsinh": np.arcsinh, "arccosh": np.arccosh,
    "arctanh": np.arctanh, "sinc": np.sinc, "nan_to_num": np.nan_to_num,
    "clip": lambda x: np.clip(x, -1.0, 1.0),
    "isnan": lambda x: _where(np.isnan(x)), "isinf": lambda x: _where(np.isinf(x)),
    "isfinite": lambda x: _where(np.isfinite(x)),
    "logical_not": lambda x: _where(np.logical_not(x > 0)),
    "pow_literal": lambda x: x ** 3.0, "relu": lambda x: np.maximum(x, 0.0),
}

BINARY = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide,
    "power": np.power, "maximum": np.maximum, "minimum": np.minimum, "fmax": np.fmax,
    "fmin": np.fmin, "arctan2": np.arctan2, "floor_divide": np.floor_divide,
    "remainder": np.remainder, "hypot": np.hypot, "logaddexp": np.logaddexp,
    "less": lambda x, y: _where(x < y), "less_equal": lambda x, y: _where(x <= y),
    "greater": lambda x, y: _where(x > y), "greater_equal": lambda x, y: _where(x >= y),
    "equal": lambda x, y: _where(x == y), "not_equal": lambda x, y: _where(x != y),
    "logical_and": lambda x, y: _where(np.logical_and(x > 0, y > 0)),
    "logical_or": lambda x, y: _where(np.logical_or(x > 0, y > 0)),
    "where": lambda x, y: np.where(x > y, x, y),
    "clip_between": lambda x, y: np.clip(x, y, 1.0),
    "max_plus_min": lambda x, y: np.maximum(x, y) + np.minimum(x, y),   # issue 9's example
}

FAMILIES = {"unary": UNARY, "binary": BINARY}


def _stacked(family, backend):
    """Inputs (rows k = function k) and the forward and summed functions of the family."""
    funs = list(FAMILIES[family].values())
    inputs = [np.tile(c, (len(funs), 1)) for c in columns(family, backend)]

    def forward(*rows):
        return [f(*(r[k] for r in rows)) for k, f in enumerate(funs)]

    def total(*rows):
        return sum(np.sum(f(*(r[k] for r in rows))) for k, f in enumerate(funs))

    return inputs, forward, total


_RESULTS = {}


def results(family, backend):
    """(forward values per function, gradient rows per input) on ``backend``, computed once.
    "numpy-compact": the NumPy backend on the CUDA backend's inputs."""
    key = (family, backend)
    if key not in _RESULTS:
        inputs, forward, total = _stacked(family, "cuda" if backend == "numpy-compact"
                                          else backend)
        backend = "numpy" if backend == "numpy-compact" else backend
        with np.errstate(all="ignore"):
            values = [np.asarray(v) for v in optad.jit(forward, backend=backend)(*inputs)]
            argnums = tuple(range(len(inputs)))
            _, grads = optad.value_and_grad(total, argnums=argnums, backend=backend)(*inputs)
        _RESULTS[key] = values, [np.asarray(g) for g in grads]
    return _RESULTS[key]


def disagreement(got, want, signed_zeros):
    """Where ``got`` differs from ``want`` in its class or (finite) value; empty if nowhere."""
    bad = np.isnan(got) != np.isnan(want)
    bad |= np.isinf(got) != np.isinf(want)
    bad |= np.isinf(want) & (got != want)
    finite = np.isfinite(got) & np.isfinite(want)
    bad |= finite & ~np.isclose(got, want, rtol=1e-12, atol=1e-300)
    if signed_zeros:
        bad |= (want == 0) & (got == 0) & (np.signbit(got) != np.signbit(want))
    return np.flatnonzero(bad)


def report(name, where, got, want, fed, wrt=""):
    pairs = ", ".join(f"f{wrt}({', '.join(str(c[i]) for c in fed)}) = {got[i]} not {want[i]}"
                      for i in where[:4])
    return f"{name}: {pairs}"


def problems(names, got, want, signed_zeros, fed, wrt=""):
    """One line per function whose results disagree (``fed``: the input columns)."""
    lines = []
    for name, g, w in zip(names, got, want):
        assert g.shape == w.shape and g.dtype == w.dtype, name
        where = disagreement(g, w, signed_zeros)
        if where.size:
            lines.append(report(name, where, g, w, fed, wrt))
    return lines


@pytest.mark.parametrize("backend", ["numba", "cuda"])
@pytest.mark.parametrize("family", list(FAMILIES))
def test_values_with_nans_and_infinities_equal_numpy_backend(family, backend):
    if backend == "cuda":
        pytest.importorskip("numba.cuda")
    found = problems(FAMILIES[family], results(family, backend)[0],
                     results(family, oracle(family, backend))[0], signed_zeros=True,
                     fed=columns(family, backend))
    assert not found, "\n".join(found)


@pytest.mark.parametrize("backend", ["numba", "cuda"])
@pytest.mark.parametrize("family", list(FAMILIES))
def test_gradients_with_nans_and_infinities_equal_numpy_backend(family, backend):
    if backend == "cuda":
        pytest.importorskip("numba.cuda")
    found = []
    for wrt, (got, want) in enumerate(zip(results(family, backend)[1],
                                          results(family, oracle(family, backend))[1])):
        found += problems(FAMILIES[family], got, want, signed_zeros=False,
                          fed=columns(family, backend), wrt=f"'{'xy'[wrt]}")
    assert not found, "\n".join(found)


def test_numpy_backend_primitives_equal_numpy():
    """The oracle itself: the primitives' values are NumPy's (the composed functions hypot and
    logaddexp are compared across backends above, not to NumPy: they follow their formula)."""
    got, _ = results("binary", "numpy")
    for name in ("maximum", "minimum", "divide", "power", "arctan2", "remainder",
                 "floor_divide", "max_plus_min"):
        with np.errstate(all="ignore"):
            want = BINARY[name](X, Y)
        g = got[list(BINARY).index(name)]
        assert disagreement(g, want, signed_zeros=True).size == 0, name
