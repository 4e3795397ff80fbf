"""Cost of optad's NumPy wrappers (optad/trace/numpy_patches.py) on plain NumPy calls outside
tracing: NumPy's own function against the name as seen after ``import optad``, interleaved in
one process, best of several repeats.  With OPTAD_PATCH_NUMPY=0 both columns are NumPy's own.

    python benchmarks/bench_numpy_patches.py [--calls 50000] [--repeats 9]
"""
from __future__ import annotations

import argparse
import timeit

import numpy as np

import optad  # noqa: F401  (installs the wrappers unless OPTAD_PATCH_NUMPY=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=9)
    options = parser.parse_args()
    small_list, small_array = [1.0, 2.0, 3.0], np.ones(3)
    cases = [("np.array([1.0, 2.0, 3.0])", np, "array", small_list),
             ("np.asarray(array of 3)", np, "asarray", small_array),
             ("np.mean(array of 3)", np, "mean", small_array),
             ("np.linalg.norm(array of 3)", np.linalg, "norm", small_array)]
    print(f"{'call':30} {'NumPy (ns)':>11} {'after import optad (ns)':>24}")
    for label, namespace, name, argument in cases:
        seen = getattr(namespace, name)
        own = seen.__wrapped__ if getattr(seen, "optad_wrapped", False) else seen
        times = {"own": [], "seen": []}
        for _ in range(options.repeats):
            for key, function in (("own", own), ("seen", seen)):
                elapsed = timeit.timeit(lambda: function(argument), number=options.calls)
                times[key].append(elapsed / options.calls * 1e9)
        print(f"{label:30} {min(times['own']):11.0f} {min(times['seen']):24.0f}")


if __name__ == "__main__":
    main()
