"""Loops in generated kernels: a ``scan`` equation becomes a ``for`` loop and a ``while``
equation a ``while True`` loop inside the segment function, with the body's equations lowered
(fused into loop nests, whole-array statements, inner loops) as the loop's body.  So a loop
costs one body to compile, whatever its trip count.

Carries are local variables rebound at the end of each step (scalars stay in registers);
constants are the enclosing segment's variables; each step reads its ``xs`` row as a view and
writes its ``ys`` row into an array allocated once before the loop.
"""
from __future__ import annotations

from ...ir.program import Lit
from ...primitives.loops import scan_p, while_p
from ...primitives.shape import stack_p
from .lowering import dtype_name, literal, shape_text, strided_copy

INDENT = "    "


def is_loop(eqn) -> bool:
    return eqn.primitive is scan_p or eqn.primitive is while_p


def bodies(eqn):
    if eqn.primitive is scan_p:
        return [eqn.params["body"]]
    return [eqn.params["cond"], eqn.params["body"]]


def loop_is_lowerable(eqn, is_lowerable) -> bool:
    """A loop compiles when every equation of its bodies does."""
    return all(is_lowerable(e) for program in bodies(eqn) for e in program.eqns)


def _assign(names_list, values):
    if not names_list:
        return []
    if len(names_list) == 1:
        return [f"{names_list[0]} = {values[0]}"]
    return [f"{', '.join(names_list)} = {', '.join(values)}"]


def _store_row(stacked, position, value, shape):
    """``stacked[position] = value``, as loops (see lowering.strided_copy)."""
    if not shape:
        return [f"{stacked}[{position}] = {value}"]
    row = f"row_{stacked}"
    return [f"{row} = {stacked}[{position}]"] + strided_copy(row, value, [0] * len(shape),
                                                             [1] * len(shape), shape)


def _body_lines(program, names, lower_segment, eqns=None, needed=None):
    eqns = list(program.eqns) if eqns is None else eqns
    if needed is None:
        needed = {a.id for a in program.outputs if not isinstance(a, Lit)}
    return lower_segment(eqns, names, needed) if eqns else []


def _rows_of_scalars(body, ys_values):
    """ys rows stacked from scalars in the body (a state kept in registers, saved for the
    reverse sweep) and used nowhere else: output number -> the scalars, written straight into
    the stacked output instead of through a row allocated at every step."""
    uses = {}
    for eqn in body.eqns:
        for a in eqn.inputs:
            if not isinstance(a, Lit):
                uses[a.id] = uses.get(a.id, 0) + 1
    for a in body.outputs:
        if not isinstance(a, Lit):
            uses[a.id] = uses.get(a.id, 0) + 1
    producer = {e.outputs[0].id: e for e in body.eqns if len(e.outputs) == 1}
    direct = {}
    for k, value in enumerate(ys_values):
        eqn = None if isinstance(value, Lit) else producer.get(value.id)
        if eqn is not None and eqn.primitive is stack_p and uses.get(value.id) == 1 and \
                all(a.aval.shape == () for a in eqn.inputs):
            direct[k] = eqn
    return direct


def lower_loop(eqn, names, lower_segment, comment):
    """The source lines of one loop equation."""
    def atom(a):
        return literal(a) if isinstance(a, Lit) else names(a)

    if eqn.primitive is scan_p:
        return _lower_scan(eqn, names, lower_segment, comment, atom)
    return _lower_while(eqn, names, lower_segment, comment, atom)


