"""simplify: fold zeros and ones, drop common subexpressions, remove dead code.

Works on one Program and returns a new one with the same inputs and outputs."""
from __future__ import annotations

import numpy as np

from ..ir.program import Eqn, Lit, Program
from ..primitives import elementwise as ew
from ..primitives.loops import scan_p
from ..primitives.shape import broadcast_p, reshape_p
from .loop_simplify import prune_scan, simplify_bodies


def _is_lit(atom, value):
    return isinstance(atom, Lit) and atom.aval.dtype.kind != "b" and atom.value == value


def _freeze(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, np.dtype):
        return ("dtype", value.str)
    if isinstance(value, Program):
        return ("program", id(value))
    return value


def _atom_key(atom):
    return atom.key() if isinstance(atom, Lit) else atom.id


def _fold(eqn, zero_ids, one_ids):
    """An atom equal to the equation's single output, a zero-eqn, or None."""
    p = eqn.primitive
    ins = eqn.inputs
    out = eqn.outputs[0]

    def same_type(atom):
        return not isinstance(atom, Lit) and atom.aval == out.aval

    def is_one(atom):
        return _is_lit(atom, 1) or (not isinstance(atom, Lit) and atom.id in one_ids)

    def is_zero(atom):
        return _is_lit(atom, 0) or (not isinstance(atom, Lit) and atom.id in zero_ids)

    if p is ew.add_p:
        if is_zero(ins[1]) and same_type(ins[0]):
            return ins[0]
        if is_zero(ins[0]) and same_type(ins[1]):
            return ins[1]
    elif p is ew.sub_p:
        if is_zero(ins[1]) and same_type(ins[0]):
            return ins[0]
    elif p is ew.mul_p:
        if is_one(ins[1]) and same_type(ins[0]):
            return ins[0]
        if is_one(ins[0]) and same_type(ins[1]):
            return ins[1]
        if is_zero(ins[0]) or is_zero(ins[1]):
            return "zero"
    elif p in (ew.div_p, ew.pow_p):
        if is_one(ins[1]) and same_type(ins[0]):
            return ins[0]
        if p is ew.div_p and is_zero(ins[0]):
            return "zero"
    elif p is ew.neg_p:
        if is_zero(ins[0]):
            return "zero"
    return None


def simplify(program: Program) -> Program:
    subst = {}
    zero_ids = set()
    one_ids = set()
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
            folded = _fold(eqn, zero_ids, one_ids)
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
        if eqn.primitive is broadcast_p and _is_lit(eqn.inputs[0], 0):
            zero_ids.add(eqn.outputs[0].id)
        if eqn.primitive is broadcast_p and _is_lit(eqn.inputs[0], 1):
            one_ids.add(eqn.outputs[0].id)
        key = (eqn.primitive.name, tuple(_atom_key(a) for a in eqn.inputs),
               _freeze(eqn.params))
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
