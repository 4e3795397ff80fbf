"""Code generation: Program -> readable Python source for ``numba.njit``.

The program is cut into *segments* (runs of equations the lowering table handles) and, rarely,
equations run by their NumPy implementation between segments.  Each segment becomes one
``@numba.njit`` function; inside it each loop group (fusion.py) becomes one loop nest and every
other equation one whole-array statement.  ``make_kernel`` binds the program's constants and
returns the Python function that calls the segments: the kernel.

Inside a loop nest, values live in registers.  A value is computed at the depth of its
innermost loop; a reduction over inner loops is a scalar accumulator, one over an outer loop
accumulates into an array indexed by the remaining loops; a register needed again after its
loop has closed is recomputed (cheaper than storing an N x N x d array).  When a group cannot be
scheduled this way (``FusionFailure``), it is split in two and each part is stored.
"""
from __future__ import annotations

from ...ir.program import Lit, Program, Var, format_program
from . import naming
from ..schedule import SHAPE_OPS, UNIT, LoopGroup, group_equations, is_fusible, schedule
from .lowering import ARRAY, REDUCTIONS, SCALAR, dtype_name, literal
from .loops import is_loop, loop_is_lowerable, lower_loop
from .unroll import unroll_small_loops

INDENT = "    "


class FusionFailure(Exception):
    def __init__(self, index):
        super().__init__(index)
        self.index = index


# --------------------------------------------------------------------------- source blocks

class Block:
    __slots__ = ("items",)

    def __init__(self):
        self.items = []


class Loop:
    __slots__ = ("header", "body")

    def __init__(self, header):
        self.header = header
        self.body = Block()


def render(block, depth):
    lines = []
    for item in block.items:
        if isinstance(item, Loop):
            lines.append(INDENT * depth + item.header)
            lines.extend(render(item.body, depth + 1))
        else:
            lines.extend(INDENT * depth + line for line in item.split("\n"))
    return lines


def comment(eqn, note=""):
    where = " ".join((eqn.where or "").split())
    text = f"# {eqn.primitive.name}{note}"
    return text + (f"  <- {where}" if where else "")


def scalar_template(eqn):
    """The template of one element of ``eqn`` in a loop nest, or None."""
    return SCALAR.get(eqn.primitive)


def is_lowerable(eqn) -> bool:
    """Whether a compiled segment can hold ``eqn`` (else it runs through NumPy)."""
    if is_loop(eqn):
        return loop_is_lowerable(eqn, is_lowerable)
    return is_fusible(eqn) or eqn.primitive in ARRAY


def shape_text(shape):
    shape = [int(n) for n in shape]
    return f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"


# --------------------------------------------------------------------------- register values

class Reg:
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


