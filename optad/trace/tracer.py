"""Trace objects record equations; Tracer objects stand in for arrays while a function runs.

``bind(primitive, *args, **params)`` is the single entry point every op goes through.  With no
Tracer among its arguments it simply evaluates the primitive's NumPy implementation (so
constants fold for free).  Otherwise it records an equation in the innermost active trace;
arrays and tracers of enclosing traces that meet a tracer become constants of that trace.
"""
from __future__ import annotations

import dis
import os
import sys
import threading
import traceback

import numpy as np

from ..ir.program import Eqn, Lit, Program, ShapedArray, Var
from ..ir.primitive import impl_rules, shape_rules
from . import compared as _compared
from . import guards as _guards

_OPTAD_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class TracerError(Exception):
    """A traced value was used where a concrete value is needed."""


def check_dtype(dtype, what: str):
    """Refuse, before anything is traced or compiled, the dtypes no backend computes with:
    complex, float16, byte orders other than the machine's, and non-numeric kinds."""
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        raise TypeError(f"{what} is complex ({dtype}): optad does not support complex numbers "
                        "on any backend; split it into real and imaginary float arrays")
    if dtype == np.float16:
        raise TypeError(f"{what} is float16, which optad does not support; convert it with "
                        ".astype(np.float32)")
    if dtype.kind not in "biuf":
        raise TypeError(f"{what} has dtype {dtype}; optad computes with booleans, integers, "
                        "float32 and float64 only")
    if not dtype.isnative:
        raise TypeError(f"{what} has the non-native byte order {dtype.str!r}; convert it with "
                        ".astype(np.float64) (or the dtype you need) first")
    return dtype


def user_frame() -> str:
    """'file:line: code' of the innermost stack frame outside optad and NumPy."""
    numpy_dir = os.path.dirname(np.__file__)
    for frame in reversed(traceback.extract_stack()):
        path = os.path.abspath(frame.filename)
        if path.startswith(_OPTAD_DIR) or path.startswith(numpy_dir):
            continue
        if os.sep + "tests" + os.sep in path and os.path.basename(path).startswith("conftest"):
            continue
        return f"{frame.filename}:{frame.lineno}: {(frame.line or '').strip()}"
    return "<unknown>"


class _ThreadState(threading.local):
    """Per thread: the traces being recorded, innermost last (``stack``).  Test it for truth
    ("is this thread tracing?"), never modify it (enter a Trace instead).  Each thread traces
    on its own: another thread's trace is invisible here, and so are the NumPy wrappers
    (optad/numpy/patches.py tests ``stack`` of the calling thread)."""

    def __init__(self):
        self.stack: list = []
        self.where = None  # see set_where


thread_state = _ThreadState()

# (on_first_enter, on_last_exit) pairs called when a thread enters its outermost trace and
# when it leaves it (optad.numpy.patches registers the NumPy wrappers here).  The tracer layer
# knows nothing of NumPy's namespace; the layer above hooks in.
_outermost_hooks: list = []


def add_outermost_trace_hooks(on_first_enter, on_last_exit):
    """Call ``on_first_enter()`` whenever a thread starts its outermost trace and
    ``on_last_exit()`` when that trace ends (also when it ends by an exception)."""
    if (on_first_enter, on_last_exit) not in _outermost_hooks:
        _outermost_hooks.append((on_first_enter, on_last_exit))


# Functions mapping a callable about to be traced to the one to trace instead (the NumPy
# wrappers register theirs: ``optad.grad(np.append)`` traces the wrapper of np.append).
_callable_hooks: list = []


def add_callable_hook(hook):
    """Have ``traced_callable`` pass every function it is given through ``hook``."""
    if hook not in _callable_hooks:
        _callable_hooks.append(hook)


def traced_callable(fun):
    """The callable to trace for ``fun`` (``fun`` itself unless a hook maps it)."""
    for hook in _callable_hooks:
        fun = hook(fun)
    return fun


def set_where(where):
    """Set the source note for the equations this thread emits next; returns the previous one.
    While a transform re-emits the equations of an existing program it sets the source line of
    the equation being transformed, so derived equations keep naming the user's line."""
    previous = thread_state.where
    thread_state.where = where
    return previous


