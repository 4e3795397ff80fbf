"""One repeated run of equations, rolled into a ``scan`` (see reroll.py for the search).

A run is n consecutive blocks of P equations that record the same primitives, parameters,
shapes and dtypes.  Each operand slot (equation j of the block, operand q) must follow one
pattern in every block:

    internal  defined earlier in the same block (same position)
    carry     defined in the previous block (same position); in the first block, any value
              defined before the run, or a literal (the initial carry: ``loss = 0.0``)
    constant  one value defined before the run, read by every block
    x         a different value in each block, all of one shape and dtype (stacked into xs)
    lits      a literal whose value changes from block to block (``t * dt``), operand of an
              add, sub, mul, div, max or min: a constant array of the values is an xs

and a ``slice`` of one array defined before the run whose start moves along one axis
(``xs[t]``, ``xs[order[t]]``) is an x too: the slices of all blocks are computed at once, before
the loop (reroll_slices.py).  The run becomes one scan equation whose body is the last block;
values of the run read after it come from the final carry or from the stacked ys.  When a slot
breaks the pattern, ``Refusal`` says which equation, where, and how.
"""
from __future__ import annotations

import numpy as np

from ..ir.program import Eqn, Lit, Program, ShapedArray, Var, freeze_params
from ..primitives.loops import INDEX_DTYPE, scan_p
from ..primitives.shape import broadcast_p, gather_p, slice_p, stack_p, unstack_p
from .reroll_emit import definitions, emit, frozen_params
from .reroll_explain import short_where
from .reroll_slices import NotAffine, moving_slice, stacked_slices


class Refusal(Exception):
    """A run that cannot be rolled: ``reason`` in words, ``block`` the iteration (0-based,
    within the run) that broke the pattern when one did."""

    def __init__(self, reason, block=None, quiet=False):
        super().__init__(reason)
        self.reason = reason
        self.block = block
        self.quiet = quiet   # not a loop worth naming to the user


def _describe(eqn, q=None):
    what = f"operand {q + 1} of {eqn.primitive.name}" if q is not None else eqn.primitive.name
    line, _, code = short_where(eqn.where).partition(": ")
    return f"{what} at {line}" + (f" ({code})" if code else "")


def _kinds_text(kind):
    return {"lit": "a literal", "internal": "a value of the same iteration",
            "carry": "the previous iteration's value", "outside": "a value from before the loop",
            None: "a value from two or more iterations back"}[kind]


