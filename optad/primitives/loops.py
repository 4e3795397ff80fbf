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

Their derivative rules (JVP, the forward sweep of reverse mode, VJP) need the transforms
and live beside them, in transforms/loop_rules.py.
"""
from __future__ import annotations

import weakref

import numpy as np

from ..ir.program import Lit, Program, ShapedArray
from ..trace.tracer import Trace, bind
from .registry import impl_rules, primitive, shape_rules

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


class _Plan:
    """A closed program laid out for repeated NumPy evaluation (a loop body runs once per
    step): each equation's implementation, its operands as slots of one list or literal
    values, and its output slots, resolved once instead of per step."""

    def __init__(self, program):
        slots = {var.id: k for k, var in enumerate(program.inputs)}
        for eqn in program.eqns:
            for var in eqn.outputs:
                slots[var.id] = len(slots)
        self.n_in, self.size = len(program.inputs), len(slots)

        def ref(atom):
            return (False, atom.value) if isinstance(atom, Lit) else (True, slots[atom.id])

        self.steps = [(impl_rules[eqn.primitive], tuple(ref(a) for a in eqn.inputs), eqn.params,
                       tuple(slots[v.id] for v in eqn.outputs), eqn.primitive.multiple_results,
                       ()) for eqn in program.eqns]
        self.outputs = [ref(a) for a in program.outputs]

    def __call__(self, args):
        env = list(args)
        env += [None] * (self.size - self.n_in)
        run_steps(self.steps, env)
        return [env[i] if is_var else i for is_var, i in self.outputs]


def run_steps(steps, env):
    """Evaluate laid-out equations into ``env`` (a list of slots): each step is (implementation,
    operands as (is a slot, slot or literal value), params, output slots, several results,
    slots to drop afterwards).  Shared by loop bodies and the NumPy backend's kernels."""
    for impl, ins, params, outs, multiple, frees in steps:
        result = impl(*[env[i] if is_var else i for is_var, i in ins], **params)
        if multiple:
            for slot, value in zip(outs, result):
                env[slot] = value
        else:
            env[outs[0]] = result
        for slot in frees:
            env[slot] = None


_PLANS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def evaluate(program, args):
    """Run a closed program with the NumPy implementations (the reference semantics)."""
    plan = _PLANS.get(program)
    if plan is None:
        plan = _PLANS[program] = _Plan(program)
    return plan(args)


def depends(program, nonzero):
    """Which outputs of ``program`` may depend on the inputs flagged in ``nonzero``."""
    flagged = {v.id for v, z in zip(program.inputs, nonzero) if z}
    for eqn in program.eqns:
        if any(not isinstance(a, Lit) and a.id in flagged for a in eqn.inputs):
            flagged.update(v.id for v in eqn.outputs)
    return [not isinstance(a, Lit) and a.id in flagged for a in program.outputs]


def split_operands(seq, *sizes):
    out, k = [], 0
    for n in sizes:
        out.append(list(seq[k:k + n]))
        k += n
    out.append(list(seq[k:]))
    return out


def _dtype(value):
    return np.dtype(value.dtype) if hasattr(value, "dtype") else np.asarray(value).dtype


def avals_of(values):
    return [ShapedArray(tuple(np.shape(v)), _dtype(v)) for v in values]


def is_float(value):
    return _dtype(value).kind == "f"


def expand(mask, values):
    """One entry per mask position: the next value where set, else None."""
    it = iter(values)
    return [next(it) if m else None for m in mask]


def _stacked(aval, length):
    return ShapedArray((length,) + tuple(aval.shape), aval.dtype)


def slice_aval(aval):
    return ShapedArray(tuple(aval.shape[1:]), aval.dtype)


# --------------------------------------------------------------------------- scan

def scan_bind(body, consts, init, xs, length, reverse=False, start=0):
    """Bind a scan equation; returns (final carry list, ys list)."""
    outs = bind(scan_p, *consts, *init, *xs, body=body, length=int(length),
                reverse=bool(reverse), start=int(start), n_consts=len(consts),
                n_carry=len(init))
    return list(outs[:len(init)]), list(outs[len(init):])


def _scan_shape(*avals, lits, body, length, reverse, start, n_consts, n_carry):
    consts, init, xs = split_operands(avals, n_consts, n_carry)
    expected = [ShapedArray((), INDEX_DTYPE)] + consts + init + [slice_aval(x) for x in xs]
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
    consts, carry, xs = split_operands(args, n_consts, n_carry)
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


shape_rules[scan_p] = _scan_shape
impl_rules[scan_p] = _scan_impl


# --------------------------------------------------------------------------- while

def while_bind(cond, body, cond_consts, body_consts, init):
    outs = bind(while_p, *cond_consts, *body_consts, *init, cond=cond, body=body,
                n_cond_consts=len(cond_consts), n_body_consts=len(body_consts))
    return list(outs)


def _while_shape(*avals, lits, cond, body, n_cond_consts, n_body_consts):
    cond_consts, body_consts, init = split_operands(avals, n_cond_consts, n_body_consts)
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
    cond_consts, body_consts, carry = split_operands(args, n_cond_consts, n_body_consts)
    while bool(evaluate(cond, [*cond_consts, *carry])[0]):
        carry = evaluate(body, [*body_consts, *carry])
    return tuple(carry)


shape_rules[while_p] = _while_shape
impl_rules[while_p] = _while_impl


LOOP_PRIMITIVES = (scan_p, while_p)


def sub_programs(eqn):
    """The programs an equation carries as parameters (loop bodies, checkpointed calls)."""
    return [v for v in eqn.params.values() if isinstance(v, Program)]

