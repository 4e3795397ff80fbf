"""Small state in registers: the small arrays of a loop body become scalars.

A loop carrying a few values as one array (a pendulum's state built with ``np.stack``, its
cotangent assembled from ``pad``s in the reverse loop) makes a compiled kernel allocate and copy
little arrays at every step.  Here, before a Program is scheduled, each ``scan`` whose carry
holds a small array (at most ``LIMIT`` elements) is rewritten so that carry travels as that many
0-d values, and inside the body the equations that only move, combine or reduce elements of
small arrays are written once per element on 0-d values, which the code generator keeps in
registers:

    moves (slice, reshape, broadcast, transpose, concatenate, stack, unstack, pad)
        which element lands where is found by running the primitive's NumPy implementation on
        an array of element numbers (0 stands for a zero that ``pad`` writes);
    elementwise primitives
        one equation per output element, on the elements the broadcast picks;
    reduce_sum, reduce_max, reduce_min
        a chain of add, max or min over the reduced elements.

Anything else (a matrix product, a nested loop, an output stacked over the steps) gets its
operand as an array: a small array made of scalars is stacked back (once per value) and an
array read element-wise is unstacked (once per value).  The values are those of the same
arithmetic, except that a sum of a few elements adds them in order rather than pairwise.
"""
from __future__ import annotations

import math

import numpy as np

from ..ir.program import Eqn, Lit, Program, ShapedArray, Var
from ..primitives import loops as lp
from ..primitives import shape as sh
from ..primitives.registry import impl_rules

LIMIT = 16
MOVES = {"slice", "reshape", "broadcast", "transpose", "concatenate", "stack", "unstack", "pad"}
REDUCTIONS = {"reduce_sum": "add", "reduce_max": "max", "reduce_min": "min"}
_BY_NAME = {p.name: p for p in impl_rules}


def _small(aval):
    return 0 < len(aval.shape) and 0 < math.prod(aval.shape) <= LIMIT and \
        np.dtype(aval.dtype).kind in "fiub"


class _Body:
    """Equations being written, with the 0-d elements known for small arrays."""

    def __init__(self):
        self.eqns = []
        self.elements = {}      # var id -> list of 0-d atoms (C order)
        self.alias = {}         # var id of a 0-d value -> the atom that holds it
        self.stacked = {}       # tuple of atom ids -> the array var holding exactly them
        self.where = ""

    def emit(self, primitive, inputs, params, outputs):
        self.eqns.append(Eqn(primitive, tuple(inputs), dict(params), tuple(outputs), self.where))

    def resolve(self, atom):
        return atom if isinstance(atom, Lit) else self.alias.get(atom.id, atom)

    def elements_of(self, atom):
        """The elements of a small array (unstacked here once), or [atom] for a 0-d one."""
        atom = self.resolve(atom)
        if isinstance(atom, Lit) or atom.aval.shape == ():
            return [atom]
        known = self.elements.get(atom.id)
        if known is None:
            flat = atom
            n = math.prod(atom.aval.shape)
            if len(atom.aval.shape) != 1:
                flat = Var(ShapedArray((n,), atom.aval.dtype))
                self.emit(sh.reshape_p, [atom], {"shape": (n,)}, [flat])
            known = [Var(ShapedArray((), atom.aval.dtype)) for _ in range(n)]
            self.emit(sh.unstack_p, [flat], {}, known)
            self.elements[atom.id] = known
            self.stacked[tuple(id(a) for a in known)] = atom
        return known

    def array_of(self, atom):
        """``atom`` as the program had it: a small array's elements stacked back."""
        atom = self.resolve(atom)
        if isinstance(atom, Lit) or atom.id not in self.elements:
            return atom
        elements, aval = self.elements[atom.id], atom.aval
        key = tuple(id(a) for a in elements)
        held = self.stacked.get(key)
        if held is not None and held.aval.shape == tuple(aval.shape):
            return held
        flat = Var(ShapedArray((len(elements),), aval.dtype))
        self.emit(sh.stack_p, elements, {}, [flat])
        out = flat
        if tuple(aval.shape) != (len(elements),):
            out = Var(ShapedArray(tuple(aval.shape), aval.dtype))
            self.emit(sh.reshape_p, [flat], {"shape": tuple(aval.shape)}, [out])
        self.stacked[key] = out
        return out

    def define(self, out, values):
        if out.aval.shape == ():
            (self.alias[out.id],) = values
        else:
            self.elements[out.id] = values

    def copy(self, eqn):
        """``eqn`` as it is, on its operands as arrays."""
        self.emit(eqn.primitive, [self.array_of(a) for a in eqn.inputs], eqn.params,
                  eqn.outputs)