def roll(program: Program, start: int, period: int, count: int):
    """``program`` with eqns[start:start + period * count] as one scan, and a description of
    what the loop stacks; raises Refusal."""
    eqns = program.eqns
    stop = start + period * count
    where = definitions(program)   # var id -> (eqn index, output index)

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

    def block(j, k):
        return eqns[start + k * period + j]

    if all(block(j, 0).primitive.family == "shape" for j in range(period)):
        # only moves data (the slices of ``[th[k] for k in ...]``): as a loop it would copy
        raise Refusal("its iterations only move data (slices, reshapes), no computation",
                      quiet=True)
    slots = {}   # (eqn position, input position) -> kind and details
    moving = {}  # eqn position -> (source, starts_0, delta, axis): a slice that moves
    for j in range(period):
        frozen = frozen_params(block(j, 0))
        if any(frozen_params(block(j, k)) != frozen for k in range(1, count)):
            sources = [block(j, k).inputs[0] for k in range(count)]
            kinds = [classify(a, k) for k, a in enumerate(sources)]
            moving[j] = _moving(block, j, count, kinds)
            if moving[j][0] is None:   # slices a value of the loop: a gather in the body
                slots[j, 0] = _slot(kinds, sources, block(j, 0), 0)
            continue
        for q in range(len(block(j, 0).inputs)):
            atoms = [block(j, k).inputs[q] for k in range(count)]
            slots[j, q] = _slot([classify(a, k) for k, a in enumerate(atoms)], atoms,
                                block(j, 0), q)

    # carries: one per value of a block that the next block reads, with one initial value
    carries = {}
    for (j, q), slot in slots.items():
        if slot[0] == "carry":
            if not _same_atom(carries.setdefault(slot[1], slot[2]), slot[2]):
                raise Refusal(f"{_describe(block(j, 0), q)}: one value of an iteration is "
                              "read by the next through two different starting values", 0)
    # values of the run read after it
    used_after = {a.id for e in eqns[stop:] for a in e.inputs if not isinstance(a, Lit)}
    used_after |= {a.id for a in program.outputs if not isinstance(a, Lit)}
    escaping = {}   # var id -> (iteration, position in the block)
    for k in range(count):
        for j in range(period):
            for o, v in enumerate(block(j, k).outputs):
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
    lit_in = {}  # (eqn position, operand) -> (body input, the literal of every iteration)
    moved_in = {}   # eqn position -> body input (the template's own output variable)
    gathered = {}   # eqn position -> body input (the positions the slice reads this step)
    body_eqns = []
    for j, eqn in enumerate(template):
        if j in moving and moving[j][0] is not None:
            moved_in[j] = eqn.outputs[0]
            continue
        if j in moving:
            gathered[j] = _gather_in_body(body_eqns, eqn, _body_operand(
                slots[j, 0], template, carry_in), moving[j][2])
            continue
        ins = []
        for q, atom in enumerate(eqn.inputs):
            slot = slots[j, q]
            if slot[0] == "lit":
                ins.append(atom)
            elif slot[0] == "internal":
                ins.append(template[slot[1][0]].outputs[slot[1][1]])
            elif slot[0] == "carry":
                ins.append(carry_in[slot[1]])
            elif slot[0] == "lits":
                lit_in[j, q] = (Var(atom.aval), slot[1])
                value = lit_in[j, q][0]
                shape = eqn.outputs[0].aval.shape
                if shape != ():   # a literal broadcasts by itself, a 0-d array is told to
                    value = Var(ShapedArray(shape, atom.aval.dtype))
                    body_eqns.append(Eqn(broadcast_p, (lit_in[j, q][0],), {"shape": shape},
                                         (value,), eqn.where))
                ins.append(value)
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
    x_vars = [inner for inner, _ in x_in.values()] + [inner for inner, _ in lit_in.values()]
    x_vars += list(moved_in.values()) + list(gathered.values())
    consts = [outer for outer, _ in const_vars.values()]
    body = Program((index, *[inner for _, inner in const_vars.values()],
                    *[carry_in[rel] for rel in carry_rels], *x_vars), (), (), tuple(body_eqns),
                   tuple(template[rel[0]].outputs[rel[1]] for rel in carry_rels + ys_rels))

    where_note = eqns[start].where
    new = list(eqns[:start])
    added = []   # constants of the program the roll adds: (Var, value)

    def constant(value):
        value = np.array(value)
        value.flags.writeable = False
        var = Var(ShapedArray(value.shape, value.dtype))
        added.append((var, value))
        return var

    xs = [emit(new, stack_p, atoms, {}, where_note)[0] for _, atoms in x_in.values()]
    xs += [constant([a.value for a in lits]) for _, lits in lit_in.values()]
    for j in moved_in:
        source, starts, axis, delta = moving[j]
        xs.append(stacked_slices(new, source, block(j, 0).params, starts, axis, delta, count,
                                 where_note, constant))
    for j in gathered:
        _, starts, axis, _ = moving[j]
        step, size = block(j, 0).params["steps"][axis], block(j, 0).params["sizes"][axis]
        xs.append(constant(np.array([[s[axis] + i * step for i in range(size)] for s in starts],
                                    dtype=INDEX_DTYPE)))
    final = [Var(template[rel[0]].outputs[rel[1]].aval) for rel in carry_rels]
    ys = [Var(ShapedArray((count,) + template[rel[0]].outputs[rel[1]].aval.shape,
                          template[rel[0]].outputs[rel[1]].aval.dtype)) for rel in ys_rels]
    params = {"body": body, "length": count, "reverse": False, "start": 0,
              "n_consts": len(consts), "n_carry": len(carry_rels)}
    inits = [_initial(carries[rel], carry_in[rel].aval, constant) for rel in carry_rels]
    scan = Eqn(scan_p, (*consts, *inits, *xs), params,
               (*final, *ys), where_note)
    new.append(scan)
    subst = {}
    rows = {}   # ys index -> its rows (one unstack for all the rows read after the run)
    for var_id, (k, rel) in escaping.items():
        if k == count - 1 and rel in carries:
            subst[var_id] = final[carry_rels.index(rel)]
        else:
            y = ys_rels.index(rel)
            if y not in rows:
                rows[y] = emit(new, unstack_p, [ys[y]], {}, where_note)
            subst[var_id] = rows[y][k]

    def sub(atom):
        return atom if isinstance(atom, Lit) else subst.get(atom.id, atom)

    for eqn in eqns[stop:]:
        ins = tuple(map(sub, eqn.inputs))
        if any(a is not b for a, b in zip(ins, eqn.inputs)):
            eqn = Eqn(eqn.primitive, ins, eqn.params, eqn.outputs, eqn.where)
        new.append(eqn)
    rolled = Program(program.inputs, program.constvars + tuple(v for v, _ in added),
                     program.constvalues + tuple(value for _, value in added), tuple(new),
                     tuple(map(sub, program.outputs)))
    stacked = {"per-iteration values": len(x_in) + len(lit_in),
               "moving slices": len(moved_in) + len(gathered)}
    return rolled, scan, stacked


# primitives whose literal operand may change from one iteration to the next (``t * dt``,
# ``gamma ** t * loss``): it becomes a per-iteration value.  A literal exponent stays a literal
# (the kernels and derivative rules specialise on it).
VARYING_LITERALS = frozenset({"add", "sub", "mul", "div", "max", "min"})


