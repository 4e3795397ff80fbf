"""Guards: Python control flow on traced values, decided by the values of the call being traced.

A transformed function called with arrays is traced with those arrays' values at hand
(``Trace.guards``, a ``GuardState``).  When the function asks for ``bool()`` of a one-element
traced value (``if x > 0:``, ``while err > tol:``, ``a and b``, ``max(x, y)``), the value is
computed from the call's inputs with the primitives' NumPy implementations, the branch it
selects is taken, and the decision is recorded in the program itself: one boolean, "every
decision of this trace comes out the same again", is carried through the equations as the
decisions happen (``flag = flag & p`` or ``flag = flag & ~p``, on the user's line) and becomes
an extra output.  The program so traced is one *path*; the API's path cache (optad/api/paths.py)
checks that output on every call and traces another path when it is False.

Because the flag is updated where each decision is made, a Python loop whose body decides is
rerolled only over iterations that decided alike (their equations differ otherwise), and a
rolled loop carries the flag through every iteration: no later decision is ever dropped.

Guarding is on unless ``$OPTAD_GUARDS`` is 0/false/no/off (read when a decision is traced);
off, ``bool()`` of a traced value is the error it always was.  It does not apply in a trace
whose inputs have no values (loop bodies of optad.fori_loop/scan/while_loop, optad.checkpoint):
there it is an error naming the line and the way out.  A transformation called while tracing
(``optad.hessian`` is jacfwd of grad) is traced with the enclosing call's values, and the guard
of its path becomes a decision of the enclosing trace.

This module sits in the tracer layer: it finds the primitives it records by name in the
IR's registry (filled by optad/primitives/) rather than importing them.
"""
from __future__ import annotations

import os

import numpy as np

from ..ir.program import Lit
from ..ir.primitive import impl_rules, primitives

ENV = "OPTAD_GUARDS"


def enabled() -> bool:
    """Whether value-dependent decisions are guarded ($OPTAD_GUARDS, default on)."""
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no", "off")


class Unguardable(Exception):
    """A decision that cannot be guarded here; carries the reason for the error message."""


class GuardState:
    """The values of one trace's inputs and what has been computed from them, and the
    decisions taken so far (``decisions``: True/False per decision, ``lines``: where)."""

    def __init__(self, trace, values):
        self.trace = trace
        self.values = {var.id: np.asarray(v) for var, v in zip(trace.inputs, values)}
        self.producer = {}        # var id -> index of the equation defining it
        self.indexed = 0          # equations of the trace indexed into ``producer`` so far
        self.decisions: list = []
        self.lines: list = []
        self.flag = None          # Tracer: all decisions so far come out the same again

    # -- concrete values of traced variables
    def _index(self):
        eqns = self.trace.eqns
        for k in range(self.indexed, len(eqns)):
            for var in eqns[k].outputs:
                self.producer[var.id] = k
        self.indexed = len(eqns)

    def _constant(self, var):
        trace = self.trace
        for cvar, value in zip(trace.constvars, trace.constvalues):
            if cvar is var:
                if not isinstance(value, np.ndarray):  # a tracer of an enclosing trace
                    raise Unguardable("the decision depends on a value of an enclosing trace")
                return value
        return None

    def value_of(self, var):
        """The concrete value of ``var`` (a Var of this trace) at the call being traced:
        the equations it depends on that were not computed yet are, in order."""
        if isinstance(var, Lit):
            return np.asarray(var.value)
        if var.id in self.values:
            return self.values[var.id]
        self._index()
        eqns = self.trace.eqns
        needed, todo = set(), [var]
        while todo:
            v = todo.pop()
            if isinstance(v, Lit) or v.id in self.values:
                continue
            k = self.producer.get(v.id)
            if k is None:
                value = self._constant(v)
                if value is None:
                    raise Unguardable("the decision depends on a value this trace cannot see")
                self.values[v.id] = value
                continue
            if k not in needed:
                needed.add(k)
                todo.extend(eqns[k].inputs)
        for k in sorted(needed):
            self._run(eqns[k])
        return self.values[var.id]

    def _run(self, eqn):
        args = [np.asarray(a.value) if isinstance(a, Lit) else self.values[a.id]
                for a in eqn.inputs]
        outs = impl_rules[eqn.primitive](*args, **eqn.params)
        if not eqn.primitive.multiple_results:
            outs = (outs,)
        for var, value in zip(eqn.outputs, outs):
            self.values[var.id] = np.asarray(value)


