"""Tiers of a kernel: the NumPy evaluator answers a new program at once; the compiled kernel
takes over once the program is hot, compiled in another process, one at a time.

``tiered_kernel(kernel, program, module, source)`` returns a ``TieredKernel`` for a kernel whose
machine code is not yet in the kernel cache.  Its calls run the NumPy evaluator (the oracle
backend: the same program, results equal to rounding, sums may associate differently) and add
up the time they take.  Once that time reaches ``HOT_SECONDS`` the kernel is hot: the next call
starts ``compile_worker`` (a fresh Python process that compiles the same cached module for the
same argument types and saves the machine code in the cache).  A program called a few times
never compiles; one called often compiles beside the caller while the evaluator goes on
answering.  When the worker has finished, a thread of this process loads its machine code and
runs the kernel once; calls keep using the evaluator until that thread is done, then run
compiled.  So no call waits for Numba, neither for the compile nor for the load.

One compile process at a time.  A worker starts only while its parent holds the compile lock of
the kernel cache (``<cache dir>/compile.lock``, an exclusive ``flock`` that every process using
the folder shares); the lock passes to the worker, and the system releases it when the worker
exits, however it exits (killed included).  While another process's worker holds it, a hot
kernel goes on answering from the evaluator and asks again on a later call (at most every
``RETRY_SECONDS``); so a sweep of many new problems runs at most one compile beside the calling
processes, never one per kernel.  Workers run at low priority (``nice`` +5 by default).

A worker that fails (a crash, a kill, or longer than ``WORKER_TIMEOUT``) leaves the evaluator
answering; the failure is counted beside the module in the cache
(``__pycache__/<kernel>.failures``), a later process tries once more, and after
``MAX_FAILURES`` no process starts a worker for that kernel again: it stays on the evaluator
with a warning that says how to see the error (``OPTAD_TIERED=0`` compiles in the calling
process).

Not tiered: kernels already compiled into the cache (``__pycache__/<kernel>.compiled`` marks
them), kernels with equations run by NumPy inside (no single entry to compile), programs whose
NumPy evaluation is long (loops of many steps: ``MAX_EVALUATED``), and anything under
``OPTAD_TIERED=0``.  ``OPTAD_TIERED=1`` makes every eligible kernel hot from its first call
(used by the tests).  Workers still running when the interpreter exits are stopped.

The compiled loops of ``optad.minimize`` (driver.py) follow the same rules: Python steps on the
kernels' calls until the loop is hot, then one worker compiles it.
"""
from __future__ import annotations

import os
import subprocess
import sys  # noqa: F401 - tests point the workers' interpreter elsewhere
import threading
import time
import warnings
from pathlib import Path

import numpy as np

from .compile_pool import (BUSY, LOCK_NAME, MAX_FAILURES, WORKER_NICENESS,  # noqa: F401
                           WORKER_TIMEOUT, _running, compile_slot, count_failure, failed_marker,
                           failures, failures_marker, fcntl, finished, mark_compiled,
                           mark_failed, marker, reap, start_worker, wait_all,
                           worker_niceness)
from .machine import loader as machine_loader
from .machine.kernel import evaluated_equations, first_tier  # noqa: F401 - tests use it here

# a kernel is hot once its NumPy evaluations have taken this long in all (measured: a small
# least-squares gradient evaluates in ~0.1 ms, an 8-layer MLP's in ~2.5 ms, and a worker
# compiles a short kernel in ~1.5 s, a long one in 3-5 s)
HOT_SECONDS = 0.1
# kernels are not tiered when one NumPy evaluation runs more than this many equations (loop
# bodies times steps): the evaluator would be slower than compiling here
MAX_EVALUATED = 20_000
# a kernel that found the compile lock taken asks again after this many seconds
RETRY_SECONDS = 0.05
# while its worker runs, a kernel looks for its compiled marker at most this often
MARKER_SECONDS = 0.02
def _setting() -> str:
    return os.environ.get("OPTAD_TIERED", "auto").strip().lower()


def tiered_kernel(kernel, program, module, source: str):
    """``kernel``, or a TieredKernel around it when the evaluator should answer first (see
    above)."""
    if disabled() or kernel.entry is None:
        return kernel
    file = getattr(module, "__file__", None)
    if file is None or not Path(file).is_file() or marker(module).exists():
        return kernel   # an in-memory module (unusable cache), or compiled before
    first = first_tier(program)
    if evaluated_equations(program) > MAX_EVALUATED and not first_tier_only():
        # long for the NumPy plan: the interpreter runs it, loaded now if it is compiled
        # (~0.1 s, against a second or more to compile this kernel); else compile here
        if first.assembly is None or not (
                machine_loader.ready(first.products) is not None or
                (machine_loader.compiled() and machine_loader.load_here(first.products))):
            return kernel
    return TieredKernel(kernel, program, module, first)


def first_tier_only() -> bool:
    """``OPTAD_TIERED=first``: kernels stay on the first tier (benchmarks and tests of it)."""
    return _setting() == "first"


def hot_after() -> float:
    """Seconds on the first tier after which a kernel is hot (0 under OPTAD_TIERED=1, never
    under OPTAD_TIERED=first)."""
    if first_tier_only():
        return float("inf")
    return 0.0 if _setting() in ("1", "on", "true", "yes", "always") else HOT_SECONDS