# --------------------------------------------------------------------------- one loop nest

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

    # -- labels
    def depth(self, labels):
        levels = [self.pos[self.group.find(lab)] + 1 for lab in labels if lab != UNIT]
        return max(levels, default=0)

    def is_prefix(self, labels):
        roots = {self.group.find(lab) for lab in labels if lab != UNIT}
        return roots == set(self.order[:len(roots)])

    def index(self, labels):
        return ", ".join("0" if lab == UNIT else naming.loop_index(self.pos[self.group.find(lab)])
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
            elif isinstance(value, Reg) and not self.on_stack(value.block):
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
            extent = self.group.size[self.order[level]]
            loop = Loop(f"for {naming.loop_index(level)} in range({extent}):")
            self.stack[-1].items.append(loop)
            self.stack.append(loop.body)

    def emit(self, line):
        self.stack[-1].items.append(line)

    # -- reading operands
    def read(self, op):
        kind = op[0]
        if kind == "lit":
            return op[1]
        if kind == "load":
            var, labels = op[1], op[2]
            return self.names(var) if not var.shape else f"{self.names(var)}[{self.index(labels)}]"
        value = self.values[op[1].id]
        if isinstance(value, Alias):
            return self.read(value.operand)
        if isinstance(value, Reg):
            if not self.on_stack(value.block):
                args = [self.read(o) for o in value.operands]
                self.emit(comment(value.eqn, " (recomputed)"))
                self.emit(f"{value.name} = {scalar_template(value.eqn)(value.eqn, *args)}")
                value.block = self.stack[-1]
            return value.name
        if value.array or not self.on_stack(value.block) or (
                value.loop is not None and self.on_stack(value.loop)):
            raise FusionFailure(None)
        return value.name

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
        for k, eqn in enumerate(self.group.eqns):
            try:
                self.equation(k, eqn)
            except FusionFailure:
                raise FusionFailure(k) from None
        return self.prelude, self.top

    def equation(self, k, eqn):
        p = eqn.primitive
        out = eqn.outputs[0]
        out_labels = self.group.labels[out.id]
        domain = self.group.domain[k]
        ops = self.operands(k, eqn)
        template = scalar_template(eqn)
        if template is not None:
            self.place(self.depth(domain), ops)
            args = [self.read(op) for op in ops]
            name = self.register_name(out)
            self.emit(comment(eqn))
            self.emit(f"{name} = {template(eqn, *args)}")
            self.values[out.id] = Reg(name, eqn, ops, self.stack[-1])
        elif p in REDUCTIONS:
            if not self.is_prefix(domain):
                raise FusionFailure(k)
            init, update = REDUCTIONS[p]
            d, m = self.depth(domain), self.depth(out_labels)
            if self.is_prefix(out_labels):
                self.place(d, ops)
                value = self.read(ops[0])
                name = self.register_name(out)
                self.stack[m].items.insert(0, f"{name} = {init(out.dtype)}")
                self.emit(comment(eqn))
                self.emit(update(name, value))
                self.values[out.id] = Accumulator(name, self.stack[m],
                                                  self.stack[m + 1] if d > m else None, m)
            else:
                name = self.names(out)
                self.prelude.append(f"{name} = np.full({shape_text(out.shape)}, {init(out.dtype)}, "
                                    f"{dtype_name(out.dtype)})")
                self.place(d, ops)
                value = self.read(ops[0])
                self.emit(comment(eqn))
                self.emit(update(f"{name}[{self.index(out_labels)}]", value))
                self.values[out.id] = Accumulator(name, None, None, m, array=True)
                return
        else:  # broadcast, reshape, transpose: the same scalar under other labels
            self.values[out.id] = Alias(ops[0])
        if out.id in self.stored:
            self.store(eqn, out, out_labels)

    def store(self, eqn, out, labels):
        value = self.values[out.id]
        name = self.names(out)
        if not out.shape:
            if not isinstance(value, (Reg, Accumulator)):
                self.place(0, [("var", out)])
                self.emit(f"{name} = {self.read(('var', out))}")
            return
        self.prelude.append(f"{name} = np.empty({shape_text(out.shape)}, {dtype_name(out.dtype)})")
        self.place(self.depth(labels), [("var", out)])
        self.emit(f"{name}[{self.index(labels)}] = {self.read(('var', out))}")


# --------------------------------------------------------------------------- segments

def _item_eqns(item):
    return item.eqns if isinstance(item, LoopGroup) else [item]


def _stored_vars(items, needed_after):
    """Variables a loop group defines and something outside it reads: these get arrays."""
    owner = {}
    for i, item in enumerate(items):
        for eqn in _item_eqns(item):
            for v in eqn.outputs:
                owner[v.id] = i
    stored = set(needed_after)
    for i, item in enumerate(items):
        for eqn in _item_eqns(item):
            for a in eqn.inputs:
                if isinstance(a, Var) and owner.get(a.id, i) != i:
                    stored.add(a.id)
    return stored


def lower_segment(eqns, names, needed_after):
    """Body lines of one segment function (without the return)."""
    items, views = schedule(eqns, needed_after)
    while True:
        stored = _stored_vars(items, needed_after)
        lines = []
        try:
            for i, item in enumerate(items):
                if isinstance(item, LoopGroup):
                    lines += _lower_group(item, names, stored, i)
                else:
                    lines += _lower_array_eqn(item, names)
            return lines
        except FusionFailure as failure:
            group_index, k = failure.index
            group = items[group_index]
            # reshapes/broadcasts just before the failing equation go with it
            while k > 1 and group.eqns[k - 1].primitive in SHAPE_OPS:
                k -= 1
            if k == 0:  # the first equation does not fit the nest the later ones want
                if len(group.eqns) == 1:
                    raise AssertionError(f"cannot schedule {group.eqns[0].primitive}") from None
                k = 1
            items[group_index:group_index + 1] = (group_equations(group.eqns[:k], views) +
                                                  group_equations(group.eqns[k:], views))


def _lower_group(group, names, stored, index):
    writer = NestWriter(group, names, stored)
    try:
        prelude, top = writer.write()
    except FusionFailure as failure:
        raise FusionFailure((index, failure.index)) from None
    loops = ", ".join(f"{naming.loop_index(k)} < {group.size[lab]}"
                      for k, lab in enumerate(writer.order))
    header = f"# ---- fused loop nest ({loops})" if loops else "# ---- scalar statements"
    unroll_small_loops(top)
    return [header] + prelude + render(top, 0)


def _lower_array_eqn(eqn, names):
    if is_loop(eqn):
        return lower_loop(eqn, names, lower_segment, comment)
    ins = [literal(a) if isinstance(a, Lit) else names(a) for a in eqn.inputs]
    outs = [names(v) for v in eqn.outputs]
    return [comment(eqn)] + ARRAY[eqn.primitive](eqn, ins, outs).split("\n")


# --------------------------------------------------------------------------- whole program

def _scalar_type(dtype):
    return dtype_name(dtype)


def _name_like_printer(program, names):
    """Name variables in the printer's order (loop bodies after their equation), so the
    kernel reads like the printed program."""
    for v in (*program.inputs, *program.constvars):
        names(v)
    for eqn in program.eqns:
        for v in eqn.outputs:
            names(v)
        for value in eqn.params.values():
            if isinstance(value, Program):
                _name_like_printer(value, names)


def generate(program, header=""):
    """Source of the kernel module, and the fallback equations ``make_kernel`` needs."""
    names = naming.KernelNames()
    _name_like_printer(program, names)

    # runs of lowerable equations (segments) and single fallback equations
    pieces = []
    for eqn in program.eqns:
        if is_lowerable(eqn):
            if pieces and isinstance(pieces[-1], list):
                pieces[-1].append(eqn)
            else:
                pieces.append([eqn])
        else:
            pieces.append(eqn)

    # which variables each piece needs from before it
    later_use = [set() for _ in pieces]
    needed = {a.id for a in program.outputs if isinstance(a, Var)}
    for i in range(len(pieces) - 1, -1, -1):
        later_use[i] = set(needed)
        for eqn in (pieces[i] if isinstance(pieces[i], list) else [pieces[i]]):
            needed.update(a.id for a in eqn.inputs if isinstance(a, Var))

    available = [v for v in (*program.inputs, *program.constvars)]
    defs = []
    calls = []           # the kernel's body: segment calls (with a retry) and fallbacks
    segment_calls = []   # the same segment calls, plain: the body of ``entry``
    fallbacks = []
    for i, piece in enumerate(pieces):
        eqns = piece if isinstance(piece, list) else [piece]
        reads = {a.id for e in eqns for a in e.inputs if isinstance(a, Var)}
        defined_here = [v for e in eqns for v in e.outputs]
        outs = [v for v in defined_here if v.id in later_use[i]]
        params = [v for v in available if v.id in reads]
        if isinstance(piece, list):
            fname = naming.segment_name(len(defs))
            body = lower_segment(eqns, names, {v.id for v in outs})
            body.append("return " + ("(" + "".join(names(v) + ", " for v in outs) + ")"))
            defs.append("@numba.njit(cache=True, error_model=\"numpy\")\n"
                        f"def {fname}({', '.join(names(v) for v in params)}):\n" +
                        "\n".join(INDENT + line for line in body))
            target = "".join(names(v) + ", " for v in outs) or "_"
            call = f"{target} = {fname}({', '.join(names(v) for v in params)})"
            segment_calls.append(call)
            calls += ["try:", INDENT + call, "except Exception as error:  # corrupt machine code?",
                      INDENT + f"recover_from_corrupt_cache({fname}, error)", INDENT + call]
        else:
            fname = f"fallback_{len(fallbacks)}"
            fallbacks.append(piece)
            args = ", ".join(literal(a) if isinstance(a, Lit) else names(a) for a in piece.inputs)
            calls.append(comment(piece, " (NumPy implementation)"))
            target = ", ".join(names(v) for v in piece.outputs)
            calls.append(f"{target}{',' if len(piece.outputs) > 1 else ''} = {fname}({args})")
            for v in piece.outputs:
                if not v.shape:
                    calls.append(f"{names(v)} = np.asarray({names(v)})[()]")
        available += outs

    def output(atom):
        if isinstance(atom, Lit):
            return f"np.asarray({literal(atom)})"
        if not atom.shape:
            return f"{_scalar_type(atom.dtype)}({names(atom)})"
        return names(atom)

    scalar_inputs = [f"{names(v)} = {_scalar_type(v.dtype)}({names(v)})"
                     for v in program.inputs if not v.shape]
    entry = _entry_function(program, segment_calls, names) if not fallbacks else []
    consts = "".join(names(v) + ", " for v in program.constvars)
    fbs = "".join(f"fallback_{k}, " for k in range(len(fallbacks)))
    kernel = [
        "def make_kernel(constants, fallbacks):",
        f"    ({consts}) = constants" if consts else "    assert not constants",
        f"    ({fbs}) = fallbacks" if fbs else "    assert not fallbacks",
        "",
        f"    def kernel({', '.join(names(v) for v in program.inputs)}):",
        *[INDENT * 2 + line for line in scalar_inputs + calls],
        f"        return [{', '.join(output(a) for a in program.outputs)}]",
        "",
        "    kernel.constants = constants",
        f"    kernel.entry = {'entry' if entry else 'None'}",
        "    return kernel",
    ]
    printed = format_program(program).replace('"""', "'''")
    source = "\n".join([
        f'"""optad kernel (Numba backend), generated from the program\n\n{printed}\n"""',
        header,
        "import numba",
        "import numpy as np",
        "",
        "from optad.backends.numba import elementary as sc",
        "from optad.backends.numba import runtime as rt",
        "from optad.backends.numba.cache import recover_from_corrupt_cache",
        "",
        *("\n\n" + d + "\n" for d in defs),
        "",
        *entry,
        "",
        *kernel,
        "",
    ])
    return source, fallbacks


def _entry_function(program, segment_calls, names):
    """One compiled function running all segments, (inputs..., constants...) -> tuple of
    outputs (0-d inputs and outputs as scalars), for callers that stay inside Numba, such as
    compiled optimisation loops.  Only made when no equation falls back to NumPy."""
    def output(atom):
        return literal(atom) if isinstance(atom, Lit) else names(atom)

    params = [names(v) for v in (*program.inputs, *program.constvars)]
    outs = "".join(output(a) + ", " for a in program.outputs)
    return ["@numba.njit(cache=True, error_model=\"numpy\")",
            f"def entry({', '.join(params)}):",
            *[INDENT + line for line in segment_calls],
            f"{INDENT}return ({outs})", ""]
