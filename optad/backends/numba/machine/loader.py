"""The interpreter's machine code: compiled once per machine, off every caller's thread.

The interpreter (``interpreter.py``) is loaded through the kernel cache like a kernel module,
so its machine code lives in the same folder and follows the same rules (compile_pool.py): it is
compiled by a compile worker, one compile at a time per machine (the cache's compile lock), at
low priority; a process that finds it compiled loads it on a thread of its own.  Until then
``ready()`` is None and the first tier answers from the NumPy plan.  A worker that fails is
counted as a kernel's is, and after ``compile_pool.MAX_FAILURES`` no process tries again (the NumPy
plan keeps answering; ``OPTAD_MACHINE=0`` turns the interpreter off, ``OPTAD_MACHINE=here``
compiles it in the calling process, for tests).  ``$OPTAD_MACHINE_DIR`` puts it in a folder of
its own (benchmarks that start from an empty kernel cache keep it there, as a machine keeps
its installation).
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from numba.core.dispatcher import Dispatcher

from .. import compile_pool as pool
from ..llvm_options import compiles_without_unrolling
from ..warm_start import fast_cache_loads, load_blas
from ..cache import cache_dir, load_module

SOURCE_PATH = Path(__file__).with_name("interpreter.py")
RETRY_SECONDS = 0.5   # while another process's compile holds the lock, ask again after this
# the first attempt to start a worker of its own waits this long after the first need, so that
# a kernel hot from its first calls takes the compile lock first (its worker then builds the
# interpreter afterwards: compile_pool.compile_afterwards)
START_DELAY = 1.0


class _State:
    lock = threading.Lock()
    module = None
    call = None          # the compiled entry, once loaded
    worker = None
    payload = None
    loader = None
    failed = False
    retry_at = 0.0
    blas = False         # the BLAS its matrix products call is loaded (warm_start.load_blas)
    blas_loader = None
    first_need = None    # when a first tier first asked for the interpreter


def setting() -> str:
    return os.environ.get("OPTAD_MACHINE", "auto").strip().lower()


def enabled() -> bool:
    return setting() not in ("0", "off", "false", "no")


def folder() -> Path:
    """Where the interpreter and its machine code live: $OPTAD_MACHINE_DIR, else the kernel
    cache folder (so clearing the cache clears it too, and it is compiled again once)."""
    text = os.environ.get("OPTAD_MACHINE_DIR", "").strip()
    return Path(text).expanduser() if text else cache_dir()


def module():
    if _State.module is None:
        mod = load_module(SOURCE_PATH.read_text(), folder=folder())
        for value in vars(mod).values():
            if isinstance(value, Dispatcher):
                fast_cache_loads(value)   # no compiler set-up to load cached machine code
                compiles_without_unrolling(value)   # as kernels: a fifth less to compile
        _State.module = mod
    return _State.module


def _load(blas=True):
    try:
        mod = module()
        if mod.warm_up():   # loads (or, if the cache has none, compiles) the machine code
            pool.mark_compiled(mod)
            _State.call = mod.call
        if blas:
            _load_blas()
    except BaseException:   # noqa: BLE001 - the plan goes on answering
        _State.failed = True


def _load_blas():
    load_blas()   # ~65 ms: only programs with matrix products wait for it
    _State.blas = True


def ready(products=False):
    """The interpreter's compiled ``call``, or None while it is not loaded yet (this starts
    its compile or load when nothing does); with ``products``, None also until the BLAS of
    its matrix products is loaded."""
    call = _State.call
    if call is not None and (_State.blas or not products):
        return call
    if _State.failed or not enabled():
        return None
    with _State.lock:
        _advance()
        if _State.call is not None and products and not _State.blas and \
                _State.blas_loader is None:
            _State.blas_loader = threading.Thread(target=_load_blas, daemon=True,
                                                  name="optad interpreter BLAS")
            _State.blas_loader.start()
    return _State.call if (_State.blas or not products) else None


def _advance():
    if _State.loader is not None:
        if not _State.loader.is_alive():
            _State.loader = None
            if _State.call is None:
                _State.failed = True
        return
    if setting() == "here":
        _load()
        return
    try:
        mod = module()
    except BaseException:   # noqa: BLE001 - an unusable cache: no interpreter
        _State.failed = True
        return
    if getattr(mod, "__file__", None) is None:
        _State.failed = True   # an in-memory module: nothing a worker could compile for us
        return
    if _State.worker is not None:
        code = _State.worker.poll()
        if code is None:
            return
        pool.finished(_State.worker, _State.payload)
        _State.worker = None
        if code != 0 and not pool.marker(mod).exists():
            if pool.count_failure(mod, code) >= pool.MAX_FAILURES:
                _State.failed = True
            return
    if pool.marker(mod).exists():
        _State.loader = threading.Thread(target=_load, daemon=True, name="optad interpreter load")
        _State.loader.start()
        return
    if pool.failures(mod) >= pool.MAX_FAILURES:
        _State.failed = True
        return
    now = time.monotonic()
    if _State.first_need is None:
        _State.first_need = now
    if now < _State.retry_at or now - _State.first_need < START_DELAY:
        return
    started = pool.start_worker({"kind": "machine", "module": mod.__file__})
    if started is pool.BUSY or started is None:
        _State.retry_at = time.monotonic() + RETRY_SECONDS
        return
    _State.worker, _State.payload = started


def _path_to_compile():
    """The interpreter module's path while it is not compiled (compile_pool.compile_afterwards),
    else None."""
    if not enabled() or _State.failed or _State.call is not None:
        return None
    mod = module()
    file = getattr(mod, "__file__", None)
    if file is None or pool.marker(mod).exists() or pool.failures(mod) >= pool.MAX_FAILURES:
        return None
    return file


pool.compile_afterwards = _path_to_compile


def compiled() -> bool:
    """Whether the interpreter's machine code is in its folder (so loading it takes ~0.1 s)."""
    if _State.call is not None:
        return True
    if not enabled() or _State.failed:
        return False
    try:
        return pool.marker(module()).exists()
    except BaseException:   # noqa: BLE001 - an unusable cache: no interpreter
        return False


def load_here(products=True) -> bool:
    """Load the interpreter in this process now (compiling it if the cache has none), and the
    BLAS of matrix products unless ``products`` is False."""
    if enabled():
        with _State.lock:
            if _State.call is None:
                _load(blas=products)
            elif products and not _State.blas:
                _load_blas()
    return _State.call is not None


def wait(timeout=None) -> bool:
    """Block until the interpreter is loaded (benchmarks, tests); True when it is."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while ready(products=True) is None and not _State.failed and enabled():
        if deadline is not None and time.monotonic() > deadline:
            return False
        worker, loader = _State.worker, _State.loader or _State.blas_loader
        if worker is not None:
            try:
                worker.wait(0.05)
            except Exception:   # noqa: BLE001 - TimeoutExpired: look again
                pass
        elif loader is not None:
            loader.join(0.05)
        else:
            time.sleep(0.01)
    return _State.call is not None