class Trace:
    """Collects the equations of one Program under construction."""

    def __init__(self):
        self.level = len(thread_state.stack)
        self.inputs: list[Var] = []
        self.eqns: list[Eqn] = []
        self.constvars: list[Var] = []
        self.constvalues: list = []
        self._const_ids: dict[int, Var] = {}
        self._kept: list = []
        self.active = False
        self.record_where = True
        self.guards = None   # a GuardState when the inputs' values are known (guards.py)

    def guard_with(self, values):
        """Take Python decisions on this trace's values from the inputs' values ``values``
        (one per input, created before), recording each as a guard (guards.py)."""
        self.guards = _guards.GuardState(self, values)

    def __enter__(self):
        stack = thread_state.stack
        if not stack:
            entered = []
            try:
                for on_enter, on_exit in _outermost_hooks:
                    on_enter()
                    entered.append(on_exit)
            except BaseException:
                for on_exit in reversed(entered):
                    on_exit()
                raise
        stack.append(self)
        self.active = True
        return self

    def __exit__(self, *exc):
        stack = thread_state.stack
        popped = stack.pop()
        assert popped is self
        self.active = False
        if not stack:
            for _, on_exit in reversed(_outermost_hooks):
                on_exit()
        error = exc[1] if len(exc) > 1 else None
        if isinstance(error, ValueError) and isinstance(error.__cause__, TracerError):
            raise error.__cause__ from None   # NumPy's "setting an array element with a
            # sequence" (a[i] = x into a NumPy array) would hide optad's reason

    def new_input(self, aval: ShapedArray) -> "Tracer":
        check_dtype(aval.dtype, f"an input of shape {tuple(aval.shape)}")
        var = Var(aval)
        self.inputs.append(var)
        return Tracer(self, var)

    def constant(self, value) -> Var:
        """A Var for an array (or an enclosing trace's tracer) this trace closes over.

        An array is captured by value: a read-only copy taken now, so changing the array after
        tracing changes neither the values folded while tracing nor the ones the kernel reads
        (trace again - a new function object - to use new values)."""
        key = id(value)
        var = self._const_ids.get(key)
        if var is None:
            self._kept.append(value)  # keeps the object alive, so its id stays unique
            if isinstance(value, Tracer):
                aval = value.aval
            else:
                value = np.array(value, copy=True)
                check_dtype(value.dtype, f"the array of shape {value.shape} used at "
                                         f"{user_frame()}")
                value.flags.writeable = False
                aval = ShapedArray(value.shape, value.dtype)
            var = Var(aval)
            self._const_ids[key] = var
            self.constvars.append(var)
            self.constvalues.append(value)
        return var

    def atom(self, value, dtype=None):
        """Turn a bind argument into an IR atom of this trace."""
        if isinstance(value, Tracer):
            if value._trace is self:
                return value._var
            if value._trace.level > self.level:
                raise TracerError(
                    "a value traced inside an inner transformation escaped from it "
                    "(for example a Tracer stored in a global or returned through a closure)")
            return self.constant(value)
        if isinstance(value, (bool, int, float)) and not isinstance(value, np.generic):
            # a Python scalar is weakly typed: it takes the dtype of the array operands
            return Lit(value, dtype if dtype is not None else np.asarray(value).dtype)
        if isinstance(value, (complex, np.number, np.bool_)) or (
                isinstance(value, np.ndarray) and value.ndim == 0):
            dtype = check_dtype(np.asarray(value).dtype,
                                f"the scalar {np.asarray(value).item()!r} at {user_frame()}")
            return Lit(value, dtype)
        return self.constant(value)

    def to_program(self, outputs) -> Program:
        outs = []
        for out in outputs:
            outs.append(self.atom(out))
        return Program(tuple(self.inputs), tuple(self.constvars), tuple(self.constvalues),
                       tuple(self.eqns), tuple(outs))


def _innermost_trace(args):
    trace = None
    for a in args:
        if isinstance(a, Tracer):
            if not a._trace.active:
                raise TracerError(
                    "a Tracer from a finished trace was used: a value computed while tracing "
                    "was kept (in a global, a list or a closure) and used after the traced "
                    "function returned. Return it from the function instead.")
            if trace is None or a._trace.level > trace.level:
                trace = a._trace
    return trace


