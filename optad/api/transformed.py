"""What every transformed function shares: a per-signature cache of (program, kernel), the
trace-and-inline rule for transformations called while tracing, the hot path, and one
transformed object per (function, transformation, backend, options).

A subclass says how a call's arguments make a signature (``signature``) and which flat
transformation of the traced program it runs (``build``, from flat.py)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .. import tree
from ..backends import default_backend, get_backend
from ..backends.kernel_errors import translated
from ..ir.program import Program
from ..trace.tracer import decide_guard, known_values, thread_state
from ..transforms import eval_program, simplify
from . import fast_path, paths
from .signature import Signature, trace_path, traced_values

DEFAULT_BACKEND = default_backend()
DEFAULT_MEMORY_CACHE = 256


def memory_cache_size() -> int:
    """How many entries each of optad's in-process caches keeps: transformed functions (one per
    ``optad.grad(f)`` and options), and per transformed function its signatures' programs and
    kernels and its fast-path closures.  ``$OPTAD_MEMORY_CACHE`` (default 256, at least 1); the
    least recently used entry is dropped first.  A dropped entry is traced again when it is
    needed, and its kernel comes back from the kernel module already imported (or the kernel
    cache on disk): nothing is compiled again."""
    text = os.environ.get("OPTAD_MEMORY_CACHE", "")
    try:
        return max(int(text), 1) if text else DEFAULT_MEMORY_CACHE
    except ValueError:
        return DEFAULT_MEMORY_CACHE


def lru_get(cache: dict, key):
    """``cache[key]`` or None, marking the key most recently used (dicts keep insertion order:
    the first key is the least recently used)."""
    value = cache.pop(key, None)
    if value is not None:
        cache[key] = value
    return value


def lru_put(cache: dict, key, value):
    """Store ``value``, dropping least recently used entries beyond memory_cache_size()."""
    cache[key] = value
    limit = memory_cache_size()
    while len(cache) > limit:
        del cache[next(iter(cache))]
    return value


@dataclass(eq=False)
class CacheEntry:
    """One signature's transformed program, its output structure and (once compiled) kernel.

    A function that took Python decisions on traced values has one entry per path (paths.py):
    ``decisions`` and ``lines`` are the path's, ``guard`` computes from the traced inputs
    whether a call takes it, ``checked`` is what is compiled (``program`` with the guard as one
    more output, last), ``paths`` the signature's PathSet and ``fast`` the hot-path closures
    per argument layout."""

    signature: Signature
    program: Program
    out_tree: tree.TreeDef
    kernel: object = None
    decisions: tuple = ()
    lines: tuple = ()
    guard: Program | None = None
    checked: Program | None = None
    paths: object = None
    fast: dict = field(default_factory=dict)


def scalarize(x):
    """0-d results as NumPy scalars, like NumPy's own reductions.  (On the hot path: arrays
    and NumPy scalars, what kernels return, are answered without a call into NumPy.)"""
    kind = type(x)
    if kind is np.ndarray:
        return x[()] if x.ndim == 0 else x
    if isinstance(x, np.generic):
        return x
    x = np.asarray(x)
    return x[()] if x.ndim == 0 else x


class Transformed:
    """Base of every transformed function."""

    kind = "transformed"

    def __init__(self, fun: Callable, backend: str | None):
        if not callable(fun):
            raise TypeError(f"expected a callable, got {type(fun).__name__}")
        self.fun = fun
        self.backend = backend or DEFAULT_BACKEND
        self._cache: dict = {}
        self._fast: dict = {}
        try:
            self.__name__ = f"{self.kind}({getattr(fun, '__name__', 'fun')})"
            self.__doc__ = getattr(fun, "__doc__", None)
        except AttributeError:
            pass

    def __repr__(self):
        return f"<optad {self.__name__}, backend={self.backend!r}>"

    # -- subclasses
    def signature(self, args) -> Signature:
        raise NotImplementedError

    def build(self, program: Program, signature: Signature) -> Program:
        raise NotImplementedError

    def make_fast(self, kernel, entry: CacheEntry, layout):
        """A closure calling the kernel straight on the arguments of ``layout``, or None.
        It takes the kernel's outputs by position: a path's kernel has one more, last."""
        return None

    def signature_args(self, args):
        """The arguments ``signature`` describes (hvp leaves v out)."""
        return args

    # -- programs and kernels per signature
    def entry(self, args) -> CacheEntry:
        """The transformed program at these arguments' signature.  While a trace is active
        (this transformation was called inside a traced function) the function is traced
        afresh in that context and not cached: the values it closes over may be the enclosing
        trace's tracers, and its program is inlined there (JAX's rule)."""
        signature = self.signature(args)
        if thread_state.stack:   # traced with the enclosing call's values when it has them
            return self._make_entry(signature, known_values(self.values_of(signature, args)))
        cached = lru_get(self._cache, signature)
        if cached is None:
            entry = self._make_entry(signature, self.values_of(signature, args))
            lru_put(self._cache, signature, entry if entry.paths is None else entry.paths)
            return entry
        # a guarded signature: the path used last (call_flat checks it and switches)
        return cached.entries[0] if isinstance(cached, paths.PathSet) else cached

    def values_of(self, signature, args) -> list:
        """The values of the traced leaves of ``args``, by which a trace takes its decisions."""
        return traced_values(signature, tree.flatten(tuple(self.signature_args(args)))[0])

    def _make_entry(self, signature, values=None, into=None):
        """The entry of ``signature`` traced with the traced leaves' ``values`` (None: no
        decisions on values possible); a guarded path is added to the PathSet ``into`` (a
        new one when None) unless one with the same decisions is there."""
        program, out_tree, decisions, lines = trace_path(self.fun, signature, values)
        if not decisions:
            return CacheEntry(signature, simplify(self.build(program, signature)), out_tree)
        found = None if into is None else into.find(decisions)
        if found is not None:
            return found
        built, guard, checked = paths.guarded_programs(
            program, lambda main: simplify(self.build(main, signature)))
        entry = CacheEntry(signature, built, out_tree, decisions=decisions, lines=lines,
                           guard=guard, checked=checked)
        (paths.PathSet() if into is None else into).add(entry, self.__name__)
        return entry

    def trace_path_into(self, path_set, signature, values) -> CacheEntry:
        """The entry of the path ``values`` take, traced and added to ``path_set`` if new."""
        return self._make_entry(signature, values, path_set)

    def kernel(self, entry: CacheEntry):
        """The entry's compiled kernel, built on first use (of ``checked`` on a path)."""
        if entry.kernel is None:
            backend = get_backend(self.backend)
            program = entry.program if entry.checked is None else entry.checked
            entry.kernel = backend.compile_program(program)
            if os.environ.get("OPTAD_SHOW_SOURCE"):
                print(f"# optad: {self.__name__} for ({entry.signature.describe()})\n"
                      + backend.program_source(program))
        return entry.kernel

    def call_flat(self, entry: CacheEntry, values) -> list:
        """Run the entry's program on flat values: re-emitted into the active trace while
        tracing, else by the compiled kernel."""
        if thread_state.stack:
            if entry.checked is None:
                return eval_program(entry.program, values)
            outs = eval_program(entry.checked, values)
            if not decide_guard(outs[-1], entry.decisions):   # true: the same values
                raise AssertionError("optad: a path traced with the enclosing call's values "
                                     "does not hold for them")
            return outs[:-1]
        try:
            if entry.paths is not None:
                return [scalarize(o) for o in paths.run(self, entry, values)]
            return [scalarize(o) for o in self.kernel(entry)(*values)]
        except ValueError as err:
            clear = translated(err)
            if clear is None:
                raise
            raise clear from err

    def lowered(self, *args) -> Program:
        """The transformed, simplified program at these arguments' signature (and path)."""
        entry = self.entry(args)
        if entry.paths is not None:
            entry = paths.select(self, entry, self.values_of(entry.signature, args))
        return entry.program

    def compiled_program(self, *args) -> Program:
        """The program compiled at these arguments' signature: ``lowered``, and on a path of
        a function that decides on values, with the path's guard as one more output."""
        entry = self.entry(args)
        if entry.paths is None:
            return entry.program
        entry = paths.select(self, entry, self.values_of(entry.signature, args))
        return entry.checked

    def kernel_at(self, *example_args):
        """The backend's compiled kernel for these arguments' signature (built once), or None
        when a static (non-array) argument is among them or the function decides on values
        (one path's kernel is not the function's).  A Numba kernel carries ``entry``
        and ``constants``, which the Numba backend's compiled problems call."""
        entry = self.entry(example_args)
        if entry.signature.has_static or entry.paths is not None:
            return None
        return self.kernel(entry)

    # -- the hot path: all arguments plain arrays, signature seen before
    def call_fast_or_slow(self, args, slow):
        key = fast_path.fast_key(args)
        if key is not None and not thread_state.stack:
            fn = self._fast.get(key)
            if fn is not None:
                try:
                    return fn(*args)
                except paths.PathMiss:   # another path: compiled already, or traced by slow
                    try:
                        return fn.switch(*args)
                    except paths.PathMiss:
                        return slow(args)
                except ValueError as err:
                    clear = translated(err)
                    if clear is None:
                        raise
                    raise clear from err
            result = slow(args)
            entry = self.entry(args)
            if not entry.signature.has_static:
                layout = fast_path.layout_of(args)
                fn = self.make_fast(self.kernel(entry), entry, layout) if entry.paths is None \
                    else paths.fast_closure(self, entry.paths, key, layout)
                if fn is not None:   # first in, first out: no bookkeeping on the hot path
                    lru_put(self._fast, key, fn)
            return result
        return slow(args)


_transforms: dict = {}


def transform_for(cls, fun, backend, *options, tag=None):
    """One ``cls(fun, *options, backend)`` per (function, class, backend, options, tag):
    calling ``optad.grad(f)`` again (as an optimiser does on every run) reuses the traced
    programs and compiled kernels instead of tracing again.  ``tag`` tells apart options that
    compare equal but differ (the types of argnums).  Like JAX, arrays a function closes over
    are read when it is traced.  At most memory_cache_size() objects are kept, least recently
    used dropped first."""
    key = (fun, cls, backend or DEFAULT_BACKEND, options, tag)
    try:
        obj = lru_get(_transforms, key)
    except TypeError:
        return cls(fun, *options, backend)
    if obj is None:
        obj = lru_put(_transforms, key, cls(fun, *options, backend))
    return obj
