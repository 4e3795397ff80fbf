"""Ctrl-C in a compiled optimisation loop: the run stops promptly with KeyboardInterrupt, whose
``.result`` holds the best point so far (issue 11 item 12)."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import json, signal, sys
    # Ctrl-C as in a terminal: a process started by one that ignores SIGINT (a test worker
    # beside a Dask cluster) inherits the ignore, and Python then installs no handler
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import numpy as np
    import optad

    def loss(x):
        return np.sum((x - 1.0) ** 2) + 0.1 * np.sum(np.cos(3 * x))

    x0 = np.zeros(4000)
    optad.minimize(loss, x0, method="gd", options=dict(step=1e-3, maxiter=5, gtol=0))
    print("ready", flush=True)
    try:
        optad.minimize(loss, x0, method="gd", options=dict(step=1e-7, maxiter=2 * 10**6, gtol=0))
    except KeyboardInterrupt as error:
        r = error.result
        print(json.dumps({"status": r.status, "nit": r.nit, "rows": len(r.history),
                          "finite": bool(np.isfinite(r.fun)), "fun": r.fun,
                          "f0": float(loss(x0))}), flush=True)
        sys.exit(0)
    print(json.dumps({"status": "finished"}))
""")


@pytest.mark.slow
def test_sigint_stops_a_compiled_loop_with_the_best_point(tmp_path):
    # a private kernel cache: nothing another test process does to the shared one can make the
    # second minimize compile again (the signal is meant to arrive inside the running loop)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OPTAD_CACHE_DIR=str(tmp_path / "kernels"))
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert time.perf_counter() - sent < 10, "the loop did not stop promptly"
    assert proc.returncode == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["status"] == 8 and result["finite"]
    assert result["nit"] > 0 and result["rows"] == result["nit"] + 1
    assert result["fun"] < result["f0"]
