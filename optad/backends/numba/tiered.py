"""A tiered first call: answers from the NumPy evaluator while Numba compiles in another process.

Numba compiles a long kernel (a deep network's gradient, an HVP) in seconds, most of it typing
and lowering that grows with the kernel's length.  When a kernel is long and not yet in the
kernel cache, ``tiered_kernel(kernel, program, module, source)`` returns a ``TieredKernel``: its first call
starts ``compile_worker`` (a fresh Python process that compiles the same cached module for the
same argument types and saves the machine code in the cache) and evaluates the program with the
NumPy evaluator; every later call asks the worker (one ``waitpid``) and, once it has finished,
loads the machine code from the cache and runs the compiled kernel from then on.

So the first results arrive after tracing plus one NumPy evaluation instead of after the whole
compile, and the compiled kernel takes over without the caller doing anything.  The NumPy
evaluator computes the same program, so results agree to rounding (sums may associate
differently).  If the worker fails for any reason, the next call compiles in this process as
usual, which raises any real error where the user sees it.

Not tiered: short kernels (they compile in about a second), kernels already compiled into the
cache (``__pycache__/<kernel>.compiled`` marks them), kernels with equations run by NumPy inside
(no single entry to compile), programs whose NumPy evaluation is long (loops of many steps), and
anything under ``OPTAD_TIERED=0``.  ``OPTAD_TIERED=1`` tiers every eligible kernel whatever its
length (used by the tests).  Workers still running when the interpreter exits are stopped.

The compiled loops of ``optad.minimize`` (driver.py) are tiered the same way: the first call
runs the Python driver while a worker compiles the loop.

One compile process at a time.  A worker starts only while its parent holds the compile lock of
the kernel cache (``<cache dir>/compile.lock``, an exclusive ``flock`` that every process using
the folder shares); the lock passes to the worker, and the system releases it when the worker
exits, however it exits (killed included).  While another process's worker holds it, a tiered
kernel goes on answering from the NumPy evaluator and asks again on a later call (at most every
``RETRY_SECONDS``); so a sweep of many new problems runs one compile beside the calling process,
never one per kernel.  Workers run at low priority (``nice`` +10).
"""
from __future__ import annotations

import atexit
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import fcntl
except ImportError:   # pragma: no cover - not POSIX: no lock, one worker per kernel as before
    fcntl = None

import numpy as np

from ...ir.program import Program
from .cache import cache_dir

# a kernel is tiered when its generated segments hold at least this many lines (a 300-line
# segment takes Numba 2-4 s; 100 lines well under a second)
MIN_LINES = 150
# ... and when one NumPy evaluation runs at most this many equations (loop bodies times steps)
MAX_EVALUATED = 20_000

# a kernel that found the compile lock taken asks again after this many seconds
RETRY_SECONDS = 0.05
WORKER_NICENESS = 10   # compile_worker.py lowers its own priority by this much
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


def _segment_lines(source: str) -> int:
    body = source.split("\ndef make_kernel", 1)[0]
    return sum(1 for line in body.splitlines()
               if line.startswith("    ") and not line.strip().startswith("#"))


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
    """``kernel``, or a TieredKernel around it when a tiered first call pays (see above)."""
    setting = _setting()
    if disabled() or kernel.entry is None:
        return kernel
    file = getattr(module, "__file__", None)
    if file is None or not Path(file).is_file() or marker(module).exists():
        return kernel   # an in-memory module (unusable cache), or compiled before
    if setting not in ("1", "on", "true", "yes", "always"):
        if _segment_lines(source) < MIN_LINES or evaluated_equations(program) > MAX_EVALUATED:
            return kernel
    return TieredKernel(kernel, program, module)


class TieredKernel:
    """Calls like ``kernel``; see the module docstring."""

    def __init__(self, kernel, program, module):
        from ..numpy_backend import NumpyKernel
        self.kernel = kernel
        self.module = module
        self.evaluate = NumpyKernel(program)
        self.worker = None
        self.payload = None
        self.compiled = False
        self.retry_at = 0.0
        self.last_args = None

    def __getattr__(self, name):   # entry, constants, source, path: the compiled kernel's
        return getattr(self.__dict__["kernel"], name)

    def __call__(self, *args):
        if self.compiled:
            return self.kernel(*args)
        if self.worker is None:
            if time.monotonic() >= self.retry_at:
                started = self._start(args)
                if started is None:
                    return self._switch(*args)
                if started is BUSY:
                    self.retry_at = time.monotonic() + RETRY_SECONDS
                    self.last_args = args
        elif self.worker.poll() is not None:
            return self._switch(*args)
        return self.evaluate(*args)

    def _start(self, args, wait=False):
        """True when a worker started, BUSY while another process compiles, None when no
        worker can compile this call (compile here)."""
        if any(isinstance(a, np.ndarray) and not (a.flags.c_contiguous or a.flags.f_contiguous)
               for a in args):
            return None   # a pickled copy would have another layout: compile here
        if marker(self.module).exists():
            return None   # another process compiled it meanwhile: load its machine code
        started = start_worker({"module": self.module.__file__, "args": args,
                                "constants": list(self.kernel.constants)}, wait=wait)
        if started is None or started is BUSY:
            return started
        self.worker, self.payload = started
        return True

    def _switch(self, *args):
        """The worker is done (or never started): run compiled from now on."""
        self.compiled = True
        if self.worker is not None:
            finished(self.worker, self.payload)
        outputs = self.kernel(*args)   # loads the worker's machine code, or compiles here
        mark_compiled(self.module)
        return outputs

    def wait(self, timeout=None) -> None:
        """Block until the worker has finished (for benchmarks and tests); a kernel still
        waiting for the compile lock waits for it and starts its worker first."""
        if self.worker is None and not self.compiled and self.last_args is not None:
            self._start(self.last_args, wait=True)
        if self.worker is not None and not self.compiled:
            try:
                self.worker.wait(timeout)
            except subprocess.TimeoutExpired:
                pass


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
