"""Bad input gets a clear error saying what was wrong and what to do."""
import numpy as np
import pytest

import optad


def test_grad_of_a_vector_output_says_it_must_be_scalar():
    with pytest.raises(TypeError, match=r"scalar.*shape \(3,\)"):
        optad.grad(lambda x: np.sin(x))(np.ones(3))
    with pytest.raises(TypeError, match="scalar"):
        optad.hvp(lambda x: x * 2)(np.ones(3), np.ones(3))


def test_control_flow_on_traced_value_names_the_line_and_the_way_out(monkeypatch):
    # guarded by default (tests/api/test_guarded_control_flow.py); with guards off, an error
    monkeypatch.setenv("OPTAD_GUARDS", "0")

    def f(x):
        if np.sum(x) > 0:  # the offending line
            return np.sum(x)
        return -np.sum(x)

    with pytest.raises(optad.TracerError) as err:
        optad.grad(f)(np.ones(2))
    message = str(err.value)
    assert "test_errors.py" in message and "if np.sum(x) > 0" in message
    assert "np.where" in message and "static" in message


def test_unsupported_numpy_function_raises_not_implemented_with_pointer():
    with pytest.raises(NotImplementedError, match=r"np\.cbrt.*optad\.numpy\.SUPPORTED"):
        optad.grad(lambda x: np.sum(np.cbrt(x)))(np.ones(2))
    with pytest.raises(NotImplementedError, match=r"np\.unique"):
        optad.grad(lambda x: np.sum(np.unique(x)))(np.ones(2))


def test_integer_inputs_cannot_be_differentiated():
    with pytest.raises(TypeError, match="int64.*floating-point"):
        optad.grad(lambda x: np.sum(x * 1.0))(np.arange(3))


def test_shape_errors_report_the_shapes():
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        optad.grad(lambda x: np.sum(x + np.ones(4)))(np.ones(3))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 3\)"):
        optad.grad(lambda A: np.sum(A @ A))(np.ones((2, 3)))
    with pytest.raises(ValueError, match="cannot reshape"):
        optad.grad(lambda x: np.sum(x.reshape(4)))(np.ones(3))


def test_traced_positions_and_traced_masks_explain_the_alternative():
    """Writes and masks at constant positions trace (tests/numpy/test_constant_masks.py);
    positions or masks that are traced values name np.where."""
    def assign(x):
        x[np.argsort(x)[0]] = 1.0
        return np.sum(x)

    with pytest.raises(IndexError, match="positions.*np.where"):
        optad.grad(assign)(np.ones(3))
    with pytest.raises(IndexError, match="np.where"):
        optad.grad(lambda x: np.sum(x[x > 0]))(np.ones(3))


def test_leaked_tracer_is_reported():
    leaked = []
    optad.make_program(lambda x: leaked.append(x * 2) or np.sum(x), np.ones(2))
    with pytest.raises(optad.TracerError, match="finished trace"):
        optad.grad(lambda y: np.sum(y * leaked[0]))(np.ones(2))


def test_jvp_argument_mismatches():
    with pytest.raises(ValueError, match="shape"):
        optad.jvp(np.sin, (np.ones(3),), (np.ones(2),))
    with pytest.raises(TypeError, match="primals"):
        optad.jvp(np.sin, (np.ones(3),), ())


def test_unknown_backend_lists_the_choices():
    with pytest.raises(ValueError, match="numpy"):
        optad.grad(lambda x: np.sum(x), backend="tpu")(np.ones(2))
