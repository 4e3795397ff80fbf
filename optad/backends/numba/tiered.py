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

import atexit
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

try:
    import fcntl
except ImportError:   # pragma: no cover - not POSIX: no lock, one worker per kernel as before
    fcntl = None

import numpy as np

from ...ir.program import Program
from .cache import cache_dir
from .machine import loader as machine_loader
from .machine.kernel import first_tier

# a kernel is hot once its NumPy evaluations have taken this long in all (measured: a small
# least-squares gradient evaluates in ~0.1 ms, an 8-layer MLP's in ~2.5 ms, and a worker
# compiles a short kernel in ~1.5 s, a long one in 3-5 s)
HOT_SECONDS = 0.1
# kernels are not tiered when one NumPy evaluation runs more than this many equations (loop
# bodies times steps): the evaluator would be slower than compiling here
MAX_EVALUATED = 20_000
# a kernel that found the compile lock taken asks again after this many seconds
RETRY_SECONDS = 0.05
# compile_worker.py lowers its own priority by this much ($OPTAD_COMPILE_NICENESS, 0-19). At +10
# a worker got 5-20% of a core beside busy processes and a deep MLP's compile never finished
# within 10,000 calls; at +5 it still yields to the user's work (a quarter of the share of a
# process at the default priority)
WORKER_NICENESS = 5


def worker_niceness() -> int:
    text = os.environ.get("OPTAD_COMPILE_NICENESS", "").strip()
    try:
        return min(max(int(text), 0), 19) if text else WORKER_NICENESS
    except ValueError:
        return WORKER_NICENESS
WORKER_TIMEOUT = 600.0   # seconds; a worker running longer is stopped and counted as failed
MAX_FAILURES = 2       # failed workers of one kernel (over all processes) before no more start
LOCK_NAME = "compile.lock"
BUSY = "busy"   # start_worker's answer while another process compiles

_running: list = []


def _setting() -> str:
    return os.environ.get("OPTAD_TIERED", "auto").strip().lower()


def marker(module) -> Path:
    path = Path(module.__file__)
    return path.parent / "__pycache__" / f"{path.stem}.compiled"


def mark_compiled(module) -> None:
    try:
        target = marker(module)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch()
    except OSError:   # an unusable cache only costs the next process a tiered start
        pass


def failed_marker(module) -> Path:
    path = Path(module.__file__)
    return path.parent / "__pycache__" / f"{path.stem}.failed"


def mark_failed(module, reason: str) -> None:
    """Record that Numba cannot compile ``module`` (its text names everything it is made of,
    so it never will): later processes do not try again."""
    try:
        target = failed_marker(module)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(reason[:2000])
    except OSError:
        pass


def failures_marker(module) -> Path:
    path = Path(module.__file__)
    return path.parent / "__pycache__" / f"{path.stem}.failures"


def failures(module) -> int:
    """How many workers have failed to compile ``module`` (in any process)."""
    try:
        return len(failures_marker(module).read_text().split())
    except (OSError, ValueError):
        return 0


def count_failure(module, returncode) -> int:
    """Record one more failed worker of ``module``; returns the count."""
    try:
        target = failures_marker(module)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "a") as out:
            out.write(f"{returncode}\n")
    except OSError:
        pass
    return failures(module)


def evaluated_equations(program: Program) -> int:
    """Equations one NumPy evaluation runs: a loop's body counts once per step."""
    total = 0
    for eqn in program.eqns:
        body = eqn.params.get("body")
        if isinstance(body, Program):
            steps = eqn.params.get("length", 1000)   # a while loop: assume a long one
            total += steps * max(evaluated_equations(body), 1)
        else:
            total += 1
    return total


def tiered_kernel(kernel, program, module, source: str):
    """``kernel``, or a TieredKernel around it when the evaluator should answer first (see
    above)."""
    if disabled() or kernel.entry is None:
        return kernel
    file = getattr(module, "__file__", None)
    if file is None or not Path(file).is_file() or marker(module).exists():
        return kernel   # an in-memory module (unusable cache), or compiled before
    first = first_tier(program)
    if evaluated_equations(program) > MAX_EVALUATED and not first_tier_only() and \
            not (first.assembly is not None and machine_loader.ready() is not None):
        return kernel   # long for the NumPy plan, and the interpreter cannot run it (yet)
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
        self.retry_at = 0.0
        self.last_args = None
        self.worker_done = False

    def __getattr__(self, name):   # entry, constants, source, path: the compiled kernel's
        return getattr(self.__dict__["kernel"], name)

    def __call__(self, *args):
        if self.compiled:
            return self.kernel(*args)
        if self.loader is not None:
            if not self.loader.is_alive():
                self.compiled = True
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
        if code is None:
            if time.monotonic() - self.started_at < WORKER_TIMEOUT:
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


def compile_slot(wait=False):
    """An open descriptor holding the cache folder's compile lock; BUSY while another process
    holds it (``wait``: block until it is free); None when there is no lock to take (no
    ``fcntl``, or the folder is unusable), which does not stop a worker."""
    if fcntl is None:
        return None
    try:
        handle = os.open(cache_dir() / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        return BUSY
    except OSError:
        os.close(handle)
        return None
    return handle


def start_worker(payload: dict, wait=False):
    """``(process, payload path)`` of a compile worker started on ``payload`` (see
    compile_worker.py); BUSY while another process's worker holds the compile lock (``wait``:
    wait for it); None when it cannot start.  A worker still running at exit is stopped."""
    slot = compile_slot(wait)
    if slot is BUSY:
        return BUSY
    path = None
    try:
        handle, path = tempfile.mkstemp(prefix="optad-tiered-", suffix=".pkl")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(payload, out)
        package_root = str(Path(__file__).resolve().parents[3])
        env = dict(os.environ, OPTAD_TIERED="0",
                   PYTHONPATH=os.pathsep.join(
                       p for p in (package_root, os.environ.get("PYTHONPATH")) if p))
        # the worker inherits the locked descriptor: the lock is held until it exits
        worker = subprocess.Popen(
            [sys.executable, "-m", "optad.backends.numba.compile_worker", path],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=() if slot is None else (slot,))
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        if path is not None:
            _remove(path)
        return None
    finally:
        if slot is not None:
            os.close(slot)   # this process's copy; the worker's keeps the lock
    _running.append((worker, path))
    return worker, path


def finished(worker, payload) -> None:
    """Forget a worker that has exited (and its payload file)."""
    if (worker, payload) in _running:
        _running.remove((worker, payload))
    _remove(payload)


def wait_all(timeout=None) -> None:
    """Block until every compile worker of this process has finished (benchmarks, tests)."""
    for worker, _ in list(_running):
        try:
            worker.wait(timeout)
        except subprocess.TimeoutExpired:
            pass


def _remove(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


@atexit.register
def _stop_workers():
    for worker, payload in _running:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        _remove(payload)
