"""Fused elementwise CUDA kernels: one thread per element computes a whole run of
elementwise equations in registers, writing only the values used outside the run.

The lowering table maps each elementwise primitive to a source template; the kernel source is
generated, registered with ``linecache`` (so tracebacks show it) and compiled by
``numba.cuda.jit``."""
from __future__ import annotations

import hashlib
import linecache

import numpy as np

from ...ir.program import Lit, Namer, format_eqn
from ...primitives import elementwise as ew

TEMPLATES = {
    ew.neg_p: "-{0}", ew.exp_p: "math.exp({0})", ew.log_p: "math.log({0})",
    ew.log1p_p: "math.log1p({0})", ew.expm1_p: "math.expm1({0})", ew.sin_p: "math.sin({0})",
    ew.cos_p: "math.cos({0})", ew.tanh_p: "math.tanh({0})", ew.sqrt_p: "math.sqrt({0})",
    ew.abs_p: "abs({0})", ew.floor_p: "math.floor({0})",
    ew.sign_p: "(1.0 if {0} > 0 else (-1.0 if {0} < 0 else {0} * 0.0))",
    ew.not_p: "(not {0})",
    ew.add_p: "({0} + {1})", ew.sub_p: "({0} - {1})", ew.mul_p: "({0} * {1})",
    ew.div_p: "({0} / {1})", ew.pow_p: "({0} ** {1})",
    ew.max_p: "max({0}, {1})", ew.min_p: "min({0}, {1})",
    ew.lt_p: "({0} < {1})", ew.le_p: "({0} <= {1})", ew.gt_p: "({0} > {1})",
    ew.ge_p: "({0} >= {1})", ew.eq_p: "({0} == {1})", ew.ne_p: "({0} != {1})",
    ew.and_p: "({0} and {1})", ew.or_p: "({0} or {1})",
    ew.select_p: "({1} if {0} else {2})",
    ew.asin_p: "math.asin({0})", ew.acos_p: "math.acos({0})", ew.atan_p: "math.atan({0})",
    ew.asinh_p: "math.asinh({0})", ew.acosh_p: "math.acosh({0})",
    ew.atanh_p: "math.atanh({0})", ew.atan2_p: "math.atan2({0}, {1})",
    ew.floordiv_p: "({0} // {1})", ew.rem_p: "({0} % {1})",
}

CASTS = {"f": "float", "i": "int", "u": "int", "b": "bool"}


def is_fusible(eqn) -> bool:
    return eqn.primitive in TEMPLATES or eqn.primitive is ew.convert_p


def _literal(lit: Lit) -> str:
    kind = lit.aval.dtype.kind
    if kind == "b":
        return repr(bool(lit.value))
    if kind in "iu":
        return repr(int(lit.value))
    value = float(lit.value)
    return repr(value) if np.isfinite(value) else f"float('{value}')"


def _expression(eqn, names) -> str:
    args = [_literal(a) if isinstance(a, Lit) else names(a) for a in eqn.inputs]
    if eqn.primitive is ew.convert_p:
        return f"{CASTS[np.dtype(eqn.params['dtype']).kind]}({args[0]})"
    if eqn.primitive is ew.pow_p and isinstance(eqn.inputs[1], Lit) and \
            float(eqn.inputs[1].value) == 2.0:
        return f"({args[0]} * {args[0]})"
    return TEMPLATES[eqn.primitive].format(*args)


def group_source(eqns, inputs, outputs, kernel_name="fused"):
    """Source of a kernel computing ``eqns`` elementwise.

    ``inputs``: Vars read from memory (same element count as the run, or 0-d read as [0]);
    ``outputs``: Vars written back.  Returns (source, argument names)."""
    namer = Namer()

    def names(var):
        return "v_" + namer(var)

    in_args = [f"in_{names(v)[2:]}" for v in inputs]
    out_args = [f"out_{names(v)[2:]}" for v in outputs]
    lines = ["import math", "from numba import cuda", "", "",
             "@cuda.jit", f"def {kernel_name}({', '.join(in_args + out_args)}, n):",
             "    i = cuda.grid(1)", "    if i < n:"]
    for var, arg in zip(inputs, in_args):
        index = "0" if var.aval.shape == () else "i"
        lines.append(f"        {names(var)} = {arg}[{index}]")
    for eqn in eqns:
        comment = format_eqn(eqn, namer)
        if eqn.where:
            comment += f"    ({eqn.where})"
        lines.append(f"        # {comment}")
        lines.append(f"        {names(eqn.outputs[0])} = {_expression(eqn, names)}")
    for var, arg in zip(outputs, out_args):
        lines.append(f"        {arg}[i] = {names(var)}")
    return "\n".join(lines) + "\n"


_compiled: dict = {}


def compile_group(source: str, kernel_name="fused"):
    kernel = _compiled.get(source)
    if kernel is None:
        digest = hashlib.sha256(source.encode()).hexdigest()[:16]
        filename = f"<optad-cuda-{digest}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        namespace: dict = {}
        exec(compile(source, filename, "exec"), namespace)
        kernel = _compiled[source] = namespace[kernel_name]
    return kernel
