"""One fusion group (schedule.py) -> one loop-nest value (schedule_nest.py).

Inside a loop nest, values live in registers.  A value is computed at the depth of its
innermost loop; a reduction over inner loops is a scalar accumulator, one over an outer loop
accumulates into an array indexed by the remaining loops; a register needed again after its
loop has closed is recomputed (cheaper than storing an N x N x d array).

``write_nest`` returns the ``Nest``, or the index of the first equation that does not fit the
nest the earlier ones built (a reduction whose loops are not outermost, a read of a value its
loop has already consumed); the caller then splits the group there (codegen.lower_segment).
"""
from __future__ import annotations

from ...ir.program import Lit
from ..schedule import UNIT, LoopGroup
from ..schedule_nest import (Assign, Comment, Expr, Index, Load, Loop, Nest, Reg, Store, Update,
                             expression, statement)
from .lowering import REDUCTIONS, SCALAR, dtype_name, literal, shape_text
from .unroll import unroll_small_loops


def comment_text(eqn, note=""):
    """``primitive  <- file:line: code``: what a statement computes and where the user wrote it."""
    where = " ".join((eqn.where or "").split())
    return f"{eqn.primitive.name}{note}" + (f"  <- {where}" if where else "")


# --------------------------------------------------------------------------- while writing

class Block:
    """A block of the nest being built (mutable; frozen into ``Loop`` bodies at the end)."""
    __slots__ = ("items",)

    def __init__(self):
        self.items = []


class OpenLoop:
    __slots__ = ("level", "extent", "body")

    def __init__(self, level, extent):
        self.level, self.extent, self.body = level, extent, Block()


def freeze(block) -> tuple:
    return tuple(Loop(item.level, item.extent, freeze(item.body)) if isinstance(item, OpenLoop)
                 else item for item in block.items)


class Register:
    """A scalar computed by one statement; recomputed when read outside its block."""
    __slots__ = ("name", "eqn", "operands", "block")

    def __init__(self, name, eqn, operands, block):
        self.name, self.eqn, self.operands, self.block = name, eqn, operands, block


class Alias:
    """The same scalar as an operand (broadcast, in-register reshape or transpose)."""
    __slots__ = ("operand",)

    def __init__(self, operand):
        self.operand = operand


class Accumulator:
    """A reduction into a scalar (``block`` holds it; ``loop`` is the loop summing into it)
    or, with ``array`` set, into a stored array (readable only after the group)."""
    __slots__ = ("name", "block", "loop", "depth", "array")

    def __init__(self, name, block, loop, depth, array=False):
        self.name, self.block, self.loop, self.depth, self.array = name, block, loop, depth, array


MISFIT = Reg("<misfit>")   # what a read that cannot be served returns (the writer then stops)


# --------------------------------------------------------------------------- the writer

