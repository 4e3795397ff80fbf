"""Issue 11.7, 11.8, 11.16: complex values, float16 and non-native byte orders are refused at
tracing with a clear message, the same on every backend; arrays a function closes over are
captured by value when it is traced."""
import numpy as np
import pytest

import optad

REFUSED_INPUTS = {
    "complex": (np.ones(3, complex), "complex"),
    "float16": (np.ones(3, np.float16), "float16"),
    "big-endian": (np.ones(3, ">f8"), "byte order"),
    "object": (np.array([1.0, None]), "dtype object"),
}


@pytest.mark.parametrize("name", list(REFUSED_INPUTS))
def test_unsupported_input_dtypes_are_refused_up_front(backend, name):
    x, words = REFUSED_INPUTS[name]
    for transform in (optad.jit, optad.grad):
        with pytest.raises(TypeError, match=words):
            transform(lambda x: np.sum(x * 2.0), backend=backend)(x)


@pytest.mark.parametrize("fun", [lambda x: x * 1j, lambda x: x + np.complex128(2 + 1j),
                                 lambda x: x * np.ones(1, complex)])
def test_complex_constants_are_refused_on_every_backend(backend, fun):
    with pytest.raises(TypeError, match="complex") as error:
        optad.jit(fun, backend=backend)(np.array([2.0]))
    assert "test_trace_dtypes_and_constants.py" in str(error.value)   # names the user's line


def test_supported_dtypes_still_trace(backend):
    for dtype in (np.float64, np.float32, np.int64, np.int32):
        x = np.arange(3, dtype=dtype)
        np.testing.assert_array_equal(optad.jit(lambda x: x * 2, backend=backend)(x), x * 2)


def test_closed_over_array_is_captured_by_value(backend):
    c = np.ones(3)

    def f(x):
        return np.sum(x * c + (c - 1.0) * x ** 2)   # c read by the kernel, c - 1 folded

    grad = optad.grad(f, backend=backend)
    x = np.full(3, 2.0)
    np.testing.assert_allclose(grad(x), np.ones(3))
    c[:] = 5.0   # after tracing: the traced function keeps the values it was traced with
    np.testing.assert_allclose(grad(x), np.ones(3))
    np.testing.assert_allclose(optad.jit(f, backend=backend)(x), 5.0 * 6 + 4.0 * 12)   # retraced


def test_captured_constants_are_read_only_copies():
    c = np.arange(3.0)
    program = optad.make_program(lambda x: x * c, np.ones(3))
    (value,) = program.constvalues
    assert value is not c and not value.flags.writeable
    c[0] = 10.0
    assert value[0] == 0.0
