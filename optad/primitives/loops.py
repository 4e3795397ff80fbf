"""Loop primitives: ``scan`` (a fixed number of steps; ``fori_loop`` is a scan without ``xs``)
and ``while_loop``.  Each is one equation whose parameter is the body's Program, so a 1,000-step
loop costs one body to trace, differentiate and compile.

Bodies are *closed* programs: every value they read from outside (closed-over arrays, traced
values of the enclosing function) is an explicit input, passed to the equation as a constant
operand.

    scan    operands  consts..., init carry..., xs...   (each x stacked on a leading axis)
            body      (index, consts..., carry..., x slices...) -> (carry..., y slices...)
            outputs   final carry..., ys...               (each y stacked on a leading axis)
            params    body, length, reverse, start, n_consts, n_carry
            Step k (0 <= k < length) works at position p = k, or length - 1 - k when
            ``reverse``; it reads xs[p], writes ys[p], and its index input is start + p.

    while   operands  cond consts..., body consts..., init carry...
            cond      (cond consts..., carry...) -> bool scalar
            body      (body consts..., carry...) -> carry...
            params    cond, body, n_cond_consts, n_body_consts

Derivatives: the JVP of a loop is a loop over primal and tangent carries (which tangents are
non-zero is found by a fixpoint over the body).  The VJP of a scan stores the carry entering
every step in the forward sweep (``forward_rules``) and runs a reverse scan whose body recomputes
that step and pulls the cotangents back through it; memory is one carry per step, and a scan
split into chunks (``checkpoint=``) stores one carry per chunk plus one chunk's carries.  Reverse
mode through ``while_loop`` is refused: its trip count is not known when tracing.
"""
from __future__ import annotations

import numpy as np

from ..ir.program import Lit, Program, ShapedArray
from ..trace.tracer import Trace, bind
from .registry import (forward_rules, impl_rules, jvp_rules, primal_jvp_rules, primitive,
                       shape_rules, vjp_rules)
from .shape import zeros_like

scan_p = primitive("scan", "loops", multiple_results=True)
while_p = primitive("while", "loops", multiple_results=True)

INDEX_DTYPE = np.dtype(np.int64)


class LoopError(TypeError):
    """A loop whose body does not keep the carry's structure, shape or dtype."""


# --------------------------------------------------------------------------- bodies

def trace_body(fn, groups, closed_after):
    """Trace ``fn(*groups_of_tracers) -> flat outputs`` into a closed body.

    ``groups`` is a list of lists of avals (e.g. [[index], consts, carry, xs]).  Values the
    body closes over become inputs placed right after the first ``closed_after`` groups (after
    the consts), and are returned so the caller passes them as extra constant operands.
    Returns (body, closed_over)."""
    with Trace() as trace:
        tracers = [[trace.new_input(a) for a in group] for group in groups]
        outs = fn(*tracers)
        program = trace.to_program(outs)
    n_lead = sum(len(g) for g in groups[:closed_after])
    inputs = program.inputs[:n_lead] + program.constvars + program.inputs[n_lead:]
    return Program(inputs, (), (), program.eqns, program.outputs), list(program.constvalues)


def evaluate(program, args):
    """Run a closed program with the NumPy implementations (the reference semantics)."""
    env = {v.id: a for v, a in zip(program.inputs, args)}

    def read(atom):
        return atom.value if isinstance(atom, Lit) else env[atom.id]

    for eqn in program.eqns:
        outs = impl_rules[eqn.primitive](*[read(a) for a in eqn.inputs], **eqn.params)
        outs = outs if eqn.primitive.multiple_results else (outs,)
        for var, value in zip(eqn.outputs, outs):
            env[var.id] = value
    return [read(a) for a in program.outputs]


def depends(program, nonzero):
    """Which outputs of ``program`` may depend on the inputs flagged in ``nonzero``."""
    flagged = {v.id for v, z in zip(program.inputs, nonzero) if z}
    for eqn in program.eqns:
        if any(not isinstance(a, Lit) and a.id in flagged for a in eqn.inputs):
            flagged.update(v.id for v in eqn.outputs)
    return [not isinstance(a, Lit) and a.id in flagged for a in program.outputs]


def _split(seq, *sizes):
    out, k = [], 0
    for n in sizes:
        out.append(list(seq[k:k + n]))
        k += n
    out.append(list(seq[k:]))
    return out


def _dtype(value):
    return np.dtype(value.dtype) if hasattr(value, "dtype") else np.asarray(value).dtype