class TieredKernel:
    """Calls like ``kernel``; see the module docstring."""

    def __init__(self, kernel, program, module, first=None):
        self.kernel = kernel
        self.module = module
        self.evaluate = first if first is not None else first_tier(program)
        self.worker = None
        self.payload = None
        self.started_at = None
        self.loader = None       # the thread loading the worker's machine code
        self.compiled = False
        self.gave_up = False     # no worker will compile it: the evaluator answers
        self.evaluated = 0.0     # seconds spent in the evaluator
        self.hot = hot_after()
        if self.evaluate.choice == "interpreter" and self.hot > 0 and not first_tier_only() \
                and evaluated_equations(program) > MAX_EVALUATED:
            self.hot = 0.0   # a long loop: its kernel is worth compiling from the first call
        self.retry_at = 0.0
        self.last_args = None
        self.worker_done = False
        self.marker_check_at = 0.0

    def __getattr__(self, name):   # entry, constants, source, path: the compiled kernel's
        return getattr(self.__dict__["kernel"], name)

    def __call__(self, *args):
        if self.compiled:
            return self.kernel(*args)
        if self.loader is not None:
            if not self.loader.is_alive():
                self.compiled = True
                reap()   # forget the worker if it has exited meanwhile
                return self.kernel(*args)   # loaded (or, if loading failed, compiles here)
        elif self.worker is not None and not self.worker_done:
            self._poll(args)
        elif not self.gave_up and self.evaluated >= self.hot and \
                time.monotonic() >= self.retry_at:
            started = self._start(args)
            if started is None:   # nothing to wait for: load (or compile) beside the caller
                self.worker_done = True
                self._load_beside(args)
            elif started is BUSY:
                self.retry_at = time.monotonic() + RETRY_SECONDS
        self.last_args = args
        t0 = time.perf_counter()
        outputs = self.evaluate(*args)
        self.evaluated += time.perf_counter() - t0
        return outputs

    def _poll(self, args):
        """Look at the worker: when it has finished, load its machine code off this thread."""
        code = self.worker.poll()
        now = time.monotonic()
        if code is None and now >= self.marker_check_at and marker(self.module).exists():
            # its own job is done: the worker may go on building the first tier's
            # interpreter (compile_pool.compile_afterwards); the kernel loads now
            self.worker_done = True
            self._load_beside(args)
            return
        if code is None:
            self.marker_check_at = now + MARKER_SECONDS   # a file system call: not every call
            if now - self.started_at < WORKER_TIMEOUT:
                return
            self.worker.kill()   # hung: stopped, and counted as a failure
            code = self.worker.wait()
        finished(self.worker, self.payload)
        self.worker_done = True
        if code == 0:
            self._load_beside(args)
            return
        count = count_failure(self.module, code)
        self.gave_up = True
        if count >= MAX_FAILURES:
            _warn_given_up(self.module, count)

    def _load_beside(self, args):
        """A thread loads the machine code (compiling it if the cache has none for these
        argument types) while calls go on on the evaluator."""
        self.loader = threading.Thread(target=self._load, args=(args,), daemon=True,
                                       name="optad kernel load")
        self.loader.start()

    def _load(self, args):
        try:
            self.kernel(*args)   # loads every segment's machine code from the cache
        except BaseException:   # noqa: BLE001 - the caller's thread runs it and sees any error
            pass
        mark_compiled(self.module)

    def _start(self, args, wait=False):
        """True when a worker started, BUSY while another process compiles, None when this
        call should compile here (no worker can, or the machine code is in the cache now)."""
        if any(isinstance(a, np.ndarray) and not (a.flags.c_contiguous or a.flags.f_contiguous)
               for a in args):
            return None   # a pickled copy would have another layout: compile here
        if marker(self.module).exists():
            return None   # another process compiled it meanwhile: load its machine code
        if failures(self.module) >= MAX_FAILURES:
            self.gave_up = True
            _warn_given_up(self.module, failures(self.module))
            return False
        started = start_worker({"module": self.module.__file__, "args": args,
                                "constants": list(self.kernel.constants)}, wait=wait)
        if started is None or started is BUSY:
            return started
        self.worker, self.payload = started
        self.started_at = time.monotonic()
        return True

    def _switch(self, *args):
        """Run compiled from now on (compiling here if no worker did)."""
        self.compiled = True
        outputs = self.kernel(*args)
        mark_compiled(self.module)
        return outputs

    def wait(self, timeout=None) -> None:
        """Block until the kernel runs compiled (for benchmarks and tests): start its worker
        if it has none (waiting for the compile lock), wait for it and for the load."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if self.compiled or self.last_args is None:
            return
        if self.worker is None and not self.gave_up:
            if self._start(self.last_args, wait=True) is None:
                self._switch(*self.last_args)
                return
        if self.worker is not None and not self.worker_done:
            try:
                self.worker.wait(None if deadline is None else max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                return
            self._poll(self.last_args)
        if self.loader is not None:
            self.loader.join(None if deadline is None else max(deadline - time.monotonic(), 0))


_GIVEN_UP: set = set()


def _warn_given_up(module, count):
    if module.__file__ in _GIVEN_UP:
        return
    _GIVEN_UP.add(module.__file__)
    warnings.warn(f"optad: {count} background compiles of the kernel {Path(module.__file__).name}"
                  " failed; it keeps running on the NumPy evaluator (slower, same results). "
                  "Run with OPTAD_TIERED=0 to compile it in this process and see the error.",
                  RuntimeWarning, stacklevel=4)


def disabled() -> bool:
    return _setting() in ("0", "off", "false", "no")
