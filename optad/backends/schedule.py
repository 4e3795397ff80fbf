"""The schedule shared by the compiled backends: which equations of a segment share one loop
nest (a *fusion group*).  An IR-level pass: it reads equations and returns them grouped, after
the rewrites of ``schedule_rewrites.py`` (pad sums, small matrix products); backends then write
each group as they can (the Numba backend as one loop nest, the CUDA backend as launches).

Every axis of every array in a loop group carries a *label* (a loop variable).  Elementwise
operations give their output the labels of their operands, a broadcast gives the axes it
creates fresh labels, a reduction's output keeps the labels of the axes it does not sum, and
in-register reshapes (adding or dropping axes of length 1) and transposes just move labels
around.  Labels of operands that must agree are merged (union-find).  A group is a run of
consecutive equations whose labels stay consistent (no array indexed twice by one loop
variable); the loop nest iterates over the group's labels, outermost first in the order of the
axes of its largest array (C order, so the innermost loop walks contiguous memory).

Matrix products, solves, gathers and friends are group boundaries.  A reshape or transpose of a
stored array is a view, so it is also a boundary, costing nothing.
"""
from __future__ import annotations

from ..ir.program import Lit, Var
from ..primitives import reductions as red
from ..primitives import shape as sh
from .scalar_templates import BASE
from .schedule_rewrites import expand_small_matmuls, merge_pad_sums

ELEMENTWISE = frozenset(BASE)   # the primitives every backend's scalar table renders
REDUCTIONS = frozenset((red.sum_p, red.max_p, red.min_p))
SHAPE_OPS = (sh.reshape_p, sh.transpose_p, sh.broadcast_p)

UNIT = -1  # the label of an axis of length 1 (index 0, no loop)


class LoopGroup:
    """Labels for a run of fusible equations."""

    def __init__(self, views=frozenset()):
        self.views = views        # var ids that stay array views (read by whole-array ops)
        self.eqns: list = []
        self.parent: dict = {}
        self.size: dict = {}
        self.labels: dict = {}    # var id -> tuple of labels, for variables defined in the group
        self.access: list = []    # per equation: per input, labels of an external array read
        self.domain: list = []    # per equation: labels of the loops it runs in

    # ---------------------------------------------------------------- union-find
    def find(self, label):
        if label == UNIT:
            return UNIT
        while self.parent[label] != label:
            self.parent[label] = self.parent[self.parent[label]]
            label = self.parent[label]
        return label

    def _union(self, a, b):
        a, b = self.find(a), self.find(b)
        if a != b:
            if UNIT in (a, b) or self.size[a] != self.size[b]:
                raise AssertionError("merging labels of different extents")
            self.parent[b] = a

    def _fresh(self, shape):
        labels = []
        for n in shape:
            if n == 1:
                labels.append(UNIT)
            else:
                label = len(self.parent)
                self.parent[label] = label
                self.size[label] = int(n)
                labels.append(label)
        return tuple(labels)

    def defines(self, atom) -> bool:
        return isinstance(atom, Var) and atom.id in self.labels

    # ---------------------------------------------------------------- adding equations
    def try_add(self, eqn) -> bool:
        saved = (dict(self.parent), dict(self.size), dict(self.labels))
        if self._add(eqn) and self._consistent():
            self.eqns.append(eqn)
            return True
        self.parent, self.size, self.labels = saved
        del self.access[len(self.eqns):]
        del self.domain[len(self.eqns):]
        return False

    def _add(self, eqn) -> bool:
        p = eqn.primitive
        ins = eqn.inputs
        out = eqn.outputs[0] if len(eqn.outputs) == 1 else None
        internal = self.defines
        if p in ELEMENTWISE:
            ref = next((a for a in ins if internal(a) and a.shape), None)
            out_labels = self.labels[ref.id] if ref is not None else self._fresh(out.shape)
            for a in ins:
                if internal(a) and a.shape:
                    for x, y in zip(self.labels[a.id], out_labels):
                        self._union(x, y)
            access = [None if isinstance(a, Lit) or internal(a) else
                      (out_labels if a.shape else ()) for a in ins]
            domain = out_labels
        elif p is sh.broadcast_p and not (isinstance(ins[0], Lit) and out.id in self.views):
            x, shape = ins[0], eqn.params["shape"]
            lead = len(shape) - len(x.shape)
            fresh = self._fresh(shape)
            if internal(x):
                xl = self.labels[x.id]
                out_labels = tuple(xl[i - lead] if i >= lead and x.shape[i - lead] == n
                                   else fresh[i] for i, n in enumerate(shape))
                access = [None]
            else:
                out_labels = fresh
                access = [None if isinstance(x, Lit) else
                          tuple(fresh[lead + i] if n == shape[lead + i] else UNIT
                                for i, n in enumerate(x.shape))]
            domain = out_labels
        elif p is sh.reshape_p and internal(ins[0]):
            x, shape = ins[0], eqn.params["shape"]
            if [n for n in x.shape if n != 1] != [n for n in shape if n != 1]:
                return False
            kept = iter([lab for lab, n in zip(self.labels[x.id], x.shape) if n != 1])
            out_labels = tuple(next(kept) if n != 1 else UNIT for n in shape)
            access, domain = [None], out_labels
        elif p is sh.transpose_p and internal(ins[0]):
            xl = self.labels[ins[0].id]
            out_labels = tuple(xl[i] for i in eqn.params["perm"])
            access, domain = [None], out_labels
        elif p in (sh.reshape_p, sh.transpose_p) and out.id not in self.views:
            # a view of a stored array, read in place by the loop nest
            x = ins[0]
            out_labels = self._fresh(out.shape)
            if p is sh.transpose_p:
                x_labels = [None] * len(out_labels)
                for i, axis in enumerate(eqn.params["perm"]):
                    x_labels[axis] = out_labels[i]
            else:
                if [n for n in x.shape if n != 1] != [n for n in out.shape if n != 1]:
                    return False
                kept = iter([lab for lab in out_labels if lab != UNIT])
                x_labels = [next(kept) if n != 1 else UNIT for n in x.shape]
            access, domain = [tuple(x_labels)], out_labels
        elif p in REDUCTIONS:
            x, axes = ins[0], eqn.params["axes"]
            if internal(x):
                in_labels, access = self.labels[x.id], [None]
            else:
                in_labels = self._fresh(x.shape)
                access = [in_labels]
            out_labels = tuple(lab for i, lab in enumerate(in_labels) if i not in axes)
            domain = in_labels
        else:
            return False
        self.labels[out.id] = out_labels
        self.access.append(access)
        self.domain.append(domain)
        return True

    def _consistent(self) -> bool:
        tuples = list(self.labels.values()) + [t for acc in self.access for t in acc if t]
        for labels in tuples:
            roots = [self.find(lab) for lab in labels if lab != UNIT]
            if len(set(roots)) != len(roots):
                return False
        return True

    # ---------------------------------------------------------------- loop order
    def loop_order(self) -> list:
        """Labels outermost first: the axes of the highest-rank array, in C order, first."""
        tuples = [self.labels[e.outputs[0].id] for e in self.eqns] + list(self.domain)
        tuples.sort(key=lambda t: -sum(lab != UNIT for lab in t))
        order = []
        for labels in tuples:
            for lab in labels:
                root = self.find(lab)
                if root != UNIT and root not in order:
                    order.append(root)
        return order


