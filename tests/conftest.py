"""Shared test set-up: a private kernel cache for the whole session, and the backends to run
the derivative corpus on (every compiled backend is checked against the NumPy evaluator)."""
import os
import tempfile

# Compiled kernels of this test session go to a fresh cache directory, shared by all tests
# (and by subprocesses they start), never to the user's ~/.cache/optad.
os.environ.setdefault("OPTAD_CACHE_DIR", tempfile.mkdtemp(prefix="optad-test-cache-"))

# No GPU here: the CUDA backend is tested under Numba's simulator (must be set before numba is
# imported; a machine with a GPU can run the tests on it with NUMBA_ENABLE_CUDASIM=0).
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


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
