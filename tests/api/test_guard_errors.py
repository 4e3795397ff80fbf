"""Where a decision on a traced value cannot be guarded, a clear error names the line and the
way out: guarding switched off ($OPTAD_GUARDS=0), a traced value used as a Python number
(int(), float(), an index, range()), the truth of a many-element array, and decisions in
traces without values (loop bodies, checkpointed functions)."""
import numpy as np
import pytest

import optad


def decides(x):
    if np.sum(x) > 0:  # the deciding line
        return np.sum(x * x)
    return -np.sum(x)


@pytest.mark.parametrize("off", ["0", "false", "off"])
def test_the_off_switch_restores_the_error(monkeypatch, off):
    monkeypatch.setenv("OPTAD_GUARDS", off)
    fresh = lambda x: decides(x)  # noqa: E731 - traced anew (the switch is read when tracing)
    with pytest.raises(optad.TracerError) as err:
        optad.grad(fresh, backend="numpy")(np.ones(2))
    message = str(err.value)
    assert "test_guard_errors.py" in message and "if np.sum(x) > 0:  # the deciding line" in message
    assert "OPTAD_GUARDS=0" in message and "np.where" in message and "static" in message
    monkeypatch.setenv("OPTAD_GUARDS", "1")
    np.testing.assert_allclose(optad.grad(fresh, backend="numpy")(np.ones(2)), [2.0, 2.0])


def test_the_off_switch_is_read_when_tracing(monkeypatch):
    # the paths already traced keep being checked; a new signature is traced without guards
    grad = optad.grad(decides, backend="numpy")
    np.testing.assert_allclose(grad(-np.ones(2)), [-1.0, -1.0])
    monkeypatch.setenv("OPTAD_GUARDS", "0")
    np.testing.assert_allclose(grad(-np.ones(2)), [-1.0, -1.0])
    with pytest.raises(optad.TracerError, match="OPTAD_GUARDS=0"):
        grad(np.ones(3))


def _range_count(x):
    return np.sum(x[:1]) * len(range(int(x[0])))


def _index_numpy(x):
    table = np.arange(5.0)
    return table[int(x[0])] * np.sum(x)


def _float_arithmetic(x):
    return np.sum(x) * float(x[0])


def _float_comparison(x):
    return np.sum(x) if float(x[0]) > 0.5 else -np.sum(x)


def _index_dunder(x):
    return np.sum(x) * [1.0, 2.0, 3.0][x[0]]


@pytest.mark.parametrize("fun, what, line", [
    (_range_count, "int()", "len(range(int(x[0])))"),
    (_index_numpy, "int()", "table[int(x[0])]"),
    (_float_arithmetic, "float()", "float(x[0])"),
    (_float_comparison, "float()", "if float(x[0]) > 0.5"),
    (_index_dunder, "use as an index", "[1.0, 2.0, 3.0][x[0]]"),
])
def test_a_value_used_as_a_number_names_the_line_and_the_fix(fun, what, line):
    with pytest.raises(optad.TracerError) as err:
        optad.grad(fun, backend="numpy")(np.array([1.0, 2.0]))
    message = str(err.value)
    assert message.startswith(what) and "test_guard_errors.py" in message and line in message
    assert "static" in message and "np.where" in message
    assert "if x > 0.5:" in message   # the way to branch on the value instead


def test_the_truth_of_a_many_element_array_is_ambiguous():
    with pytest.raises(optad.TracerError, match=r"(?s)array of 3 elements.*np\.any.*np\.all") as err:
        optad.grad(lambda x: np.sum(x) if x > 0 else 0.0, backend="numpy")(np.ones(3))
    assert "test_guard_errors.py" in str(err.value)


def test_a_decision_inside_a_loop_body_is_an_error_naming_the_loop_body():
    with pytest.raises(optad.TracerError, match="fori_loop.*np.where") as err:
        optad.jit(lambda x: optad.fori_loop(0, 3, lambda i, c: c if c[0] > 0 else -c, x),
                  "numpy")(np.ones(2))
    assert "test_guard_errors.py" in str(err.value)


def test_a_decision_in_a_checkpointed_function_is_an_error():
    with pytest.raises(optad.TracerError, match="(?s)no input values.*checkpoint") as err:
        optad.grad(lambda x: optad.checkpoint(decides)(x), backend="numpy")(np.ones(2))
    assert "if np.sum(x) > 0:  # the deciding line" in str(err.value)
