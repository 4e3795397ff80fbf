"""What grows with the depth of a Python-loop MLP: equations, kernel source, compile time.

    python benchmarks/bench_depth_growth.py [--depths 4,8,16,32] [--kinds vg,hvp]

The MLP is ``mlp`` of bench_programs.py (16 x 16 tanh layers written as
``for W in Ws[:-1]: h = np.tanh(W @ h)``, 64 samples, softmax cross-entropy head), rerolled into
a scan after tracing.  Each (depth, kind) runs in a fresh Python process with an empty private
kernel cache and ``OPTAD_TIERED=0`` (compiled in the calling process).  Columns:

- eqns: equations of the transformed, simplified program (top level / with loop bodies);
- code lines: lines of the generated kernel module that are code (not comments, not the
  docstring that prints the program); for: how many ``for`` statements it has;
- trace CPU: tracing, rerolling, differentiating and simplifying (``time.process_time``);
- compile CPU / wall: the first call after that (code generation, Numba's compile, one run).

CPU time is the column to compare on a shared machine: wall time also counts the waits for
cores that other processes hold.  One discarded run comes first: the first fresh process after
a while pays for reading Numba and optad's runtime from disk (about 3 s more here).
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_programs import PROGRAMS  # noqa: E402  (the same MLP as the program benchmark)

RUNNER = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, {root!r})
    import numpy as np
    import optad
    from optad.backends import get_backend
    kind, layers = sys.argv[1], int(sys.argv[2])
    programs = {{}}
    exec({programs!r}, programs)
    f, args = programs["mlp"](np, optad.fori_loop, layers)

    def count(program):
        return sum(1 + sum(count(v) for v in e.params.values() if hasattr(v, "eqns"))
                   for e in program.eqns)

    if kind == "vg":
        fun, call_args = optad.value_and_grad(f), args
    else:
        fun, call_args = optad.hvp(f), (args[0], args[0]) + tuple(args[1:])
    c0, w0 = time.process_time(), time.perf_counter()
    program = fun.lowered(*call_args)
    c1, w1 = time.process_time(), time.perf_counter()
    fun(*call_args)
    c2, w2 = time.process_time(), time.perf_counter()
    source = get_backend("numba").program_source(program)
    body = source.split('\"\"\"', 2)[2]
    code = [line for line in body.splitlines()
            if line.strip() and not line.strip().startswith("#")]
    print(json.dumps({{"top": len(program.eqns), "all": count(program), "lines": len(code),
                      "loops": sum(line.lstrip().startswith("for ") for line in code),
                      "trace_cpu": c1 - c0, "compile_cpu": c2 - c1, "compile_wall": w2 - w1}}))
""")


def run(kind, layers, timeout):
    with tempfile.TemporaryDirectory(prefix="optad-depth-cache-") as cache:
        env = dict(os.environ, OPTAD_CACHE_DIR=cache, OPTAD_TIERED="0")
        script = RUNNER.format(root=str(ROOT), programs=PROGRAMS)
        try:
            out = subprocess.run([sys.executable, "-c", script, kind, str(layers)], env=env,
                                 capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"not finished after {timeout} s"}
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--depths", default="4,8,16,32", help="comma-separated layer counts")
    parser.add_argument("--kinds", default="vg,hvp", help="vg (value_and_grad), hvp, or both")
    parser.add_argument("--timeout", type=float, default=900)
    options = parser.parse_args()
    run("vg", 4, options.timeout)   # warm-up, discarded
    rows = []
    for kind in options.kinds.split(","):
        for layers in [int(d) for d in options.depths.split(",")]:
            row = run(kind, layers, options.timeout)
            rows.append((kind, layers, row))
            print(kind, layers, json.dumps(row), flush=True)
    print()
    print("| kernel | layers | eqns (top / all) | code lines | for | trace CPU | compile CPU "
          "| compile wall |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind, layers, row in rows:
        name = "value_and_grad" if kind == "vg" else "hvp"
        if "error" in row:
            print(f"| {name} | {layers} | {row['error']} | | | | | |")
            continue
        print(f"| {name} | {layers} | {row['top']} / {row['all']} | {row['lines']} "
              f"| {row['loops']} | {row['trace_cpu']:.2f} s | {row['compile_cpu']:.2f} s "
              f"| {row['compile_wall']:.2f} s |")


if __name__ == "__main__":
    main()