def _reference_dtype(args):
    """The dtype scalar arguments take: that of the first non-boolean array operand."""
    first = None
    for a in args:
        if isinstance(a, (Tracer, np.ndarray)) and a.ndim > 0 or isinstance(a, Tracer):
            if a.dtype != np.bool_:
                return a.dtype
            first = first if first is not None else a.dtype
    return first


def bind(prim, *args, **params):
    trace = _innermost_trace(args)
    if trace is None:
        stack = thread_state.stack
        if not (prim.record_constants and stack):
            return impl_rules[prim](*args, **params)
        trace = stack[-1]
    ref = _reference_dtype(args)
    atoms = [trace.atom(a, ref) for a in args]
    lits = [isinstance(a, Lit) for a in atoms]
    out_avals = shape_rules[prim](*[a.aval for a in atoms], lits=lits, **params)
    out_vars = tuple(Var(aval) for aval in out_avals)
    where = thread_state.where
    if where is None:
        where = user_frame() if trace.record_where else ""
    trace.eqns.append(Eqn(prim, tuple(atoms), params, out_vars, where))
    outs = tuple(Tracer(trace, v) for v in out_vars)
    return outs if prim.multiple_results else outs[0]


NUMBER_HINT = (
    "A traced value cannot be used as a Python number (a count, a size, an index, or a float "
    "handed to Python code): optad compiles your function once per input signature and per "
    "path of decisions, not once per value. To branch on the value, compare the traced value "
    "itself (`if x > 0.5:` is guarded: checked on every call). "
    "To use it as a count or an index, pass it as a static (non-array) argument. To choose "
    "between values, use np.where(condition, a, b).")
INT_HINT = NUMBER_HINT + (
    " For whole numbers in arithmetic (int(x) * y), np.trunc(x) or np.floor(x) keep the value "
    "traced (derivative 0), and x.astype(int) converts a traced array.")
NUMBER_HINTS = {float: NUMBER_HINT, int: INT_HINT}
DECISION_HINT = (
    "optad guards Python decisions on traced values (if/while/and/or, bool()): it checks them "
    "on every call and traces the other branch when it is taken. Here it cannot: {reason}. "
    "Use np.where(condition, a, b) to choose between values, or pass the value as a static "
    "(non-array) argument. Python's built-ins max(), min() and sorted() compare values with "
    "bool(): np.max / np.min over an array (np.maximum / np.minimum for two values) and "
    "np.sort trace without decisions.")
ASSIGNMENT_HINT = (" A NumPy array holds numbers, not traced values: build the array from the "
                   "traced values instead, with np.stack([x, y]) or np.array([x, y]) (or "
                   "np.where / np.concatenate to change some entries of a traced array).")
_STORE_SUBSCR = dis.opmap["STORE_SUBSCR"]


def _storing_item() -> bool:
    """Whether the Python code that (through NumPy) asked for float() of a tracer is an item
    assignment ``a[i] = x``: NumPy converts the value to store with float()."""
    frame = sys._getframe(2)  # _storing_item <- Tracer.__float__ <- (NumPy, C) <- user code
    code = frame.f_code.co_code
    return 0 <= frame.f_lasti < len(code) and code[frame.f_lasti] == _STORE_SUBSCR


def decide_guard(flag, label):
    """Decide on the guard ``flag`` (a traced boolean) of a path traced inside this trace with
    its values, whose own decisions are ``label``; its truth (guards.decide)."""
    if not isinstance(flag, Tracer):
        return bool(flag)
    try:
        return _guards.decide(flag, bind, user_frame(), thread_state, label)
    except _guards.Unguardable as why:
        raise TracerError(f"a guarded path inlined at {user_frame()} cannot be checked: "
                          f"{why}") from None


def known_values(leaves):
    """The values of ``leaves`` at the call being traced, or None (guards.known_values)."""
    return _guards.known_values(leaves, thread_state)


def make_program_flat(fun, avals) -> Program:
    """Trace ``fun(*tracers)``, where ``avals`` describe its flat array inputs and ``fun``
    returns a flat list of outputs (arrays, tracers or scalars)."""
    return make_path_flat(fun, avals, None)[0]


