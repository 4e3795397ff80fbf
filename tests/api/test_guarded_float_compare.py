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


# ------------------------------------------------------------------- int(), and booleans

def int_compared(x):
    s = np.sum(x)
    if int(s) > 2:             # int() truncates: the decision is trunc(s) > 2
        return np.sum(x ** 2)
    return np.sum(np.sin(x))


def int_compared_where(x):
    return np.where(np.trunc(np.sum(x)) > 2, np.sum(x ** 2), np.sum(np.sin(x)))


def test_int_compared_right_away_is_a_guarded_decision_on_the_truncated_value():
    grad = optad.grad(int_compared, backend="numpy")
    reference = optad.grad(int_compared_where, backend="numpy")
    # 2.5 and 2.9999 truncate to 2 (not > 2, although > 2 as floats); -5.9 to -5; 3.0 to 3
    for x in [[1.0, 1.5], [1.0, 1.9999], [1.0, 2.0], [-3.0, -2.9], [1.0, 2.5], [1.0, 1.5]]:
        x = np.array(x)
        assert_close(grad(x), reference(x), rtol=1e-14, what=str(x))
        assert_close(optad.jit(int_compared, "numpy")(x), int_compared(x), rtol=1e-14)


def test_int_of_an_integer_array_compared():
    def f(x, n):
        m = np.sum(n)          # traced integer (n is an argument: traced)
        if int(m) >= 3:
            return np.sum(x) * 2.0
        return np.sum(x) * 5.0

    grad = optad.grad(f, backend="numpy")
    assert_close(grad(np.ones(2), np.array([1, 2])), [2.0, 2.0], atol=0)
    assert_close(grad(np.ones(2), np.array([1, 1])), [5.0, 5.0], atol=0)


def test_int_of_nan_raises_pythons_error():
    with pytest.raises(ValueError):
        optad.grad(int_compared, backend="numpy")(np.array([np.nan, 1.0]))


def tripod_like(x):
    # scipy's Tripod benchmark: float() of a comparison is 1.0 or 0.0, used as a number
    p1 = float(x[0] >= 0)
    p2 = int(x[1] >= 0)
    return p2 * (1.0 + p1) + abs(x[0] + 50.0 * p2 * (1.0 - 2.0 * p1)) + x[1] ** 2 * p1


def tripod_like_where(x):
    p1 = np.where(x[0] >= 0, 1.0, 0.0)
    p2 = np.where(x[1] >= 0, 1.0, 0.0)
    return p2 * (1.0 + p1) + np.abs(x[0] + 50.0 * p2 * (1.0 - 2.0 * p1)) + x[1] ** 2 * p1


def test_float_and_int_of_a_traced_boolean_are_its_guarded_decision():
    v = np.array([0.3, -0.7])
    funs = {backend: (optad.value_and_grad(tripod_like, backend=backend),
                      optad.hvp(tripod_like, backend=backend)) for backend in ("numpy", "numba")}
    ref_vg = optad.value_and_grad(tripod_like_where, backend="numpy")
    ref_hvp = optad.hvp(tripod_like_where, backend="numpy")
    for x in [[1.0, 2.0], [-1.0, 2.0], [1.0, -2.0], [-1.0, -2.0], [0.0, 0.0], [1.0, 2.0]]:
        x = np.array(x)
        want_value, want_grad = ref_vg(x)
        assert want_value == tripod_like(x)
        for backend, (value_and_grad, hvp) in funs.items():
            got_value, got_grad = value_and_grad(x)
            assert_close(got_value, want_value, rtol=1e-14, what=f"{backend} {x}")
            assert_close(got_grad, want_grad, rtol=1e-14, what=f"{backend} {x}")
            assert_close(hvp(x, v), ref_hvp(x, v), rtol=1e-14, atol=0, what=f"{backend} {x}")


def test_float_of_a_boolean_array_of_several_elements_is_an_error():
    with pytest.raises(optad.TracerError, match="float()"):
        optad.grad(lambda x: float(x >= 0) * np.sum(x), backend="numpy")(np.ones(2))


def _int_as_a_number(x):
    n = int(x[0])
    return n * x[1]


def test_int_used_as_a_number_stays_an_error_naming_the_line_and_the_fix():
    with pytest.raises(optad.TracerError) as err:
        optad.grad(_int_as_a_number, backend="numpy")(np.array([1.5, 2.0]))
    message = str(err.value)
    assert message.startswith("int()") and "n = int(x[0])" in message
    assert "np.trunc" in message and "static" in message


def test_guards_off_makes_int_and_boolean_conversions_errors(monkeypatch):
    monkeypatch.setenv("OPTAD_GUARDS", "0")
    for fun, what in [(lambda x: int_compared(x), "int()"), (lambda x: tripod_like(x), "float()")]:
        with pytest.raises(optad.TracerError, match=what.replace("(", r"\(").replace(")", r"\)")):
            optad.grad(fun, backend="numpy")(np.array([1.0, 2.0]))
