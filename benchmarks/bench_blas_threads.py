"""BLAS threads that follow the machine: kernels with a large product, one thread against
``OPTAD_BLAS_THREADS=auto`` (the default), quiet and beside one busy process.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_blas_threads.py [--rounds N]

Both kernels of a problem are built in this process (the same program, compiled once, one of
them wrapped to follow the machine: ``backends/numba/threads.py``) and timed interleaved, in
alternating blocks of rounds quiet and with one other process spinning on a core
(``timing.time_quiet_and_loaded``).  On this 2-core machine, ``auto`` should run a large product
on two threads when it is quiet (up to 2x faster than one) and on one thread beside the busy
process (as fast as one, where two spinning threads used to collapse: 4.5x slower).
"""
from __future__ import annotations

import argparse
import os

import numpy as np

from timing import time_quiet_and_loaded


def problems():
    rng = np.random.default_rng(0)
    A, b = rng.standard_normal((5000, 1000)), rng.standard_normal(5000)
    X = rng.standard_normal((2000, 500))

    def least_squares(x):
        return 0.5 * np.sum((A @ x - b) ** 2)

    def wide_layer(W):
        return np.sum(np.tanh(X @ W) ** 2)
    return {"least squares 5000x1000": (least_squares, np.zeros(1000)),
            "tanh layer 2000x500x256": (wide_layer, rng.standard_normal((500, 256)) * 0.05)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=16)
    args = parser.parse_args()
    os.environ["OPTAD_TIERED"] = "0"
    import optad
    from optad.backends.numba import threads
    print(f"load average at start: {os.getloadavg()}; cores: {threads.MachineLoad().cores}")
    print("| problem | one thread (µs) | auto (µs) | auto / one | loaded: one thread (µs) | "
          "loaded: auto (µs) | loaded: auto / one |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, (f, x) in problems().items():
        vg = optad.value_and_grad(f)
        vg(x)
        entry = vg.entry((x,))
        kernel = vg.kernel(entry)
        plain = kernel.kernel if isinstance(kernel, threads.FollowingTheMachine) else kernel
        following = threads.FollowingTheMachine(plain)
        quiet, loaded = time_quiet_and_loaded(
            {"one": lambda: plain(x), "auto": lambda: following(x)}, args.rounds, settle=0.1)
        print(f"| {name} | {quiet['one'] * 1e6:.0f} | {quiet['auto'] * 1e6:.0f} | "
              f"{quiet['auto'] / quiet['one']:.2f} | {loaded['one'] * 1e6:.0f} | "
              f"{loaded['auto'] * 1e6:.0f} | {loaded['auto'] / loaded['one']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
