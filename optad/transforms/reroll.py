"""reroll: a plain Python loop, traced, becomes a ``scan`` again.

Tracing unrolls ``for W in Ws: h = np.tanh(W @ h)`` into the same few equations once per
iteration.  This pass finds a run of n consecutive blocks of P equations that record the same
primitives, parameters, shapes and dtypes, and whose operands follow one pattern in every block:

    internal  defined earlier in the same block (same position)
    carry     defined in the previous block (same position); in the first block, any value
              defined before the run (the initial carry)
    constant  one value defined before the run, read by every block
    x         a different value in each block, all of one shape and dtype (stacked into xs)

The run is replaced by one scan equation whose body is one block; values of the run read after
it come from the final carry or from the stacked ys.  Results equal the unrolled program's to
rounding; trace-and-compile cost then follows the body, not the trip count.
Set ``OPTAD_REROLL=0`` to keep traced loops unrolled.
"""
from __future__ import annotations

import os
import weakref

import numpy as np

from ..ir.program import Eqn, Lit, Program, ShapedArray, Var, freeze_params
from ..primitives.loops import INDEX_DTYPE, scan_p
from ..primitives.shape import stack_p, unstack_p

MIN_ITERATIONS = 3
MIN_EQUATIONS = 12
MAX_PERIOD = 400

# the stacks and unstacks a roll writes for xs and ys: never rolled themselves (a run of them,
# rolled, would write another)
_STACKING = weakref.WeakSet()


def enabled() -> bool:
    return os.environ.get("OPTAD_REROLL", "1") not in ("0", "false", "no", "off")


def _signature(eqn):
    return (eqn.primitive.name, freeze_params(eqn.params),
            tuple((a.aval.shape, a.aval.dtype.str, a.key() if isinstance(a, Lit) else None)
                  for a in eqn.inputs),
            tuple((v.aval.shape, v.aval.dtype.str) for v in eqn.outputs))


def reroll(program: Program) -> Program:
    """``program`` with its repeated runs of equations turned into scans (outermost first)."""
    if not enabled():
        return program
    tried = set()
    while True:
        candidate = _best_run(program, tried)
        if candidate is None:
            return program
        rolled = _roll(program, *candidate)
        if rolled is None:
            tried.add(candidate)
        else:
            program = rolled


