"""``float(s)`` of a traced value whose only use is a comparison with a Python number right
away (``if float(s) > 0.5:``) is a guarded decision like ``if s > 0.5:``; every other use of
float() stays the error naming the line (optad/trace/compared.py)."""
import os
import sys

import numpy as np
import pytest

import optad

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from fd import assert_close  # noqa: E402

THRESHOLD = 0.5


def compared_with_a_constant(x):
    s = np.sum(x)
    if float(s) > 0.5:
        return np.sum(x ** 2)
    return np.sum(np.sin(x))


def compared_with_a_global(x):
    s = np.sum(x)
    if float(s) > THRESHOLD:
        return np.sum(x ** 2)
    return np.sum(np.sin(x))


def compared_with_a_local(x):
    s = np.sum(x)
    limit = 0.5
    if float(s) > limit:
        return np.sum(x ** 2)
    return np.sum(np.sin(x))


def with_np_where(x):
    return np.where(np.sum(x) > 0.5, np.sum(x ** 2), np.sum(np.sin(x)))


@pytest.mark.parametrize("fun", [compared_with_a_constant, compared_with_a_global,
                                 compared_with_a_local])
def test_float_compared_right_away_is_a_guarded_decision(fun):
    grad = optad.grad(fun, backend="numpy")
    reference = optad.grad(with_np_where, backend="numpy")
    for x in [[1.0, 2.0], [0.1, 0.2], [0.3, 0.2], [0.3, 0.2000001], [2.0, -1.0], [0.1, 0.2]]:
        x = np.array(x)
        assert_close(grad(x), reference(x), rtol=1e-14, what=str(x))
        assert_close(optad.jit(fun, "numpy")(x), fun(x), rtol=1e-14)


def test_float_of_a_float32_compares_as_python_does():
    def f(x):
        s = np.sum(x)
        if float(s) > 0.1:     # float32 0.1 is 0.10000000149 > 0.1 in Python
            return np.sum(x * 2.0)
        return np.sum(x * 5.0)

    x = np.array([0.05, 0.05], dtype=np.float32)
    assert float(np.sum(x)) > 0.1
    assert_close(optad.grad(f, backend="numpy")(x), [2.0, 2.0], atol=0)


def test_equality_and_a_closure_operand():
    def make(level):
        def f(x):
            s = x[0] * x[1]
            if float(s) == level:
                return s * 0.0
            return s
        return f

    grad = optad.grad(make(2.0), backend="numpy")
    assert_close(grad(np.array([1.0, 2.0])), [0.0, 0.0], atol=0)
    assert_close(grad(np.array([1.0, 3.0])), [3.0, 1.0], atol=0)
    assert_close(grad(np.array([2.0, 1.0])), [0.0, 0.0], atol=0)


def _subscript_argument(x):
    return np.sum(x) if float(x[0]) > 0.5 else -np.sum(x)


def _reversed_order(x):
    s = np.sum(x)
    return s if 0.5 < float(s) else -s


def _stored_first(x):
    s = np.sum(x)
    v = float(s)
    return s if v > 0.5 else -s


def _arithmetic_first(x):
    s = np.sum(x)
    return s if float(s) + 1.0 > 1.5 else -s


def _traced_operand(x):
    s, t = x[0], x[1]
    return s if float(s) > t else -s


@pytest.mark.parametrize("fun", [_subscript_argument, _reversed_order, _stored_first,
                                 _arithmetic_first, _traced_operand])
def test_other_uses_of_float_stay_an_error_naming_the_line(fun):
    with pytest.raises(optad.TracerError) as err:
        optad.grad(fun, backend="numpy")(np.array([1.0, 2.0]))
    message = str(err.value)
    assert message.startswith("float()") and "test_guarded_float_compare.py" in message
    assert "if x > 0.5:" in message and "static" in message


def test_a_shadowed_float_is_not_taken_for_the_builtin():
    # a module whose name float is np.float64: the same bytecode, another function
    namespace = {"np": np, "float": np.float64}
    exec("def f(x):\n    s = np.sum(x)\n    return s if float(s) > 0.5 else -s\n", namespace)
    with pytest.raises((optad.TracerError, TypeError)):
        optad.grad(namespace["f"], backend="numpy")(np.array([1.0, 2.0]))


def test_guards_off_makes_the_comparison_an_error(monkeypatch):
    monkeypatch.setenv("OPTAD_GUARDS", "0")
    fresh = lambda x: compared_with_a_constant(x)  # noqa: E731 - traced anew
    with pytest.raises(optad.TracerError, match="float()"):
        optad.grad(fresh, backend="numpy")(np.array([1.0, 2.0]))
