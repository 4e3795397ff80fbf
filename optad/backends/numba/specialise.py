"""Numba functions that call particular compiled functions, cached across processes.

A compiled loop that takes its problem function as an argument (``loop(hessp, x, ...)``) is
specialised on that function's type, and Numba cannot cache such a compilation: every new process
compiles it again (seconds).  ``specialise`` instead writes a module to the kernel cache in which
the callees are *globals*, imported from the modules that define them (optad's kernel modules are
content-addressed, so an import names one fixed piece of machine code), and compiles it with
``numba.njit(cache=True)``: a second process loads the machine code.

A callee that cannot be imported by name (built in memory) is bound in the namespace instead,
and the result is compiled per process, as before.
"""
from __future__ import annotations

import hashlib
import inspect
import sys
import textwrap
import types
from pathlib import Path

import numpy as np

from numba.core.dispatcher import Dispatcher

from . import cache
from .llvm_options import compiles_without_unrolling
from .warm_start import fast_cache_loads

_HEADER = "import math\nimport numba\nimport numpy as np\n"


def _import_name(value):
    """(module, attribute) importing this very object, or None."""
    function = getattr(value, "py_func", None) if isinstance(value, Dispatcher) else None
    if function is None:
        return None
    module = sys.modules.get(function.__module__)
    if module is None or getattr(module, function.__name__, None) is not value:
        return None
    return function.__module__, function.__name__


def _file_digest(module_name):
    path = getattr(sys.modules.get(module_name), "__file__", None)
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16] if path else "-"


def _code_names(code):
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _code_names(const)
    return names


def callee_digest(dispatcher, _seen=None) -> str | None:
    """A digest of everything a callee imported by name brings into a cached module's machine
    code: its module's file, and recursively those of the compiled functions it calls, and the
    values of the plain globals it reads (Numba freezes them into the code).  A cached module
    names its callees only by ``from module import name``; without this digest a user's
    ``@njit`` function edited, or another script's function of the same name in ``__main__``,
    would run the machine code of the one compiled first.  None when some part cannot be
    identified (no source file, a global of another kind): such a callee is not cached."""
    seen = set() if _seen is None else _seen
    function = dispatcher.py_func
    if id(function) in seen:
        return ""
    seen.add(id(function))
    path = getattr(sys.modules.get(function.__module__), "__file__", None)
    if not path:
        return None
    try:
        digest = hashlib.sha256(Path(path).read_bytes())
    except OSError:
        return None
    digest.update(function.__qualname__.encode())
    for name in sorted(_code_names(function.__code__)):
        if name not in function.__globals__:
            continue
        value = function.__globals__[name]
        if isinstance(value, Dispatcher):
            inner = callee_digest(value, seen)
            if inner is None:
                return None
            digest.update(f"{name}:{inner}".encode())
        elif isinstance(value, (bool, int, float, complex, str, bytes, type(None))):
            digest.update(f"{name}={value!r}".encode())
        elif isinstance(value, np.ndarray):
            digest.update(f"{name}:{value.dtype}{value.shape}".encode() + value.tobytes())
        elif isinstance(value, (types.ModuleType, type)) or callable(value):
            digest.update(f"{name}:{getattr(value, '__name__', '?')}".encode())
        else:
            return None
    return digest.hexdigest()[:16]


def specialise_source(source: str, name: str, callees: dict, helpers=None):
    """``name`` from ``source`` (a ``def``), compiled by ``numba.njit`` with each entry of
    ``callees`` (name -> object) as a global.  ``helpers`` is a module whose globals the source
    may also use (imported from it).  Cached on disk when every callee can be imported."""
    imports, digests = {}, []
    for alias, value in callees.items():
        where = _import_name(value)
        if where is not None and not where[0].startswith(cache.MODULE_PREFIX):
            digest = callee_digest(value)   # not one of optad's content-addressed modules
            where = None if digest is None else where
            digests.append(f"# callee {alias}: {digest}")
        if where is None:
            return _in_memory(source, name, callees, helpers)
        imports[alias] = where
    lines = [f"# optad specialised function; helpers {helpers.__name__ if helpers else '-'} "
             f"{_file_digest(helpers.__name__) if helpers else ''}", *digests, _HEADER]
    if helpers is not None:
        used = sorted(set(_global_names(source)) & set(vars(helpers))
                      - set(callees) - {name, "math", "numba", "np"})
        if used:
            lines.append(f"from {helpers.__name__} import {', '.join(used)}")
    for alias, (module, attr) in sorted(imports.items()):
        lines.append(f"from {module} import {attr} as {alias}")
    lines += ["", "", "@numba.njit(cache=True)", source.strip(), ""]
    module = cache.load_module("\n".join(lines))
    function = getattr(module, name)
    fast_cache_loads(function)
    compiles_without_unrolling(function)
    return function


def specialise(function, helpers=None, **callees):
    """``specialise_source`` of a plain Python function's own source (its module supplies the
    helpers)."""
    source = textwrap.dedent(inspect.getsource(function))
    module = helpers or sys.modules[function.__module__]
    return specialise_source(source, function.__name__, callees, module)


def _global_names(source):
    code = compile(source, "<specialise>", "exec")
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= set(const.co_names)
    return names


def _in_memory(source, name, callees, helpers):
    import numba
    namespace = dict(vars(helpers)) if helpers is not None else {}
    namespace.update(callees)
    exec(compile(_HEADER + source, f"<optad specialised {name}>", "exec"), namespace)
    return numba.njit(namespace[name])
