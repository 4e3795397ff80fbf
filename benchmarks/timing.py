"""Timing shared by the benchmarks: interleaved medians of several methods in one process, and
the same quiet and beside one busy process in alternating blocks."""
from __future__ import annotations

import subprocess
import sys
import time

import numpy as np


def time_interleaved(ms, rounds, target=5e-3, settle=0.1, median=True):
    """Median seconds per call of each method; rounds interleave the methods.  Before each
    sample the process sleeps ``settle`` seconds, so the worker threads of the library timed
    before (OpenBLAS's spin for up to ~0.1 s after a call, so do JAX's) are idle again: each
    library is timed as it runs in a program that uses it alone, not competing for the two cores
    with another library's spinning pool."""
    batch = {}
    for name, fn in ms.items():
        fn()
        fn()
        t = time.perf_counter()
        fn()
        once = max(time.perf_counter() - t, 1e-7)
        batch[name] = max(1, int(target / once))
    samples = {name: [] for name in ms}
    order = list(ms)
    shuffle = np.random.default_rng(0).shuffle
    for _ in range(rounds):
        # a new order each round: no method always runs right after the same neighbour (JAX's
        # thread pool keeps spinning for a while after a call and slows whatever comes next)
        shuffle(order)
        for name in order:
            fn = ms[name]
            k = batch[name]
            time.sleep(settle)
            t = time.perf_counter()
            for _ in range(k):
                fn()
            samples[name].append((time.perf_counter() - t) / k)
    if not median:
        return samples
    return {name: float(np.median(s)) for name, s in samples.items()}


class BusyNeighbour:
    """One other process keeping one core busy while the block runs."""

    def __enter__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def time_quiet_and_loaded(ms, rounds, settle, blocks=4):
    """Medians of ``ms`` quiet and beside a busy process, over ``blocks`` alternating blocks of
    rounds (quiet, loaded, quiet, ...)."""
    per_block = max(1, rounds // blocks)
    samples = {"quiet": {name: [] for name in ms}, "loaded": {name: [] for name in ms}}
    for _ in range(blocks):
        for condition in ("quiet", "loaded"):
            if condition == "loaded":
                with BusyNeighbour():
                    times = time_interleaved(ms, per_block, settle=settle, median=False)
            else:
                times = time_interleaved(ms, per_block, settle=settle, median=False)
            for name, values in times.items():
                samples[condition][name] += values
    return tuple({name: float(np.median(v)) for name, v in samples[c].items()}
                 for c in ("quiet", "loaded"))
