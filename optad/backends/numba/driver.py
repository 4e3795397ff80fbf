"""The compiled driver: a method's ``init``/``update``, handed down as a ``LoopCode``
(backends/loop_code.py), run in one Numba function on a problem's njit entries, recording the
same history as an optimiser's Python loop without returning to Python per iteration.

For each (loop code, entries) a small module is written to the kernel cache: it imports the
entries and the step code's module by name, binds the step code to the entries (rebind.py, each
copy compiled by ``numba.njit``) and defines ``drive`` below with ``cache=True``, so a new
process loads the machine code.  The module's header carries the step code's digest and one of
this package, so an edit of either compiles afresh.  Entries that cannot be imported by name
(functions built in memory) get the same loop compiled in memory.
"""
from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import math
import secrets
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import numba
import numpy as np
from numba.core.errors import NumbaError

from ..kernel_errors import translated
from ..rebind import bind
from . import cache, tiered
from .host import HAVE_CLOCK, interrupted, now
from .specialise import _import_name
from .warm_start import fast_cache_loads

CHECK_SIGNALS_EVERY = 64   # iterations between looks for a pending Ctrl-C


def _drive(x0, args, params, rows):
    """Returns (state, rows used, best f, best x, best g, interrupted)."""
    t0 = now()
    state = init(x0, args, params)
    progress = state.progress
    rows[0, 0], rows[0, 1], rows[0, 2] = progress.f, progress.grad_norm, progress.nfev
    rows[0, 3], rows[0, 4], rows[0, 5] = progress.njev, progress.nhev, now() - t0
    best_f = np.inf
    best_x = state.x.copy()
    best_g = state.g.copy()
    if math.isfinite(progress.f):
        best_f = progress.f
    n = 1
    stop = False
    while state.progress.status == RUNNING:
        nit = state.progress.nit
        state = update(state, args, params)
        progress = state.progress
        if progress.nit != nit:
            rows[n, 0], rows[n, 1], rows[n, 2] = progress.f, progress.grad_norm, progress.nfev
            rows[n, 3], rows[n, 4], rows[n, 5] = progress.njev, progress.nhev, now() - t0
            n += 1
            if math.isfinite(progress.f) and progress.f <= best_f:
                best_f = progress.f
                best_x[:] = state.x
                best_g[:] = state.g
        if progress.nit % CHECK_SIGNALS_EVERY == 0 and interrupted():
            stop = True
            break
    return state, n, best_f, best_x, best_g, stop


