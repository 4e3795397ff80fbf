"""At most one background compile process per kernel cache folder (backends/numba/tiered.py):
the compile lock is taken before a worker starts and held by the worker until it exits; a kernel
that finds it taken answers from the NumPy evaluator and asks again later."""
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from optad.backends.numba import tiered

ROOT = Path(__file__).resolve().parents[2]


def test_the_compile_lock_is_exclusive_and_released_on_close(tmp_path, monkeypatch):
    monkeypatch.setenv("OPTAD_CACHE_DIR", str(tmp_path))
    first = tiered.compile_slot()
    assert isinstance(first, int)
    try:
        assert tiered.compile_slot() is tiered.BUSY
    finally:
        os.close(first)
    again = tiered.compile_slot()
    assert isinstance(again, int)
    os.close(again)


def test_a_busy_lock_keeps_the_first_tier_answering(tmp_path, monkeypatch):
    monkeypatch.setenv("OPTAD_CACHE_DIR", str(tmp_path))
    held = tiered.compile_slot()
    try:
        assert tiered.start_worker({"module": "none"}) is tiered.BUSY
    finally:
        os.close(held)


# Each process compiles two tiered kernels of its own (constants differ per process and
# kernel) and calls them until both run compiled, checking every answer against NumPy.
SCRIPT = textwrap.dedent("""
    import sys, time
    import numpy as np
    import optad
    from optad.backends import numba as numba_backend
    from optad.backends.numpy_backend import NumpyKernel

    seed = int(sys.argv[1])
    rng = np.random.default_rng(seed)
    W, X = rng.standard_normal((4, 4)), rng.standard_normal((4, 6))
    kernels = []
    for k in range(2):
        scale = 1.0 + seed + 0.5 * k
        def loss(W, X, scale=scale):
            h = np.tanh(W @ X)
            return scale * np.sum(h * h) + np.sum(np.exp(-h)) / X.shape[1]
        program = optad.make_program(optad.value_and_grad(loss), W, X)
        kernels.append((numba_backend.compile_program(program), NumpyKernel(program)))
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        for kernel, oracle in kernels:
            for got, want in zip(kernel(W, X), oracle(W, X)):
                assert np.allclose(got, want, rtol=1e-12, atol=1e-14)
        if all(getattr(kernel, "compiled", True) for kernel, _ in kernels):
            print("compiled")
            break
        time.sleep(0.02)
""")


def _compile_workers(cache_dir):
    """Pids of compile workers of this cache folder now running."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                command = f.read()
            if b"optad.backends.numba.compile_worker" not in command:
                continue
            with open(f"/proc/{entry.name}/environ", "rb") as f:
                environ = f.read()
        except OSError:
            continue
        if f"OPTAD_CACHE_DIR={cache_dir}".encode() in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc") or tiered.fcntl is None,
                    reason="counts processes through /proc; the lock needs fcntl")
def test_many_processes_run_one_compile_at_a_time(tmp_path):
    env = dict(os.environ, OPTAD_CACHE_DIR=str(tmp_path), OPTAD_TIERED="1",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    processes = [subprocess.Popen([sys.executable, "-c", SCRIPT, str(seed)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for seed in range(4)]
    most, seen = 0, set()
    while any(p.poll() is None for p in processes):
        workers = _compile_workers(tmp_path)
        seen.update(workers)
        most = max(most, len(workers))
        time.sleep(0.01)
    outputs = [p.communicate() for p in processes]
    for process, (out, err) in zip(processes, outputs):
        assert process.returncode == 0, err[-3000:]
        assert out.strip() == "compiled", err[-3000:]
    assert most == 1, f"{most} compile workers ran at once"
    assert len(seen) >= 2, "the processes' kernels were compiled by workers, one at a time"
