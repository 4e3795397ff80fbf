"""Resident memory per distinct kernel in one long-running process, and what dropping every
reference gives back.

    python benchmarks/bench_kernel_memory.py [--kernels 200] [--mode grad|jit] [--cached]
        [--tiered] [--release-numba]

Builds N distinct small kernels (``optad.grad`` of a short chain of elementwise functions, a
different chain and length for each, so each is a new program and a new kernel) in one
process with an empty private kernel cache and ``OPTAD_TIERED=0``, and prints the growth of the
resident set size (RSS, /proc/self/statm) per kernel, then the RSS after every reference the
script holds is dropped and the garbage collector has run (RSS is read after glibc's
``malloc_trim``, so freed heap pages are not counted). ``--cached`` runs a second pass in a
fresh process that loads the same kernels from the cache written by the first, so compiling
is not counted. ``--tiered`` runs one with ``OPTAD_TIERED=1`` on its own empty cache: worker
processes compile every kernel and this process loads them (RSS is read once the compiled
kernels are in use). ``--release-numba`` then drops, as an experiment, what Numba and LLVM keep of
every kernel (see ``release_numba``) and prints what that gives back.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FUNCS = ["sin", "cos", "tanh", "exp", "arctan", "sinh", "log1p", "sqrt"]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def function(i: int):
    """A distinct loss for each i: a chain of elementwise functions picked by i's digits in
    base 8, of length 1 + i // 64 digits, summed."""
    import numpy as np
    chain, j = [], i
    while True:
        chain.append(getattr(np, FUNCS[j % 8]))
        j //= 8
        if j == 0:
            break
    chain.append(np.abs)   # keeps log1p/sqrt real after the others

    def f(x):
        y = x
        for g in reversed(chain):
            y = g(y)
        return np.sum(y * y)
    return f


