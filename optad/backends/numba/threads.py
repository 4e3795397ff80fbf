"""How many threads the BLAS that kernels call may use.

Kernels compute matrix products with ``np.dot`` inside Numba, which calls SciPy's BLAS (through
``scipy.linalg.cython_blas``; with SciPy's wheels, the OpenBLAS in ``scipy.libs``).  OpenBLAS's
worker threads keep spinning for a while after each call.  On a machine where another process
is busy (a second experiment, a Dask worker pool, a compile) they fight it for the cores: a
5000 x 1000 least-squares gradient or an MLP step became 5-30 times slower, where a single
thread keeps its speed.  And an optimiser calls a kernel thousands of times on the same data:
the products are small to medium, run back to back, and parallelism across jobs (``--scheduler
local``) uses the cores better than threads inside one product.

So optad limits *that* library - not NumPy's own BLAS, which the rest of a program uses - to
``$OPTAD_BLAS_THREADS`` threads: 1 by default; a number to allow more; ``default`` to leave
BLAS as it is.  The limit is set through threadpoolctl once the library is loaded (the first
kernel that multiplies matrices loads it).  If SciPy and NumPy share one BLAS (as in some conda
installations), the limit applies to both.
"""
from __future__ import annotations

import os
from pathlib import Path

ENV = "OPTAD_BLAS_THREADS"
_state = {"done": False, "limited": []}


def requested_threads():
    """The thread count asked for, or None to leave BLAS alone."""
    text = os.environ.get(ENV, "1").strip().lower()
    if text in ("default", "none", "blas"):
        return None
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise ValueError(f"{ENV}={text!r}: expected a positive number of threads, or 'default' "
                         "to leave the BLAS library's own setting")
    return count


def _scipy_folders():
    import importlib.util
    spec = importlib.util.find_spec("scipy")   # without importing it
    if spec is None or not spec.submodule_search_locations:
        return []
    package = Path(spec.submodule_search_locations[0]).resolve()
    return [package, package.parent / "scipy.libs"]


def _is_kernel_blas(filepath, folders):
    try:
        path = Path(filepath).resolve()
    except (OSError, TypeError):
        return False
    return any(folder == path or folder in path.parents for folder in folders)


def limit_kernel_blas():
    """Apply ``$OPTAD_BLAS_THREADS`` to SciPy's BLAS if it is loaded (once per process)."""
    if _state["done"]:
        return _state["limited"]
    count = requested_threads()
    if count is None:
        _state["done"] = True
        return []
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:   # a dependency; without it BLAS keeps its own setting
        _state["done"] = True
        return []
    folders = _scipy_folders()
    controller = ThreadpoolController()
    selected = [lib for lib in controller.lib_controllers
                if lib.user_api == "blas" and _is_kernel_blas(lib.filepath, folders)]
    if not selected:
        return []   # not loaded yet: the next kernel tries again
    for lib in selected:
        lib.set_num_threads(count)
    _state["done"] = True
    _state["limited"] = [lib.filepath for lib in selected]
    return _state["limited"]
