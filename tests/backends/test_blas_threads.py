"""Issue 11.14: the BLAS library the Numba kernels call (SciPy's) runs on OPTAD_BLAS_THREADS
threads (1 by default, more around a large product while the machine is idle: issue 24), set
once it is loaded; NumPy's own BLAS is left alone."""
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
    monkeypatch.delenv(threads.ENV)
    assert threads.requested_threads() == threads.AUTO


class _Library:
    def __init__(self):
        self.calls = []

    def set_num_threads(self, count):
        self.calls.append(count)


def _load_with(samples, cores=2):
    """A MachineLoad reading ``samples`` (wall time, total jiffies, idle jiffies, own CPU
    seconds) one after another, on a machine of ``cores`` cores, 100 jiffies a second."""
    load = threads.MachineLoad.__new__(threads.MachineLoad)
    load.cores, load.tick = cores, 100
    feed = iter(samples)
    load._sample = lambda: next(feed)
    load._last = load._sample()
    load.others = 0.0
    return load


def test_machine_load_counts_the_cores_other_processes_use(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(threads.time, "monotonic", lambda: clock[0])
    # one second: 200 jiffies in all on 2 cores; 100 of them idle; this process used 0.1 s,
    # so others kept 0.9 of a core busy: one core is free
    load = _load_with([(0.0, 0, 0, 0.0), (1.0, 200, 100, 0.1), (2.0, 400, 190, 0.9)])
    clock[0] = 1.0
    assert load.others_busy() == pytest.approx(0.9)
    assert load.free_cores() == 1
    clock[0] = 1.05                       # within the window: no new reading
    assert load.others_busy() == pytest.approx(0.9)
    clock[0] = 2.0                        # this process used 0.8 s of the 1.1 s busy: idle
    assert load.others_busy() == pytest.approx(0.3)
    assert load.free_cores() == 2


def test_a_large_product_gets_the_free_cores_and_one_thread_after(monkeypatch):
    library = _Library()
    monkeypatch.setitem(threads._state, "libraries", [library])
    monkeypatch.setitem(threads._state, "threads", 1)
    free = [2]
    monkeypatch.setattr(threads, "free_cores", lambda: free[0])
    seen = []
    kernel = threads.FollowingTheMachine(lambda x: seen.append(threads._state["threads"]) or x)
    assert kernel(5) == 5 and seen == [2] and library.calls == [2, 1]
    free[0] = 1                            # a busy neighbour: no change, one thread
    assert kernel(6) == 6 and seen == [2, 1] and library.calls == [2, 1]


def test_only_programs_with_a_large_product_follow_the_machine(monkeypatch):
    import numpy as np

    import optad
    monkeypatch.delenv(threads.ENV, raising=False)
    big = optad.make_program(lambda x, A: np.sum((A @ x) ** 2), np.ones(1000),
                             np.ones((3000, 1000)))
    small = optad.make_program(lambda x, A: np.sum((A @ x) ** 2), np.ones(100),
                               np.ones((500, 100)))
    assert threads.largest_product(big) == 3_000_000
    assert isinstance(threads.following_the_machine(object(), big), threads.FollowingTheMachine)
    marker = object()
    assert threads.following_the_machine(marker, small) is marker
    monkeypatch.setenv(threads.ENV, "1")
    assert threads.following_the_machine(marker, big) is marker

    def looped(x):
        return optad.fori_loop(0, 3, lambda i, h: np.tanh(np.ones((2000, 1000)) @ h)[:1000], x)
    assert threads.largest_product(optad.make_program(looped, np.ones(1000))) == 2_000_000
