"""Paths: one program per sequence of Python decisions on traced values, checked on every call.

A function traced with the values of a call may decide on them (``if x > 0:``,
optad/trace/guards.py); its trace then is one *path*, valid for the calls whose decisions come
out the same.  Per signature the transformed function keeps a ``PathSet`` of such entries,
most recently used first.  Each entry's kernel runs the transformed program *and* the path's
guard, an extra boolean output, last ("checked" program); a call uses the result of the first
kernel whose guard holds, trying the most recently used first, and traces the path its values
take when none does.  So a call never returns a result computed on a path its values do not
take: every result comes with its own check.

At most ``$OPTAD_MAX_PATHS`` (default 8) paths are kept per signature, the least recently used
dropped first; a function that keeps producing new paths (a ``while`` whose trip count depends
on the data) is told so once with a ``GuardWarning``.
"""
from __future__ import annotations

import os
import sys
import warnings
from collections import Counter

from ..trace.tracer import Trace
from ..transforms import eval_program, simplify
from ..transforms.select import select_outputs

DEFAULT_MAX_PATHS = 8


def max_paths() -> int:
    """How many paths are kept per signature ($OPTAD_MAX_PATHS, default 8, at least 1)."""
    text = os.environ.get("OPTAD_MAX_PATHS", "")
    try:
        return max(int(text), 1) if text else DEFAULT_MAX_PATHS
    except ValueError:
        return DEFAULT_MAX_PATHS


class GuardWarning(RuntimeWarning):
    """A function keeps taking new paths through its decisions on traced values."""


class PathMiss(Exception):
    """The decisions of a path's trace do not all hold for this call (internal)."""


class PathSet:
    """The guarded entries of one signature, most recently used first (``entries``, a tuple
    replaced whole, so a reader never sees it half changed)."""

    def __init__(self):
        self.entries: tuple = ()
        self.traced = 0
        self.warned = False

    def find(self, decisions):
        for entry in self.entries:
            if entry.decisions == decisions:
                return entry
        return None

    def promote(self, entry):
        entries = self.entries
        if entries and entries[0] is entry:
            return
        self.entries = (entry,) + tuple(e for e in entries if e is not entry)

    def add(self, entry, name):
        """Keep ``entry`` (a new path), dropping the least recently used beyond the bound."""
        if self.entries:
            check_same_outputs(self.entries[0], entry, name)
        entry.paths = self
        self.traced += 1
        limit = max_paths()
        self.entries = ((entry,) + self.entries)[:limit]
        if self.traced > limit and not self.warned:
            self.warned = True
            warnings.warn(too_many_paths(name, self.traced, limit, entry), GuardWarning,
                          stacklevel=_user_stacklevel())