def _avals(values):
    return [ShapedArray(tuple(np.shape(v)), _dtype(v)) for v in values]


def _is_float(value):
    return _dtype(value).kind == "f"


def _expand(mask, values):
    """One entry per mask position: the next value where set, else None."""
    it = iter(values)
    return [next(it) if m else None for m in mask]


def _stacked(aval, length):
    return ShapedArray((length,) + tuple(aval.shape), aval.dtype)


def _slice_aval(aval):
    return ShapedArray(tuple(aval.shape[1:]), aval.dtype)


# --------------------------------------------------------------------------- scan

def scan_bind(body, consts, init, xs, length, reverse=False, start=0):
    """Bind a scan equation; returns (final carry list, ys list)."""
    outs = bind(scan_p, *consts, *init, *xs, body=body, length=int(length),
                reverse=bool(reverse), start=int(start), n_consts=len(consts),
                n_carry=len(init))
    return list(outs[:len(init)]), list(outs[len(init):])


def _scan_shape(*avals, lits, body, length, reverse, start, n_consts, n_carry):
    consts, init, xs = _split(avals, n_consts, n_carry)
    expected = [ShapedArray((), INDEX_DTYPE)] + consts + init + [_slice_aval(x) for x in xs]
    got = [v.aval for v in body.inputs]
    if [(a.shape, a.dtype) for a in got] != [(a.shape, a.dtype) for a in expected]:
        raise LoopError(f"scan: the body takes {[str(a) for a in got]} but the operands give "
                        f"{[str(a) for a in expected]}")
    for x in xs:
        if not x.shape or x.shape[0] != length:
            raise LoopError(f"scan: an xs operand of shape {x.shape} has no leading axis of "
                            f"length {length}")
    outs = body.out_avals
    return tuple(outs[:n_carry]) + tuple(_stacked(y, length) for y in outs[n_carry:])


def _scan_impl(*args, body, length, reverse, start, n_consts, n_carry):
    consts, carry, xs = _split(args, n_consts, n_carry)
    y_avals = body.out_avals[n_carry:]
    ys = [np.empty((length,) + a.shape, a.dtype) for a in y_avals]
    for k in range(length):
        p = length - 1 - k if reverse else k
        outs = evaluate(body, [INDEX_DTYPE.type(start + p), *consts, *carry,
                               *[x[p] for x in xs]])
        carry = outs[:n_carry]
        for y, value in zip(ys, outs[n_carry:]):
            y[p] = value
    carry = [np.asarray(c, dtype=a.dtype) for c, a in zip(carry, body.out_avals[:n_carry])]
    return tuple(c[()] if c.ndim == 0 else c for c in carry) + tuple(ys)


def _carry_fixpoint(body, n_index_consts, nz_consts, nz_carry, nz_xs):
    """Non-zero flags of the carry tangents (a zero tangent entering the loop can become
    non-zero after one step), and of the ys tangents."""
    n_carry = len(nz_carry)
    while True:
        out = depends(body, [False] * n_index_consts + nz_consts + nz_carry + nz_xs)
        updated = [a or b for a, b in zip(nz_carry, out[:n_carry])]
        if updated == nz_carry:
            return nz_carry, out[n_carry:]
        nz_carry = updated


def _scan_jvp(primals, tangents, outs, **params):
    return _scan_primal_jvp(primals, tangents, **params)[1]


