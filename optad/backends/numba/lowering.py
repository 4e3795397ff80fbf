"""The lowering table of the Numba backend: primitive -> source template.

``SCALAR`` templates render one element of an elementwise primitive inside a loop nest
(``{0}``, ``{1}`` ... are the operands' scalar expressions): the shared table of
``backends/scalar_templates.py`` with Numba's own entries over it.  ``REDUCTIONS`` give the
accumulator's initial value and update.  ``ARRAY`` templates render a whole-array statement
for the primitives that are group boundaries (linear algebra, gathers, strided copies); they
get the operand names, the output name(s) and the equation (for its params and shapes).
A primitive in none of these tables runs through its NumPy implementation between compiled
segments (see codegen.py), so every program compiles.
"""
from __future__ import annotations

import numpy as np

from ...primitives import decompositions as dec
from ...primitives import elementwise as ew
from ...primitives import linalg as la
from ...primitives import reductions as red
from ...primitives import shape as sh
from ..scalar_templates import BASE, dtype_name, text
from ..schedule_rewrites import pad_sum_p

def literal(lit) -> str:
    dtype = lit.aval.dtype
    if dtype.kind == "b":
        return str(bool(lit.value))
    if dtype.kind in "iu":
        return str(int(lit.value))
    value = float(lit.value)
    text = repr(value) if np.isfinite(value) else (
        "np.nan" if np.isnan(value) else ("np.inf" if value > 0 else "-np.inf"))
    return text if dtype == np.float64 else f"{dtype_name(dtype)}({text})"


# the shared scalar templates, with Numba's vectorisable (branch-free) exp, expm1 and tanh
SCALAR = {
    **BASE,
    ew.exp_p: text("rt.fast_exp({0})"),
    ew.expm1_p: text("rt.fast_expm1({0})"),
    ew.tanh_p: text("rt.fast_tanh({0})"),
}


def _lowest(dtype):
    dtype = np.dtype(dtype)
    return "-np.inf" if dtype.kind == "f" else str(np.iinfo(dtype).min)


def _highest(dtype):
    dtype = np.dtype(dtype)
    return "np.inf" if dtype.kind == "f" else str(np.iinfo(dtype).max)


# primitive -> (initial value(dtype), update(accumulator, value))
REDUCTIONS = {
    # sums may be reassociated (several partial sums, as NumPy's pairwise np.sum): runtime.py;
    # a float32 sum into a scalar accumulates in float64 (its init is 0.0, see _sum_init)
    red.sum_p: (lambda dtype: _sum_init(dtype),
                lambda acc, v: f"{acc} = rt.sum_add({acc}, {v})"),
    red.max_p: (_lowest, lambda acc, v: f"{acc} = sc.maximum({acc}, {v})"),
    red.min_p: (_highest, lambda acc, v: f"{acc} = sc.minimum({acc}, {v})"),
}


def _sum_init(dtype):
    return "0.0" if np.dtype(dtype) == np.float32 else literal_zero(dtype)


def literal_zero(dtype):
    dtype = np.dtype(dtype)
    return "0.0" if dtype == np.float64 else f"{dtype_name(dtype)}(0)"


# --------------------------------------------------------------------------- whole-array ops

def shape_text(shape):
    shape = [int(n) for n in shape]
    return f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"


def _matmul(eqn, ins, outs):
    a, b = eqn.inputs
    if len(a.shape) == 2:
        return f"{outs[0]} = rt.matmul({ins[0]}, {ins[1]})"
    batch = int(np.prod(a.shape[:-2], dtype=np.int64))
    return (f"{outs[0]} = rt.matmul_batched({ins[0]}, {ins[1]}, {batch})"
            f".reshape({shape_text(eqn.outputs[0].shape)})")


def _np_slices(starts, steps, sizes):
    parts = []
    for start, step, size in zip(starts, steps, sizes):
        stop = start + step * size
        parts.append(f"{start}:{stop if stop >= 0 else ''}:{step}")
    return ", ".join(parts)


def _slice(eqn, ins, outs):
    p = eqn.params
    return f"{outs[0]} = {ins[0]}[{_np_slices(p['starts'], p['steps'], p['sizes'])}]"


def strided_copy(dst, src, starts, steps, shape, op="="):
    """Loops writing ``src`` (of ``shape``) into the strided region of ``dst``: Numba compiles
    an array assignment ``dst[a:b:c, ...] = src`` in seconds, these element loops in a small
    fraction of that (the inner loop still vectorises)."""
    if not shape:
        return [f"{dst}[()] {op} {src}"]
    lines, dst_index, src_index = [], [], []
    for depth, (start, step, n) in enumerate(zip(starts, steps, shape)):
        c = f"c{depth}"
        lines.append("    " * depth + f"for {c} in range({int(n)}):")
        term = c if step == 1 else f"{step} * {c}"
        dst_index.append(term if start == 0 else f"{start} + {term}")
        src_index.append(c)
    lines.append("    " * len(shape) +
                 f"{dst}[{', '.join(dst_index)}] {op} {src}[{', '.join(src_index)}]")
    return lines