def is_fusible(eqn) -> bool:
    """Whether ``eqn`` can join a loop nest (elementwise, reductions, broadcasts, and reshapes
    and transposes, which move labels around)."""
    p = eqn.primitive
    return p in ELEMENTWISE or p in REDUCTIONS or p in SHAPE_OPS


def computes_elements(eqn) -> bool:
    """A fusible equation computing new elements (not a reshape or transpose: a view)."""
    return is_fusible(eqn) and eqn.primitive not in (sh.reshape_p, sh.transpose_p)


def connected_parts(group: LoopGroup) -> list:
    """The group's equations split into parts that share no loop variable (independent nests),
    in an order respecting their data dependencies; [group.eqns] when they cannot be split."""
    n = len(group.eqns)
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_label = {}
    producer = {}
    for i, eqn in enumerate(group.eqns):
        labels = set(group.domain[i]) | set(group.labels[eqn.outputs[0].id])
        roots = {group.find(lab) for lab in labels if lab != UNIT}
        for root in roots:
            if root in by_label:
                parent[find(i)] = find(by_label[root])
            else:
                by_label[root] = i
        for a in eqn.inputs:
            if isinstance(a, Var) and a.id in producer and not roots:
                parent[find(i)] = find(producer[a.id])   # scalar work joins its producer
        producer[eqn.outputs[0].id] = i
    parts = {}
    for i in range(n):
        parts.setdefault(find(i), []).append(i)
    if len(parts) == 1:
        return [group.eqns]
    # order parts by their dependencies (a cycle means: keep one group)
    part_of = {i: root for root, members in parts.items() for i in members}
    deps = {root: set() for root in parts}
    for i, eqn in enumerate(group.eqns):
        for a in eqn.inputs:
            if isinstance(a, Var) and a.id in producer and part_of[producer[a.id]] != part_of[i]:
                deps[part_of[i]].add(part_of[producer[a.id]])
    ordered, done = [], set()
    remaining = sorted(parts, key=lambda r: parts[r][0])
    while remaining:
        ready = [r for r in remaining if deps[r] <= done]
        if not ready:
            return [group.eqns]
        ordered.append(ready[0])
        done.add(ready[0])
        remaining.remove(ready[0])
    return [[group.eqns[i] for i in parts[r]] for r in ordered]


def sink_shape_ops(eqns) -> list:
    """Move each reshape, transpose and broadcast just before its first use (they cost nothing
    and this keeps the equations of one loop nest together)."""
    pending = {}
    order = []

    def flush(eqn):
        for a in eqn.inputs:
            if isinstance(a, Var) and a.id in pending:
                flush(pending.pop(a.id))
        order.append(eqn)

    for eqn in eqns:
        if eqn.primitive in SHAPE_OPS:
            pending[eqn.outputs[0].id] = eqn
        else:
            flush(eqn)
    for eqn in list(pending.values()):
        if eqn.outputs[0].id in pending:
            flush(pending.pop(eqn.outputs[0].id))
    return order