def _scan_primal_jvp(primals, tangents, *, body, length, reverse, start, n_consts, n_carry):
    """(outputs, output tangents) of one scan carrying the primal and the tangent."""
    from ..transforms.jvp import jvp_traceable
    consts, init, xs = _split(primals, n_consts, n_carry)
    t_consts, t_init, t_xs = _split(tangents, n_consts, n_carry)
    nz_c = [t is not None for t in t_consts]
    nz_x = [t is not None for t in t_xs]
    nz_k, nz_y = _carry_fixpoint(body, 1, nz_c, [t is not None for t in t_init], nz_x)
    t_init = [zeros_like(p) if nz and t is None else t for p, t, nz in zip(init, t_init, nz_k)]
    tc = [t for t in t_consts if t is not None]
    tk = [t for t, nz in zip(t_init, nz_k) if nz]
    tx = [t for t in t_xs if t is not None]

    def jvp_body(index, const_group, carry_group, x_group):
        c, dc = const_group[:n_consts], const_group[n_consts:n_consts + len(tc)]
        k, dk = carry_group[:n_carry], carry_group[n_carry:]
        x, dx = x_group[:len(xs)], x_group[len(xs):]
        primal_out, tangent_out = jvp_traceable(
            body, [index[0], *c, *k, *x],
            [None, *_expand(nz_c, dc), *_expand(nz_k, dk), *_expand(nz_x, dx)])
        new_k, ys = primal_out[:n_carry], primal_out[n_carry:]
        d_new_k = [t for t, nz in zip(tangent_out[:n_carry], nz_k) if nz]
        d_ys = [t for t, nz in zip(tangent_out[n_carry:], nz_y) if nz]
        return [*new_k, *d_new_k, *ys, *d_ys]

    new_body, closed = trace_body(jvp_body, [
        [ShapedArray((), INDEX_DTYPE)], _avals(consts) + _avals(tc),
        _avals(init) + _avals(tk), [_slice_aval(a) for a in _avals(xs) + _avals(tx)]], 2)
    carry_out, ys = scan_bind(new_body, [*consts, *tc, *closed], [*init, *tk], [*xs, *tx],
                              length, reverse, start)
    n_tk = len(tk)
    d_carry = _expand(nz_k, carry_out[n_carry:n_carry + n_tk])
    n_y = len(body.outputs) - n_carry
    d_ys = _expand(nz_y, ys[n_y:])
    return list(carry_out[:n_carry]) + list(ys[:n_y]), d_carry + d_ys


def _scan_forward(*primals, body, length, reverse, start, n_consts, n_carry):
    """The forward sweep of reverse mode: the scan, also stacking the carry entering each
    step (the residuals its VJP reads)."""
    def body_keeping_carry(index, const_group, carry_group, x_group):
        from ..transforms.evaluate import eval_program
        outs = eval_program(body, [index[0], *const_group, *carry_group, *x_group])
        return [*outs, *carry_group]

    consts, init, xs = _split(primals, n_consts, n_carry)
    fwd_body, closed = trace_body(body_keeping_carry, [
        [ShapedArray((), INDEX_DTYPE)], _avals(consts), _avals(init),
        [_slice_aval(a) for a in _avals(xs)]], 2)
    carry_out, ys = scan_bind(fwd_body, [*consts, *closed], init, xs, length, reverse, start)
    n_y = len(body.outputs) - n_carry
    return carry_out + ys[:n_y], ys[n_y:]


def _scan_vjp(cts, primals, outs, *, residuals, body, length, reverse, start, n_consts,
              n_carry):
    from ..transforms.vjp import vjp_traceable
    consts, init, xs = _split(primals, n_consts, n_carry)
    ct_carry, ct_ys = cts[:n_carry], cts[n_carry:]
    float_c = [_is_float(c) for c in consts]
    float_k = [_is_float(c) for c in init]
    float_x = [_is_float(x) for x in xs]
    has_ct_y = [c is not None for c in ct_ys]
    ct_init = [zeros_like(p) if c is None else c
               for p, c, f in zip(init, ct_carry, float_k) if f]
    acc_init = [zeros_like(c) for c, f in zip(consts, float_c) if f]
    ct_ys_present = [c for c in ct_ys if c is not None]
    n_fk, n_fc = len(ct_init), len(acc_init)

    def backward_body(index, const_group, carry_group, x_group):
        c = const_group[:n_consts]
        ct_k, acc = carry_group[:n_fk], carry_group[n_fk:]
        k, x, ct_y = _split(x_group, n_carry, len(xs))
        _, in_cts = vjp_traceable(
            body, [index[0], *c, *k, *x], [False, *float_c, *float_k, *float_x],
            [*_expand(float_k, ct_k), *_expand(has_ct_y, ct_y)])
        step_c, prev_k, step_x = _split(in_cts, n_fc, n_fk)
        from .elementwise import add
        return [*prev_k, *[add(a, s) for a, s in zip(acc, step_c)], *step_x]

    bwd_body, closed = trace_body(backward_body, [
        [ShapedArray((), INDEX_DTYPE)], _avals(consts),
        _avals(ct_init) + _avals(acc_init),
        [_slice_aval(a) for a in _avals(residuals) + _avals(xs) + _avals(ct_ys_present)]], 2)
    carry_out, ct_xs = scan_bind(bwd_body, [*consts, *closed], [*ct_init, *acc_init],
                                 [*residuals, *xs, *ct_ys_present], length, not reverse, start)
    ct_init_out, ct_consts = carry_out[:n_fk], carry_out[n_fk:]
    return _expand(float_c, ct_consts) + _expand(float_k, ct_init_out) + \
        _expand(float_x, ct_xs)