class NestWriter:
    def __init__(self, group: LoopGroup, names, stored: set):
        self.group = group
        self.names = names
        self.stored = stored
        self.order = group.loop_order()
        self.pos = {label: k for k, label in enumerate(self.order)}
        self.prelude = []
        self.top = Block()
        self.stack = [self.top]
        self.values = {}
        self.misfit = False

    # -- labels
    def depth(self, labels):
        levels = [self.pos[self.group.find(lab)] + 1 for lab in labels if lab != UNIT]
        return max(levels, default=0)

    def is_prefix(self, labels):
        roots = {self.group.find(lab) for lab in labels if lab != UNIT}
        return roots == set(self.order[:len(roots)])

    def index(self, labels):
        return tuple(0 if lab == UNIT else Index(self.pos[self.group.find(lab)])
                     for lab in labels)

    def register_name(self, var):
        return self.names.scalar(var) if var.id in self.stored and var.shape else self.names(var)

    # -- placing statements in the nest
    def on_stack(self, block):
        return any(b is block for b in self.stack)

    def _open_accumulators(self, operands, seen):
        found = []
        for op in operands:
            if op[0] != "var" or op[1].id in seen:
                continue
            seen.add(op[1].id)
            value = self.values.get(op[1].id)
            if isinstance(value, Alias):
                found += self._open_accumulators([value.operand], seen)
            elif isinstance(value, Register) and not self.on_stack(value.block):
                found += self._open_accumulators(value.operands, seen)
            elif isinstance(value, Accumulator) and not value.array:
                found.append(value)
        return found

    def place(self, depth, operands):
        """Make ``self.stack[-1]`` the block at ``depth`` where ``operands`` are readable."""
        while True:
            cut = [acc.depth + 1 for acc in self._open_accumulators(operands, set())
                   if acc.loop is not None and self.on_stack(acc.loop)]
            if not cut:
                break
            del self.stack[min(cut):]
        del self.stack[depth + 1:]
        while len(self.stack) < depth + 1:
            level = len(self.stack) - 1
            loop = OpenLoop(level, self.group.size[self.order[level]])
            self.stack[-1].items.append(loop)
            self.stack.append(loop.body)

    def emit(self, item):
        self.stack[-1].items.append(item)

    # -- reading operands
    def read(self, op):
        kind = op[0]
        if kind == "lit":
            return op[1]
        if kind == "load":
            var, labels = op[1], op[2]
            return Load(self.names(var), self.index(labels)) if var.shape else Reg(self.names(var))
        value = self.values[op[1].id]
        if isinstance(value, Alias):
            return self.read(value.operand)
        if isinstance(value, Register):
            if not self.on_stack(value.block):
                args = [self.read(o) for o in value.operands]
                self.emit(Comment(comment_text(value.eqn, " (recomputed)"), recomputed=True))
                self.emit(Assign(value.name,
                                 expression(SCALAR[value.eqn.primitive], value.eqn, args)))
                value.block = self.stack[-1]
            return Reg(value.name)
        if value.array or not self.on_stack(value.block) or (
                value.loop is not None and self.on_stack(value.loop)):
            self.misfit = True
            return MISFIT
        return Reg(value.name)

    def operands(self, k, eqn):
        ops = []
        for atom, access in zip(eqn.inputs, self.group.access[k]):
            if isinstance(atom, Lit):
                ops.append(("lit", literal(atom)))
            elif access is not None:
                ops.append(("load", atom, access))
            else:
                ops.append(("var", atom))
        return ops

    # -- equations
    def write(self):
        """None when every equation fits, else the index of the first that does not."""
        for k, eqn in enumerate(self.group.eqns):
            self.equation(k, eqn)
            if self.misfit:
                return k
        return None

    def equation(self, k, eqn):
        p = eqn.primitive
        out = eqn.outputs[0]
        out_labels = self.group.labels[out.id]
        domain = self.group.domain[k]
        ops = self.operands(k, eqn)
        if p in SCALAR:
            self.place(self.depth(domain), ops)
            args = [self.read(op) for op in ops]
            name = self.register_name(out)
            self.emit(Comment(comment_text(eqn)))
            self.emit(Assign(name, expression(SCALAR[p], eqn, args)))
            self.values[out.id] = Register(name, eqn, ops, self.stack[-1])
        elif p in REDUCTIONS:
            if not self.is_prefix(domain):
                self.misfit = True
                return
            init, update = REDUCTIONS[p]
            d, m = self.depth(domain), self.depth(out_labels)
            if self.is_prefix(out_labels):
                self.place(d, ops)
                value = self.read(ops[0])
                name = self.register_name(out)
                self.stack[m].items.insert(0, Assign(name, Expr((init(out.dtype),))))
                self.emit(Comment(comment_text(eqn)))
                self.emit(Update(Reg(name), statement(update, [Reg(name), value])))
                self.values[out.id] = Accumulator(name, self.stack[m],
                                                  self.stack[m + 1] if d > m else None, m)
            else:
                name = self.names(out)
                self.prelude.append(f"{name} = rt.full({shape_text(out.shape)}, "
                                    f"{init(out.dtype)}, {dtype_name(out.dtype)})")
                self.place(d, ops)
                value = self.read(ops[0])
                target = Load(name, self.index(out_labels))
                self.emit(Comment(comment_text(eqn)))
                self.emit(Update(target, statement(update, [target, value])))
                self.values[out.id] = Accumulator(name, None, None, m, array=True)
                return
        else:  # broadcast, reshape, transpose: the same scalar under other labels
            self.values[out.id] = Alias(ops[0])
        if out.id in self.stored:
            self.store(out, out_labels)

    def store(self, out, labels):
        value = self.values[out.id]
        name = self.names(out)
        if not out.shape:
            if not isinstance(value, (Register, Accumulator)):
                self.place(0, [("var", out)])
                self.emit(Assign(name, Expr((self.read(("var", out)),))))
            return
        self.prelude.append(f"{name} = rt.empty({shape_text(out.shape)}, {dtype_name(out.dtype)})")
        self.place(self.depth(labels), [("var", out)])
        self.emit(Store(Load(name, self.index(labels)), Expr((self.read(("var", out)),))))

    def nest(self) -> Nest:
        loops = ", ".join(f"{Index(k).render()} < {self.group.size[lab]}"
                          for k, lab in enumerate(self.order))
        header = f"# ---- fused loop nest ({loops})" if loops else "# ---- scalar statements"
        return Nest(header, tuple(self.prelude), unroll_small_loops(freeze(self.top)))


def write_nest(group, names, stored):
    """The group's ``Nest``, or the index (int) of its first equation that does not fit."""
    writer = NestWriter(group, names, stored)
    misfit = writer.write()
    return writer.nest() if misfit is None else misfit
