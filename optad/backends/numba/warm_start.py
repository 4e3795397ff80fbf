"""Loading cached kernels quickly in a fresh process.

Numba's cache loader first runs the target context's ``refresh()``, which imports and installs
every lowering registry Numba has (~0.2 s) - work a compiler needs, but loading machine code does
not: it needs only Numba's runtime (NRT) initialised.  And the first BLAS call of a process makes
Numba import ``scipy.linalg.cython_blas``, whose parent package ``scipy.linalg`` takes another
0.1-0.2 s to import, for a table of function pointers the extension module holds by itself.

``fast_cache_loads(dispatcher)`` gives one of optad's dispatchers a loader that skips the
refresh (a cache miss still compiles through Numba's normal path, which refreshes).  Before the
first kernel is loaded, ``_fetch_blas_pointers`` makes Numba take its float BLAS pointers from
the extension module loaded on its own; the module is registered under its name only while the
pointers are fetched, so a later ``import scipy.linalg`` is untouched.  Both are speed-ups only:
if Numba's internals differ from what they expect, they step aside and Numba's own path runs.
"""
from __future__ import annotations

import glob
import importlib.machinery
import importlib.util
import os
import sys

from numba.core.caching import FunctionCache
from numba.core.runtime import rtsys

from . import runtime

_BLAS_MODULE = "scipy.linalg.cython_blas"
_state = {"blas": False}


def _load_without_refresh(dispatcher, cache, sig, target_context):
    rtsys.initialize(target_context)   # the one part of refresh() that loading needs
    _fetch_blas_pointers()
    try:
        with cache._guard_against_spurious_io_errors():
            cres = cache._load_overload(sig, target_context)
    except Exception:   # a truncated or damaged data file: a miss, compiled and saved anew
        return None
    return cres if cres is None or is_own(cres, dispatcher, sig) else None


def is_own(cres, dispatcher, sig) -> bool:
    """Whether a compile result read from the cache was made from ``dispatcher``'s function
    for ``sig``.  Numba's index finds a data file by the function's source stamp and bytecode
    and trusts what the file holds; a data file copied or swapped from another function (of
    another kernel module, say) would otherwise run that function's machine code."""
    function = dispatcher.py_func
    fndesc = getattr(cres, "fndesc", None)
    signature = getattr(cres, "signature", None)
    return (fndesc is not None and signature is not None
            and fndesc.modname == function.__module__
            and fndesc.qualname == function.__qualname__
            and tuple(signature.args) == tuple(sig))


def _save_repairing(cache, save, sig, data):
    """Numba's save reads the function's index first; a damaged index (truncated, say) made
    the save, and so the compile, raise.  Such an index is replaced by an empty one and the
    save tried once more; if that fails too the machine code stays in this process only."""
    try:
        save(sig, data)
    except Exception:   # noqa: BLE001 - whatever a damaged pickle raises
        try:
            cache.flush()   # writes an empty index over the damaged one
            save(sig, data)
        except Exception:   # noqa: BLE001
            pass


def fast_cache_loads(dispatcher):
    """Give ``dispatcher`` the loader above (no target refresh; a cached overload used only
    when it is this function's: a damaged or foreign one is a miss) and a save that repairs
    a damaged index."""
    cache = getattr(dispatcher, "_cache", None)
    if (isinstance(cache, FunctionCache) and hasattr(cache, "_load_overload")
            and hasattr(cache, "_guard_against_spurious_io_errors")):
        cache.load_overload = \
            lambda sig, ctx: _load_without_refresh(dispatcher, cache, sig, ctx)
        save = cache.save_overload
        cache.save_overload = lambda sig, data: _save_repairing(cache, save, sig, data)


def _blas_extension_path():
    spec = importlib.util.find_spec("scipy")   # finds the package without importing it
    folder = os.path.join(spec.submodule_search_locations[0], "linalg")
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        found = glob.glob(os.path.join(folder, "cython_blas" + suffix))
        if found:
            return found[0]
    raise FileNotFoundError("scipy.linalg.cython_blas")


def _fetch_blas_pointers():
    """Have Numba read the float32/float64 BLAS pointers it uses from the extension module
    alone (once per process; not when ``scipy.linalg`` is already imported)."""
    if _state["blas"]:
        return
    _state["blas"] = True
    if _BLAS_MODULE in sys.modules or "scipy.linalg" in sys.modules:
        return
    touch = runtime.touch_blas
    try:
        cached = _load_cached(touch, ())
    except Exception:   # a damaged cache entry: drop it, and let Numba import scipy.linalg
        touch._cache.flush()
        return
    if not cached:
        touch()   # compiled and cached once per installation, the usual way
        return
    try:
        path = _blas_extension_path()
        loader = importlib.machinery.ExtensionFileLoader(_BLAS_MODULE, path)
        spec = importlib.util.spec_from_loader(_BLAS_MODULE, loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
    except Exception:   # an unusual SciPy layout: Numba imports scipy.linalg itself later
        return
    sys.modules[_BLAS_MODULE] = module
    _state["blas_loaded"] = True
    try:
        touch()
    finally:
        if sys.modules.get(_BLAS_MODULE) is module:
            del sys.modules[_BLAS_MODULE]


def load_blas():
    """Load the BLAS library kernels call, the lean way when possible (see above)."""
    _fetch_blas_pointers()
    if _BLAS_MODULE not in sys.modules and "scipy.linalg" not in sys.modules \
            and not _state.get("blas_loaded"):
        import scipy.linalg.cython_blas  # noqa: F401  (an unusual layout: the usual import)


def _load_cached(dispatcher, sig) -> bool:
    """Add ``dispatcher``'s cached overload for ``sig`` without compiling; False on a miss."""
    cache = dispatcher._cache
    rtsys.initialize(dispatcher.targetctx)
    with cache._guard_against_spurious_io_errors():
        cres = cache._load_overload(sig, dispatcher.targetctx)
    if cres is None or not is_own(cres, dispatcher, sig):
        return False
    dispatcher.add_overload(cres)
    return True