shape_rules[scan_p] = _scan_shape
impl_rules[scan_p] = _scan_impl
jvp_rules[scan_p] = _scan_jvp
primal_jvp_rules[scan_p] = _scan_primal_jvp
forward_rules[scan_p] = _scan_forward
vjp_rules[scan_p] = _scan_vjp


# --------------------------------------------------------------------------- while

def while_bind(cond, body, cond_consts, body_consts, init):
    outs = bind(while_p, *cond_consts, *body_consts, *init, cond=cond, body=body,
                n_cond_consts=len(cond_consts), n_body_consts=len(body_consts))
    return list(outs)


def _while_shape(*avals, lits, cond, body, n_cond_consts, n_body_consts):
    cond_consts, body_consts, init = _split(avals, n_cond_consts, n_body_consts)
    carry = [(a.shape, a.dtype) for a in init]
    if [(v.aval.shape, v.aval.dtype) for v in body.inputs] != \
            [(a.shape, a.dtype) for a in body_consts] + carry:
        raise LoopError("while_loop: the body's inputs do not match its operands")
    if [(a.shape, a.dtype) for a in body.out_avals] != carry:
        raise LoopError("while_loop: the body must return a carry like the initial value")
    (c,) = cond.out_avals
    if c.shape != () or c.dtype != np.bool_:
        raise LoopError(f"while_loop: cond_fun must return a boolean scalar, got {c}")
    return tuple(init)


def _while_impl(*args, cond, body, n_cond_consts, n_body_consts):
    cond_consts, body_consts, carry = _split(args, n_cond_consts, n_body_consts)
    while bool(evaluate(cond, [*cond_consts, *carry])[0]):
        carry = evaluate(body, [*body_consts, *carry])
    return tuple(carry)


def _while_jvp(primals, tangents, outs, *, cond, body, n_cond_consts, n_body_consts):
    from ..transforms.evaluate import eval_program
    from ..transforms.jvp import jvp_traceable
    cond_consts, body_consts, init = _split(primals, n_cond_consts, n_body_consts)
    _, t_body_consts, t_init = _split(tangents, n_cond_consts, n_body_consts)
    n_carry = len(init)
    nz_b = [t is not None for t in t_body_consts]
    nz_k, _ = _carry_fixpoint(body, 0, nz_b, [t is not None for t in t_init], [])
    t_init = [zeros_like(p) if nz and t is None else t for p, t, nz in zip(init, t_init, nz_k)]
    tb = [t for t in t_body_consts if t is not None]
    tk = [t for t, nz in zip(t_init, nz_k) if nz]
    n_b = len(body_consts)

    def jvp_cond(const_group, carry_group):
        return eval_program(cond, [*const_group, *carry_group[:n_carry]])

    def jvp_body(const_group, carry_group):
        b, db = const_group[:n_b], const_group[n_b:n_b + len(tb)]
        k, dk = carry_group[:n_carry], carry_group[n_carry:]
        primal_out, tangent_out = jvp_traceable(
            body, [*b, *k], [*_expand(nz_b, db), *_expand(nz_k, dk)])
        return [*primal_out, *[t for t, nz in zip(tangent_out, nz_k) if nz]]

    carry_avals = _avals(init) + _avals(tk)
    new_cond, cond_closed = trace_body(jvp_cond, [_avals(cond_consts), carry_avals], 1)
    new_body, body_closed = trace_body(jvp_body, [_avals(body_consts) + _avals(tb), carry_avals],
                                       1)
    out = while_bind(new_cond, new_body, [*cond_consts, *cond_closed],
                     [*body_consts, *tb, *body_closed], [*init, *tk])
    return _expand(nz_k, out[n_carry:])


def _while_forward(*primals, **params):
    raise NotImplementedError(
        "reverse-mode differentiation (grad, vjp, hvp) through optad.while_loop is not "
        "supported: its number of iterations is only known when it runs. Use "
        "optad.fori_loop(lower, upper, ...) with a fixed bound (freeze the carry with "
        "np.where once the condition is met), or forward mode (optad.jvp, optad.jacfwd).")


shape_rules[while_p] = _while_shape
impl_rules[while_p] = _while_impl
jvp_rules[while_p] = _while_jvp
forward_rules[while_p] = _while_forward
vjp_rules[while_p] = _while_forward


LOOP_PRIMITIVES = (scan_p, while_p)


def sub_programs(eqn):
    """The programs an equation carries as parameters (loop bodies, checkpointed calls)."""
    return [v for v in eqn.params.values() if isinstance(v, Program)]

