"""Independent loop groups whose loops have the same extents share one nest (schedule.py's
``share_loops``): fewer loops for Numba to compile, the same values as the NumPy backend."""
import numpy as onp
import pytest

import optad
from optad import numpy as np


def _nests(fun, *args):
    source = optad.show_source(optad.jit(fun), *args)
    return source.count("# ---- fused loop nest")


def _check_against_numpy(fun, *args):
    compiled = optad.jit(fun)(*args)
    reference = optad.jit(fun, backend="numpy")(*args)
    if not isinstance(compiled, tuple):
        compiled, reference = (compiled,), (reference,)
    for got, want in zip(compiled, reference):
        onp.testing.assert_allclose(got, want, rtol=1e-13, atol=0)


@pytest.fixture
def ab():
    rng = onp.random.default_rng(3)
    return rng.standard_normal((4, 5)), rng.standard_normal((4, 5))


def test_elementwise_beside_a_reduction_is_one_nest(ab):
    def f(a, b):
        return np.tanh(a) * b, np.max(b, axis=0)
    assert _nests(f, *ab) == 1
    _check_against_numpy(f, *ab)


def test_a_nest_after_a_split_takes_its_independent_neighbour(ab):
    """A reduction whose complete result a later elementwise operation reads splits the
    group; the elementwise work beside it that reads neither joins the reduction's nest."""
    def f(a, b):
        s = np.exp(b) + 1.0
        m = np.max(a, axis=0, keepdims=True)
        return (a - m) * s
    _check_against_numpy(f, *ab)
    assert _nests(f, *ab) == 2


def test_transposed_reads_keep_their_meaning():
    """Square groups merged loop for loop: a part reading a transpose still reads it."""
    rng = onp.random.default_rng(4)
    a, b = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))

    def f(a, b):
        return a * 2.0, np.sin(b.T) + b, np.sum(a, axis=1)
    _check_against_numpy(f, a, b)


def test_different_extents_stay_apart(ab):
    def f(a, b):
        return a + 1.0, np.cos(b.T)     # (4, 5) and (5, 4) loops: two nests
    assert _nests(f, *ab) == 2
    _check_against_numpy(f, *ab)
