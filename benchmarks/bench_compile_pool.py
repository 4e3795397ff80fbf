"""How many compile processes optad runs during a sweep of small problems (issue 21).

    python benchmarks/bench_compile_pool.py                      # one sweep, lbfgs
    python benchmarks/bench_compile_pool.py --processes 3        # three sweeps side by side
    python benchmarks/bench_compile_pool.py --method newton-cg --problems 10

Each sweep is a fresh process solving the 28 Moré-Garbow-Hillstrom problems one after another
with ``optad.minimize`` (the default tiered first call), all processes on one empty kernel
cache.  While they run, this process samples every 10 ms the compile workers of that cache
(``optad.backends.numba.compile_worker`` processes, read from /proc) and the load average, and
prints the largest number of workers seen at once, how many were started in all, the wall
time and how many problems each sweep solved (the final f one of the minima Moré, Garbow and
Hillstrom report).  optad's bound: one compile worker per cache folder at any moment.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SWEEP = textwrap.dedent("""
    import sys, warnings
    sys.path.insert(0, sys.argv[3])
    import numpy as np
    import optad
    from mgh_problems import PROBLEMS, solved
    method, count = sys.argv[1], int(sys.argv[2])
    warnings.simplefilter("ignore")
    good = 0
    for name, fun, x0, minima in PROBLEMS[:count]:
        result = optad.minimize(fun, np.array(x0, dtype=float), method=method,
                                options={"gtol": 1e-8, "maxiter": 5000})
        good += bool(solved(result.fun, minima))
    print(good)
""")


def compile_workers(cache_dir: str) -> list:
    """Pids of running compile workers whose kernel cache is ``cache_dir``."""
    found = []
    wanted = f"OPTAD_CACHE_DIR={cache_dir}".encode()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                if b"optad.backends.numba.compile_worker" not in f.read():
                    continue
            with open(f"/proc/{entry.name}/environ", "rb") as f:
                if wanted in f.read().split(b"\0"):
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--method", default="lbfgs")
    parser.add_argument("--problems", type=int, default=28)
    parser.add_argument("--processes", type=int, default=1)
    args = parser.parse_args(argv)
    if not os.path.isdir("/proc"):
        print("needs /proc to count processes", file=sys.stderr)
        return 2
    cache = tempfile.mkdtemp(prefix="optad-bench-pool-")
    try:
        env = dict(os.environ, OPTAD_CACHE_DIR=cache,
                   PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        env.pop("OPTAD_TIERED", None)   # the default: tiered first calls
        problems_dir = str(ROOT / "tests" / "optimize")
        start = time.perf_counter()
        sweeps = [subprocess.Popen([sys.executable, "-c", SWEEP, args.method,
                                    str(args.problems), problems_dir], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                  for _ in range(args.processes)]
        most, seen, load = 0, set(), 0.0
        while any(p.poll() is None for p in sweeps):
            workers = compile_workers(cache)
            most = max(most, len(workers))
            seen.update(workers)
            load = max(load, os.getloadavg()[0])
            time.sleep(0.01)
        wall = time.perf_counter() - start
        solved = []
        for process in sweeps:
            out, err = process.communicate()
            if process.returncode != 0:
                print(err[-2000:], file=sys.stderr)
                return 1
            solved.append(int(out.strip().splitlines()[-1]))
        print(f"| {args.method} | {args.processes} | {args.problems} | {most} | {len(seen)} "
              f"| {load:.1f} | {wall:.1f} s | {', '.join(map(str, solved))} |")
        print(f"bench_compile_pool: at most {most} compile worker(s) at once, {len(seen)} "
              f"started, peak 1-min load {load:.1f}, {wall:.1f} s")
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
