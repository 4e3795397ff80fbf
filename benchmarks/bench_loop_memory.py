"""Memory of reverse mode through a long loop: the peak a gradient adds, with and without
``checkpoint=``.

    python benchmarks/bench_loop_memory.py [--steps 100000 1000000]

An explicit-Euler pendulum (carry: two float64 numbers) written with ``optad.fori_loop``; its
gradient stores the carry entering every step (16 bytes a step), or with ``checkpoint=True``
one carry per chunk of sqrt(steps) steps plus the chunk being pulled back.  Each case runs in
a fresh process that first compiles the kernel (into a private cache), then a second fresh
process loads it and measures the growth of its peak resident memory (``ru_maxrss``) over one
value_and_grad call (tracing, loading the cached machine code and running it), so the
compiler's own memory is not counted; the 1,000-step row is the baseline of that overhead.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUNNER = textwrap.dedent("""
    import json, resource, sys
    sys.path.insert(0, {root!r})
    import numpy as np
    import optad
    steps, checkpoint = int(sys.argv[1]), json.loads(sys.argv[2])

    def f(th):
        dt = 1.0 / steps
        def body(i, c):
            x, v = c
            return (x + dt * v, v - dt * th[1] * np.sin(x) - dt * th[0] * v)
        x, v = optad.fori_loop(0, steps, body, (th[0] * 0 + 1.0, th[1] * 0),
                               checkpoint=checkpoint)
        return x ** 2 + v ** 2

    vg = optad.value_and_grad(f)
    th = np.array([0.3, 2.0])
    vg(th * 0) if sys.argv[3] == "compile" else None
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    value, grad = vg(th)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({{"peak_kib": after - before, "value": float(value)}}))
""")


def measure(steps, checkpoint):
    with tempfile.TemporaryDirectory(prefix="optad-bench-cache-") as cache:
        env = dict(os.environ, OPTAD_CACHE_DIR=cache, OPTAD_TIERED="0")
        script = RUNNER.format(root=str(ROOT))
        rows = []
        for stage in ("compile", "load"):
            out = subprocess.run([sys.executable, "-c", script, str(steps),
                                  json.dumps(checkpoint), stage],
                                 env=env, capture_output=True, text=True)
            if out.returncode != 0:
                return {"error": out.stderr.strip().splitlines()[-1]}
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        return rows[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[1_000, 100_000, 1_000_000])
    options = parser.parse_args()
    print("| steps | checkpoint | carries stored (16 bytes each) | peak memory added by one "
          "value_and_grad |")
    print("|---|---|---|---|")
    for steps in options.steps:
        for checkpoint in (None, True):
            row = measure(steps, checkpoint)
            k = int(round(steps ** 0.5))
            stored = steps if checkpoint is None else -(-steps // k) + k
            peak = "error: " + row["error"] if "error" in row else f"{row['peak_kib'] / 1024:.1f} MiB"
            print(f"| {steps:,} | {'every step' if checkpoint is None else f'sqrt: {k} steps'} "
                  f"| {stored:,} ({stored * 16 / 2**20:.2f} MiB) | {peak} |", flush=True)


if __name__ == "__main__":
    main()