def _slot(kinds, atoms, eqn, q):
    """The pattern one operand slot follows in every block; raises Refusal."""
    if any(kind is None for kind in kinds):
        k = next(k for k, kind in enumerate(kinds) if kind is None)
        raise Refusal(f"{_describe(eqn, q)} reads a value from two or more iterations back "
                      "(only the previous iteration's values can be carried)", k)
    first, rest = kinds[0], kinds[1:]
    if all(kd == first for kd in rest) and first[0] in ("lit", "internal"):
        return first
    if all(kd[0] == "lit" for kd in kinds):
        if eqn.primitive.name in VARYING_LITERALS:
            return ("lits", atoms)
        shown = ", ".join(str(a.value) for a in atoms[:4])
        raise Refusal(f"{_describe(eqn, q)} is a number that changes between iterations "
                      f"({shown}, ...)")
    if first[0] in ("outside", "lit") and all(kd == rest[0] for kd in rest) and \
            rest[0][0] == "carry":
        # a literal first: a carry that starts as a Python number (``loss = 0.0``)
        return ("carry", rest[0][1], atoms[0])
    if all(kd[0] == "outside" for kd in kinds):
        atoms = [kd[1] for kd in kinds]
        if all(a is atoms[0] for a in atoms):
            return ("const", atoms[0])
        return ("x", atoms)
    k = _odd_one([kd if kd is None else kd[0] for kd in kinds])
    usual = kinds[1] if k == 0 else kinds[0]
    raise Refusal(f"{_describe(eqn, q)} reads {_kinds_text(kinds[k] and kinds[k][0])} in "
                  f"iteration {k + 1} but {_kinds_text(usual and usual[0])} in iteration "
                  f"{2 if k == 0 else 1}", k)


def _same_atom(a, b):
    if isinstance(a, Lit) or isinstance(b, Lit):
        return isinstance(a, Lit) and isinstance(b, Lit) and a.key() == b.key()
    return a is b


def _initial(atom, aval, constant):
    """The initial carry as an operand of the scan: a literal becomes a constant of the
    program, of the carry's shape and dtype."""
    if not isinstance(atom, Lit):
        return atom
    return constant(np.full(aval.shape, atom.value, dtype=aval.dtype))


def _odd_one(kinds):
    """The iteration whose kind differs: the first or the last when only it differs (a loop
    whose first or last iteration differs from the rest), else the first that differs from
    the first iteration."""
    if kinds[0] != kinds[1] and all(kd == kinds[1] for kd in kinds[2:]):
        return 0
    return next(k for k in range(1, len(kinds)) if kinds[k] != kinds[0])


def _moving(block, j, count, source_kinds):
    """(source, starts_0, delta, axis) of the slice at position j, whose start moves with the
    iteration; raises Refusal if it is anything else."""
    eqn = block(j, 0)
    if eqn.primitive is not slice_p:
        changed = sorted(k for k in eqn.params if any(
            freeze_params(block(j, i).params[k]) != freeze_params(eqn.params[k])
            for i in range(1, count)))
        raise Refusal(f"{_describe(eqn)}: its parameters {changed} change between iterations")
    try:
        starts, axis, delta = moving_slice([block(j, k).params for k in range(count)])
    except NotAffine as e:
        raise Refusal(f"{_describe(eqn)}: {e}") from None
    if any(kd is None or kd[0] != "outside" for kd in source_kinds):
        # a value of the loop itself (``state[t]``): gathered in the body at positions that
        # are an xs of the scan
        return None, starts, axis, delta
    sources = [kd[1] for kd in source_kinds]
    if any(s is not sources[0] for s in sources):
        raise Refusal(f"{_describe(eqn)} slices a different array in each iteration at a "
                      "position that moves with the step")
    return sources[0], starts, axis, delta


def _body_operand(slot, template, carry_in):
    if slot[0] == "internal":
        return template[slot[1][0]].outputs[slot[1][1]]
    if slot[0] == "carry":
        return carry_in[slot[1]]
    raise Refusal(f"a slice at a moving position reads {slot[0]}")


def _gather_in_body(body_eqns, eqn, source, axis):
    """Append to the body the slice ``eqn`` of a value of the loop, its start moving along
    ``axis``: the other axes sliced as they are, then a gather of the step's positions (a new
    input of the body, returned)."""
    p = eqn.params
    starts, steps, sizes = list(p["starts"]), list(p["steps"]), list(p["sizes"])
    n = source.aval.shape[axis]
    starts[axis], steps[axis], sizes[axis] = 0, 1, n
    x = source
    if tuple(sizes) != tuple(source.aval.shape) or any(starts) or any(s != 1 for s in steps):
        x = Var(ShapedArray(tuple(sizes), source.aval.dtype))
        body_eqns.append(Eqn(slice_p, (source,), {"starts": tuple(starts),
                                                  "steps": tuple(steps),
                                                  "sizes": tuple(sizes)}, (x,), eqn.where))
    positions = Var(ShapedArray((p["sizes"][axis],), INDEX_DTYPE))
    body_eqns.append(Eqn(gather_p, (x, positions), {"axis": axis}, eqn.outputs, eqn.where))
    return positions
