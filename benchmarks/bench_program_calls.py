"""Per call of the growing programs of bench_programs.py, optad and JAX in one process,
interleaved, quiet and beside one busy process.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_program_calls.py \
        [--only SUBSTRING] [--rounds N]

bench_programs.py times each library in its own fresh process (it measures first calls), so
its per-call columns come from different moments of a shared machine.  Here both libraries'
compiled value_and_grad of each program live in one process (JAX's only for the fori_loop and
MLP programs: it unrolls the 1,000-step Python loop, which it does not finish compiling) and are timed in interleaved rounds
(benchmarks/timing.py), in alternating blocks quiet and with one other process spinning on a
core ("loaded"), so a change in the machine's load hits both alike.  The table gives the medians,
optad / JAX, and loaded / quiet for each library.  optad compiles in this process
(``OPTAD_TIERED=0``, the compiled kernel is what is timed) into a private empty cache.
"""
from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ["OPTAD_TIERED"] = "0"
if "OPTAD_CACHE_DIR" not in os.environ:   # a private empty cache, removed at exit
    os.environ["OPTAD_CACHE_DIR"] = tempfile.mkdtemp(prefix="optad-bench-cache-")
    atexit.register(shutil.rmtree, os.environ["OPTAD_CACHE_DIR"], ignore_errors=True)

import numpy as onp  # noqa: E402

import optad  # noqa: E402
from bench_programs import CASES, PROGRAMS  # noqa: E402
from timing import time_quiet_and_loaded  # noqa: E402

try:
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
except ImportError:
    jax = None


def makers():
    namespace = {}
    exec(PROGRAMS, namespace)
    return namespace


def methods(maker, size, namespace):
    f, args = namespace[maker](onp, optad.fori_loop, size)
    vg = optad.value_and_grad(f)
    ms = {"optad": lambda: vg(*args)}
    value = float(vg(*args)[0])
    if jax is not None and maker != "pendulum_python":   # JAX unrolls it: minutes to compile
        jf, jargs = namespace[maker](jnp, jax.lax.fori_loop, size)
        jargs = jax.tree_util.tree_map(jnp.asarray, jargs)
        jvg = jax.jit(jax.value_and_grad(jf))
        jax_value = float(jvg(*jargs)[0])
        if not onp.isclose(value, jax_value, rtol=1e-9):
            raise SystemExit(f"{maker}({size}): optad {value!r} but JAX {jax_value!r}")
        ms["JAX"] = lambda: jax.block_until_ready(jvg(*jargs))
    return ms


def fmt(t):
    return f"{t * 1e3:.2f} ms" if t >= 1e-3 else f"{t * 1e6:.1f} us"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument("--rounds", type=int, default=24,
                        help="rounds of interleaved samples, split over 4 quiet and 4 loaded "
                             "blocks (default 24)")
    options = parser.parse_args()
    namespace = makers()
    rows = []
    for name, (maker, size) in CASES.items():
        if options.only not in name:
            continue
        print(f"{name}: compiling ...", file=sys.stderr, flush=True)
        ms = methods(maker, size, namespace)
        quiet, loaded = time_quiet_and_loaded(ms, options.rounds, settle=0.05)
        rows.append((name, quiet, loaded))
    print(f"\nper call of value_and_grad, medians (optad {optad.__version__}"
          + (f", JAX {jax.__version__}" if jax else ", JAX not installed") + ")\n")
    print("| program | optad quiet | optad loaded | loaded / quiet | JAX quiet | JAX loaded "
          "| optad / JAX quiet | optad / JAX loaded |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, quiet, loaded in rows:
        cells = [fmt(quiet["optad"]), fmt(loaded["optad"]),
                 f"{loaded['optad'] / quiet['optad']:.2f}"]
        if "JAX" in quiet:
            cells += [fmt(quiet["JAX"]), fmt(loaded["JAX"]),
                      f"{quiet['optad'] / quiet['JAX']:.2f}",
                      f"{loaded['optad'] / loaded['JAX']:.2f}"]
        else:
            cells += ["-"] * 4
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
