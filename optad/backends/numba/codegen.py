"""Code generation: Program -> readable Python source for ``numba.njit``.

The program is cut into *segments* (runs of equations the lowering table handles) and, rarely,
equations run by their NumPy implementation between segments.  Each segment becomes one
``@numba.njit`` function.  Its stages: the shared schedule (``backends/schedule.py``) groups the
segment's equations; each fusion group becomes a loop-nest value (``nest_writer.py``), on which
short loops are written out and duplicates dropped (``unroll.py``), rendered to lines
(``backends/schedule_nest.py``); every other equation is one whole-array statement
(``lowering.ARRAY``).  A group that does not fit one nest is split where it stops fitting.
``make_kernel`` binds the program's constants and returns the Python function that calls the
segments: the kernel.
"""
from __future__ import annotations

import numpy as np

from ...ir.program import Lit, Program, Var, format_program
from ...primitives.linalg import matmul_p
from ...primitives.registry import impl_rules
from ...primitives.shape import stack_p, unstack_p
from ..schedule import SHAPE_OPS, LoopGroup, group_equations, is_fusible, schedule, share_loops
from ..schedule_nest import INDENT, Nest
from . import naming
from .lowering import ARRAY, dtype_name, literal, shape_text
from .loops import is_loop, loop_is_lowerable, lower_loop
from .nest_writer import comment_text, write_nest


def comment(eqn, note=""):
    return "# " + comment_text(eqn, note)


def is_lowerable(eqn) -> bool:
    """Whether a compiled segment can hold ``eqn`` (else it runs through NumPy)."""
    if is_loop(eqn):
        return loop_is_lowerable(eqn, is_lowerable)
    return is_fusible(eqn) or eqn.primitive in ARRAY


# --------------------------------------------------------------------------- segments

def _item_eqns(item):
    return item.eqns if isinstance(item, LoopGroup) else [item]


def _stored_vars(items, needed_after):
    """Variables a loop group defines and something outside it reads: these get arrays."""
    owner = {}
    for i, item in enumerate(items):
        for eqn in _item_eqns(item):
            for v in eqn.outputs:
                owner[v.id] = i
    stored = set(needed_after)
    for i, item in enumerate(items):
        for eqn in _item_eqns(item):
            for a in eqn.inputs:
                if isinstance(a, Var) and owner.get(a.id, i) != i:
                    stored.add(a.id)
    return stored


def lower_segment(eqns, names, needed_after):
    """Body lines of one segment function (without the return)."""
    items, views = schedule(eqns, needed_after)
    lines = []
    i = 0
    while i < len(items):
        item = items[i]
        if not isinstance(item, LoopGroup):
            lines += _lower_array_eqn(item, names)
            i += 1
            continue
        nest = write_nest(item, names, _stored_vars(items, needed_after))
        if isinstance(nest, Nest):
            nest = _absorb_following(items, i, nest, names, needed_after, views)
            lines += nest.lines()
            i += 1
        else:   # split the group where it stops fitting one nest; the earlier items stand
            items[i:i + 1] = _split_group(item, nest, views)
    return lines


def _absorb_following(items, i, nest, names, needed_after, views):
    """``nest`` (written for ``items[i]``) with the following independent loop groups of the
    same extents in it, as far as they fit one nest (``items`` updated): splitting a group
    where it stops fitting leaves such neighbours, e.g. an elementwise sum beside a
    reduction."""
    while i + 1 < len(items) and isinstance(items[i + 1], LoopGroup):
        alone = write_nest(items[i + 1], names, _stored_vars(items, needed_after))
        if not isinstance(alone, Nest):   # split it first, as the caller would
            items[i + 1:i + 2] = _split_group(items[i + 1], alone, views)
            continue
        both = share_loops(items[i], items[i + 1], views)
        if both is None:
            break
        trial = items[:i] + [both] + items[i + 2:]
        merged = write_nest(both, names, _stored_vars(trial, needed_after))
        if not isinstance(merged, Nest):
            break
        items[i:i + 2] = [both]
        nest = merged
    return nest


def _split_group(group, k, views):
    """The group as the groups of its equations before and from ``k`` (the first that does not
    fit its nest); the parts' shared values become stored arrays."""
    while k > 1 and group.eqns[k - 1].primitive in SHAPE_OPS:
        k -= 1   # reshapes/broadcasts just before the misfit go with it
    if k == 0:   # the first equation does not fit the nest the later ones want
        if len(group.eqns) == 1:
            raise AssertionError(f"cannot schedule {group.eqns[0].primitive}")
        k = 1
    return group_equations(group.eqns[:k], views) + group_equations(group.eqns[k:], views)


