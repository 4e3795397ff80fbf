"""Issue 11.6: simplify folds only identities that are exact in IEEE arithmetic, so NaN, the
infinities and signed zeros come out of a simplified program bit for bit as they come out of the
program itself.  Every fold rule is exercised, with each special value in each operand."""
import numpy as np
import pytest

import optad
import optad.numpy as onp
from optad.backends import get_backend
from optad.transforms import simplify
from optad.transforms.simplify import FOLD_RULES

SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -2.0])

# (name, function of x) - between them every rule in FOLD_RULES, each operand position, literal
# and broadcast constants, the folds that must happen and the ones that must not
CASES = {
    "x*1": lambda x: x * 1.0,
    "1*x": lambda x: 1.0 * x,
    "x*ones": lambda x: x * onp.ones_like(x),
    "x*0": lambda x: x * 0.0,
    "0*x": lambda x: 0.0 * x,
    "x*-0": lambda x: x * -0.0,
    "x*zeros": lambda x: x * onp.zeros_like(x),
    "0*x+1": lambda x: 0.0 * x + 1.0,
    "x+0": lambda x: x + 0.0,
    "0+x": lambda x: 0.0 + x,
    "x+-0": lambda x: x + -0.0,
    "-0+x": lambda x: -0.0 + x,
    "x+zeros": lambda x: x + onp.zeros_like(x),
    "x-0": lambda x: x - 0.0,
    "x--0": lambda x: x - -0.0,
    "0-x": lambda x: 0.0 - x,
    "x/1": lambda x: x / 1.0,
    "0/x": lambda x: 0.0 / x,
    "zeros/x": lambda x: onp.zeros_like(x) / x,
    "x**1": lambda x: x ** 1.0,
    "-zeros+x": lambda x: -onp.zeros_like(x) + x,
    "--x": lambda x: -(-x),
    "cse x*0 and x*-0": lambda x: (x * 0.0) + (x * -0.0) * 2.0,
}


def _bits(values):
    return np.asarray(values, dtype=np.float64).view(np.uint64)


def test_the_cases_cover_every_fold_rule():
    seen = set()
    for fun in CASES.values():
        program = optad.make_program(fun, SPECIAL)
        seen |= {eqn.primitive for eqn in program.eqns}
    assert set(FOLD_RULES) <= seen


@pytest.mark.parametrize("name", list(CASES))
def test_simplified_program_agrees_bit_for_bit(name):
    numpy_backend = get_backend("numpy")
    program = optad.make_program(CASES[name], SPECIAL)
    plain = numpy_backend.compile_program(program)(SPECIAL)[0]
    folded = numpy_backend.compile_program(simplify(program))(SPECIAL)[0]
    np.testing.assert_array_equal(_bits(folded), _bits(plain))


@pytest.mark.parametrize("name", ["x*0", "0*x+1", "x+0", "0/x", "x*zeros"])
def test_compiled_functions_keep_nan_and_inf(backend, name):
    fun = CASES[name]
    with np.errstate(all="ignore"):
        expected = fun(SPECIAL)
    got = optad.jit(fun, backend=backend)(SPECIAL)
    np.testing.assert_array_equal(_bits(got), _bits(expected))


def test_exact_folds_still_happen():
    program = simplify(optad.make_program(lambda x: -(-(x * 1.0 / 1.0)) ** 1.0 - 0.0 + -0.0,
                                          SPECIAL))
    assert program.eqns == () and program.outputs[0] is program.inputs[0]


def test_integer_products_with_zero_fold():
    program = simplify(optad.make_program(lambda i: i * 0 + i * 1, np.arange(3)))
    assert [e.primitive.name for e in program.eqns if e.primitive.name == "mul"] == []
    np.testing.assert_array_equal(optad.jit(lambda i: i * 0 + i * 1)(np.arange(3)), [0, 1, 2])


def test_gradient_of_nan_region_is_nan_not_finite(backend):
    # d/dx sum(x * 0) is 0 everywhere; the value at inf is NaN, as NumPy computes it
    value, grad = optad.value_and_grad(lambda x: np.sum(x * 0.0), backend=backend)(
        np.array([np.inf, 1.0]))
    assert np.isnan(value)
    np.testing.assert_array_equal(grad, [0.0, 0.0])