def _pad(eqn, ins, outs):
    p = eqn.params
    out = eqn.outputs[0]
    return "\n".join([f"{outs[0]} = rt.zeros({shape_text(out.shape)}, {dtype_name(out.dtype)})"]
                     + strided_copy(outs[0], ins[0], p["starts"], p["steps"],
                                    eqn.inputs[0].shape))


def _pad_sum(eqn, ins, outs):
    out = eqn.outputs[0]
    # 0.0 + x, as the NumPy backend computes it (so even the sign of a zero agrees)
    lines = [f"{outs[0]} = rt.zeros({shape_text(out.shape)}, {dtype_name(out.dtype)})"]
    for (starts, steps), atom, name in zip(eqn.params["pads"], eqn.inputs, ins):
        lines += strided_copy(outs[0], name, starts, steps, atom.shape, "+=")
    return "\n".join(lines)


def _split(shape, axis, count=1):
    pre = int(np.prod(shape[:axis], dtype=np.int64))
    post = int(np.prod(shape[axis + count:], dtype=np.int64))
    return pre, post


def _gather(eqn, ins, outs):
    x, idx = eqn.inputs
    axis = eqn.params["axis"]
    pre, post = _split(x.shape, axis)
    return f"{outs[0]} = " + reshaped(
        f"rt.gather({ins[0]}, {ins[1]}, {pre}, {x.shape[axis]}, {post})", eqn.outputs[0].shape)


def _scatter_add(eqn, ins, outs):
    x, idx = eqn.inputs
    axis, size = eqn.params["axis"], eqn.params["size"]
    pre, post = _split(x.shape, axis, len(idx.shape))
    return (f"{outs[0]} = rt.scatter_add({ins[0]}, {ins[1]}, {pre}, {size}, {post})"
            f".reshape({shape_text(eqn.outputs[0].shape)})")


def _cumsum(eqn, ins, outs):
    x = eqn.inputs[0]
    axis = eqn.params["axis"]
    pre, post = _split(x.shape, axis)
    return (f"{outs[0]} = rt.cumsum({ins[0]}, {pre}, {x.shape[axis]}, {post}, "
            f"{eqn.params['reverse']}).reshape({shape_text(x.shape)})")


def _concatenate(eqn, ins, outs):
    axis, out = eqn.params["axis"], eqn.outputs[0]
    lines = [f"{outs[0]} = rt.empty({shape_text(out.shape)}, {dtype_name(out.dtype)})"]
    offset = 0
    for atom, name in zip(eqn.inputs, ins):
        starts = [0] * len(out.shape)
        starts[axis] = offset
        lines += strided_copy(outs[0], name, starts, [1] * len(out.shape), atom.shape)
        offset += atom.shape[axis]
    return "\n".join(lines)


def _stack(eqn, ins, outs):
    """One loop nest for all n operands: Numba indexes a tuple of arrays of one type with the
    loop's index (``np.ascontiguousarray`` gives them one type: it returns a C-contiguous array
    as it is and copies any other), so the code does not grow with n."""
    out = eqn.outputs[0]
    n, shape = out.shape[0], out.shape[1:]
    name = outs[0]
    lines = [f"{name} = rt.empty({shape_text(out.shape)}, {dtype_name(out.dtype)})"]
    if not shape:   # scalars (registers or literals): one store each
        return "\n".join(lines + [f"{name}[{k}] = {x}" for k, x in enumerate(ins)])
    lines.append(f"{name}_rows = (" + "".join(f"np.ascontiguousarray({x}), " for x in ins) + ")")
    lines.append(f"for c0 in range({n}):")
    lines.append(f"    {name}_row = {name}_rows[c0]")
    index = []
    for depth, extent in enumerate(shape, start=1):
        lines.append("    " * depth + f"for c{depth} in range({int(extent)}):")
        index.append(f"c{depth}")
    lines.append("    " * (len(shape) + 1) +
                 f"{name}[c0, {', '.join(index)}] = {name}_row[{', '.join(index)}]")
    return "\n".join(lines)


def _unstack(eqn, ins, outs):
    """The rows as views (a 1-d operand's rows are scalars, as 0-d values are in kernels)."""
    return "\n".join(f"{name} = {ins[0]}[{k}]" for k, name in enumerate(outs))