def view_vars(eqns, needed_after) -> set:
    """Reshapes/transposes whose result a whole-array operation reads (or the caller): kept as
    array views rather than copied by a loop nest."""
    read_whole = set(needed_after)
    for eqn in eqns:
        if not is_fusible(eqn):
            read_whole.update(a.id for a in eqn.inputs if isinstance(a, Var))
    views = set()
    for eqn in eqns:
        out = eqn.outputs[0]
        if out.id not in read_whole:
            continue
        if eqn.primitive is sh.reshape_p or (eqn.primitive is sh.transpose_p and len(out.shape) == 2):
            views.add(out.id)   # (Numba compiles n-d np.transpose slowly: copy those in a loop)
        elif eqn.primitive is sh.broadcast_p and isinstance(eqn.inputs[0], Lit):
            views.add(out.id)   # a constant fill read as a whole: np.full
    return views


def group_equations(eqns, views=frozenset()) -> list:
    """Split a run of lowerable equations greedily into loop groups and array statements.

    Returns a list of ``LoopGroup`` (fused) and ``Eqn`` (whole-array statement) items."""
    items = []
    group = None
    for eqn in eqns:
        if group is not None and group.try_add(eqn):
            continue
        if group is not None and eqn.primitive in (sh.reshape_p, sh.transpose_p) and \
                eqn.outputs[0].id in views and not group.defines(eqn.inputs[0]):
            items.insert(len(items) - 1, eqn)   # a view of an earlier array: made before the
            continue                            # open nest, which stays open
        candidate = LoopGroup(views)
        if is_fusible(eqn) and candidate.try_add(eqn):
            group = candidate
            items.append(group)
        else:
            group = None
            items.append(eqn)
    split = []
    for item in items:
        parts = connected_parts(item) if isinstance(item, LoopGroup) else [None]
        if len(parts) == 1:
            split.append(item)
            continue
        for eqns_part in parts:
            part = LoopGroup(views)
            for eqn in eqns_part:
                if not part.try_add(eqn):
                    raise AssertionError("a part of a loop group no longer fits one nest")
            split.append(part)
    merged = []
    for item in split:
        previous = merged[-1] if merged else None
        if isinstance(item, LoopGroup) and isinstance(previous, LoopGroup):
            both = share_loops(previous, item, views)
            if both is not None:
                merged[-1] = both
                continue
        merged.append(item)
    return merged


def share_loops(first: LoopGroup, second: LoopGroup, views):
    """One nest for two consecutive loop groups, the second reading nothing the first defines,
    whose loops have the same extents in the same order (their labels identified in loop
    order), or None.  Every loop nest costs Numba's frontend about 20 ms to compile, whatever
    it computes."""
    if any(first.defines(a) for e in second.eqns for a in e.inputs):
        return None
    order_a, order_b = first.loop_order(), second.loop_order()
    if [first.size[a] for a in order_a] != [second.size[b] for b in order_b]:
        return None
    both = LoopGroup(views)
    for eqn in (*first.eqns, *second.eqns):
        if not both.try_add(eqn):
            return None
    # the same equations give the same labels again: find each part's loops in ``both``
    rename_a, rename_b = _labels_map(first, both, 0), _labels_map(second, both, len(first.eqns))
    if rename_a is None or rename_b is None:
        return None
    for a, b in zip(order_a, order_b):
        both._union(rename_a[a], rename_b[b])
    if not both._consistent() or len(both.loop_order()) != len(order_a):
        return None
    return both


def _labels_map(part: LoopGroup, both: LoopGroup, offset: int):
    """Root label of ``part`` -> root label of the same loop in ``both`` (whose equations from
    ``offset`` on are ``part``'s, in order)."""
    mapping = {}
    for i, eqn in enumerate(part.eqns):
        pairs = [(part.domain[i], both.domain[offset + i]),
                 (part.labels[eqn.outputs[0].id], both.labels[eqn.outputs[0].id])]
        for mine, theirs in pairs:
            for x, y in zip(mine, theirs):
                if (x == UNIT) != (y == UNIT):
                    return None
                if x == UNIT:
                    continue
                x, y = part.find(x), both.find(y)
                if mapping.setdefault(x, y) != y:
                    return None
    return mapping


def schedule(eqns, needed_after) -> tuple:
    """A segment's equations as (items, views): ``items`` in order, each a ``LoopGroup`` (one
    fused nest) or an ``Eqn`` (a whole-array statement); ``views`` the ids of the reshapes and
    transposes kept as views of stored arrays.  ``needed_after``: ids of the values read after
    the segment."""
    eqns = expand_small_matmuls(merge_pad_sums(eqns, needed_after), computes_elements)
    eqns = sink_shape_ops(eqns)
    views = view_vars(eqns, needed_after)
    return group_equations(eqns, views), views