def decide(tracer, bind, where, thread_state, label=None) -> bool:
    """The truth of a one-element traced value at the call being traced, recorded as a
    decision of the trace (``bind`` records an equation; ``where`` names the user's line;
    ``thread_state`` is the tracer's per-thread state).  Raises Unguardable when the decision
    cannot be guarded here.

    A path is keyed by its decisions: the trace is the same again when every decision comes
    out the same, as long as what is decided on is determined by the decisions before it.
    The guard of a transformation called while tracing is decided on with ``label``, the
    inner path's own decisions, which say what that guard is."""
    trace = tracer._trace
    state = trace.guards
    if state is None or thread_state.stack[-1] is not trace:
        raise Unguardable("this trace has no input values to decide by (the body of "
                          "optad.fori_loop, scan or while_loop, or of optad.checkpoint, or a "
                          "transformation called in one of those)")
    prim = primitives
    pred = tracer
    if pred.dtype != np.bool_:
        pred = bind(prim["ne"], pred, 0)
    if pred.shape != ():
        pred = bind(prim["reshape"], pred, shape=())
    value = bool(_evaluate(state, pred._var, thread_state))
    term = pred if value else bind(prim["not"], pred)
    state.flag = term if state.flag is None else bind(prim["and"], state.flag, term)
    state.decisions.append(value if label is None else (value, label))
    state.lines.append(where)
    return value


_COMPARISONS = {"<": "lt", "<=": "le", "==": "eq", "!=": "ne", ">": "gt", ">=": "ge"}


def decide_float(tracer, op, number, bind, where, thread_state) -> float:
    """``float(tracer)`` for code that only compares it, ``float(tracer) op number``
    (compared.py): the comparison is recorded as a decision, and the value returned makes
    Python's comparison come out as decided."""
    return decide_number(tracer, float, op, number, bind, where, thread_state)


def decide_number(tracer, kind, op, number, bind, where, thread_state):
    """``kind(tracer)`` (``kind`` float or int) for code that only compares it,
    ``kind(tracer) op number`` (compared.py): the comparison -- of the value truncated towards
    zero for int(), as int() truncates -- is recorded as a decision, and the number returned
    makes Python's comparison come out as decided."""
    if tracer.size != 1:
        raise Unguardable(f"{kind.__name__}() of an array of {tracer.size} elements")
    x = tracer
    if x.dtype != np.float64:    # compared in float64, as Python compares the float
        x = bind(primitives["convert"], x, dtype=np.dtype(np.float64))
    if x.shape != ():
        x = bind(primitives["reshape"], x, shape=())
    exact = None
    if kind is int:
        # int() raises for NaN and infinities and is exact in float64 up to 2**53: a path
        # taken by int() holds only for values of that range (decided first, below)
        magnitude = bind(primitives["abs"], x)
        exact = bind(primitives["le"], magnitude, float(2 ** 53))
        if tracer.dtype.kind == "f":   # int() truncates: sign(x) * floor(|x|)
            x = bind(primitives["mul"], bind(primitives["sign"], x),
                     bind(primitives["floor"], magnitude))
    state, value = tracer._trace.guards, None
    if state is not None and thread_state.stack and thread_state.stack[-1] is tracer._trace:
        # Python's own error for int(nan) / int(inf) before anything is recorded
        value = kind(float(_evaluate(state, x._var, thread_state)))
        if kind is int and abs(value) > 2 ** 53:
            raise Unguardable(f"int() of {value}, beyond the integers float64 holds exactly")
    if exact is not None and not decide(exact, bind, where, thread_state):
        raise AssertionError("optad: int() of a value beyond 2**53 decided as exact")
    pred = bind(primitives[_COMPARISONS[op]], x, number)
    decided = decide(pred, bind, where, thread_state)
    if _python_compare(value, op, number) != decided:
        raise AssertionError(f"optad: {kind.__name__}() comparison decided unlike Python")
    return value


def decide_truth_number(tracer, kind, bind, where, thread_state):
    """``kind(b)`` (float or int) of a one-element traced boolean: the number is 1 or 0 as
    ``b`` is true or false, so it is the decision on ``b`` (guarded like ``if b:``) whatever
    the code does with it next -- ``float(x >= 0)`` is ``1.0 if x >= 0 else 0.0``."""
    return kind(decide(tracer, bind, where, thread_state))


def _python_compare(a, op, b):
    return {"<": a < b, "<=": a <= b, "==": a == b, "!=": a != b, ">": a > b,
            ">=": a >= b}[op]


def known_values(leaves, thread_state):
    """The values, at the call being traced, of ``leaves`` (arrays, numbers, or tracers of
    this thread's innermost trace when it has input values), or None when one is unknown.
    A transformation called while tracing traces its function with them, so its decisions
    become guards of the enclosing trace (optad/api/transformed.py)."""
    stack = thread_state.stack
    state = stack[-1].guards if stack else None
    values = []
    for leaf in leaves:
        trace = getattr(leaf, "_trace", None)
        if trace is None:
            values.append(np.asarray(leaf))
        elif trace is not stack[-1] or state is None:
            return None
        else:
            try:   # speculative (the function may not decide): quietly, and no new errors
                with np.errstate(all="ignore"):
                    values.append(_evaluate(state, leaf._var, thread_state))
            except Exception:  # noqa: BLE001 - then its decisions cannot be guarded
                return None
    return values


def _evaluate(state, var, thread_state):
    """``state.value_of(var)`` with this thread's trace stack set aside, so that primitives
    whose NumPy implementation binds others (loops) compute instead of recording."""
    saved = thread_state.stack
    thread_state.stack = []
    try:
        return state.value_of(var)
    finally:
        thread_state.stack = saved