def _on_empty_matrices(eqn, outs):
    """Lines giving a linear-algebra equation's outputs when an operand has no elements, or
    None.  Numba's LAPACK wrappers refuse empty arrays where NumPy returns empty results (and
    1 and 0 for slogdet); with shapes static, those results are known here: the NumPy
    implementation's own, on empty operands."""
    if eqn.primitive.family != "linalg" or eqn.primitive is matmul_p or \
            not any(isinstance(a, Var) and 0 in a.shape for a in eqn.inputs):
        return None
    operands = [a.value if isinstance(a, Lit) else np.zeros(a.shape, a.dtype)
                for a in eqn.inputs]
    values = impl_rules[eqn.primitive](*operands, **eqn.params)
    values = values if eqn.primitive.multiple_results else (values,)
    lines = []
    for name, var, value in zip(outs, eqn.outputs, values):
        value = np.asarray(value)
        if value.size == 0:
            lines.append(f"{name} = rt.empty({shape_text(var.shape)}, {dtype_name(var.dtype)})")
        elif var.shape == ():
            lines.append(f"{name} = {literal(Lit(value.item(), var.dtype))}")
        else:
            return None
    return lines


def _lower_array_eqn(eqn, names):
    if is_loop(eqn):
        return lower_loop(eqn, names, lower_segment, comment)
    ins = [literal(a) if isinstance(a, Lit) else names(a) for a in eqn.inputs]
    outs = [names(v) for v in eqn.outputs]
    empty = _on_empty_matrices(eqn, outs)
    if empty is not None:
        return [comment(eqn, "(no elements)")] + empty
    return [comment(eqn)] + ARRAY[eqn.primitive](eqn, ins, outs).split("\n")


# --------------------------------------------------------------------------- whole program

def _scalar_type(dtype):
    return dtype_name(dtype)


def _name_like_printer(program, names):
    """Name variables in the printer's order (loop bodies after their equation), so the
    kernel reads like the printed program."""
    for v in (*program.inputs, *program.constvars):
        names(v)
    for eqn in program.eqns:
        for v in eqn.outputs:
            names(v)
        for value in eqn.params.values():
            if isinstance(value, Program):
                _name_like_printer(value, names)


# --------------------------------------------------------------------------- host-side stacks

def _host_equations(program):
    """``(before, body, after)``: the program's equations with the stacks of kernel inputs
    taken to the front and the unstacks into kernel outputs taken to the end, both run in
    Python by the kernel around its compiled segments.  Every array a compiled function takes
    or returns costs Numba about 10 ms of compile time in its wrapper; a rerolled loop's
    per-layer weights and their gradients are one such array per layer.  In Python the stack
    is one row copy per input and the unstack one view per output, no slower per call than
    Numba's own unboxing and boxing of the separate arrays."""
    inputs = {v.id for v in (*program.inputs, *program.constvars)}
    read = {a.id for e in program.eqns for a in e.inputs if isinstance(a, Var)}
    before, body, after = [], [], []
    for eqn in program.eqns:
        if (eqn.primitive is stack_p and len(eqn.inputs) > 1 and eqn.outputs[0].shape[1:]
                and all(isinstance(a, Var) and a.id in inputs for a in eqn.inputs)):
            before.append(eqn)
        elif (eqn.primitive is unstack_p and isinstance(eqn.inputs[0], Var)
                and not any(v.id in read for v in eqn.outputs)):
            after.append(eqn)
        else:
            body.append(eqn)
    return before, body, after


def _host_stack(eqn, names):
    out = eqn.outputs[0]
    return [f"{names(out)} = np.empty({shape_text(out.shape)}, {dtype_name(out.dtype)})",
            *(f"{names(out)}[{k}] = {names(a)}" for k, a in enumerate(eqn.inputs))]


def _host_unstack(eqn, names):
    return [f"{names(v)} = {names(eqn.inputs[0])}[{k}]" for k, v in enumerate(eqn.outputs)]


