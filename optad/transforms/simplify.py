"""simplify: fold exact identities, drop common subexpressions, remove dead code.

Works on one Program and returns a new one with the same inputs and outputs.

Only rewrites that give the same bits in IEEE arithmetic are made, for every input including
NaN, infinities and signed zeros (integer and boolean operands, which have none of these, fold
more).  The float rules, one line each in ``FOLD_RULES``:

    x * 1, 1 * x, x / 1, x ** 1  ->  x
    x - (+0)                     ->  x      (-0 - +0 = -0)
    x + (-0), (-0) + x           ->  x      (but x + (+0) turns -0 into +0: kept)
    neg(neg(x))                  ->  x

``x * 0`` is *not* zero (inf * 0 and NaN * 0 are NaN), nor is ``0 / x``.  Symbolic zero tangents
never reach this pass: the jvp and vjp transforms skip them before they become equations.
"""
from __future__ import annotations

import numpy as np

from ..ir.program import Eqn, Lit, Program, freeze_params
from ..primitives import elementwise as ew
from ..primitives.loops import scan_p
from ..primitives.shape import broadcast_p, reshape_p
from .loop_simplify import prune_scan, simplify_bodies


def _atom_key(atom):
    return atom.key() if isinstance(atom, Lit) else atom.id


class _Constants:
    """The scalar value of literals and of arrays filled with one literal (``broadcast``)."""

    def __init__(self):
        self.filled = {}   # var id -> the Lit filling it

    def value(self, atom):
        lit = atom if isinstance(atom, Lit) else self.filled.get(atom.id)
        return None if lit is None or lit.aval.dtype.kind == "b" else lit.value

    def is_one(self, atom):
        value = self.value(atom)
        return value is not None and value == 1

    def is_zero(self, atom, sign=None):
        """A zero; ``sign`` "+" or "-" asks for that zero (ints have only one, matching both)."""
        value = self.value(atom)
        if value is None or value != 0:
            return False
        if sign is None or np.dtype(type(value)).kind in "iu":
            return True
        return bool(np.signbit(value)) == (sign == "-")


def _exact_dtype(atom):
    """Integers and booleans: no NaN, no infinities, no signed zeros."""
    return atom.aval.dtype.kind in "iub"


def _mul(ins, out, c):
    if c.is_one(ins[1]):
        return ins[0]
    if c.is_one(ins[0]):
        return ins[1]
    if all(_exact_dtype(a) for a in ins) and (c.is_zero(ins[0]) or c.is_zero(ins[1])):
        return "zero"
    return None


def _add(ins, out, c):
    if c.is_zero(ins[1], "-"):
        return ins[0]
    if c.is_zero(ins[0], "-"):
        return ins[1]
    return None


def _sub(ins, out, c):
    return ins[0] if c.is_zero(ins[1], "+") else None


def _by_one(ins, out, c):   # x / 1 and x ** 1
    return ins[0] if c.is_one(ins[1]) else None


def _neg(ins, out, c):
    return "zero" if _exact_dtype(ins[0]) and c.is_zero(ins[0]) else None


# primitive -> rule(inputs, output, constants) -> an atom equal to the output, "zero", or None
FOLD_RULES = {
    ew.mul_p: _mul,
    ew.add_p: _add,
    ew.sub_p: _sub,
    ew.div_p: _by_one,
    ew.pow_p: _by_one,
    ew.neg_p: _neg,
}


def _fold(eqn, constants):
    rule = FOLD_RULES.get(eqn.primitive)
    if rule is None:
        return None
    out = eqn.outputs[0]
    folded = rule(eqn.inputs, out, constants)
    if folded is None or isinstance(folded, str):
        return folded
    # the kept operand must already be the output (no broadcast or dtype change hidden in it)
    if isinstance(folded, Lit) or folded.aval != out.aval:
        return None
    return folded


def simplify(program: Program) -> Program:
    subst = {}
    constants = _Constants()
    producer = {}
    cse = {}
    eqns = []

    def sub(atom):
        return atom if isinstance(atom, Lit) else subst.get(atom.id, atom)

    for eqn in program.eqns:
        ins = tuple(sub(a) for a in eqn.inputs)
        eqn = simplify_bodies(Eqn(eqn.primitive, ins, eqn.params, eqn.outputs, eqn.where),
                              simplify)
        # neg(neg(x)) -> x
        if eqn.primitive is ew.neg_p and not isinstance(ins[0], Lit):
            inner = producer.get(ins[0].id)
            if inner is not None and inner.primitive is ew.neg_p:
                subst[eqn.outputs[0].id] = inner.inputs[0]
                continue
        # reshape(reshape(x)) -> one reshape, or x itself when the shapes agree
        if eqn.primitive is reshape_p and not isinstance(ins[0], Lit):
            inner = producer.get(ins[0].id)
            if inner is not None and inner.primitive is reshape_p:
                source = inner.inputs[0]
                if source.aval.shape == eqn.outputs[0].aval.shape:
                    subst[eqn.outputs[0].id] = source
                    continue
                eqn = Eqn(reshape_p, (source,), eqn.params, eqn.outputs, eqn.where)
        if not eqn.primitive.multiple_results:
            folded = _fold(eqn, constants)
            if folded == "zero":
                out = eqn.outputs[0]
                if not out.aval.shape:
                    subst[out.id] = Lit(0, out.aval.dtype)
                    continue
                eqn = Eqn(broadcast_p, (Lit(0, out.aval.dtype),), {"shape": out.aval.shape},
                          eqn.outputs, eqn.where)
            elif folded is not None:
                subst[eqn.outputs[0].id] = folded
                continue
        if eqn.primitive is broadcast_p and isinstance(eqn.inputs[0], Lit):
            constants.filled[eqn.outputs[0].id] = eqn.inputs[0]
        key = (eqn.primitive.name, tuple(_atom_key(a) for a in eqn.inputs),
               freeze_params(eqn.params))
        try:
            earlier = cse.get(key)
        except TypeError:  # an unhashable parameter: never merged
            earlier, key = None, None
        if earlier is not None:
            for old, new in zip(eqn.outputs, earlier.outputs):
                subst[old.id] = new
            continue
        if key is not None:
            cse[key] = eqn
        for v in eqn.outputs:
            producer[v.id] = eqn
        eqns.append(eqn)

    outputs = tuple(sub(a) for a in program.outputs)
    # dead code elimination
    live = {a.id for a in outputs if not isinstance(a, Lit)}
    kept = []
    for eqn in reversed(eqns):
        if eqn.primitive is scan_p:
            eqn = prune_scan(eqn, live, simplify)
            if eqn is None:
                continue
        if any(v.id in live for v in eqn.outputs):
            kept.append(eqn)
            live.update(a.id for a in eqn.inputs if not isinstance(a, Lit))
    kept.reverse()
    consts = [(v, c) for v, c in zip(program.constvars, program.constvalues) if v.id in live]
    return Program(program.inputs, tuple(v for v, _ in consts), tuple(c for _, c in consts),
                   tuple(kept), outputs)
