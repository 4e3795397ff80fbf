"""Shared test set-up: a private kernel cache for the whole session, and the backends to run
the derivative corpus on (every compiled backend is checked against the NumPy evaluator)."""
import os
import tempfile

# Compiled kernels of this test session go to a fresh cache directory, shared by all tests
# (and by subprocesses they start), never to the user's ~/.cache/optad.  The folder is removed
# when the session ends (only if this session made it).
if not os.environ.get("OPTAD_CACHE_DIR"):
    _SESSION_CACHE = tempfile.mkdtemp(prefix="optad-test-cache-")
    os.environ["OPTAD_CACHE_DIR"] = _SESSION_CACHE
else:
    _SESSION_CACHE = None

# Compiled-backend tests check compiled code: no first calls answered by the NumPy evaluator
# while another process compiles (tests/backends/test_tiered_first_call.py turns it on).
os.environ.setdefault("OPTAD_TIERED", "0")

# No GPU here: the CUDA backend is tested under Numba's simulator (must be set before numba is
# imported; a machine with a GPU can run the tests on it with NUMBA_ENABLE_CUDASIM=0).
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")

import shutil  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: compile-heavy or subprocess test (deselect with "
                                       "-m 'not slow')")


def pytest_unconfigure(config):
    if _SESSION_CACHE is not None and os.environ.get("OPTAD_CACHE_DIR") == _SESSION_CACHE:
        shutil.rmtree(_SESSION_CACHE, ignore_errors=True)


def available_backends():
    names = ["numpy"]
    try:
        from optad.backends import get_backend
        if hasattr(get_backend("numba"), "compile_program"):
            names.append("numba")
    except NotImplementedError:
        pass
    return names


BACKENDS = available_backends()


# compiling a kernel per case costs seconds: the numba runs are in the slow tier
@pytest.fixture(params=[pytest.param(name, marks=pytest.mark.slow) if name != "numpy" else name
                        for name in BACKENDS])
def backend(request):
    return request.param


@pytest.fixture
def rng():
    return np.random.default_rng(0)
