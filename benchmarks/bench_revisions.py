"""Per-call time of optad's kernels at two git revisions, side by side: did a change make the
compiled kernels slower?

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_revisions.py BASE [NEW]

BASE and NEW are git revisions of this repository (NEW defaults to the working tree).  Each
revision is checked out into a temporary worktree.  Two versions of optad cannot share one
process, so the timing runs in worker processes, alternating: base, new, base, new, ...
(``--rounds`` pairs), each worker timing jit f, value_and_grad and hvp on the problems of
benchmarks/derivative_problems.py (least squares, MDS, the MLP; ``--quick`` the small ones)
through the public API only, with medians over batches.  Each revision keeps its own kernel
cache across its workers, so only the first round compiles.  The table gives each revision's
median over rounds and the ratio new / base.
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

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

WORKER = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    import optad

    quick = sys.argv[1] == "1"
    sys.path.insert(0, sys.argv[2])
    from derivative_problems import lsq, mds, mlp, mlp_packed

    rng = np.random.default_rng(0)
    cases = []
    for n, p in [(500, 100)] + ([] if quick else [(5000, 1000)]):
        A, y, x = rng.standard_normal((n, p)), rng.standard_normal(n), rng.standard_normal(p)
        cases.append((f"least squares {n}x{p}", lsq, (x, A, y), 0, rng.standard_normal(p)))
    for n, d in [(100, 2)] + ([] if quick else [(1000, 3)]):
        P = rng.standard_normal((n, d))
        D = np.sqrt(np.sum((P[:, None] - P[None]) ** 2, axis=2))
        cases.append((f"MDS {n}x{d}", mds, (rng.standard_normal((n, d)), D), 0,
                      rng.standard_normal((n, d))))
    X, y = rng.standard_normal((13, 178)), rng.standard_normal(178)
    for h in [16] + ([] if quick else [256]):
        W1, W2 = rng.standard_normal((h, 13)) * 0.3, rng.standard_normal((1, h)) * 0.3
        cases.append((f"MLP 13-{h}-1, 178 samples", mlp, (W1, W2, X, y), (0, 1),
                      (rng.standard_normal(W1.shape), rng.standard_normal(W2.shape))))

    def per_call(fn, target=5e-3, samples=15):
        fn(); fn()
        t = time.perf_counter(); fn()
        k = max(1, int(target / max(time.perf_counter() - t, 1e-7)))
        out = []
        for _ in range(samples):
            t = time.perf_counter()
            for _ in range(k):
                fn()
            out.append((time.perf_counter() - t) / k)
        return float(np.median(out))

    result = {}
    for name, f, args, argnums, v in cases:
        jf = optad.jit(f, backend="numba")
        vg = optad.value_and_grad(f, argnums=argnums, backend="numba")
        if isinstance(v, tuple):
            hv, x0, rest = optad.hvp(mlp_packed, backend="numba"), args[:2], args[2:]
        else:
            hv, x0, rest = optad.hvp(f, backend="numba"), args[0], args[1:]
        result[name + " | f"] = per_call(lambda: jf(*args))
        result[name + " | value_and_grad"] = per_call(lambda: vg(*args))
        result[name + " | hvp"] = per_call(lambda: hv(x0, v, *rest))
    print(json.dumps(result))
""")


def checkout(rev, into):
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(into), rev],
                   check=True)


def run_worker(tree, cache, quick):
    env = dict(os.environ, PYTHONPATH=str(tree), OPTAD_CACHE_DIR=str(cache), OPTAD_TIERED="0")
    out = subprocess.run([sys.executable, "-c", WORKER, "1" if quick else "0",
                          str(ROOT / "benchmarks")], env=env,
                         cwd=str(tree), capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"the worker at {tree.name} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base", help="the git revision to compare against")
    ap.add_argument("new", nargs="?", default=None,
                    help="the revision to measure (default: the working tree)")
    ap.add_argument("--rounds", type=int, default=3, help="base/new worker pairs (default 3)")
    ap.add_argument("--quick", action="store_true", help="the small problems only")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="optad-revisions-") as tmp:
        tmp = Path(tmp)
        trees = {"base": tmp / "base", "new": ROOT if a.new is None else tmp / "new"}
        checkout(a.base, trees["base"])
        if a.new is not None:
            checkout(a.new, trees["new"])
        try:
            runs = {"base": [], "new": []}
            for r in range(a.rounds):
                for side in ("base", "new") if r % 2 == 0 else ("new", "base"):
                    runs[side].append(run_worker(trees[side], tmp / f"cache-{side}", a.quick))
                    print(f"round {r + 1}/{a.rounds}: {side} done", file=sys.stderr)
        finally:
            for side in ("base", "new"):
                if trees[side] != ROOT:
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                    str(trees[side])], check=False)
    label_new = a.new or "working tree"
    print(f"\nper call, median over {a.rounds} workers each (base {a.base}, new {label_new})\n")
    print("| problem | call | base | new | new / base |\n|---|---|---:|---:|---:|")
    ratios = []
    for key in runs["base"][0]:
        base = float(np.median([r[key] for r in runs["base"]]))
        new = float(np.median([r[key] for r in runs["new"]]))
        ratios.append(new / base)
        problem, call = key.split(" | ")
        print(f"| {problem} | {call} | {base * 1e6:.1f} us | {new * 1e6:.1f} us | "
              f"{new / base:.2f} |")
    print(f"\nratios: median {np.median(ratios):.2f}, range {min(ratios):.2f}-{max(ratios):.2f}")


if __name__ == "__main__":
    main()