def _numbered(avals):
    """Arrays of element numbers for operands of these avals (1-based across all of them)."""
    arrays, start = [], 1
    for aval in avals:
        n = math.prod(aval.shape)
        arrays.append(np.arange(start, start + n, dtype=np.int64).reshape(aval.shape))
        start += n
    return arrays


def _moved(body, eqn, operands):
    elements = [e for atom in operands for e in body.elements_of(atom)]
    numbers = _numbered([a.aval for a in operands])
    result = impl_rules[eqn.primitive](*numbers, **eqn.params)
    results = result if eqn.primitive.multiple_results else (result,)
    for out, picked in zip(eqn.outputs, results):
        picked = np.asarray(picked).ravel()
        values = [Lit(0, out.aval.dtype) if k == 0 else elements[k - 1] for k in picked]
        body.define(out, values)


def _elementwise(body, eqn, operands):
    out = eqn.outputs[0]
    shape = tuple(out.aval.shape)
    picks = []
    for atom in operands:
        atom = body.resolve(atom)
        if isinstance(atom, Lit) or atom.aval.shape == ():
            picks.append([atom] * math.prod(shape))
            continue
        items = body.elements_of(atom)
        index = np.broadcast_to(np.arange(len(items)).reshape(atom.aval.shape), shape).ravel()
        picks.append([items[k] for k in index])
    values = []
    for args in zip(*picks):
        var = Var(ShapedArray((), out.aval.dtype))
        body.emit(eqn.primitive, args, eqn.params, [var])
        values.append(var)
    body.define(out, values)


def _reduced(body, eqn, operands):
    (atom,), out = operands, eqn.outputs[0]
    items = body.elements_of(atom)
    axes = tuple(eqn.params["axes"])
    shape = tuple(atom.aval.shape)
    kept = [k for k in range(len(shape)) if k not in axes]
    order = np.arange(len(items)).reshape(shape).transpose(kept + list(axes))
    groups = order.reshape(math.prod([shape[k] for k in kept]), -1)
    combine = _BY_NAME[REDUCTIONS[eqn.primitive.name]]
    values = []
    for group in groups:
        total = items[group[0]]
        for k in group[1:]:
            var = Var(ShapedArray((), out.aval.dtype))
            body.emit(combine, [total, items[k]], {}, [var])
            total = var
        values.append(total)
    body.define(out, values)


def _rule(eqn):
    name = eqn.primitive.name
    if name in MOVES:
        return _moved
    if name in REDUCTIONS and eqn.inputs[0].aval.shape:
        return _reduced
    if eqn.primitive.family == "elementwise" and not eqn.primitive.multiple_results:
        return _elementwise
    return None


def _scalarizable(eqn, body):
    rule = _rule(eqn)
    if rule is None:
        return None
    for atom in eqn.inputs:
        if isinstance(atom, Var) and atom.aval.shape != () and not _small(atom.aval):
            return None
    if not all(v.aval.shape == () or _small(v.aval) for v in eqn.outputs):
        return None
    if not any(isinstance(a, Var) and (body.resolve(a) is not a or a.id in body.elements)
               for a in eqn.inputs) and \
            eqn.primitive.name not in ("stack", "unstack", "slice", "pad", "concatenate"):
        return None   # nothing here is in registers yet: leave whole-array work alone
    return rule


