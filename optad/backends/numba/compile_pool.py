"""The compile pool: at most one background compile per machine, and what the kernel cache
remembers of compiles.

A compile worker (compile_worker.py) starts only while its parent holds the kernel cache's
compile lock (``<cache dir>/compile.lock``, an exclusive ``flock`` shared by every process using
the folder); the lock passes to the worker and the system releases it when the worker exits,
however it exits.  Beside each cached module the cache keeps a marker that its machine code is
compiled (``<kernel>.compiled``), that Numba cannot compile it (``.failed``), and how many
workers failed on it (``.failures``).  Tiered kernels (tiered.py), compiled optimisation loops
(driver.py) and the first tier's interpreter (machine/loader.py) share all of it.
"""
from __future__ import annotations

import atexit
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import fcntl
except ImportError:   # pragma: no cover - not POSIX: no lock, one worker per kernel as before
    fcntl = None

from .cache import cache_dir

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


# A module every worker compiles after its own job, if it is not compiled yet: a function
# returning its path or None (machine/loader.py sets it to the first tier's interpreter, so the
# one compile process a machine runs builds it after the kernel a caller is waiting for)
compile_afterwards = None


def start_worker(payload: dict, wait=False):
    """``(process, payload path)`` of a compile worker started on ``payload`` (see
    compile_worker.py); BUSY while another process's worker holds the compile lock (``wait``:
    wait for it); None when it cannot start.  A worker still running at exit is stopped."""
    reap()
    slot = compile_slot(wait)
    if slot is BUSY:
        return BUSY
    if compile_afterwards is not None and payload.get("kind") != "machine":
        try:
            afterwards = compile_afterwards()
        except Exception:   # noqa: BLE001 - only a missed chance to build it
            afterwards = None
        if afterwards:
            payload = dict(payload, afterwards=afterwards)
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


def reap() -> None:
    """Forget the workers that have exited (one whose caller stopped watching it once its own
    module was marked compiled finishes the interpreter on its own)."""
    for worker, payload in list(_running):
        if worker.poll() is not None:
            finished(worker, payload)


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