def measure(n: int, mode: str, release: bool = False, offset: int = 0) -> dict:
    sys.path.insert(0, str(ROOT))
    import numpy as np
    import optad
    from optad.backends.numba import cache, tiered

    def compiled_everywhere():
        """Under OPTAD_TIERED=1: wait for the workers and call again, so the kernels in use
        are the compiled ones, loaded from the cache the workers wrote."""
        tiered.wait_all()
        for g in held:
            g(x)

    x = np.linspace(0.1, 0.9, 7)
    transform = optad.grad if mode == "grad" else optad.jit
    held = [transform(function(10 ** 6))]    # warm-up: Numba's own first-use costs
    held[0](x)
    compiled_everywhere()
    held.clear()
    start = trimmed_rss_mb()
    marks, t0 = [], time.perf_counter()
    for i in range(offset, offset + n):
        g = transform(function(i))
        g(x)
        held.append(g)
        if (i - offset + 1) % max(n // 4, 1) == 0:
            compiled_everywhere()
            marks.append((i - offset + 1, trimmed_rss_mb() - start))
    compiled_everywhere()
    elapsed = time.perf_counter() - t0
    built = trimmed_rss_mb()
    held.clear()
    from optad.api import transformed
    transformed._transforms.clear()          # optad's in-process LRU of transformed functions
    dropped = trimmed_rss_mb()
    modules = [name for name in sys.modules if name.startswith(cache.MODULE_PREFIX)]
    result = {"kernels": n, "mode": mode, "start_mb": start, "built_mb": built,
              "per_kernel_mb": (built - start) / n, "marks": marks,
              "after_dropping_mb": dropped, "returned_mb": built - dropped,
              "kernel_modules_in_sys_modules": len(modules), "seconds": elapsed}
    if release:
        result.update(release_numba(modules, start, n))
    return result


def trimmed_rss_mb() -> float:
    """RSS after a garbage collection and glibc's malloc_trim (freed heap pages go back)."""
    import ctypes
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    return rss_mb()


def release_numba(modules, start, n) -> dict:
    """An experiment, not something optad does: drop what Numba and LLVM keep of these kernel
    modules - the modules themselves (sys.modules), each compiled function's registration in
    the CPU target context (``_defns``, which keeps every overload's library, environment and
    module alive), and their LLVM modules in the MCJIT engine (removed and disposed) - and
    measure what comes back."""
    from numba.core.dispatcher import Dispatcher
    from numba.core.registry import cpu_target
    libraries, registrations = [], []
    for name in modules:
        for value in vars(sys.modules[name]).values():
            if isinstance(value, Dispatcher):
                for cres in value.overloads.values():
                    libraries.append(cres.library)
                    registrations.append((value.targetctx, cres.entry_point))
        del sys.modules[name]
    value = cres = None
    after_modules = trimmed_rss_mb()
    for context, function in registrations:
        context._defns.pop(function, None)
    registrations.clear()
    after_registrations = trimmed_rss_mb()
    alive = sum(1 for o in gc.get_objects() if isinstance(o, Dispatcher)
                and getattr(o, "__module__", "").startswith("optad_"))
    engine = cpu_target.target_context.codegen()._engine._ee
    removed = 0
    for library in libraries:
        module = library._final_module
        if module in engine._modules:
            engine.remove_module(module)
            module.close()
            removed += 1
    libraries.clear()
    after_llvm = trimmed_rss_mb()
    return {"release": {"sys_modules_mb": after_modules - start,
                        "registrations_mb": after_registrations - start,
                        "dispatchers_alive": alive, "llvm_modules_removed": removed,
                        "llvm_mb": after_llvm - start, "kernels": n}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kernels", type=int, default=200)
    parser.add_argument("--mode", choices=["grad", "jit"], default="grad")
    parser.add_argument("--cached", action="store_true",
                        help="also measure a fresh process loading the kernels from the cache")
    parser.add_argument("--tiered", action="store_true",
                        help="also measure OPTAD_TIERED=1: worker processes compile, this one "
                             "loads")
    parser.add_argument("--release-numba", action="store_true",
                        help="then also drop what Numba and LLVM keep (an experiment)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.kernels, args.mode, args.release_numba)))
        return
    with tempfile.TemporaryDirectory(prefix="optad-bench-memory-") as folder:
        shared = dict(os.environ, OPTAD_CACHE_DIR=str(Path(folder) / "cache"), OPTAD_TIERED="0")
        runs = [("compiled", shared)] + ([("loaded from the cache", shared)] if args.cached
                                          else [])
        if args.tiered:
            runs.append(("compiled by tiered workers, loaded here (OPTAD_TIERED=1)",
                         dict(os.environ, OPTAD_CACHE_DIR=str(Path(folder) / "tiered"),
                              OPTAD_TIERED="1")))
        for label, env in runs:
            done = subprocess.run([sys.executable, __file__, "--child", "--kernels",
                                   str(args.kernels), "--mode", args.mode]
                                  + ["--release-numba"] * args.release_numba, env=env,
                                  capture_output=True, text=True, check=True)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{label}: {result['kernels']} {result['mode']} kernels in "
                  f"{result['seconds']:.1f} s; RSS {result['start_mb']:.0f} -> "
                  f"{result['built_mb']:.0f} MB ({result['per_kernel_mb']:.2f} MB per kernel; "
                  + ", ".join(f"{k}: +{m:.0f} MB" for k, m in result["marks"])
                  + f"); after dropping every reference {result['after_dropping_mb']:.0f} MB "
                  f"({result['returned_mb']:.0f} MB returned); kernel modules still imported: "
                  f"{result['kernel_modules_in_sys_modules']}")
            if "release" in result:
                r, k = result["release"], result["kernels"]
                print(f"  then, per kernel above the start: kernel modules out of sys.modules "
                      f"{r['sys_modules_mb'] / k:.2f} MB; Numba's registrations dropped "
                      f"{r['registrations_mb'] / k:.2f} MB ({r['dispatchers_alive']} kernel "
                      f"dispatchers still alive); {r['llvm_modules_removed']} LLVM modules "
                      f"removed from the engine and freed {r['llvm_mb'] / k:.2f} MB")


if __name__ == "__main__":
    main()