def _best_run(program, tried):
    """(start, period, count) of the longest repeated run not yet tried, or None."""
    eqns = program.eqns
    n = len(eqns)
    if n < MIN_EQUATIONS:
        return None
    codes = {}
    sig = np.array([-1 - i if e in _STACKING else codes.setdefault(_signature(e), len(codes))
                    for i, e in enumerate(eqns)], dtype=np.int64)
    best = None
    for period in range(1, min(MAX_PERIOD, n // MIN_ITERATIONS) + 1):
        same = sig[:-period] == sig[period:]
        # runs of True in ``same``: [i, j) with same[i:j] all True covers eqns [i, j + period)
        padded = np.concatenate(([False], same, [False]))
        edges = np.flatnonzero(padded[1:] != padded[:-1])
        for begin, end in zip(edges[::2], edges[1::2]):
            count = (end - begin + period) // period
            covered = count * period
            if count < MIN_ITERATIONS or covered < MIN_EQUATIONS:
                continue
            key = (int(begin), period, int(count))
            if key in tried:
                continue
            if best is None or covered > best[1] * best[2]:
                best = key
    return best


def _roll(program, start, period, count):
    eqns = program.eqns
    stop = start + period * count
    where = {}   # var id -> (eqn index, output index)
    for g, eqn in enumerate(eqns):
        for o, v in enumerate(eqn.outputs):
            where[v.id] = (g, o)

    def classify(atom, k):
        if isinstance(atom, Lit):
            return ("lit", atom.key())
        g = where.get(atom.id, (-1, 0))[0]
        if g >= start + k * period:
            return ("internal", (g - start - k * period, where[atom.id][1]))
        if k > 0 and g >= start + (k - 1) * period:
            return ("carry", (g - start - (k - 1) * period, where[atom.id][1]))
        if g >= start:
            return None   # reads a block before the previous one
        return ("outside", atom)

    slots = {}   # (eqn position, input position) -> kind and details
    for j in range(period):
        for q in range(len(eqns[start + j].inputs)):
            kinds = [classify(eqns[start + k * period + j].inputs[q], k) for k in range(count)]
            if any(kind is None for kind in kinds):
                return None
            first, rest = kinds[0], kinds[1:]
            if all(kd == first for kd in rest) and first[0] in ("lit", "internal"):
                slots[j, q] = first
            elif first[0] == "outside" and all(kd == rest[0] for kd in rest) and \
                    rest[0][0] == "carry":
                slots[j, q] = ("carry", rest[0][1], first[1])
            elif all(kd[0] == "outside" for kd in kinds):
                atoms = [kd[1] for kd in kinds]
                if all(a is atoms[0] for a in atoms):
                    slots[j, q] = ("const", atoms[0])
                else:
                    slots[j, q] = ("x", atoms)
            else:
                return None

    # carries: one per value of a block that the next block reads, with one initial value
    carries = {}
    for slot in slots.values():
        if slot[0] == "carry":
            if carries.setdefault(slot[1], slot[2]) is not slot[2]:
                return None
    # values of the run read after it
    used_after = {a.id for e in eqns[stop:] for a in e.inputs if not isinstance(a, Lit)}
    used_after |= {a.id for a in program.outputs if not isinstance(a, Lit)}
    escaping = {}   # var id -> (iteration, position in the block)
    for k in range(count):
        for j in range(period):
            for o, v in enumerate(eqns[start + k * period + j].outputs):
                if v.id in used_after:
                    escaping[v.id] = (k, (j, o))
    ys_rels = sorted({rel for k, rel in escaping.values()
                      if not (k == count - 1 and rel in carries)})

    # the body: one block, template = the last block (its variables leave the outer program)
    template = eqns[stop - period:stop]
    const_vars = {}
    index = Var(ShapedArray((), INDEX_DTYPE))
    carry_rels = sorted(carries)
    carry_in = {rel: Var(template[rel[0]].outputs[rel[1]].aval) for rel in carry_rels}
    x_in = {}   # the ids of one slot's per-iteration values -> (body input, the values)
    body_eqns = []
    for j, eqn in enumerate(template):
        ins = []
        for q, atom in enumerate(eqn.inputs):
            slot = slots[j, q]
            if slot[0] == "lit":
                ins.append(atom)
            elif slot[0] == "internal":
                ins.append(template[slot[1][0]].outputs[slot[1][1]])
            elif slot[0] == "carry":
                ins.append(carry_in[slot[1]])
            elif slot[0] == "const":
                if slot[1].id not in const_vars:
                    const_vars[slot[1].id] = (slot[1], Var(slot[1].aval))
                ins.append(const_vars[slot[1].id][1])
            else:
                key = tuple(a.id for a in slot[1])   # slots reading the same values: one xs
                if key not in x_in:
                    x_in[key] = (Var(slot[1][0].aval), slot[1])
                ins.append(x_in[key][0])
        body_eqns.append(Eqn(eqn.primitive, tuple(ins), eqn.params, eqn.outputs, eqn.where))
    x_vars = [inner for inner, _ in x_in.values()]
    x_lists = [atoms for _, atoms in x_in.values()]
    consts = [outer for outer, _ in const_vars.values()]
    body = Program((index, *[inner for _, inner in const_vars.values()],
                    *[carry_in[rel] for rel in carry_rels], *x_vars), (), (), tuple(body_eqns),
                   tuple(template[rel[0]].outputs[rel[1]] for rel in carry_rels + ys_rels))

    where_note = eqns[start].where
    new = list(eqns[:start])
    xs = [_emit(new, stack_p, atoms, {}, where_note)[0] for atoms in x_lists]
    final = [Var(template[rel[0]].outputs[rel[1]].aval) for rel in carry_rels]
    ys = [Var(ShapedArray((count,) + template[rel[0]].outputs[rel[1]].aval.shape,
                          template[rel[0]].outputs[rel[1]].aval.dtype)) for rel in ys_rels]
    params = {"body": body, "length": count, "reverse": False, "start": 0,
              "n_consts": len(consts), "n_carry": len(carry_rels)}
    new.append(Eqn(scan_p, (*consts, *[carries[rel] for rel in carry_rels], *xs), params,
                   (*final, *ys), where_note))
    subst = {}
    rows = {}   # ys index -> its rows (one unstack for all the rows read after the run)
    for var_id, (k, rel) in escaping.items():
        if k == count - 1 and rel in carries:
            subst[var_id] = final[carry_rels.index(rel)]
        else:
            y = ys_rels.index(rel)
            if y not in rows:
                rows[y] = _emit(new, unstack_p, [ys[y]], {}, where_note)
            subst[var_id] = rows[y][k]

    def sub(atom):
        return atom if isinstance(atom, Lit) else subst.get(atom.id, atom)

    for eqn in eqns[stop:]:
        new.append(Eqn(eqn.primitive, tuple(map(sub, eqn.inputs)), eqn.params, eqn.outputs,
                       eqn.where))
    return Program(program.inputs, program.constvars, program.constvalues, tuple(new),
                   tuple(map(sub, program.outputs)))


def _emit(new, primitive, inputs, params, where):
    """Append one equation of ``primitive`` to ``new``; returns its outputs."""
    avals = primitive.abstract_eval(*[a.aval for a in inputs],
                                    lits=[isinstance(a, Lit) for a in inputs], **params)
    outs = tuple(Var(a) for a in avals)
    eqn = Eqn(primitive, tuple(inputs), params, outs, where)
    _STACKING.add(eqn)
    new.append(eqn)
    return outs