def generate(program, header=""):
    """Source of the kernel module, and the fallback equations ``make_kernel`` needs."""
    names = naming.KernelNames()
    _name_like_printer(program, names)
    host_before, body_eqns, host_after = _host_equations(program)

    # runs of lowerable equations (segments) and single fallback equations
    pieces = []
    for eqn in body_eqns:
        if is_lowerable(eqn):
            if pieces and isinstance(pieces[-1], list):
                pieces[-1].append(eqn)
            else:
                pieces.append([eqn])
        else:
            pieces.append(eqn)

    # which variables each piece needs from before it
    later_use = [set() for _ in pieces]
    needed = {a.id for a in program.outputs if isinstance(a, Var)}
    needed.update(e.inputs[0].id for e in host_after)
    for i in range(len(pieces) - 1, -1, -1):
        later_use[i] = set(needed)
        for eqn in (pieces[i] if isinstance(pieces[i], list) else [pieces[i]]):
            needed.update(a.id for a in eqn.inputs if isinstance(a, Var))

    available = [v for v in (*program.inputs, *program.constvars)]
    available += [e.outputs[0] for e in host_before]
    defs = []
    # the kernel's body: host stacks, segment calls (with a retry) and fallbacks, host unstacks
    calls = [line for e in host_before for line in _host_stack(e, names)]
    # the same in Numba, segment calls plain: the body of ``entry``
    segment_calls = [line for e in host_before
                     for line in lower_segment([e], names, {e.outputs[0].id})]
    fallbacks = []
    for i, piece in enumerate(pieces):
        eqns = piece if isinstance(piece, list) else [piece]
        reads = {a.id for e in eqns for a in e.inputs if isinstance(a, Var)}
        defined_here = [v for e in eqns for v in e.outputs]
        outs = [v for v in defined_here if v.id in later_use[i]]
        params = [v for v in available if v.id in reads]
        if isinstance(piece, list):
            fname = naming.segment_name(len(defs))
            body = lower_segment(eqns, names, {v.id for v in outs})
            body.append("return " + ("(" + "".join(names(v) + ", " for v in outs) + ")"))
            defs.append("@numba.njit(cache=True, error_model=\"numpy\")\n"
                        f"def {fname}({', '.join(names(v) for v in params)}):\n" +
                        "\n".join(INDENT + line for line in body))
            target = "".join(names(v) + ", " for v in outs) or "_"
            call = f"{target} = {fname}({', '.join(names(v) for v in params)})"
            segment_calls.append(call)
            calls += ["try:", INDENT + call, "except Exception as error:  # corrupt machine code?",
                      INDENT + f"recover_from_corrupt_cache({fname}, error)", INDENT + call]
        else:
            fname = f"fallback_{len(fallbacks)}"
            fallbacks.append(piece)
            args = ", ".join(literal(a) if isinstance(a, Lit) else names(a) for a in piece.inputs)
            calls.append(comment(piece, " (NumPy implementation)"))
            target = ", ".join(names(v) for v in piece.outputs)
            calls.append(f"{target}{',' if len(piece.outputs) > 1 else ''} = {fname}({args})")
            for v in piece.outputs:
                if not v.shape:
                    calls.append(f"{names(v)} = np.asarray({names(v)})[()]")
        available += outs
    for e in host_after:
        calls += _host_unstack(e, names)
        segment_calls += _host_unstack(e, names)

    def output(atom):
        if isinstance(atom, Lit):
            return f"np.asarray({literal(atom)})"
        if not atom.shape:
            return f"{_scalar_type(atom.dtype)}({names(atom)})"
        return names(atom)

    scalar_inputs = [f"{names(v)} = {_scalar_type(v.dtype)}({names(v)})"
                     for v in program.inputs if not v.shape]
    entry = _entry_function(program, segment_calls, names) if not fallbacks else []
    consts = "".join(names(v) + ", " for v in program.constvars)
    fbs = "".join(f"fallback_{k}, " for k in range(len(fallbacks)))
    kernel = [
        "def make_kernel(constants, fallbacks):",
        f"    ({consts}) = constants" if consts else "    assert not constants",
        f"    ({fbs}) = fallbacks" if fbs else "    assert not fallbacks",
        "",
        f"    def kernel({', '.join(names(v) for v in program.inputs)}):",
        *[INDENT * 2 + line for line in scalar_inputs + calls],
        f"        return [{', '.join(output(a) for a in program.outputs)}]",
        "",
        "    kernel.constants = constants",
        f"    kernel.entry = {'entry' if entry else 'None'}",
        "    return kernel",
    ]
    printed = format_program(program).replace('"""', "'''")
    source = "\n".join([
        f'"""optad kernel (Numba backend), generated from the program\n\n{printed}\n"""',
        header,
        "import numba",
        "import numpy as np",
        "",
        "from optad.backends.numba import elementary as sc",
        "from optad.backends.numba import runtime as rt",
        "from optad.backends.numba.cache import recover_from_corrupt_cache",
        "",
        *("\n\n" + d + "\n" for d in defs),
        "",
        *entry,
        "",
        *kernel,
        "",
    ])
    return source, fallbacks


def _entry_function(program, segment_calls, names):
    """One compiled function running all segments, (inputs..., constants...) -> tuple of
    outputs (0-d inputs and outputs as scalars), for callers that stay inside Numba, such as
    compiled optimisation loops.  Only made when no equation falls back to NumPy."""
    def output(atom):
        return literal(atom) if isinstance(atom, Lit) else names(atom)

    params = [names(v) for v in (*program.inputs, *program.constvars)]
    outs = "".join(output(a) + ", " for a in program.outputs)
    return ["@numba.njit(cache=True, error_model=\"numpy\")",
            f"def entry({', '.join(params)}):",
            *[INDENT + line for line in segment_calls],
            f"{INDENT}return ({outs})", ""]
