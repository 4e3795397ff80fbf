"""The derivative rules of the loop primitives (primitives/loops.py), which need the transforms.

The JVP of a loop is a loop over primal and tangent carries; which tangents are non-zero is
found by a fixpoint over the body.  The VJP of a scan stores the carry entering every step in
the forward sweep (``forward_rules``) and runs a reverse scan whose body recomputes that step
and pulls the cotangents back through it; memory is one carry per step, and a scan split into
chunks (``checkpoint=``) stores one carry per chunk plus one chunk's carries.  Reverse mode
through ``while_loop`` is refused: its trip count is not known when tracing.
"""
from __future__ import annotations

from ..ir.program import ShapedArray
from ..primitives.elementwise import add
from ..primitives.loops import (INDEX_DTYPE, avals_of, depends, expand, is_float, scan_bind,
                                scan_p, slice_aval, split_operands, trace_body, while_bind,
                                while_p)
from ..primitives.registry import forward_rules, jvp_rules, primal_jvp_rules, vjp_rules
from ..primitives.shape import zeros_like
from .evaluate import eval_program
from .jvp import jvp_traceable
from .vjp import vjp_traceable


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
    consts, init, xs = split_operands(primals, n_consts, n_carry)
    t_consts, t_init, t_xs = split_operands(tangents, n_consts, n_carry)
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
            [None, *expand(nz_c, dc), *expand(nz_k, dk), *expand(nz_x, dx)])
        new_k, ys = primal_out[:n_carry], primal_out[n_carry:]
        d_new_k = [t for t, nz in zip(tangent_out[:n_carry], nz_k) if nz]
        d_ys = [t for t, nz in zip(tangent_out[n_carry:], nz_y) if nz]
        return [*new_k, *d_new_k, *ys, *d_ys]

    new_body, closed = trace_body(jvp_body, [
        [ShapedArray((), INDEX_DTYPE)], avals_of(consts) + avals_of(tc),
        avals_of(init) + avals_of(tk), [slice_aval(a) for a in avals_of(xs) + avals_of(tx)]], 2)
    carry_out, ys = scan_bind(new_body, [*consts, *tc, *closed], [*init, *tk], [*xs, *tx],
                              length, reverse, start)
    n_tk = len(tk)
    d_carry = expand(nz_k, carry_out[n_carry:n_carry + n_tk])
    n_y = len(body.outputs) - n_carry
    d_ys = expand(nz_y, ys[n_y:])
    return list(carry_out[:n_carry]) + list(ys[:n_y]), d_carry + d_ys


def _scan_forward(*primals, body, length, reverse, start, n_consts, n_carry):
    """The forward sweep of reverse mode: the scan, also stacking the carry entering each
    step (the residuals its VJP reads)."""
    def body_keeping_carry(index, const_group, carry_group, x_group):
        outs = eval_program(body, [index[0], *const_group, *carry_group, *x_group])
        return [*outs, *carry_group]

    consts, init, xs = split_operands(primals, n_consts, n_carry)
    fwd_body, closed = trace_body(body_keeping_carry, [
        [ShapedArray((), INDEX_DTYPE)], avals_of(consts), avals_of(init),
        [slice_aval(a) for a in avals_of(xs)]], 2)
    carry_out, ys = scan_bind(fwd_body, [*consts, *closed], init, xs, length, reverse, start)
    n_y = len(body.outputs) - n_carry
    return carry_out + ys[:n_y], ys[n_y:]


def _scan_vjp(cts, primals, outs, *, residuals, body, length, reverse, start, n_consts,
              n_carry):
    consts, init, xs = split_operands(primals, n_consts, n_carry)
    ct_carry, ct_ys = cts[:n_carry], cts[n_carry:]
    float_c = [is_float(c) for c in consts]
    float_k = [is_float(c) for c in init]
    float_x = [is_float(x) for x in xs]
    has_ct_y = [c is not None for c in ct_ys]
    ct_init = [zeros_like(p) if c is None else c
               for p, c, f in zip(init, ct_carry, float_k) if f]
    acc_init = [zeros_like(c) for c, f in zip(consts, float_c) if f]
    ct_ys_present = [c for c in ct_ys if c is not None]
    n_fk, n_fc = len(ct_init), len(acc_init)

    def backward_body(index, const_group, carry_group, x_group):
        c = const_group[:n_consts]
        ct_k, acc = carry_group[:n_fk], carry_group[n_fk:]
        k, x, ct_y = split_operands(x_group, n_carry, len(xs))
        _, in_cts = vjp_traceable(
            body, [index[0], *c, *k, *x], [False, *float_c, *float_k, *float_x],
            [*expand(float_k, ct_k), *expand(has_ct_y, ct_y)])
        step_c, prev_k, step_x = split_operands(in_cts, n_fc, n_fk)
        return [*prev_k, *[add(a, s) for a, s in zip(acc, step_c)], *step_x]

    bwd_body, closed = trace_body(backward_body, [
        [ShapedArray((), INDEX_DTYPE)], avals_of(consts),
        avals_of(ct_init) + avals_of(acc_init),
        [slice_aval(a) for a in avals_of(residuals) + avals_of(xs) + avals_of(ct_ys_present)]], 2)
    carry_out, ct_xs = scan_bind(bwd_body, [*consts, *closed], [*ct_init, *acc_init],
                                 [*residuals, *xs, *ct_ys_present], length, not reverse, start)
    ct_init_out, ct_consts = carry_out[:n_fk], carry_out[n_fk:]
    return expand(float_c, ct_consts) + expand(float_k, ct_init_out) + \
        expand(float_x, ct_xs)


def _while_jvp(primals, tangents, outs, *, cond, body, n_cond_consts, n_body_consts):
    cond_consts, body_consts, init = split_operands(primals, n_cond_consts, n_body_consts)
    _, t_body_consts, t_init = split_operands(tangents, n_cond_consts, n_body_consts)
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
            body, [*b, *k], [*expand(nz_b, db), *expand(nz_k, dk)])
        return [*primal_out, *[t for t, nz in zip(tangent_out, nz_k) if nz]]

    carry_avals = avals_of(init) + avals_of(tk)
    new_cond, cond_closed = trace_body(jvp_cond, [avals_of(cond_consts), carry_avals], 1)
    new_body, body_closed = trace_body(jvp_body, [avals_of(body_consts) + avals_of(tb), carry_avals],
                                       1)
    out = while_bind(new_cond, new_body, [*cond_consts, *cond_closed],
                     [*body_consts, *tb, *body_closed], [*init, *tk])
    return expand(nz_k, out[n_carry:])


def _while_forward(*primals, **params):
    raise NotImplementedError(
        "reverse-mode differentiation (grad, vjp, hvp) through optad.while_loop is not "
        "supported: its number of iterations is only known when it runs. Use "
        "optad.fori_loop(lower, upper, ...) with a fixed bound (freeze the carry with "
        "np.where once the condition is met), or forward mode (optad.jvp, optad.jacfwd).")


jvp_rules[scan_p] = _scan_jvp
primal_jvp_rules[scan_p] = _scan_primal_jvp
forward_rules[scan_p] = _scan_forward
vjp_rules[scan_p] = _scan_vjp
jvp_rules[while_p] = _while_jvp
forward_rules[while_p] = _while_forward
vjp_rules[while_p] = _while_forward
