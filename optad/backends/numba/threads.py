"""How many threads the BLAS that kernels call may use.

Kernels compute matrix products with ``np.dot`` inside Numba, which calls SciPy's BLAS (through
``scipy.linalg.cython_blas``; with SciPy's wheels, the OpenBLAS in ``scipy.libs``).  OpenBLAS's
worker threads keep spinning for a while after each call.  On a machine where another process
is busy (a second experiment, a Dask worker pool, a compile) they fight it for the cores: a
5000 x 1000 least-squares gradient or an MLP step became 5-30 times slower, where a single
thread keeps its speed.  On a quiet machine the same large product runs up to twice as fast on
two threads.  An optimiser calls a kernel thousands of times on the same data: most products
are small to medium, and for them one thread loses nothing.

So optad sets *that* library - not NumPy's own BLAS, which the rest of a program uses - to
``$OPTAD_BLAS_THREADS`` threads:

- ``auto`` (the default): one thread, except around a call of a kernel with a large product
  (``HEAVY_PRODUCT`` multiply-adds or more), which gets as many threads as the machine has
  cores that no other process kept busy lately (``MachineLoad``: read from ``/proc/stat`` and
  this process's own CPU time, at most every ``WINDOW`` seconds, so a call pays a clock read);
  back to one thread after it.  Compiled ``minimize`` loops keep one thread.
- a number: that many threads for every kernel; ``default``: BLAS's own setting.

The limit is set through threadpoolctl once the library is loaded (the first kernel that
multiplies matrices loads it).  If SciPy and NumPy share one BLAS (as in some conda
installations), the limit applies to both.
"""
from __future__ import annotations

import math
import os
import time
from pathlib import Path

ENV = "OPTAD_BLAS_THREADS"
AUTO = "auto"
# multiply-adds of a kernel's largest matrix product from which threads may pay (least squares
# 5000 x 1000: 5e6 per product; the wine MLP h = 256: 6e5, where one thread is as fast)
HEAVY_PRODUCT = 2_000_000
_state = {"done": False, "limited": [], "libraries": [], "threads": None}


def requested_threads():
    """The thread count asked for: a number, AUTO, or None to leave BLAS alone."""
    text = os.environ.get(ENV, AUTO).strip().lower()
    if text in ("default", "none", "blas"):
        return None
    if text == AUTO:
        return AUTO
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise ValueError(f"{ENV}={text!r}: expected a positive number of threads, 'auto' (one "
                         "thread, more for large products while the machine is idle) or "
                         "'default' to leave the BLAS library's own setting")
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
    _state["libraries"] = selected
    _set(1 if count == AUTO else count)
    _state["done"] = True
    _state["limited"] = [lib.filepath for lib in selected]
    return _state["limited"]


def _set(count):
    if _state["threads"] != count:
        for lib in _state["libraries"]:
            lib.set_num_threads(count)
        _state["threads"] = count


class MachineLoad:
    """How many cores other processes kept busy over the last ``WINDOW`` seconds or more: the
    busy time of all cores (``/proc/stat``) less this process's own CPU time, per second of
    wall time.  None where ``/proc/stat`` cannot be read."""

    WINDOW = 0.1

    def __init__(self):
        self.cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
            else (os.cpu_count() or 1)
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self._last = self._sample()
        self.others = self._from_load_average()

    @staticmethod
    def _sample():
        try:
            with open("/proc/stat", "rb") as handle:
                fields = [int(v) for v in handle.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)   # idle, iowait
        return time.monotonic(), sum(fields), idle, time.process_time()

    def _from_load_average(self):
        """Before the first window: the 1-minute load average (this process was idle)."""
        try:
            return max(0.0, os.getloadavg()[0] - 0.5)
        except OSError:
            return float(self.cores)

    def others_busy(self):
        if self._last is None:
            return None
        now = time.monotonic()
        if now - self._last[0] < self.WINDOW:
            return self.others
        sample = self._sample()
        if sample is None:
            self._last = None
            return None
        t0, total0, idle0, own0 = self._last
        t1, total1, idle1, own1 = sample
        busy = ((total1 - total0) - (idle1 - idle0)) / self.tick / (t1 - t0)
        self.others = max(0.0, busy - (own1 - own0) / (t1 - t0))
        self._last = sample
        return self.others

    def free_cores(self):
        others = self.others_busy()
        if others is None:
            return 1
        return max(1, self.cores - math.ceil(others - 0.5))


_load: list = []


def free_cores() -> int:
    if not _load:
        _load.append(MachineLoad())
    return _load[0].free_cores()


def largest_product(program) -> int:
    """Multiply-adds of the largest matrix product in ``program`` (its loop bodies too)."""
    from ...primitives.loops import sub_programs
    largest = 0
    for eqn in program.eqns:
        if eqn.primitive.name == "matmul":
            a, b = (x.aval.shape for x in eqn.inputs)
            inner = a[-1] if a else 1
            largest = max(largest, math.prod(eqn.outputs[0].aval.shape) * inner)
        for body in sub_programs(eqn):
            largest = max(largest, largest_product(body))
    return largest


class FollowingTheMachine:
    """A kernel with a large product, run on the cores no other process is using (AUTO)."""

    def __init__(self, kernel):
        self.kernel = kernel

    def __getattr__(self, name):
        return getattr(self.kernel, name)

    def __call__(self, *args):
        if not _state["libraries"]:
            return self.kernel(*args)
        count = free_cores()
        if count == 1:
            return self.kernel(*args)
        _set(count)
        try:
            return self.kernel(*args)
        finally:
            _set(1)


def following_the_machine(kernel, program):
    """``kernel``, or a FollowingTheMachine around it when threads are AUTO and one of its
    products is large."""
    if requested_threads() != AUTO or largest_product(program) < HEAVY_PRODUCT:
        return kernel
    return FollowingTheMachine(kernel)
