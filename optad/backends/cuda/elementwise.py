"""Fused elementwise CUDA kernels: one thread per element computes a whole run of
elementwise equations in registers, writing only the values used outside the run.

The lowering table is the shared scalar template table (``backends/scalar_templates.py``)
with the entries that differ on the device overridden; the kernel source is
generated, registered with ``linecache`` (so tracebacks show it) and compiled by
``numba.cuda.jit``."""
from __future__ import annotations

import hashlib
import linecache

import numpy as np

from ...ir.program import Lit, Namer, format_eqn
from ...primitives import elementwise as ew
from ..scalar_templates import BASE, power, text


def _device(name, arity=1):
    return text(f"sc.{name}(" + ", ".join(f"{{{k}}}" for k in range(arity)) + ")")


# the shared scalar templates; the math functions are device_scalars.py's guarded ones (no
# ``np.<ufunc>`` in device code)
TEMPLATES = {
    **BASE,
    ew.exp_p: _device("exp"), ew.log_p: _device("log"), ew.log1p_p: _device("log1p"),
    ew.expm1_p: _device("expm1"), ew.sin_p: _device("sin"), ew.cos_p: _device("cos"),
    ew.tanh_p: _device("tanh"), ew.sqrt_p: _device("sqrt"), ew.floor_p: _device("floor"),
    ew.asin_p: _device("asin"), ew.acos_p: _device("acos"), ew.atan_p: _device("atan"),
    ew.asinh_p: _device("asinh"), ew.acosh_p: _device("acosh"), ew.atanh_p: _device("atanh"),
    ew.atan2_p: _device("atan2", 2),
    ew.pow_p: power(_device("sqrt")),
}


def is_fusible(eqn) -> bool:
    return eqn.primitive in TEMPLATES


def _literal(lit: Lit) -> str:
    kind = lit.aval.dtype.kind
    if kind == "b":
        return repr(bool(lit.value))
    if kind in "iu":
        return repr(int(lit.value))
    value = float(lit.value)
    if np.isnan(value):
        return "math.nan"
    return repr(value) if np.isfinite(value) else ("math.inf" if value > 0 else "-math.inf")


def _expression(eqn, names) -> str:
    args = [_literal(a) if isinstance(a, Lit) else names(a) for a in eqn.inputs]
    return TEMPLATES[eqn.primitive](eqn, *args)


def group_source(eqns, inputs, outputs, kernel_name="fused"):
    """Source of a kernel computing ``eqns`` elementwise.

    ``inputs``: Vars read from memory (same element count as the run, or 0-d read as [0]);
    ``outputs``: Vars written back.  Returns (source, argument names)."""
    namer = Namer()

    def names(var):
        return "v_" + namer(var)

    in_args = [f"in_{names(v)[2:]}" for v in inputs]
    out_args = [f"out_{names(v)[2:]}" for v in outputs]
    lines = ["import math", "", "import numpy as np", "from numba import cuda", "",
             "from optad.backends.cuda import device_scalars as sc", "", "",
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
