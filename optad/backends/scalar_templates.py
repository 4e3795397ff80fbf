"""The one table of scalar templates: elementwise primitive -> the source of one element.

A template is ``template(eqn, *operands) -> str`` where the operands are already rendered
scalar expressions (register names, loads or literals).  ``BASE`` is written for Numba's
nopython Python: operators, ``np.<ufunc>`` on scalars, and ``sc.<name>`` for the functions of
``scalar_semantics.py`` (NumPy's NaN and signed-zero rules).  A backend's table is
``{**BASE, **overrides}`` with only the entries that differ on its device: the Numba backend
swaps in its vectorisable exp/expm1/tanh (``numba/lowering.py``), the CUDA backend its guarded
``math`` functions (``cuda/elementwise.py``).
"""
from __future__ import annotations

import numpy as np

from ..ir.program import Lit
from ..primitives import elementwise as ew


def dtype_name(dtype) -> str:
    return "np." + np.dtype(dtype).name if np.dtype(dtype) != np.bool_ else "np.bool_"


def text(template):
    """A template from a format string over the operands ``{0}``, ``{1}``, ..."""
    return lambda eqn, *args: template.format(*args)


def power(sqrt):
    """x ** y, with small float exponents written as products or a square root (what NumPy
    does too); ``sqrt`` renders the square root on the backend."""
    def render(eqn, x, y):
        exponent = eqn.inputs[1]
        if isinstance(exponent, Lit) and exponent.aval.dtype.kind == "f":
            e = float(exponent.value)
            if e == 1.0:
                return x
            if e == 2.0:
                return f"({x} * {x})"
            if e == 0.5:
                return sqrt(eqn, x)
            if e == -1.0:
                return f"(1.0 / {x})"
        return f"({x} ** {y})"
    return render


def _convert(eqn, x):
    dtype = eqn.params["dtype"]
    if dtype == np.bool_:
        return f"({x} != 0)"
    return f"{dtype_name(dtype)}({x})"


BASE = {
    ew.neg_p: text("(-{0})"),
    ew.exp_p: text("np.exp({0})"),
    ew.log_p: text("np.log({0})"),
    ew.log1p_p: text("np.log1p({0})"),
    ew.expm1_p: text("np.expm1({0})"),
    ew.sin_p: text("np.sin({0})"),
    ew.cos_p: text("np.cos({0})"),
    ew.tanh_p: text("np.tanh({0})"),
    ew.sqrt_p: text("np.sqrt({0})"),
    ew.abs_p: text("abs({0})"),
    ew.sign_p: text("sc.sign({0})"),
    ew.floor_p: text("np.floor({0})"),
    ew.not_p: text("(not {0})"),
    ew.add_p: text("({0} + {1})"),
    ew.sub_p: text("({0} - {1})"),
    ew.mul_p: text("({0} * {1})"),
    ew.div_p: text("({0} / {1})"),
    ew.pow_p: power(text("np.sqrt({0})")),
    ew.max_p: text("sc.maximum({0}, {1})"),
    ew.min_p: text("sc.minimum({0}, {1})"),
    ew.lt_p: text("({0} < {1})"),
    ew.le_p: text("({0} <= {1})"),
    ew.gt_p: text("({0} > {1})"),
    ew.ge_p: text("({0} >= {1})"),
    ew.eq_p: text("({0} == {1})"),
    ew.ne_p: text("({0} != {1})"),
    ew.and_p: text("({0} & {1})"),
    ew.or_p: text("({0} | {1})"),
    ew.select_p: text("({1} if {0} else {2})"),
    ew.convert_p: _convert,
    ew.asin_p: text("np.arcsin({0})"),
    ew.acos_p: text("np.arccos({0})"),
    ew.atan_p: text("np.arctan({0})"),
    ew.asinh_p: text("np.arcsinh({0})"),
    ew.acosh_p: text("np.arccosh({0})"),
    ew.atanh_p: text("np.arctanh({0})"),
    ew.atan2_p: text("np.arctan2({0}, {1})"),
    # // and % on scalars follow Python's rules, which are NumPy's (floor division, the
    # remainder taking the divisor's sign)
    ew.floordiv_p: text("({0} // {1})"),
    ew.rem_p: text("({0} % {1})"),
}
