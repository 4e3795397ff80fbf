"""Issue 11.14: the BLAS library the Numba kernels call (SciPy's) runs on OPTAD_BLAS_THREADS
threads (1 by default), set once it is loaded; NumPy's own BLAS is left alone."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from optad.backends.numba import threads

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import json
    import numpy as np
    import threadpoolctl
    import optad
    from optad.backends.numba import threads

    before = {i["filepath"]: i["num_threads"] for i in threadpoolctl.threadpool_info()}
    A = np.linspace(0.0, 1.0, 600).reshape(30, 20)
    g = optad.grad(lambda x: np.sum((A @ x) ** 2))(np.ones(20))
    after = {i["filepath"]: i["num_threads"] for i in threadpoolctl.threadpool_info()
             if i["user_api"] == "blas"}
    print(json.dumps({"limited": threads._state["limited"], "after": after, "before": before,
                      "ok": bool(np.allclose(g, 2 * A.T @ (A @ np.ones(20))))}))
""")


def _run(tmp_path, value):
    env = dict(os.environ, OPTAD_CACHE_DIR=str(tmp_path),
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop(threads.ENV, None)
    if value is not None:
        env[threads.ENV] = value
    proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("value, expected", [(None, 1), ("2", 2)])
def test_kernel_blas_gets_the_requested_threads_and_numpy_keeps_its_own(tmp_path, value,
                                                                        expected):
    pytest.importorskip("threadpoolctl")
    out = _run(tmp_path, value)
    assert out["ok"] and len(out["limited"]) >= 1
    for path, count in out["after"].items():
        if path in out["limited"]:
            assert count == expected
        elif path in out["before"]:
            assert count == out["before"][path]   # NumPy's own BLAS untouched


@pytest.mark.slow
def test_default_leaves_blas_alone(tmp_path):
    out = _run(tmp_path, "default")
    assert out["ok"] and out["limited"] == []


def test_bad_thread_count_is_a_clear_error(monkeypatch):
    for bad in ("0", "many", "-2"):
        monkeypatch.setenv(threads.ENV, bad)
        with pytest.raises(ValueError, match="OPTAD_BLAS_THREADS"):
            threads.requested_threads()
    monkeypatch.setenv(threads.ENV, "3")
    assert threads.requested_threads() == 3
    monkeypatch.setenv(threads.ENV, "default")
    assert threads.requested_threads() is None
