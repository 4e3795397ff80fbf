"""Cost of optad's NumPy wrappers (optad/numpy/patches.py), best of several repeats:

1. plain NumPy calls after ``import optad``: the names are NumPy's own (checked, not timed);
2. the same calls through the wrappers, as another thread pays while a trace runs (the
   wrapper tests a thread-local and calls NumPy's own object), against NumPy's own object,
   interleaved in one process;
3. trace time: ``optad.make_program`` of losses that give lists of traced values to NumPy and
   of an MDS-style loss (many ops, no lists); each trace puts the wrappers in place and takes
   them away.  Part 3 uses only the public API, so ``--trace-only`` runs on older optad too.

    python benchmarks/bench_numpy_patches.py [--calls 50000] [--repeats 9] [--trace-only]
"""
from __future__ import annotations

import argparse
import timeit

import numpy as np

import optad


def wrapper_costs(calls, repeats):
    from optad.numpy import patches
    wrappers = {(namespace.__name__, name): (original, wrapper)
                for namespace, name, original, wrapper in patches.PATCHES}
    small_list, small_array = [1.0, 2.0, 3.0], np.ones(3)
    cases = [("np.array([1.0, 2.0, 3.0])", "numpy", "array", small_list),
             ("np.asarray(array of 3)", "numpy", "asarray", small_array),
             ("np.sqrt(array of 3)", "numpy", "sqrt", small_array),
             ("np.mean(array of 3)", "numpy", "mean", small_array),
             ("np.linalg.norm(array of 3)", "numpy.linalg", "norm", small_array)]
    for _, module, name, _ in cases:
        namespace = np.linalg if module == "numpy.linalg" else np
        assert getattr(namespace, name) is wrappers[module, name][0], "NumPy was changed"
    print("after import optad every NumPy name is NumPy's own (checked)")
    print(f"{'call':30} {'NumPy (ns)':>11} {'wrapper, not tracing (ns)':>26}")
    for label, module, name, argument in cases:
        own, wrapper = wrappers[module, name]
        times = {"own": [], "wrapper": []}
        for _ in range(repeats):
            for key, function in (("own", own), ("wrapper", wrapper)):
                elapsed = timeit.timeit(lambda: function(argument), number=calls)
                times[key].append(elapsed / calls * 1e9)
        print(f"{label:30} {min(times['own']):11.0f} {min(times['wrapper']):26.0f}")


def lists_loss(x):
    v = np.array([x[0], 2 * x[1], x[0] * x[1]])
    return np.mean([x[0], x[1]]) + np.linalg.norm([x[0], x[1]]) + np.sum(v ** 2) \
        + np.sum(np.r_[x, 1.0])


def mds_loss(w, d):
    diff = w[:, None, :] - w[None, :, :]
    s = np.sum(diff ** 2, axis=2)
    r = np.sqrt(s + 1e-12) - d
    return np.sum(np.tanh(r) ** 2) + np.mean(np.abs(w)) + np.sum(np.exp(-s))


def trace_costs(repeats, number=200):
    x, w, d = np.array([0.5, 1.5]), np.ones((6, 2)), np.ones((6, 6))
    cases = [("lists of traced values", lambda: optad.make_program(
                  lambda x: lists_loss(x), x)),
             ("MDS-style loss", lambda: optad.make_program(
                  lambda w: mds_loss(w, d), w))]
    print(f"{'trace (make_program, new function each time)':46} {'us per trace':>13}")
    for label, run in cases:
        best = min(timeit.timeit(run, number=number) for _ in range(repeats)) / number
        print(f"{label:46} {best * 1e6:13.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--trace-only", action="store_true")
    options = parser.parse_args()
    if not options.trace_only:
        wrapper_costs(options.calls, options.repeats)
    trace_costs(options.repeats)


if __name__ == "__main__":
    main()