def _lower_scan(eqn, names, lower_segment, comment, atom):
    p = eqn.params
    body, length, n_consts, n_carry = p["body"], p["length"], p["n_consts"], p["n_carry"]
    consts = eqn.inputs[:n_consts]
    init = eqn.inputs[n_consts:n_consts + n_carry]
    xs = eqn.inputs[n_consts + n_carry:]
    index = body.inputs[0]
    b_consts = body.inputs[1:1 + n_consts]
    b_carry = body.inputs[1 + n_consts:1 + n_consts + n_carry]
    b_xs = body.inputs[1 + n_consts + n_carry:]
    carry_outs, ys = eqn.outputs[:n_carry], eqn.outputs[n_carry:]
    step = f"step_{names(eqn.outputs[0])}" if eqn.outputs else "step_"
    position = f"pos_{names(eqn.outputs[0])}" if eqn.outputs else "pos_"

    lines = [f"# ---- {comment(eqn)[2:]} ({length} steps{', reversed' if p['reverse'] else ''})"]
    lines += [f"{names(v)} = {atom(a)}" for v, a in zip(b_consts, consts)]
    lines += [f"{names(v)} = {atom(a)}" for v, a in zip(b_carry, init)]
    lines += [f"{names(y)} = rt.empty({shape_text(y.shape)}, {dtype_name(y.dtype)})" for y in ys]
    inner = [f"{position} = {length - 1} - {step}" if p["reverse"] else f"{position} = {step}",
             f"{names(index)} = np.int64({p['start']} + {position})"]
    inner += [f"{names(v)} = {atom(a)}[{position}]" for v, a in zip(b_xs, xs)]
    direct = _rows_of_scalars(body, body.outputs[n_carry:])
    skipped = {id(e) for e in direct.values()}
    needed = {a.id for k, a in enumerate(body.outputs)
              if not isinstance(a, Lit) and k - n_carry not in direct}
    needed |= {a.id for e in direct.values() for a in e.inputs if not isinstance(a, Lit)}
    inner += _body_lines(body, names, lower_segment,
                         [e for e in body.eqns if id(e) not in skipped], needed)
    for k, (y, value) in enumerate(zip(ys, body.outputs[n_carry:])):
        if k in direct:
            inner += [f"{names(y)}[{position}, {j}] = {atom(a)}"
                      for j, a in enumerate(direct[k].inputs)]
        else:
            inner += _store_row(names(y), position, atom(value), y.shape[1:])
    inner += _assign([names(v) for v in b_carry], [atom(a) for a in body.outputs[:n_carry]])
    lines.append(f"for {step} in range({length}):")
    lines += [INDENT + line for line in inner]
    lines += [f"{names(v)} = {names(b)}" for v, b in zip(carry_outs, b_carry)]
    return lines


def _lower_while(eqn, names, lower_segment, comment, atom):
    p = eqn.params
    cond, body = p["cond"], p["body"]
    n_cc, n_bc = p["n_cond_consts"], p["n_body_consts"]
    cond_consts = eqn.inputs[:n_cc]
    body_consts = eqn.inputs[n_cc:n_cc + n_bc]
    init = eqn.inputs[n_cc + n_bc:]
    c_consts, c_carry = cond.inputs[:n_cc], cond.inputs[n_cc:]
    b_consts, b_carry = body.inputs[:n_bc], body.inputs[n_bc:]

    lines = [f"# ---- {comment(eqn)[2:]}"]
    lines += [f"{names(v)} = {atom(a)}" for v, a in zip(c_consts, cond_consts)]
    lines += [f"{names(v)} = {atom(a)}" for v, a in zip(b_consts, body_consts)]
    lines += [f"{names(v)} = {atom(a)}" for v, a in zip(b_carry, init)]
    inner = [f"{names(c)} = {names(b)}" for c, b in zip(c_carry, b_carry)]
    inner += _body_lines(cond, names, lower_segment)
    inner.append(f"if not {atom(cond.outputs[0])}:")
    inner.append(INDENT + "break")
    inner += _body_lines(body, names, lower_segment)
    inner += _assign([names(v) for v in b_carry], [atom(a) for a in body.outputs])
    lines.append("while True:")
    lines += [INDENT + line for line in inner]
    lines += [f"{names(v)} = {names(b)}" for v, b in zip(eqn.outputs, b_carry)]
    return lines
