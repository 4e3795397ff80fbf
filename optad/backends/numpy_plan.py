"""The NumPy evaluator's plan: a Program written out once as a Python function of NumPy calls.

Interpreting a Program equation by equation costs a few microseconds of bookkeeping per
equation (operands looked up, parameters unpacked), and a loop body pays it again at every
step.  A plan pays it once: each equation becomes one line calling its primitive's NumPy
implementation (``primitives/``, the reference semantics) with its parameters already bound,
and a ``scan`` or ``while`` becomes a Python loop with its body's lines inside it.  Python's
own compiler makes the function in milliseconds, so the plan needs no Numba and is ready as
soon as the program is traced: the first tier of the Numba backend (numba/tiered.py) and the
NumPy backend both run it.

The values are the interpreter's exactly: the same implementations on the same operands in the
same order (a loop's index is an int64 scalar, its stacked outputs are filled slot by slot, its
final carry is converted as ``primitives/loops.py`` does).  ``source`` is the text of the
function, shown by ``program_source``; a traceback points into it.
"""
from __future__ import annotations

import functools
import itertools
import linecache

import numpy as np

from ..ir.program import Lit
from ..primitives.loops import INDEX_DTYPE, scan_p, split_operands, while_p
from ..primitives.registry import impl_rules

_PLANS = itertools.count()


def _final_carry(value, dtype):
    """A loop's final carry as the interpreter returns it (primitives/loops.py)."""
    value = np.asarray(value, dtype=dtype)
    return value[()] if value.ndim == 0 else value


class _Writer:
    def __init__(self):
        self.lines = []
        self.globals = {"np": np, "_index": INDEX_DTYPE.type, "_final": _final_carry}
        self.names = {}
        self._counter = itertools.count()
        self._objects = {}

    def fresh(self, stem="v"):
        return f"{stem}{next(self._counter)}"

    def name(self, var):
        name = self.names.get(var.id)
        if name is None:
            name = self.names[var.id] = self.fresh()
        return name

    def constant(self, value, stem):
        """A global of the plan holding ``value`` (functions, literals, dtypes)."""
        key = id(value)
        held = self._objects.get(key)
        if held is not None and held[1] is value:
            return held[0]
        name = self.fresh(stem)
        self.globals[name] = value
        self._objects[key] = (name, value)
        return name

    def atom(self, atom):
        if isinstance(atom, Lit):
            return self.constant(atom.value, "k")
        return self.name(atom)

    def line(self, depth, text):
        self.lines.append("    " * depth + text)


def _direct(eqn, args):
    """An expression with the implementation's exact result and less Python around it, for
    the shape and reduction primitives that run most (the implementations in primitives/ call
    these same NumPy functions through NumPy's Python-level wrappers), or None."""
    name, p = eqn.primitive.name, eqn.params
    if name == "reshape":
        return f"{args[0]}.reshape({tuple(p['shape'])!r})"
    if name == "transpose":
        return f"{args[0]}.transpose({tuple(p['perm'])!r})"
    if name in _REDUCERS and eqn.inputs[0].aval.ndim > 0:
        return f"np.{_REDUCERS[name]}.reduce({args[0]}, axis={tuple(p['axes'])!r})"
    return None


_REDUCERS = {"reduce_sum": "add", "reduce_max": "maximum", "reduce_min": "minimum"}


def _targets(names):
    return ", ".join(names) + ("," if len(names) == 1 else "")


def _write_eqns(w, eqns, depth, frees=None):
    for k, eqn in enumerate(eqns):
        if eqn.primitive is scan_p:
            _write_scan(w, eqn, depth)
        elif eqn.primitive is while_p:
            _write_while(w, eqn, depth)
        else:
            args = [w.atom(a) for a in eqn.inputs]
            outs = [w.name(v) for v in eqn.outputs]
            expression = _direct(eqn, args)
            if expression is None:
                impl = impl_rules[eqn.primitive]
                call = functools.partial(impl, **eqn.params) if eqn.params else impl
                expression = f"{w.constant(call, eqn.primitive.name + '_')}({', '.join(args)})"
            if eqn.primitive.multiple_results:
                w.line(depth, f"{_targets(outs)} = {expression}")
            else:
                w.line(depth, f"{outs[0]} = {expression}")
        if frees and frees[k]:
            w.line(depth, f"del {', '.join(w.names[i] for i in frees[k])}")


