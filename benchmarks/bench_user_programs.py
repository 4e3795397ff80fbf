"""optad against JAX on ten programs written the way their users write them (user_programs.py).

    python benchmarks/bench_user_programs.py [--size tiny|small|full] [--programs NAME ...]
                                             [--rounds R] [--timeout SECONDS]

For each program, two fresh Python processes, each with its own empty ``OPTAD_CACHE_DIR``
(fresh_runs.py):

1. default tiering: the wall time of ``optad.value_and_grad(f)`` plus its first call (tracing,
   differentiation, and whatever the first tier compiles) -- what a user feels first;
2. ``OPTAD_TIERED=0``: first ``jax.jit(jax.value_and_grad(f))``'s first call on the
   ``jax.numpy`` twin (float64); then optad's first call, which now compiles the fused kernel
   in the calling process (the compile time; given up ``--timeout`` - 60 s after the process
   started, so JAX's numbers are still reported); then optad's value and gradient against JAX's (the largest
   difference, relative to the largest magnitude of JAX's value or gradient); then both per
   call, interleaved in this one process (timing.py: medians over ``R`` rounds, a short pause
   before each sample so neither library's thread pool is still spinning).

A program optad cannot run is not a failure of this script: its error (type and first line)
goes into the table, which is what this corpus is for.  The table is printed as markdown, with
the load average before and after (per-call ratios survive a busy machine better than seconds).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time

from fresh_runs import has_jax, jax_version, load_average, prepare_interpreter, run_fresh
from user_programs import PROGRAMS, SIZES


def _error(error: BaseException) -> str:
    first = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first[:160]}"


def _first_call(make, size):
    """Seconds from ``value_and_grad(f)`` to the first result, and the result."""
    import numpy
    import optad
    f, args = make(numpy, size)
    start = time.perf_counter()
    vg = optad.value_and_grad(f)
    result = vg(*args)
    return time.perf_counter() - start, vg, args, result


def child_first(program, size):
    """Fresh process, default tiering: the first call only."""
    try:
        seconds, *_ = _first_call(PROGRAMS[program], size)
        print(json.dumps({"first_s": seconds}))
    except Exception as error:   # noqa: BLE001 - the error is the finding
        print(json.dumps({"error": _error(error)}))


def _largest_difference(ours, theirs):
    """max |ours - theirs| over the value and every gradient leaf, relative to the largest
    magnitude among JAX's value and gradient entries."""
    import jax
    import numpy
    leaves = [ours[0], *jax.tree_util.tree_leaves(ours[1])]
    reference = [theirs[0], *jax.tree_util.tree_leaves(theirs[1])]
    if len(leaves) != len(reference):
        return float("inf")
    scale = max(float(numpy.max(numpy.abs(numpy.asarray(r)))) for r in reference)
    largest = max(float(numpy.max(numpy.abs(numpy.asarray(a) - numpy.asarray(r))))
                  for a, r in zip(leaves, reference))
    return largest / max(scale, 1e-300)


def child_compare(program, size, rounds, deadline):
    """Fresh process, OPTAD_TIERED=0: JAX's first call, optad's compile (given up after
    ``deadline`` seconds, reporting JAX's numbers anyway), agreement, per call interleaved."""
    began = time.perf_counter()
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from timing import time_interleaved

    f_jax, args_jax = PROGRAMS[program](jnp, size)
    args_jax = jax.block_until_ready(jax.tree_util.tree_map(jnp.asarray, args_jax))
    vg_jax = jax.jit(jax.value_and_grad(f_jax))
    start = time.perf_counter()
    theirs = jax.block_until_ready(vg_jax(*args_jax))
    row = {"jax_first_s": time.perf_counter() - start}

    outcome = {}

    def compile_optad():
        try:
            outcome["seconds"], outcome["vg"], outcome["args"], outcome["ours"] = \
                _first_call(PROGRAMS[program], size)
        except BaseException as error:   # noqa: BLE001 - the error is the finding
            outcome["error"] = _error(error)

    worker = threading.Thread(target=compile_optad, daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - (time.perf_counter() - began)))
    if worker.is_alive():
        row["error"] = ("first call (compile) not finished in "
                        f"{time.perf_counter() - began - row['jax_first_s']:.0f} s")
        print(json.dumps(row), flush=True)
        os._exit(0)          # the compile cannot be interrupted; leave with the row printed
    if "error" in outcome:
        row["error"] = outcome["error"]
    else:
        vg, args = outcome["vg"], outcome["args"]
        row["compile_s"] = outcome["seconds"]
        row["difference"] = _largest_difference(outcome["ours"], theirs)
        medians = time_interleaved({"optad": lambda: vg(*args),
                                    "jax": lambda: jax.block_until_ready(vg_jax(*args_jax))},
                                   rounds)
        row["optad_call_s"], row["jax_call_s"] = medians["optad"], medians["jax"]
    print(json.dumps(row))


