"""Shared by bench_time_to_n.py and bench_time_to_solution.py: run one measurement in a fresh
Python process with an empty kernel cache of its own, and describe the machine it ran on."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def has_jax() -> bool:
    """Whether ``import jax`` works in a fresh process (JAX is a benchmark-only dependency)."""
    probe = subprocess.run([sys.executable, "-c", "import jax"], capture_output=True)
    return probe.returncode == 0


def jax_version() -> str:
    probe = subprocess.run([sys.executable, "-c", "import jax; print(jax.__version__)"],
                           capture_output=True, text=True)
    return probe.stdout.strip() or "?"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


# The first tier's interpreter is compiled once per machine, like an installation: the fresh
# processes share this folder (OPTAD_MACHINE_DIR) while each starts with an empty kernel cache
MACHINE_DIR = Path.home() / ".cache" / "optad-benchmarks" / "interpreter"


def prepare_interpreter(folder: Path = MACHINE_DIR) -> float:
    """Point every fresh process at ``folder`` for the interpreter and compile it there if it
    is not yet (returns the seconds that took, ~0.3 s when it only loads)."""
    os.environ["OPTAD_MACHINE_DIR"] = str(folder)
    script = ("import time; t = time.perf_counter(); "
              "from optad.backends.numba.machine import loader; ok = loader.load_here(); "
              "print(time.perf_counter() - t if ok else -1)")
    env = dict(os.environ, OPTAD_CACHE_DIR=tempfile.mkdtemp(prefix="optad-bench-cache-"))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    try:
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, timeout=600)
    finally:
        shutil.rmtree(env["OPTAD_CACHE_DIR"], ignore_errors=True)
    try:
        return float(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return -1.0


def run_fresh(script: str, arguments, tiered: str = "auto", timeout: float = 600):
    """Run ``python script arguments...`` with ``OPTAD_CACHE_DIR`` set to a new empty folder
    (removed afterwards) and ``OPTAD_TIERED=tiered``; return the JSON object its last output
    line holds, or ``{"error": ...}``."""
    cache = tempfile.mkdtemp(prefix="optad-bench-cache-")
    env = dict(os.environ, OPTAD_CACHE_DIR=cache, OPTAD_TIERED=tiered)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # a session of its own, so a timeout also stops the compile worker it may have started
    child = subprocess.Popen([sys.executable, script, *map(str, arguments)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        stdout, stderr = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        return {"error": f"not finished in {timeout:g} s"}
    finally:
        if child.poll() is None:   # interrupted (Ctrl-C): leave nothing running
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
        shutil.rmtree(cache, ignore_errors=True)
    lines = stdout.strip().splitlines()
    if child.returncode != 0 or not lines:
        last = stderr.strip().splitlines()[-1:] or ["failed"]
        return {"error": f"exit {child.returncode}: {last[0][:200]}"}
    return json.loads(lines[-1])