def make_path_flat(fun, avals, values):
    """Like make_program_flat, with the inputs' values ``values`` (or None) to take Python
    decisions on traced values by: returns (program, decisions, lines).  With decisions, the
    program has one more output, last: True when every decision comes out the same again
    (guards.py); ``lines`` says where each was taken."""
    with Trace() as trace:
        tracers = [trace.new_input(aval) for aval in avals]
        if values is not None:
            trace.guard_with(values)
        outs = list(fun(*tracers))
        state = trace.guards
        if state is None or not state.decisions:
            return trace.to_program(outs), (), ()
        return (trace.to_program(outs + [state.flag]), tuple(state.decisions),
                tuple(state.lines))


# ------------------------------------------------------------------------- Tracer

class Tracer:
    """Stands in for an array while a function is traced."""

    __slots__ = ("_trace", "_var")
    __array_priority__ = 1000

    def __init__(self, trace: Trace, var: Var):
        self._trace = trace
        self._var = var

    # -- metadata
    @property
    def aval(self):
        return self._var.aval

    @property
    def shape(self):
        return self._var.aval.shape

    @property
    def dtype(self):
        return self._var.aval.dtype

    @property
    def ndim(self):
        return len(self._var.aval.shape)

    @property
    def size(self):
        return self._var.aval.size

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of a 0-d traced array")
        return self.shape[0]

    def __repr__(self):
        return f"Tracer<{self.aval}>"

    # -- concrete value needed: a decision is guarded (guards.py); a number is an error
    def _concrete(self, what, hint=NUMBER_HINT):
        raise TracerError(f"{what} of a traced value at {user_frame()}\n" + hint)

    def __bool__(self):
        if self.size != 1:
            raise TracerError(
                f"bool() of a traced array of {self.size} elements at {user_frame()}\n"
                "Its truth is ambiguous (as in NumPy): use np.any(...) or np.all(...) to "
                "decide on one value, or np.where(condition, a, b) to choose between values "
                "element by element.")
        if not _guards.enabled():
            reason = f"guarding is off (${_guards.ENV}=0)"
        else:
            where = user_frame()
            try:
                return _guards.decide(self, bind, where, thread_state)
            except _guards.Unguardable as why:
                reason = str(why)
        self._concrete("bool()", DECISION_HINT.format(reason=reason))

    def __float__(self):
        if _storing_item():
            self._concrete("assignment into a NumPy array (a[i] = x)", ASSIGNMENT_HINT.lstrip())
        return self._decided_number(float, sys._getframe(1))

    def __int__(self):
        return self._decided_number(int, sys._getframe(1))

    def _decided_number(self, kind, frame):
        """float(self) / int(self) where the number is a decision, guarded (guards.py): a
        one-element boolean (its number, 1 or 0, is fixed by its truth: ``float(x >= 0)``), or
        a value the calling code only compares with a Python number right away
        (``if float(s) > 0.5:``, compared.py).  Any other use is the error naming the line."""
        what = f"{kind.__name__}()"
        if not _guards.enabled():
            self._concrete(what, NUMBER_HINTS[kind])
        try:
            if self.dtype == np.bool_ and self.size == 1:
                return _guards.decide_truth_number(self, kind, bind, user_frame(), thread_state)
            compared = _compared.number_compared(frame, self, kind)
            if compared is None:
                self._concrete(what, NUMBER_HINTS[kind])
            op, number = compared
            return _guards.decide_number(self, kind, op, number, bind, user_frame(),
                                         thread_state)
        except _guards.Unguardable as why:
            self._concrete(what, DECISION_HINT.format(reason=str(why)))

    def __index__(self):
        self._concrete("use as an index")

    def __complex__(self):
        self._concrete("complex()")

    def __array__(self, *args, **kwargs):
        self._concrete("conversion to a NumPy array (np.asarray/np.array)")

    def __setitem__(self, key, value):
        raise TracerError(
            f"item assignment on a traced array at {user_frame()}: traced arrays are "
            "immutable. Build the result with np.where, np.concatenate or np.stack instead.")

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d traced array")
        return (self[i] for i in range(self.shape[0]))

    def __hash__(self):
        return id(self)