def _seconds(value):
    return "" if value is None else f"{value:.2f}" if value < 100 else f"{value:.0f}"


def _micro(value):
    return "" if value is None else f"{value * 1e6:,.0f}" if value >= 1e-4 \
        else f"{value * 1e6:.1f}"


def table(results) -> str:
    lines = ["| program | max diff vs JAX (rel.) | first call (s) | compile, TIERED=0 (s) "
             "| JAX first call (s) | optad per call (µs) | JAX per call (µs) | optad / JAX |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    notes = []
    for program, (first, compare) in results.items():
        failed = "error" in compare or "error" in first
        ratio = ""
        if compare.get("optad_call_s") and compare.get("jax_call_s"):
            ratio = f"{compare['optad_call_s'] / compare['jax_call_s']:.2f}"
        difference = compare.get("difference")
        first_cell = "error" if "error" in first else _seconds(first.get("first_s"))
        compile_cell = "error" if "error" in compare else _seconds(compare.get("compile_s"))
        lines.append(
            f"| {program} | {'' if difference is None else f'{difference:.1e}'} "
            f"| {first_cell} | {compile_cell} | {_seconds(compare.get('jax_first_s'))} "
            f"| {_micro(compare.get('optad_call_s'))} | {_micro(compare.get('jax_call_s'))} "
            f"| {ratio or ('error' if failed else '')} |")
        if "error" in first:
            notes.append(f"- {program}, first call (default tiering): {first['error']}")
        if "error" in compare:
            notes.append(f"- {program}, OPTAD_TIERED=0: {compare['error']}")
    notes = [note.replace("|", "/") for note in notes]
    return "\n".join(lines + ([""] + notes if notes else []))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--programs", nargs="+", default=list(PROGRAMS), metavar="NAME",
                        help="programs whose name contains one of these (default: all)")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved timing rounds")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds per subprocess (optad's compile gets 60 s less)")
    options = parser.parse_args()
    seconds = prepare_interpreter()   # compiled once per machine, as an installation is
    print(f"first tier's interpreter: {'unavailable' if seconds < 0 else f'ready in {seconds:.1f} s'}",
          flush=True)
    if not has_jax():
        sys.exit("JAX is not installed (`pip install jax jaxlib`, a benchmark-only dependency)")
    programs = [p for p in PROGRAMS if any(s.lower() in p.lower() for s in options.programs)]
    print(f"size {options.size}; JAX {jax_version()}; load average at start: {load_average()}",
          flush=True)
    results = {}
    for program in programs:
        first = run_fresh(__file__, ["--child", "first", program, options.size], "auto",
                          options.timeout)
        # the child gives up on optad's compile in time to report JAX's numbers
        compare = run_fresh(__file__, ["--child", "compare", program, options.size,
                                       options.rounds, options.timeout - 60], "0",
                            options.timeout)
        results[program] = (first, compare)
        print(program, "|", json.dumps(first), "|", json.dumps(compare), flush=True)
    print(f"\nload average at end: {load_average()}\n")
    print(table(results))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        if sys.argv[2] == "first":
            child_first(sys.argv[3], sys.argv[4])
        else:
            child_compare(sys.argv[3], sys.argv[4], int(sys.argv[5]), float(sys.argv[6]))
    else:
        main()