def _bind_inputs(w, body, values, depth):
    """The body's inputs named by the enclosing values (expressions)."""
    for var, value in zip(body.inputs, values):
        w.line(depth, f"{w.name(var)} = {value}")


def _write_scan(w, eqn, depth):
    p = eqn.params
    body, length, start = p["body"], p["length"], p["start"]
    consts, init, xs = split_operands([w.atom(a) for a in eqn.inputs], p["n_consts"],
                                      p["n_carry"])
    n_carry = p["n_carry"]
    carry = [w.fresh("c") for _ in init]
    for name, value in zip(carry, init):
        w.line(depth, f"{name} = {value}")
    ys = [w.name(v) for v in eqn.outputs[n_carry:]]
    for name, aval in zip(ys, body.out_avals[n_carry:]):
        dtype = w.constant(np.dtype(aval.dtype), "dt")
        w.line(depth, f"{name} = np.empty({(length,) + tuple(aval.shape)!r}, {dtype})")
    position = w.fresh("p")
    steps = f"range({length} - 1, -1, -1)" if p["reverse"] else f"range({length})"
    w.line(depth, f"for {position} in {steps}:")
    _bind_inputs(w, body, [f"_index({start} + {position})"] + consts + carry +
                 [f"{x}[{position}]" for x in xs], depth + 1)
    _write_eqns(w, body.eqns, depth + 1)
    outs = [w.atom(a) for a in body.outputs]
    if carry:
        w.line(depth + 1, f"{', '.join(carry)} = {', '.join(outs[:n_carry])}")
    for name, value in zip(ys, outs[n_carry:]):
        w.line(depth + 1, f"{name}[{position}] = {value}")
    for var, name, aval in zip(eqn.outputs[:n_carry], carry, body.out_avals[:n_carry]):
        dtype = w.constant(np.dtype(aval.dtype), "dt")
        w.line(depth, f"{w.name(var)} = _final({name}, {dtype})")


def _write_while(w, eqn, depth):
    p = eqn.params
    cond, body = p["cond"], p["body"]
    cond_consts, body_consts, init = split_operands([w.atom(a) for a in eqn.inputs],
                                                    p["n_cond_consts"], p["n_body_consts"])
    carry = [w.fresh("c") for _ in init]
    for name, value in zip(carry, init):
        w.line(depth, f"{name} = {value}")
    w.line(depth, "while True:")
    _bind_inputs(w, cond, cond_consts + carry, depth + 1)
    _write_eqns(w, cond.eqns, depth + 1)
    w.line(depth + 1, f"if not bool({w.atom(cond.outputs[0])}):")
    w.line(depth + 2, "break")
    _bind_inputs(w, body, body_consts + carry, depth + 1)
    _write_eqns(w, body.eqns, depth + 1)
    outs = [w.atom(a) for a in body.outputs]
    if carry:
        w.line(depth + 1, f"{', '.join(carry)} = {', '.join(outs)}")
    for var, name in zip(eqn.outputs, carry):
        w.line(depth, f"{w.name(var)} = {name}")


def _frees(program):
    """Per top-level equation, the names whose last use it is (not outputs): dropped right
    after it, so ``checkpoint`` saves memory on this backend too."""
    last_use = {}
    for k, eqn in enumerate(program.eqns):
        for atom in eqn.inputs:
            if not isinstance(atom, Lit):
                last_use[atom.id] = k
    keep = {a.id for a in program.outputs if not isinstance(a, Lit)}
    frees = [[] for _ in program.eqns]
    for var_id, k in last_use.items():
        if var_id not in keep:
            frees[k].append(var_id)
    return [sorted(ids) for ids in frees]


class Plan:
    """``plan(*inputs, *constants) -> list of outputs`` of ``program`` (inputs, then its
    constvars' values)."""

    def __init__(self, program, name="plan"):
        w = _Writer()
        params = [w.name(v) for v in (*program.inputs, *program.constvars)]
        w.line(0, f"def {name}({', '.join(params)}):")
        _write_eqns(w, program.eqns, 1, _frees(program))
        outs = [w.atom(a) for a in program.outputs]
        w.line(1, f"return [{', '.join(outs)}]")
        self.source = "\n".join(w.lines) + "\n"
        filename = f"<optad NumPy plan {next(_PLANS)}>"
        linecache.cache[filename] = (len(self.source), None, self.source.splitlines(True),
                                     filename)
        namespace = dict(w.globals)
        exec(compile(self.source, filename, "exec"), namespace)
        self.function = namespace[name]

    def __call__(self, *values):
        return self.function(*values)
