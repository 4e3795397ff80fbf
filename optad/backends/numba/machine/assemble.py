"""A Program as rows of the first tier's interpreter (``interpreter.py``): one workspace layout
and one instruction stream, made in Python in milliseconds when the program is traced.

Every value gets a region of the float64 workspace (booleans as 0.0 / 1.0, int64 as exact
floats); a reshape, a conversion that keeps the stored numbers (bool or int64 to float64), an
``unstack`` row and a ``barrier`` take their operand's region instead of copying it.  Constants
and literals are written into the workspace once, when the program is assembled.  A ``scan``
is a counted loop over its body's rows (its ``xs`` rows copied in, its ``ys`` rows copied out,
its carries copied back at the end of each step); a ``while`` a loop that jumps out when its
condition is zero.

``assemble(program)`` returns an ``Assembly`` or raises ``Unsupported`` naming what the
interpreter cannot run (a primitive, a dtype, an array of more than four axes); the first tier
then runs the program on its NumPy plan instead.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ....ir.program import Lit, Program
from ....primitives.loops import scan_p, split_operands, while_p
from . import interpreter as I

MAX_AXES = 4
_STORED = (np.dtype(np.float64), np.dtype(np.bool_), np.dtype(np.int64))

UNARY = {"neg": I.NEG, "exp": I.EXP, "log": I.LOG, "log1p": I.LOG1P, "expm1": I.EXPM1,
         "sin": I.SIN, "cos": I.COS, "tanh": I.TANH, "sqrt": I.SQRT, "abs": I.ABS,
         "sign": I.SIGN, "floor": I.FLOOR, "not": I.NOT, "asin": I.ASIN, "acos": I.ACOS,
         "atan": I.ATAN, "asinh": I.ASINH, "acosh": I.ACOSH, "atanh": I.ATANH}
BINARY = {"add": I.ADD, "sub": I.SUB, "mul": I.MUL, "div": I.DIV, "pow": I.POW, "max": I.MAX,
          "min": I.MIN, "lt": I.LT, "le": I.LE, "gt": I.GT, "ge": I.GE, "eq": I.EQ,
          "ne": I.NE, "and": I.AND, "or": I.OR, "atan2": I.ATAN2, "floordiv": I.FLOORDIV,
          "rem": I.REM}
# on int64 values only the operations whose float64 results are the integer results
_INTEGER_SAFE = {"neg", "abs", "sign", "add", "sub", "mul", "max", "min", "lt", "le", "gt",
                 "ge", "eq", "ne", "and", "or", "not"}
_SCALAR = {"add": I.SADD, "sub": I.SSUB, "mul": I.SMUL}
REDUCE = {"reduce_sum": I.RSUM, "reduce_max": I.RMAX, "reduce_min": I.RMIN}


class Unsupported(Exception):
    """The interpreter cannot run this program; ``str()`` says why."""


@dataclass
class Assembly:
    code: np.ndarray          # (rows, WIDTH) int64
    workspace: np.ndarray     # float64, constants in place
    n_regs: int
    input_at: np.ndarray      # rows [offset in the flat inputs, offset in ws, size]
    output_at: np.ndarray     # rows [offset in the flat outputs, offset in ws, size]
    input_sizes: tuple
    output_avals: tuple
    n_inputs: int
    n_outputs: int

    def listing(self) -> str:
        """The instruction rows, one per line, with the fields each operation uses."""
        names = {v: k for k, v in vars(I).items() if k.isupper() and isinstance(v, int)
                 and k not in _COLUMNS}
        lines = []
        for k, row in enumerate(self.code):
            op = int(row[I.OP])
            fields = [f"{name.lower()}={int(row[column])}" for name, column in _COLUMNS.items()
                      if name not in ("OP", "WIDTH", "D0", "IS0", "OS0") and row[column]]
            if op in (I.STRIDED, I.RSUM, I.RMAX, I.RMIN, I.MATMUL):
                fields.append("dims=" + "x".join(str(int(d)) for d in row[I.D0:I.D0 + 4]))
            if op in (I.STRIDED, I.RSUM, I.RMAX, I.RMIN):
                fields.append(f"in_strides={tuple(int(d) for d in row[I.IS0:I.IS0 + 4])}")
                fields.append(f"out_strides={tuple(int(d) for d in row[I.OS0:I.OS0 + 4])}")
            if op in (I.SUNARY, I.SBINARY):
                fields = [f for f in fields if not f.startswith("c=")]
                fields.append(f"({names.get(int(row[I.C]), row[I.C])})")
            lines.append(f"{k:4d} {names.get(op, op):<13} " + " ".join(fields))
        return "\n".join(lines)


_COLUMNS = {name: getattr(I, name) for name in
            ("OP", "OUT", "A", "B", "C", "N", "SA", "SB", "SC", "D0", "IS0", "OS0", "WIDTH")}


def _size(shape) -> int:
    return int(math.prod(shape))


def _strides(shape) -> list:
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return strides[::-1]


def _four(dims, in_strides, out_strides):
    """Pad to four axes (leading axes of size 1)."""
    if len(dims) > MAX_AXES:
        raise Unsupported(f"an array of {len(dims)} axes (the interpreter walks at most "
                          f"{MAX_AXES})")
    lead = MAX_AXES - len(dims)
    return ([1] * lead + list(dims), [0] * lead + list(in_strides),
            [0] * lead + list(out_strides))


class _Assembler:
    def __init__(self):
        self.rows = []
        self.size = 0
        self.initial = []      # (offset, values)
        self.n_regs = 0
        self._literals = {}
        self.pending = {}      # transposes not written out (yet): var id -> (eqn, env)

    # ---- workspace
    def allocate(self, n) -> int:
        offset = self.size
        self.size += max(int(n), 1)
        return offset

    def constant(self, value, size=None) -> int:
        """A region holding ``value`` (written out to ``size`` values when given: a literal
        operand of an elementwise operation)."""
        value = np.asarray(value)
        if value.dtype.kind not in "biuf" or value.dtype.itemsize > 8:
            raise Unsupported(f"a constant of dtype {value.dtype}")
        flat = value.astype(np.float64).ravel()
        key = None
        if value.size == 1:
            key = (float(flat[0]).hex(), flat.size if size is None else size)
        if size is not None and flat.size == 1 and size != 1:
            flat = np.full(size, flat[0])
            if key in self._literals:
                return self._literals[key]
        offset = self.allocate(flat.size)
        self.initial.append((offset, flat))
        if key is not None:
            self._literals[key] = offset
        return offset

    def register(self) -> int:
        self.n_regs += 1
        return self.n_regs - 1

    def emit(self, op, out=0, a=0, b=0, c=0, n=0, sa=0, sb=0, sc=0, dims=(0, 0, 0, 0),
             ins=(0, 0, 0, 0), outs=(0, 0, 0, 0)) -> int:
        row = [0] * I.WIDTH
        row[I.OP], row[I.OUT], row[I.A], row[I.B], row[I.C] = op, out, a, b, c
        row[I.N], row[I.SA], row[I.SB], row[I.SC] = n, sa, sb, sc
        row[I.D0:I.D0 + 4] = dims
        row[I.IS0:I.IS0 + 4] = ins
        row[I.OS0:I.OS0 + 4] = outs
        self.rows.append(row)
        return len(self.rows) - 1

    # ---- values
    def slot(self, env, atom) -> int:
        if isinstance(atom, Lit):
            return self.constant(atom.value)
        pending = self.pending.pop(atom.id, None)
        if pending is not None:
            self.write_transpose(*pending)
        try:
            return env[atom.id]
        except KeyError:
            raise Unsupported("a loop body reads a value it does not take as an input") \
                from None

    def operand(self, env, atom, n) -> int:
        """``atom`` as a contiguous region of ``n`` values (an elementwise operand)."""
        if _size(atom.aval.shape) == n:
            return self.slot(env, atom)
        if isinstance(atom, Lit):
            return self.constant(atom.value, n)
        raise Unsupported("an elementwise operand of another size than its result")

    def define(self, env, var) -> int:
        _check_dtype(var.aval)
        env[var.id] = self.allocate(_size(var.aval.shape))
        return env[var.id]

    # ---- programs
    def program(self, program: Program, env):
        for var, value in zip(program.constvars, program.constvalues):
            _check_dtype(var.aval)
            env[var.id] = self.constant(value)
        for eqn in program.eqns:
            self.equation(eqn, env)

    def equation(self, eqn, env):
        name = eqn.primitive.name
        if eqn.primitive is scan_p:
            return self.scan(eqn, env)
        if eqn.primitive is while_p:
            return self.while_loop(eqn, env)
        for atom in eqn.inputs:
            _check_dtype(atom.aval)
        method = getattr(self, "_" + name, None)
        if name in UNARY or name in BINARY:
            return self.elementwise(eqn, env, name)
        if name in REDUCE:
            return self.reduce(eqn, env, REDUCE[name])
        if method is None:
            raise Unsupported(f"the primitive {name!r}")
        return method(eqn, env)

    def elementwise(self, eqn, env, name):
        out_aval = eqn.outputs[0].aval
        if any(a.aval.dtype == np.int64 for a in eqn.inputs) and name not in _INTEGER_SAFE:
            raise Unsupported(f"{name!r} on int64 values")
        n = _size(out_aval.shape)
        slots = [self.operand(env, a, n) for a in eqn.inputs]
        out = self.define(env, eqn.outputs[0])
        if n == 1:
            if name in UNARY:
                self.emit(I.SUNARY, out, slots[0], c=UNARY[name])
            elif name in _SCALAR:
                self.emit(_SCALAR[name], out, slots[0], slots[1])
            else:
                self.emit(I.SBINARY, out, slots[0], slots[1], c=BINARY[name])
            return
        if name in UNARY:
            self.emit(UNARY[name], out, slots[0], n=n)
            return
        if name == "pow" and isinstance(eqn.inputs[1], Lit) and eqn.inputs[1].aval.dtype.kind == "f":
            exponent = float(eqn.inputs[1].value)
            special = {1.0: I.COPY, 2.0: I.SQUARE, 0.5: I.SQRT, -1.0: I.RECIP}.get(exponent)
            if special is not None:
                if special == I.COPY:
                    self.copy(out, slots[0], n)
                else:
                    self.emit(special, out, slots[0], n=n)
                return
        self.emit(BINARY[name], out, slots[0], slots[1], n=n)

    def _select(self, eqn, env):
        n = _size(eqn.outputs[0].aval.shape)
        a, b, c = [self.operand(env, x, n) for x in eqn.inputs]
        out = self.define(env, eqn.outputs[0])
        self.emit(I.SELECT, out, a, b, c, n=n)

    def _convert(self, eqn, env):
        x, = eqn.inputs
        source, target = np.dtype(x.aval.dtype), np.dtype(eqn.params["dtype"])
        if target not in _STORED:
            raise Unsupported(f"a conversion to {target}")
        var = eqn.outputs[0]
        if target == np.float64 or target == source or (target == np.int64 and
                                                         source == np.bool_):
            env[var.id] = self.slot(env, x)     # the stored numbers are the same
            return
        op = I.TO_BOOL if target == np.bool_ else I.TRUNC
        n = _size(var.aval.shape)
        source = self.operand(env, x, n)
        self.emit(op, self.define(env, var), source, n=n)

    def _reshape(self, eqn, env):
        env[eqn.outputs[0].id] = self.slot(env, eqn.inputs[0])

    def _barrier(self, eqn, env):
        for var, atom in zip(eqn.outputs, eqn.inputs):
            env[var.id] = self.slot(env, atom)

    def _unstack(self, eqn, env):
        base = self.slot(env, eqn.inputs[0])
        row = _size(eqn.inputs[0].aval.shape[1:])
        for k, var in enumerate(eqn.outputs):
            env[var.id] = base + k * row

    def _stack(self, eqn, env):
        var = eqn.outputs[0]
        out = self.define(env, var)
        row = _size(var.aval.shape[1:])
        for k, atom in enumerate(eqn.inputs):
            self.copy(out + k * row, self.slot(env, atom), row, _size(atom.aval.shape) == 1)

    def copy(self, out, a, n, broadcast=False):
        """ws[out:out + n] = ws[a:a + n] (or ws[a] everywhere when ``broadcast``)."""
        if n == 1:
            self.emit(I.SCOPY, out, a)
        elif n > 1:
            self.emit(I.COPY, out, a, n=n, sa=0 if broadcast else 1)

    def strided(self, out, a, dims, in_strides, out_strides):
        if _size(dims) == 0:
            return
        dims, ins, outs = _four(dims, in_strides, out_strides)
        self.emit(I.STRIDED, out, a, dims=dims, ins=ins, outs=outs)

    def _broadcast(self, eqn, env):
        x, = eqn.inputs
        shape = tuple(eqn.params["shape"])
        out = self.define(env, eqn.outputs[0])
        a = self.slot(env, x)
        if _size(x.aval.shape) == 1:
            self.emit(I.FILL, out, a, n=_size(shape))
            return
        lead = len(shape) - len(x.aval.shape)
        xshape = (1,) * lead + tuple(x.aval.shape)
        xstrides = _strides(xshape)
        ins = [0 if m == 1 else s for m, s in zip(xshape, xstrides)]
        self.strided(out, a, shape, ins, _strides(shape))

    def _transpose(self, eqn, env):
        x, = eqn.inputs
        perm = tuple(eqn.params["perm"])
        d = len(perm)
        if d >= 2 and perm == tuple(range(d - 2)) + (d - 1, d - 2):
            # a swap of the last two axes: matrix products read the operand as it is stored;
            # anything else writes the transpose out when it first reads it (``slot``)
            self.pending[eqn.outputs[0].id] = (eqn, env)
            return
        self.write_transpose(eqn, env)

    def write_transpose(self, eqn, env):
        x, = eqn.inputs
        perm = eqn.params["perm"]
        shape = tuple(x.aval.shape[p] for p in perm)
        xstrides = _strides(x.aval.shape)
        out = self.define(env, eqn.outputs[0])
        self.strided(out, self.slot(env, x), shape, [xstrides[p] for p in perm],
                     _strides(shape))

    def _slice(self, eqn, env):
        x, = eqn.inputs
        p = eqn.params
        xstrides = _strides(x.aval.shape)
        start = sum(s * st for s, st in zip(p["starts"], xstrides))
        out = self.define(env, eqn.outputs[0])
        self.strided(out, self.slot(env, x) + start, tuple(p["sizes"]),
                     [st * step for st, step in zip(xstrides, p["steps"])],
                     _strides(tuple(p["sizes"])))

    def _pad(self, eqn, env):
        x, = eqn.inputs
        p = eqn.params
        shape = tuple(p["shape"])
        out = self.define(env, eqn.outputs[0])
        self.emit(I.FILL, out, self.constant(0.0), n=_size(shape))
        ostrides = _strides(shape)
        start = sum(s * st for s, st in zip(p["starts"], ostrides))
        self.strided(out + start, self.slot(env, x), tuple(x.aval.shape),
                     _strides(x.aval.shape), [st * step for st, step in zip(ostrides, p["steps"])])

    def _concatenate(self, eqn, env):
        axis = eqn.params["axis"]
        var = eqn.outputs[0]
        shape = tuple(var.aval.shape)
        out = self.define(env, var)
        ostrides = _strides(shape)
        at = 0
        for atom in eqn.inputs:
            piece = tuple(atom.aval.shape)
            self.strided(out + at * ostrides[axis], self.slot(env, atom), piece, _strides(piece),
                         ostrides)
            at += piece[axis]

    def reduce(self, eqn, env, op):
        x, = eqn.inputs
        axes = set(eqn.params["axes"])
        var = eqn.outputs[0]
        kept = [n for k, n in enumerate(x.aval.shape) if k not in axes]
        kept_strides = iter(_strides(kept))
        outs = [0 if k in axes else next(kept_strides) for k in range(len(x.aval.shape))]
        dims, ins, outs = _four(tuple(x.aval.shape), _strides(x.aval.shape), outs)
        out = self.define(env, var)
        self.emit(op, out, self.slot(env, x), n=_size(var.aval.shape), dims=dims, ins=ins,
                  outs=outs)

    def _matmul(self, eqn, env):
        a, b = eqn.inputs
        m, k = a.aval.shape[-2:]
        n = b.aval.shape[-1]
        batch = _size(a.aval.shape[:-2])
        (sa, ta), (sb, tb) = self.stored(env, a), self.stored(env, b)
        out = self.define(env, eqn.outputs[0])
        self.emit(I.MATMUL, out, sa, sb, sa=ta, sb=tb, dims=(batch, m, k, n))

    def stored(self, env, atom):
        """(region, transposed): a pending transpose is read from its operand."""
        pending = None if isinstance(atom, Lit) else self.pending.get(atom.id)
        if pending is not None and pending[1] is env:
            return self.slot(env, pending[0].inputs[0]), 1
        return self.slot(env, atom), 0

    def _gather(self, eqn, env):
        x, idx = eqn.inputs
        axis = eqn.params["axis"]
        shape = tuple(x.aval.shape)
        out = self.define(env, eqn.outputs[0])
        self.emit(I.GATHER, out, self.slot(env, x), self.slot(env, idx),
                  dims=(_size(shape[:axis]), shape[axis], _size(idx.aval.shape),
                        _size(shape[axis + 1:])))

    def _scatter_add(self, eqn, env):
        x, idx = eqn.inputs
        axis, size = eqn.params["axis"], eqn.params["size"]
        shape = tuple(x.aval.shape)
        out = self.define(env, eqn.outputs[0])
        self.emit(I.SCATTER_ADD, out, self.slot(env, x), self.slot(env, idx),
                  dims=(_size(shape[:axis]), size, _size(idx.aval.shape),
                        _size(shape[axis + len(idx.aval.shape):])))

    def _cumsum(self, eqn, env):
        x, = eqn.inputs
        axis = eqn.params["axis"]
        shape = tuple(x.aval.shape)
        out = self.define(env, eqn.outputs[0])
        self.emit(I.CUMSUM, out, self.slot(env, x), sa=int(bool(eqn.params["reverse"])),
                  dims=(_size(shape[:axis]), shape[axis], _size(shape[axis + 1:]), 0))

    # ---- loops
    def copy_back(self, env, body_outputs, targets):
        """Copy the body's results to the carries, through a staging area when a result
        lives where a carry does (a swap of two carries)."""
        sources = [(self.slot(env, atom), _size(atom.aval.shape)) for atom in body_outputs]
        if not sources:
            return
        clash = any(s < t + tn and t < s + sn for s, sn in sources for t, tn in targets)
        if clash:
            staged = []
            for s, n in sources:
                stage = self.allocate(n)
                self.copy(stage, s, n)
                staged.append((stage, n))
            sources = staged
        for (s, n), (t, _) in zip(sources, targets):
            if s != t:
                self.copy(t, s, n)

    def scan(self, eqn, env):
        p = eqn.params
        body, length, start = p["body"], p["length"], p["start"]
        n_consts, n_carry = p["n_consts"], p["n_carry"]
        consts, init, xs = split_operands(list(eqn.inputs), n_consts, n_carry)
        inner = {}
        index_var, *rest = body.inputs
        b_consts, b_carry, b_xs = split_operands(rest, n_consts, n_carry)
        _check_dtype(index_var.aval)
        index = self.define(inner, index_var)
        for var, atom in zip(b_consts, consts):
            inner[var.id] = self.slot(env, atom)
        carries = []
        for var, atom in zip(b_carry, init):
            slot = self.define(inner, var)
            n = _size(var.aval.shape)
            self.copy(slot, self.slot(env, atom), n, _size(atom.aval.shape) == 1)
            carries.append((slot, n))
        rows_in = []
        for var, atom in zip(b_xs, xs):
            rows_in.append((self.define(inner, var), self.slot(env, atom),
                            _size(var.aval.shape)))
        ys = []
        for var in eqn.outputs[n_carry:]:
            ys.append((self.define(env, var), _size(var.aval.shape[1:])))
        counter, position = self.register(), self.register()
        self.emit(I.LOOP_INIT, counter)
        test = self.emit(I.LOOP_TEST, counter, b=position, n=length, sa=int(bool(p["reverse"])))
        if _reads(body, index_var):
            self.emit(I.INDEX, index, start, position)
        for slot, source, n in rows_in:
            self.emit(I.ROW_IN, slot, source, position, n=n)
        self.program(body, inner)
        outs = list(body.outputs)
        for (target, n), atom in zip(ys, outs[n_carry:]):   # before the carries change
            source = self.slot(inner, atom)
            if _size(atom.aval.shape) == 1 and n != 1:
                raise Unsupported("a scan output broadcast from a scalar")
            self.emit(I.ROW_OUT, target, source, position, n=n)
        self.copy_back(inner, outs[:n_carry], carries)
        self.emit(I.LOOP_NEXT, counter, c=test)
        self.rows[test][I.C] = len(self.rows)
        for var, (slot, _) in zip(eqn.outputs[:n_carry], carries):
            env[var.id] = slot

    def while_loop(self, eqn, env):
        p = eqn.params
        cond, body = p["cond"], p["body"]
        cond_consts, body_consts, init = split_operands(list(eqn.inputs), p["n_cond_consts"],
                                                        p["n_body_consts"])
        carries = []
        for var, atom in zip(eqn.outputs, init):
            slot = self.define(env, var)
            n = _size(var.aval.shape)
            self.copy(slot, self.slot(env, atom), n, _size(atom.aval.shape) == 1)
            carries.append((slot, n))
        cond_env, body_env = {}, {}
        for program, consts, inner in ((cond, cond_consts, cond_env),
                                       (body, body_consts, body_env)):
            k = len(consts)
            for var, atom in zip(program.inputs[:k], consts):
                inner[var.id] = self.slot(env, atom)
            for var, (slot, _) in zip(program.inputs[k:], carries):
                _check_dtype(var.aval)
                inner[var.id] = slot
        top = len(self.rows)
        self.program(cond, cond_env)
        exit_row = self.emit(I.JUMP_IF_ZERO, a=self.slot(cond_env, cond.outputs[0]))
        self.program(body, body_env)
        self.copy_back(body_env, list(body.outputs), carries)
        self.emit(I.JUMP, c=top)
        self.rows[exit_row][I.C] = len(self.rows)


def _reads(program, var) -> bool:
    """Whether an equation or an output of ``program`` reads ``var``."""
    return any(a is var for eqn in program.eqns for a in eqn.inputs) or \
        any(a is var for a in program.outputs)


def _check_dtype(aval):
    if np.dtype(aval.dtype) not in _STORED:
        raise Unsupported(f"values of dtype {np.dtype(aval.dtype)} (the interpreter holds "
                          "float64, int64 and bool)")


def assemble(program: Program) -> Assembly:
    asm = _Assembler()
    env = {}
    input_rows, sizes, at = [], [], 0
    for var in program.inputs:
        slot = asm.define(env, var)
        n = _size(var.aval.shape)
        input_rows.append((at, slot, n))
        sizes.append(n)
        at += n
    asm.program(program, env)
    output_rows, at = [], 0
    for atom in program.outputs:
        _check_dtype(atom.aval)
        n = _size(atom.aval.shape)
        output_rows.append((at, asm.slot(env, atom), n))
        at += n
    workspace = np.zeros(max(asm.size, 1))
    for offset, values in asm.initial:
        workspace[offset:offset + values.size] = values
    code = np.array(asm.rows, dtype=np.int64).reshape(-1, I.WIDTH)
    as_rows = lambda rows: np.array(rows, dtype=np.int64).reshape(-1, 3)
    return Assembly(code, workspace, asm.n_regs, as_rows(input_rows), as_rows(output_rows),
                    tuple(sizes), tuple(a.aval for a in program.outputs), len(program.inputs),
                    at)
