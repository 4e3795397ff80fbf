"""Per call of the first tier (the compiled interpreter, and the NumPy plan it replaces) against
the program's own compiled kernel and JAX, in one process, interleaved.

    python benchmarks/bench_first_tier.py [--programs NAME ...] [--rounds R] [--busy]

The programs are bench_time_to_n.py's (written as a user writes them).  For each, optad's
``value_and_grad`` program (after the Numba backend's own preparation: inlining and small
state in registers) is run four ways on the same flat inputs: the interpreter
(``backends/numba/machine``), the NumPy plan, and the fused kernel compiled for that program
(``OPTAD_TIERED=0``); JAX is ``jax.jit(jax.value_and_grad(f))`` on the same data.  optad's rows
are the kernel calls the public API makes (flat inputs to flat outputs), without the API's
pytree handling; JAX's include its own.  Medians of interleaved rounds (benchmarks/timing.py).
Also printed: the time to assemble each program for the interpreter, and the one-time cost of
loading the interpreter's machine code from the cache.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("OPTAD_CACHE_DIR", tempfile.mkdtemp(prefix="optad-bench-first-tier-"))
os.environ["OPTAD_MACHINE"] = "here"   # compile or load the interpreter in this process
os.environ["OPTAD_TIERED"] = "0"

import numpy as onp  # noqa: E402

import bench_time_to_n as programs  # noqa: E402
from fresh_runs import has_jax  # noqa: E402
from timing import BusyNeighbour, time_interleaved  # noqa: E402


def optad_calls(name):
    import numpy as np
    import optad
    from optad.backends.numba import _source_and_fallbacks, compile_program
    from optad.backends.numba.machine import first_tier
    from optad.transforms import inline_calls  # noqa: F401 - the backend's preparation
    f, args = programs.MAKERS[name](np, optad.fori_loop)
    vg = optad.value_and_grad(f, backend="numpy")
    program = vg.compiled_program(*args)
    leaves = [onp.asarray(a) for a in optad.tree.flatten(args)[0]]
    prepared = _source_and_fallbacks(program)[2]
    t0 = time.perf_counter()
    tier = first_tier(prepared)
    assembled = time.perf_counter() - t0
    kernel = compile_program(program)
    calls = {"optad kernel": lambda: kernel(*leaves), "NumPy plan": lambda: tier.plan(*leaves)}
    if tier.assembly is not None:
        calls["optad interpreter"] = lambda: tier(*leaves)
    reference = kernel(*leaves)
    for label, call in calls.items():
        got = call()
        error = max(float(onp.max(onp.abs(onp.asarray(a) - b), initial=0.0)) /
                    max(float(onp.max(onp.abs(b), initial=0.0)), 1e-300)
                    for a, b in zip(got, reference))
        if error > 1e-9:
            raise AssertionError(f"{name}: {label} differs from the kernel by {error:.2e}")
    return calls, assembled, tier.why_not


def jax_call(name):
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    f, args = programs.MAKERS[name](jnp, jax.lax.fori_loop)
    args = jax.block_until_ready(jax.tree_util.tree_map(jnp.asarray, args))
    vg = jax.jit(jax.value_and_grad(f))
    return lambda: jax.block_until_ready(vg(*args))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", nargs="+", default=list(programs.PROGRAMS))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--busy", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="optad-bench-data-") as data:
        programs.WINE_PATH[0] = f"{data}/wine.npz"
        programs.save_wine(programs.WINE_PATH[0])
        from optad.backends.numba.machine import loader
        t0 = time.perf_counter()
        loader.wait()
        print(f"interpreter ready in {time.perf_counter() - t0:.2f} s (compiled, or loaded from "
              "the cache)\n")
        print("| program | interpreter | NumPy plan | kernel | JAX | interpreter / JAX | "
              "interpreter / kernel | assemble |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        busy = BusyNeighbour().__enter__() if options.busy else None
        try:
            for name in programs.PROGRAMS:
                if not any(p.lower() in name.lower() for p in options.programs):
                    continue
                calls, assembled, why_not = optad_calls(name)
                if has_jax():
                    calls["JAX"] = jax_call(name)
                t = time_interleaved(calls, options.rounds, settle=0.02)
                us = {k: v * 1e6 for k, v in t.items()}
                vm = us.get("optad interpreter")
                cell = lambda k: f"{us[k]:,.1f}" if k in us else why_not   # noqa: E731
                print(f"| {name} | {cell('optad interpreter')} | {us['NumPy plan']:,.1f} | "
                      f"{us['optad kernel']:,.1f} | {us.get('JAX', float('nan')):,.1f} | "
                      f"{vm / us['JAX']:.2f} | {vm / us['optad kernel']:.2f} | "
                      f"{assembled * 1e3:.1f} ms |" if vm and "JAX" in us else
                      f"| {name} | {cell('optad interpreter')} | {us['NumPy plan']:,.1f} | "
                      f"{us['optad kernel']:,.1f} | | | | |", flush=True)
        finally:
            if busy is not None:
                busy.__exit__(None, None, None)


if __name__ == "__main__":
    sys.exit(main())