@functools.lru_cache(maxsize=1)
def _driver_digest():
    """Hash of the code a compiled driver is made of besides its step code and entries: this
    package (the loop, the clock, the signal check) and the binding."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")) + \
            [Path(__file__).parents[1] / "rebind.py"]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def binding_tag(loop, imports) -> str:
    """The name of one binding of ``loop``'s step code to entries importable by name
    (``imports``: call name -> (module, attribute)), given to the bound copies' qualified
    names (rebind.py says why): the same tag, the same code."""
    text = repr((loop.module, loop.digest, _driver_digest(), sorted(imports.items())))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def bound_steps(module, package, keep, tag, **calls):
    """``module``'s ``init`` and ``update`` calling ``calls``, with the step helpers of
    ``package`` (but not of ``keep``), compiled by numba.njit, their copies named with
    ``tag``."""
    done = {}
    return tuple(bind(step, calls, numba.njit, done, tag, package=package, keep=keep)
                 for step in (module.init, module.update))


def step_init(x0, args, params):
    return init(x0, args, params)


def step_update(state, args, params):
    return update(state, args, params)


_TEMPLATE = "\n\n@numba.njit(cache=True)\n".join(
    [inspect.getsource(_drive).replace("def _drive(", "def drive(", 1),
     inspect.getsource(step_init), inspect.getsource(step_update)])
_DRIVERS: dict = {}


def _compiled(loop, entries):
    """``(drive, step_init, step_update)`` of ``loop`` bound to ``entries``."""
    calls = {name: getattr(entries, name) for name in loop.needs}
    key = (loop.module, loop.digest, tuple(sorted(calls.items(), key=lambda i: i[0])))
    functions = _DRIVERS.get(key)
    if functions is not None:
        return functions
    imports = {name: _import_name(value) for name, value in calls.items()}
    if all(imports.values()):
        lines = [f"# optad compiled driver of {loop.module}; step code {loop.digest}, "
                 f"driver {_driver_digest()}",
                 "import math", "import numba", "import numpy as np", "",
                 "from optad.backends.numba.driver import CHECK_SIGNALS_EVERY, bound_steps",
                 "from optad.backends.numba.host import interrupted, now",
                 f"import {loop.module} as method", "", f"RUNNING = {loop.running!r}"]
        lines += [f"from {module} import {attr} as {name}"
                  for name, (module, attr) in sorted(imports.items())]
        tag = binding_tag(loop, imports)
        lines += [f"init, update = bound_steps(method, {loop.package!r}, {tuple(loop.keep)!r}, "
                  f"{tag!r}, {', '.join(f'{name}={name}' for name in sorted(calls))})",
                  "", "", "@numba.njit(cache=True)", _TEMPLATE]
        module = cache.load_module("\n".join(lines))
        functions = (module.drive, module.step_init, module.step_update)
        for function in functions:
            fast_cache_loads(function)
    else:
        # bound to functions built in memory: compiled for this process only, and named so
        # that no cached library can hold the same symbols
        init, update = bound_steps(importlib.import_module(loop.module), loop.package,
                                   tuple(loop.keep), "m" + secrets.token_hex(10), **calls)
        namespace = dict(init=init, update=update, now=now, interrupted=interrupted,
                         RUNNING=loop.running, CHECK_SIGNALS_EVERY=CHECK_SIGNALS_EVERY,
                         math=math, np=np)
        exec(compile(_TEMPLATE, f"<optad compiled driver of {loop.module}>", "exec"),
             namespace)
        functions = tuple(numba.njit(namespace[name])
                          for name in ("drive", "step_init", "step_update"))
    if len(_DRIVERS) > 64:
        _DRIVERS.clear()
    _DRIVERS[key] = functions
    return functions


_LOOP_WORKERS: dict = {}   # driver module file -> (worker, payload path, start time)
_LOOP_SECONDS: dict = {}   # driver module file -> seconds its steps ran in Python here
# a loop is hot once its Python steps have taken this long in all in this process (a worker
# compiles a method's loop in 5-15 s; the Python steps of a small problem take ~30 us each)
LOOP_HOT_SECONDS = 1.0


def _file_of(loop, entries):
    function = _compiled(loop, entries)[0]
    return getattr(function, "py_func", None) and function.py_func.__globals__.get("__file__")


def python_ran(loop, entries, seconds) -> None:
    try:
        file = _file_of(loop, entries)
    except NumbaError:
        return
    if file:
        _LOOP_SECONDS[file] = _LOOP_SECONDS.get(file, 0.0) + seconds


def loop_ready(loop, entries, x0, params) -> bool:
    """Whether this call runs ``loop`` compiled.  Compiling a loop for new entries
    takes Numba seconds (Newton-CG's 10-15 s here) while its iterations in Python take a
    fraction of one, so with tiers on (``OPTAD_TIERED``, as for kernels: tiered.py) a loop not
    compiled before, here or into the cache, runs in Python; once its Python steps have taken
    ``LOOP_HOT_SECONDS`` in this process, a worker compiles it (one at a time per cache
    folder), and a later call finds the machine code in the cache.  True when compiling here
    is the only way (an in-memory module, a worker that cannot start), once the worker has
    finished, or when the compile is known to fail (drive then says so and runs Python)."""
    if tiered.disabled():
        return True
    try:
        function = _compiled(loop, entries)[0]
    except NumbaError:
        return True   # drive reports it and falls back
    file = getattr(function, "py_func", None) and function.py_func.__globals__.get("__file__")
    if not file:
        return True
    module = SimpleNamespace(__file__=file)
    running = _LOOP_WORKERS.get(file)
    if running is not None:
        worker, _, started_at = running
        # the loop is compiled once its module is marked, even if the worker goes on to build
        # the first tier's interpreter (compile_pool.compile_afterwards)
        own_done = tiered.marker(module).exists()
        if worker.poll() is None and not own_done:
            if time.monotonic() - started_at < tiered.WORKER_TIMEOUT:
                return False
            worker.kill()   # hung: stopped, and counted as a failure below
            worker.wait()
        del _LOOP_WORKERS[file]
        if worker.poll() is not None:
            tiered.finished(*running[:2])
        if own_done or worker.returncode == 0:
            return True   # loads the worker's machine code
        tiered.count_failure(module, worker.returncode)   # Python steps; later calls retry
        return False
    if function.signatures or tiered.marker(module).exists() or \
            tiered.failed_marker(module).exists():
        return True   # compiled, or drive says it cannot be and runs the Python loop
    hot = tiered.hot_after() == 0 or _LOOP_SECONDS.get(file, 0.0) >= LOOP_HOT_SECONDS
    if not hot or tiered.failures(module) >= tiered.MAX_FAILURES:
        return False
    started = tiered.start_worker({"kind": "driver", "module": file, "x0": x0,
                                   "args": entries.args, "params": params})
    if started is tiered.BUSY:
        return False   # another process compiles: Python steps now, ask again next call
    if started is None:
        return True
    _LOOP_WORKERS[file] = (*started, time.monotonic())
    return False


_WARNED_FAILED: set = set()


def _failed_before(loop, file) -> bool:
    """Whether an earlier compile of this loop failed (tiered.mark_failed); warns once per
    process and loop."""
    marker = tiered.failed_marker(SimpleNamespace(__file__=file))
    if not marker.exists():
        return False
    if file not in _WARNED_FAILED:
        _WARNED_FAILED.add(file)
        warnings.warn(f"{loop.name}: the compiled loop could not be built in an earlier run "
                      f"(see {marker}); running the Python loop", RuntimeWarning, stacklevel=5)
    return True


def drive(loop, entries, x0, params):
    """``(state, history rows, best, interrupted)`` of ``loop`` run compiled from the float64
    vector ``x0``; rows are (f, grad_norm, nfev, njev, nhev, time), best is (f, x, g) or None.
    None when Numba cannot compile the loop for these entries (a user's njit function of
    another signature, say): the caller runs the Python driver instead."""
    rows = np.empty((params.maxiter + 1, 6))
    file = None
    try:
        function = _compiled(loop, entries)[0]
        file = function.py_func.__globals__.get("__file__")
        if file and _failed_before(loop, file):
            return None
        first = not function.signatures
        try:
            state, n, best_f, best_x, best_g, stop = function(x0, entries.args, params, rows)
        except ValueError as error:   # a kernel's error in Numba's words: say it in the user's
            clearer = translated(error)
            if clearer is None:
                raise
            raise clearer from error
        if first and file:   # a later process need not tier it (loop_ready)
            tiered.mark_compiled(SimpleNamespace(__file__=file))
    except NumbaError as exc:
        if file:   # the module names all its code: no later process need try again
            tiered.mark_failed(SimpleNamespace(__file__=file), str(exc))
            _WARNED_FAILED.add(file)
        warnings.warn(f"{loop.name}: the compiled loop could not be built ({exc}); running "
                      "the Python loop", RuntimeWarning, stacklevel=4)
        return None
    rows = rows[:n]
    if not HAVE_CLOCK:  # pragma: no cover
        rows[:, 5] = np.nan
    best = (best_f, best_x, best_g) if math.isfinite(best_f) else None
    return state, rows, best, bool(stop)


def steps(loop, entries, x0, params):
    """``(first state, update)``: the method's step compiled on these entries, for the Python
    driver (a callback between iterations); ``update(state, entries.args, params)``.  None when
    Numba cannot compile it."""
    try:
        _, step_init, step_update = _compiled(loop, entries)
        state = step_init(x0, entries.args, params)
        step_update.compile((numba.typeof(state), numba.typeof(entries.args),
                             numba.typeof(params)))
    except NumbaError as exc:
        warnings.warn(f"{loop.name}: the compiled step could not be built ({exc}); running "
                      "the Python step", RuntimeWarning, stacklevel=4)
        return None
    return state, step_update
