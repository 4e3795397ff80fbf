"""Shared test set-up: a private kernel cache for the whole session, and the backends to run
the derivative corpus on (every compiled backend is checked against the NumPy evaluator)."""
import os
import shutil
import tempfile

CACHE_PREFIX = "optad-test-cache-"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:   # someone else's process
        return True
    return True


def remove_stale_session_caches(folder=None) -> list:
    """Remove the session caches of test runs that died without cleaning up (killed, or a
    crash before pytest_unconfigure): folders ``optad-test-cache-<pid>-*`` whose process is
    gone.  Returns the removed paths."""
    folder = folder or tempfile.gettempdir()
    removed = []
    for entry in os.scandir(folder):
        if not (entry.name.startswith(CACHE_PREFIX) and entry.is_dir(follow_symlinks=False)):
            continue
        pid, separator, _ = entry.name[len(CACHE_PREFIX):].partition("-")
        if separator and pid.isdigit() and not _process_alive(int(pid)):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.path)
    return removed


# Compiled kernels of this test session go to a fresh cache directory, shared by all tests
# (and by the subprocesses and pytest-xdist workers they start, which inherit the variable),
# never to the user's ~/.cache/optad.  The folder is removed when the session ends (only if
# this session made it); folders of earlier sessions that were killed are removed at the start.
if not os.environ.get("OPTAD_CACHE_DIR"):
    remove_stale_session_caches()
    _SESSION_CACHE = tempfile.mkdtemp(prefix=f"{CACHE_PREFIX}{os.getpid()}-")
    os.environ["OPTAD_CACHE_DIR"] = _SESSION_CACHE
else:
    _SESSION_CACHE = None

# The first tier's interpreter (backends/numba/machine) is compiled once for the session, in a
# folder that tests giving themselves a kernel cache of their own (cache_of_its_own) share.
os.environ.setdefault("OPTAD_MACHINE_DIR", os.path.join(os.environ["OPTAD_CACHE_DIR"],
                                                        "interpreter"))

# Compiled-backend tests check compiled code: no first calls answered by the NumPy evaluator
# while another process compiles (tests/backends/test_tiered_first_call.py turns it on).
os.environ.setdefault("OPTAD_TIERED", "0")

# No GPU here: the CUDA backend is tested under Numba's simulator (must be set before numba is
# imported; a machine with a GPU can run the tests on it with NUMBA_ENABLE_CUDASIM=0).
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: compile-heavy or subprocess test (deselect with "
                                       "-m 'not slow')")


def pytest_unconfigure(config):
    if _SESSION_CACHE is not None:
        shutil.rmtree(_SESSION_CACHE, ignore_errors=True)


@pytest.fixture
def cache_of_its_own(tmp_path, monkeypatch):
    """A kernel cache folder for one test.  The test processes share one folder, and with it
    the compile lock that lets one background compile run at a time (backends/numba/tiered.py):
    a test that starts compile workers and counts on them takes a folder of its own, after
    this process's earlier workers have finished."""
    from optad.backends.numba import tiered
    tiered.wait_all()
    monkeypatch.setenv("OPTAD_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def available_backends():
    names = ["numpy"]
    try:
        from optad.backends import get_backend
        if hasattr(get_backend("numba"), "compile_program"):
            names.append("numba")
            names.append("interpreter")   # the Numba backend's first tier alone
    except NotImplementedError:
        pass
    return names


BACKENDS = available_backends()


# compiling a kernel per case costs seconds: the numba runs are in the slow tier (the
# interpreter compiles once per session, then runs every program at once)
@pytest.fixture(params=[pytest.param(name, marks=pytest.mark.slow) if name == "numba" else name
                        for name in BACKENDS])
def backend(request):
    return request.param


@pytest.fixture
def rng():
    return np.random.default_rng(0)