def reshaped(expression, shape):
    """``expression`` (an array) as ``shape``: a scalar for shape (), as every 0-d value is in
    kernels (a 0-d array is not a number to Numba: ``float()`` of one does not compile)."""
    if not tuple(shape):
        return f"{expression}.ravel()[0]"
    return f"{expression}.reshape({shape_text(shape)})"


def _reshape(eqn, ins, outs):
    if not eqn.inputs[0].shape:
        return (f"{outs[0]} = rt.full({shape_text(eqn.outputs[0].shape)}, {ins[0]}, "
                f"{dtype_name(eqn.outputs[0].dtype)})")
    return f"{outs[0]} = " + reshaped(f"np.ascontiguousarray({ins[0]})", eqn.params["shape"])


def _transpose(eqn, ins, outs):
    perm = eqn.params["perm"]
    if len(perm) == 2:
        return f"{outs[0]} = {ins[0]}.T"
    return f"{outs[0]} = np.transpose({ins[0]}, {shape_text(perm)})"


def _fill(eqn, ins, outs):
    out = eqn.outputs[0]
    return f"{outs[0]} = rt.full({shape_text(out.shape)}, {ins[0]}, {dtype_name(out.dtype)})"


def _batch(eqn):
    return int(np.prod(eqn.inputs[0].shape[:-2], dtype=np.int64))


def _solve(eqn, ins, outs):
    if len(eqn.inputs[0].shape) == 2:
        return f"{outs[0]} = np.linalg.solve({ins[0]}, {ins[1]})"
    return (f"{outs[0]} = rt.solve_batched({ins[0]}, {ins[1]}, {_batch(eqn)})"
            f".reshape({shape_text(eqn.outputs[0].shape)})")


def _stacked(helper, *extra):
    """A call to the runtime's loop over a stack of matrices, results reshaped to the outputs."""
    def lower(eqn, ins, outs):
        args = ", ".join([ins[0], str(_batch(eqn))] + [repr(eqn.params[k]) for k in extra])
        if len(outs) == 1:
            return (f"{outs[0]} = rt.{helper}({args})"
                    f".reshape({shape_text(eqn.outputs[0].shape)})")
        temps = [f"{name}_stack" for name in outs]
        lines = [f"{', '.join(temps)} = rt.{helper}({args})"]
        for name, temp, var in zip(outs, temps, eqn.outputs):
            lines.append(f"{name} = {temp}.reshape({shape_text(var.shape)})" if var.shape
                         else f"{name} = {temp}[0]")
        return "\n".join(lines)
    return lower


def _svdvals(eqn, ins, outs):
    temps = f"{outs[0]}_u, {outs[0]}_s, {outs[0]}_vt"
    return (f"{temps} = rt.svd_batched({ins[0]}, {_batch(eqn)})\n"
            f"{outs[0]} = {outs[0]}_s.reshape({shape_text(eqn.outputs[0].shape)})")


def _argsort(eqn, ins, outs):
    shape = eqn.inputs[0].shape
    rows = int(np.prod(shape[:-1], dtype=np.int64))
    return (f"{outs[0]} = rt.argsort_rows({ins[0]}, {rows}, {shape[-1]})"
            f".reshape({shape_text(shape)})")


ARRAY = {
    sh.broadcast_p: _fill,  # only a literal filling an array read whole (see schedule.view_vars)
    la.matmul_p: _matmul,
    la.solve_p: _solve,
    la.svd_p: _stacked("svd_batched"),
    la.svdvals_p: _svdvals,
    dec.inv_p: _stacked("inv_batched"),
    dec.slogdet_p: _stacked("slogdet_batched"),
    dec.cholesky_p: _stacked("cholesky_batched"),
    dec.eigh_p: _stacked("eigh_batched"),
    dec.eig_p: _stacked("eig_batched"),
    dec.qr_p: _stacked("qr_batched"),
    dec.pinv_p: _stacked("pinv_batched", "rcond"),
    # argpartition is not here: it runs NumPy's own introselect (codegen's NumPy fallback), so
    # np.partition's arrangement of the other entries is NumPy's exactly
    red.argsort_p: _argsort,
    sh.slice_p: _slice,
    sh.pad_p: _pad,
    pad_sum_p: _pad_sum,
    sh.gather_p: _gather,
    sh.scatter_add_p: _scatter_add,
    sh.concatenate_p: _concatenate,
    sh.stack_p: _stack,
    sh.unstack_p: _unstack,
    red.cumsum_p: _cumsum,
    # views of stored arrays (fused into loop nests when their operand is a register value)
    sh.reshape_p: _reshape,
    sh.transpose_p: _transpose,
}