def _user_stacklevel() -> int:
    """The stacklevel of the innermost caller outside optad (for warnings.warn)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    level, frame = 1, sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        level, frame = level + 1, frame.f_back
    return level


def too_many_paths(name, count, limit, entry):
    line, _ = Counter(entry.lines).most_common(1)[0]
    return (f"optad: {name} has taken {count} different paths through its Python decisions "
            f"on traced values at one signature ({entry.signature.describe()}); each new path "
            f"is traced and compiled again, and only the {limit} most recently used are kept "
            f"($OPTAD_MAX_PATHS). The latest path took {len(entry.decisions)} decisions, most "
            f"often at {line}. A loop whose trip count depends on the data (while err > tol:) "
            "makes a new path for every count: use optad.while_loop, a fixed number of "
            "iterations, or np.where.")


def check_same_outputs(first, entry, name):
    """Paths of one signature must return the same structure, shapes and dtypes (the caller
    is told them before knowing the path, as with optad.jvp's outputs)."""
    avals = [(o.aval.shape, o.aval.dtype) for o in first.program.outputs]
    new = [(o.aval.shape, o.aval.dtype) for o in entry.program.outputs]
    if first.out_tree != entry.out_tree or avals != new:
        raise TypeError(
            f"{name}: the branches taken by Python decisions on traced values return different "
            f"results: {first.out_tree} with {avals} on one path, {entry.out_tree} with {new} "
            f"on another (decisions at {', '.join(sorted(set(entry.lines)))}). Return the same "
            "structure, shapes and dtypes from every branch.")


def guarded_programs(program, build):
    """From a traced path (its last output the guard): the transformed program ``build`` of
    the rest, the guard alone (over the traced inputs), and the program compiled: the
    transformed one with the guard as one more output, last (``simplify`` shares what both
    compute)."""
    n = len(program.outputs) - 1
    built = build(simplify(select_outputs(program, range(n))))
    guard = simplify(select_outputs(program, [n]))
    with Trace() as trace:
        inputs = [trace.new_input(v.aval) for v in built.inputs]
        outs = eval_program(built, inputs) + eval_program(guard, inputs[:len(guard.inputs)])
        checked = simplify(trace.to_program(outs))
    return built, guard, checked


# ------------------------------------------------------------------------ running a path

def run(transformed, entry, values):
    """The outputs (without the guard) of the path these flat values take, starting with
    ``entry``'s: a kernel whose guard holds answers; with none, the values' path is traced
    (and compiled) and answers.  A kernel that raises counts as not holding, unless its path
    is the one the values take."""
    paths = entry.paths
    for candidate in (entry,) + tuple(e for e in paths.entries if e is not entry):
        kernel = transformed.kernel(candidate)   # compile errors are not the data's: raise
        try:
            outs = kernel(*values)
        except Exception:  # noqa: BLE001 - a branch not taken may fail (e.g. a singular solve)
            continue
        if outs[-1]:
            paths.promote(candidate)
            return outs[:-1]
    n = len(entry.signature.traced_positions)
    taken = transformed.trace_path_into(paths, entry.signature, list(values[:n]))
    outs = transformed.kernel(taken)(*values)
    if taken.paths is None:          # the function no longer decides (it reads a global)
        return outs
    paths.promote(taken)
    return outs[:-1]   # this trace's decisions are the values' own, whatever the kernel says


def select(transformed, entry, values):
    """The entry of the path the traced leaves' ``values`` take, without running the
    transformed program: each path's guard is evaluated with NumPy (for ``lowered``)."""
    for candidate in (entry,) + tuple(e for e in entry.paths.entries if e is not entry):
        try:
            holds = bool(eval_program(candidate.guard, values)[0])
        except Exception:  # noqa: BLE001 - as in run
            continue
        if holds:
            return candidate
    return transformed.trace_path_into(entry.paths, entry.signature, list(values))


# ---------------------------------------------------------------------- the hot path

def checked(kernel, arity=None):
    """``kernel`` raising PathMiss when the path's guard (its last output) does not hold.  Its
    outputs keep the guard, last: fast closures take outputs by position.  With ``arity`` (the
    kernel's number of arguments) the wrapper is written out with named parameters, which
    costs a hot call about half what ``*args`` does."""
    if arity is None:
        def run_checked(*args):
            try:
                outs = kernel(*args)
            except Exception:  # noqa: BLE001 - the slow path tells a real error (see run)
                raise PathMiss from None
            if outs[-1]:
                return outs
            raise PathMiss
        return run_checked
    names = ", ".join(f"a{k}" for k in range(arity))
    source = (f"def run_checked({names}):\n"
              "    try:\n"
              f"        outs = kernel({names})\n"
              "    except Exception:\n"
              "        raise PathMiss from None\n"
              "    if outs[-1]:\n"
              "        return outs\n"
              "    raise PathMiss\n")
    namespace = {"kernel": kernel, "PathMiss": PathMiss}
    exec(compile(source, "<optad guarded kernel>", "exec"), namespace)  # noqa: S102
    return namespace["run_checked"]


def fast_closure(transformed, paths, key, layout):
    """The hot-path closure of a guarded signature for arguments of ``key``/``layout``: the
    fast closure of the path used last, raising PathMiss when its guard fails; its ``switch``
    attribute then tries the other paths' (and makes the one that holds the closure kept in
    ``transformed._fast``), raising PathMiss when none holds (the caller then takes the slow
    path, which traces the new path).  None when the transformation has no fast closure for
    this layout."""
    def fast_of(entry):
        fn = entry.fast.get(key)
        if fn is None:
            kernel = checked(transformed.kernel(entry), len(entry.checked.inputs))
            fn = transformed.make_fast(kernel, entry, layout)
            if fn is None:
                return None
            fn.switch = switch
            entry.fast[key] = fn
        return fn

    def switch(*args):
        failed = transformed._fast.get(key)
        for entry in paths.entries:
            fn = fast_of(entry)
            if fn is failed:
                continue
            try:
                result = fn(*args)
            except PathMiss:
                continue
            paths.promote(entry)
            transformed._fast[key] = fn
            return result
        raise PathMiss

    return fast_of(paths.entries[0])