def _rewrite_body(body_program, n_consts, n_carry, split, outer_where):
    """The body with the carries numbered in ``split`` as 0-d values, in and out."""
    inputs = list(body_program.inputs)
    body = _Body()
    body.where = outer_where
    new_inputs = inputs[:1 + n_consts]
    for k, var in enumerate(inputs[1 + n_consts:1 + n_consts + n_carry]):
        if k in split:
            elements = [Var(ShapedArray((), var.aval.dtype))
                        for _ in range(math.prod(var.aval.shape))]
            body.elements[var.id] = elements
            new_inputs += elements
        else:
            new_inputs.append(var)
    new_inputs += inputs[1 + n_consts + n_carry:]
    _write(body, body_program.eqns)
    outputs = []
    for k, atom in enumerate(body_program.outputs):
        if k < n_carry and k in split:
            outputs += body.elements_of(atom)
        else:
            outputs.append(body.array_of(atom))
    return Program(tuple(new_inputs), (), (), tuple(body.eqns), tuple(outputs))


def _write(body, eqns, in_loop=True):
    """``eqns`` into ``body``: loops rewritten; inside a loop body, the equations on small
    arrays per element too (outside loops they run once: left as they are)."""
    for eqn in eqns:
        body.where = eqn.where
        if eqn.primitive is lp.scan_p:
            _scan(body, eqn)
            continue
        rule = _scalarizable(eqn, body) if in_loop else None
        if rule is None:
            body.copy(eqn)
        else:
            rule(body, eqn, list(eqn.inputs))


def _scan(outer, eqn):
    """Write the scan ``eqn`` into ``outer`` with its small carries as 0-d values."""
    p = eqn.params
    n_consts, n_carry = p["n_consts"], p["n_carry"]
    carry_in = p["body"].inputs[1 + n_consts:1 + n_consts + n_carry]
    split = {k for k, var in enumerate(carry_in) if _small(var.aval)}
    if not split and not any(_has_small_carry(e) for e in p["body"].eqns):
        outer.copy(eqn)
        return
    new_body = _rewrite_body(p["body"], n_consts, n_carry, split, eqn.where)
    operands = [outer.array_of(a) for a in eqn.inputs[:n_consts]]
    for k, atom in enumerate(eqn.inputs[n_consts:n_consts + n_carry]):
        operands += outer.elements_of(atom) if k in split else [outer.array_of(atom)]
    operands += [outer.array_of(a) for a in eqn.inputs[n_consts + n_carry:]]
    outs, finals = [], []
    for k, var in enumerate(eqn.outputs[:n_carry]):
        if k in split:
            elements = [Var(ShapedArray((), var.aval.dtype))
                        for _ in range(math.prod(var.aval.shape))]
            outs += elements
            finals.append((var, elements))
        else:
            outs.append(var)
    outs += list(eqn.outputs[n_carry:])
    n_scalars = sum(math.prod(carry_in[k].aval.shape) for k in split)
    params = dict(p, body=new_body, n_carry=n_carry - len(split) + n_scalars)
    outer.emit(eqn.primitive, operands, params, outs)
    for var, elements in finals:
        outer.define(var, elements)


def _has_small_carry(eqn):
    if eqn.primitive is not lp.scan_p:
        return False
    p = eqn.params
    carry = p["body"].inputs[1 + p["n_consts"]:1 + p["n_consts"] + p["n_carry"]]
    return any(_small(v.aval) for v in carry) or any(_has_small_carry(e)
                                                     for e in p["body"].eqns)


def scalarize(program):
    """``program`` with the small carries of its loops (and what their bodies compute from
    them) as 0-d values; the same program when it has no such loop."""
    if not any(_has_small_carry(e) for e in program.eqns):
        return program
    outer = _Body()
    _write(outer, program.eqns, in_loop=False)
    outputs = tuple(outer.array_of(a) for a in program.outputs)
    return Program(program.inputs, program.constvars, program.constvalues, tuple(outer.eqns),
                   outputs)
