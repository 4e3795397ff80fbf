"""Derivative timings: optad (Numba backend) against hand-written NumPy and Numba gradients,
JAX, autograd and PyTorch (each optional), on least squares, MDS and the wine MLP.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_derivatives.py [--quick]

All methods of one problem are timed in one process, interleaved (one sample of each method per
round, in a new random order each round, rounds repeated), float64; a sample is a batch of calls long enough to time well, and a
method's time is the median over rounds.  Then optad's methods (and, as references for what
the neighbour costs any single-process code here, JAX's value_and_grad and the hand-written
Numba gradient) are timed quiet and with one busy process beside (a pure-Python loop on one core: "loaded", as on a machine running a second job),
in alternating blocks of rounds, so a change in the machine's other load hits both alike.
Also measured, in fresh processes: the first call of a new MLP gradient kernel (trace, generate,
compile) and the first call with a warm kernel cache.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

# compiled kernels are timed: they compile in this process (a new kernel would otherwise answer
# from the NumPy evaluator until hot; benchmarks/bench_time_to_n.py measures the tiers)
os.environ.setdefault("OPTAD_TIERED", "0")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import optad  # noqa: E402
from numba import njit  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from derivative_problems import lsq, mds, mlp, mlp_packed  # noqa: E402
from timing import time_interleaved, time_quiet_and_loaded  # noqa: E402

try:
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
except ImportError:
    jax = None
try:
    import autograd
    import autograd.numpy as anp
except ImportError:
    autograd = None
try:
    import torch
    torch.set_default_dtype(torch.float64)
except ImportError:
    torch = None


# --------------------------------------------------------------------------- problems

# hand-written NumPy gradients
def lsq_numpy(x, A, y):
    r = A @ x - y
    return 0.5 * (r @ r), A.T @ r


def mds_numpy(W, D):
    diff = W[:, None, :] - W[None, :, :]
    R = np.sum(diff * diff, axis=2) - D
    t = 4.0 * R[:, :, None] * diff
    return np.sum(R * R), t.sum(axis=1) - t.sum(axis=0)


def mlp_numpy(W1, W2, X, y):
    A = np.tanh(W1 @ X)
    r = (W2 @ A)[0] - y
    n = y.shape[0]
    g = (2.0 / n) * r[None, :]
    gA = W2.T @ g
    return (r @ r) / n, (gA * (1.0 - A * A)) @ X.T, g @ A.T


# hand-written Numba loop gradients (no fastmath, nothing assumed beyond the formula)
@njit(cache=True)
def lsq_numba(x, A, y):
    n, p = A.shape
    g = np.zeros(p)
    f = 0.0
    for i in range(n):
        r = -y[i]
        for j in range(p):
            r += A[i, j] * x[j]
        f += 0.5 * r * r
        for j in range(p):
            g[j] += A[i, j] * r
    return f, g


@njit(cache=True)
def mds_numba(W, D):
    n, d = W.shape
    g = np.zeros((n, d))
    f = 0.0
    for i in range(n):
        for j in range(n):
            s = 0.0
            for k in range(d):
                t = W[i, k] - W[j, k]
                s += t * t
            r = s - D[i, j]
            f += r * r
            for k in range(d):
                t = 4.0 * r * (W[i, k] - W[j, k])
                g[i, k] += t
                g[j, k] -= t
    return f, g


@njit(cache=True)
def mlp_numba(W1, W2, X, y):
    h = W1.shape[0]
    n = X.shape[1]
    Z = np.dot(W1, X)
    A = np.tanh(Z)
    out = np.dot(W2, A)
    f = 0.0
    g = np.empty((1, n))
    for j in range(n):
        r = out[0, j] - y[j]
        f += r * r
        g[0, j] = 2.0 * r / n
    gW2 = np.dot(g, A.T)
    gZ = np.empty((h, n))
    for i in range(h):
        for j in range(n):
            gZ[i, j] = W2[0, i] * g[0, j] * (1.0 - A[i, j] * A[i, j])
    return f / n, np.dot(gZ, X.T), gW2


def wine():
    from optad.data import load_wine
    data = load_wine()
    return data if isinstance(data, tuple) else (data["X"], data["y"])


def problems(quick):
    rng = np.random.default_rng(0)
    out = []
    for n, p in [(500, 100)] + ([] if quick else [(5000, 1000)]):
        A, y, x = rng.standard_normal((n, p)), rng.standard_normal(n), rng.standard_normal(p)
        out.append(dict(name=f"least squares {n}x{p}", f=lsq, args=(x, A, y), argnums=0,
                        numpy=lsq_numpy, numba=lsq_numba, v=rng.standard_normal(p)))
    for n, d in [(100, 2)] + ([] if quick else [(1000, 3)]):
        P = rng.standard_normal((n, d))
        D = np.sqrt(np.sum((P[:, None] - P[None]) ** 2, axis=2))
        W = rng.standard_normal((n, d))
        out.append(dict(name=f"MDS {n}x{d}", f=mds, args=(W, D), argnums=0, numpy=mds_numpy,
                        numba=mds_numba, v=rng.standard_normal((n, d))))
    X, y = wine()
    X, y = np.ascontiguousarray(X, float), np.ascontiguousarray(y, float)
    for h in [16] + ([] if quick else [256]):
        W1 = rng.standard_normal((h, X.shape[0])) * 0.3
        W2 = rng.standard_normal((1, h)) * 0.3
        out.append(dict(name=f"wine MLP h={h}", f=mlp, args=(W1, W2, X, y), argnums=(0, 1),
                        numpy=mlp_numpy, numba=mlp_numba,
                        v=(rng.standard_normal(W1.shape), rng.standard_normal(W2.shape))))
    return out


# --------------------------------------------------------------------------- methods

def methods(prob):
    f, args, argnums, v = prob["f"], prob["args"], prob["argnums"], prob["v"]
    ms = {}
    vg = optad.value_and_grad(f, argnums=argnums, backend="numba")
    jit_f = optad.jit(f, backend="numba")
    ms["optad f"] = lambda: jit_f(*args)
    ms["optad value_and_grad"] = lambda: vg(*args)
    if isinstance(v, tuple):  # the MLP: H v with respect to (W1, W2) as one pytree
        hv = optad.hvp(mlp_packed, backend="numba")
        x0, rest = (args[0], args[1]), args[2:]
    else:
        hv = optad.hvp(f, backend="numba")
        x0, rest = args[0], args[1:]
    ms["optad hvp"] = lambda: hv(x0, v, *rest)
    ms["NumPy by hand"] = lambda: prob["numpy"](*args)
    ms["Numba by hand"] = lambda: prob["numba"](*args)
    if jax is not None:
        jf = {"least": lambda x, A, y: 0.5 * jnp.sum((A @ x - y) ** 2),
              "MDS": lambda W, D: jnp.sum((jnp.sum((W[:, None, :] - W[None, :, :]) ** 2, axis=2)
                                           - D) ** 2),
              "wine": lambda W1, W2, X, y: jnp.mean(((W2 @ jnp.tanh(W1 @ X))[0] - y) ** 2)}[
            prob["name"].split()[0]]
        jargs = [jnp.asarray(a) for a in args]
        jvg = jax.jit(jax.value_and_grad(jf, argnums=argnums))
        ms["JAX jit value_and_grad"] = lambda: jax.block_until_ready(jvg(*jargs))
        if isinstance(v, tuple):
            packed = lambda W, X, y: jf(W[0], W[1], X, y)  # noqa: E731
            jhvp = jax.jit(lambda W, V, X, y: jax.jvp(lambda w: jax.grad(packed)(w, X, y),
                                                      (W,), (V,))[1])
            jx0, jv = (jargs[0], jargs[1]), tuple(jnp.asarray(t) for t in v)
            ms["JAX jit hvp"] = lambda: jax.block_until_ready(jhvp(jx0, jv, *jargs[2:]))
        else:
            jhvp = jax.jit(lambda x, t, *r: jax.jvp(lambda z: jax.grad(jf)(z, *r), (x,), (t,))[1])
            jv = jnp.asarray(v)
            ms["JAX jit hvp"] = lambda: jax.block_until_ready(jhvp(jargs[0], jv, *jargs[1:]))
    if autograd is not None:
        af = {"least": lambda x, A, y: 0.5 * anp.sum((anp.dot(A, x) - y) ** 2),
              "MDS": lambda W, D: anp.sum((anp.sum((W[:, None, :] - W[None, :, :]) ** 2, axis=2)
                                           - D) ** 2),
              "wine": lambda W1, W2, X, y: anp.mean((anp.dot(W2, anp.tanh(anp.dot(W1, X)))[0]
                                                     - y) ** 2)}[prob["name"].split()[0]]
        avg = autograd.value_and_grad(af, argnums)
        ms["autograd value_and_grad"] = lambda: avg(*args)
    if torch is not None:
        targs = [torch.tensor(a) for a in args]
        tf = {"least": lambda x, A, y: 0.5 * torch.sum((A @ x - y) ** 2),
              "MDS": lambda W, D: torch.sum((torch.sum((W[:, None, :] - W[None, :, :]) ** 2,
                                                       dim=2) - D) ** 2),
              "wine": lambda W1, W2, X, y: torch.mean(((W2 @ torch.tanh(W1 @ X))[0] - y) ** 2)}[
            prob["name"].split()[0]]
        nums = argnums if isinstance(argnums, tuple) else (argnums,)

        def torch_vg():
            ins = [t.detach().requires_grad_(k in nums) for k, t in enumerate(targs)]
            value = tf(*ins)
            return value.item(), torch.autograd.grad(value, [ins[k] for k in nums])
        ms["PyTorch value_and_grad"] = torch_vg
    return ms


def check_against_numpy(prob, ms):
    value, grads = ms["optad value_and_grad"]()
    ref_value, *ref_grads = prob["numpy"](*prob["args"])
    grads = grads if isinstance(grads, tuple) else (grads,)
    assert np.allclose(value, ref_value, rtol=1e-10), prob["name"]
    for g, r in zip(grads, ref_grads):
        assert np.allclose(g, r, rtol=1e-9, atol=1e-12 * np.abs(r).max()), prob["name"]


LOADED_REFERENCES = ("JAX jit value_and_grad", "Numba by hand")


# --------------------------------------------------------------------------- first calls

FIRST_CALL = textwrap.dedent("""
    import sys, time
    t0 = time.perf_counter()
    import numpy as np
    sys.path.insert(0, {root!r})
    import optad
    from optad.data import load_wine
    t1 = time.perf_counter()
    data = load_wine()
    X, y = data if isinstance(data, tuple) else (data["X"], data["y"])
    rng = np.random.default_rng(0)
    W1, W2 = rng.standard_normal((16, 13)) * 0.3, rng.standard_normal((1, 16)) * 0.3
    def mlp(W1, W2, X, y):
        r = (W2 @ np.tanh(W1 @ X))[0] - y
        return np.mean(r * r)
    vg = optad.value_and_grad(mlp, argnums=(0, 1), backend="numba")
    t2 = time.perf_counter()
    vg(W1, W2, X, y)
    t3 = time.perf_counter()
    f = optad.jit(mlp, backend="numba")
    f(W1, W2, X, y)
    t4 = time.perf_counter()
    print(t3 - t2, t1 - t0, t4 - t3)
""")


def first_call_times(runs):
    """Medians and ranges over ``runs`` pairs of fresh processes, each pair on a new empty
    kernel cache: (cold, warm) lists of [first call, import, second kernel] rows."""
    cold, warm = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, OPTAD_CACHE_DIR=cache)
            script = FIRST_CALL.format(root=str(ROOT))
            for rows in (cold, warm):
                out = subprocess.run([sys.executable, "-c", script], env=env,
                                     capture_output=True, text=True, check=True).stdout.split()
                rows.append([float(t) for t in out])
    return np.array(cold), np.array(warm)


def spread(column):
    return f"{np.median(column):.2f} s ({column.min():.2f}-{column.max():.2f})"


# --------------------------------------------------------------------------- report

def fmt(t):
    return f"{t * 1e6:9.1f}" if t < 1 else f"{t:8.2f}s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only, few rounds")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--only", default="", help="run only the problems whose name contains this "
                        "(and skip the first-call measurement)")
    parser.add_argument("--first-call-runs", type=int, default=5,
                        help="fresh-process pairs (empty, then warm cache) for the first calls")
    parser.add_argument("--settle", type=float, default=0.1,
                        help="seconds of sleep before each sample (0: back to back)")
    parser.add_argument("--no-loaded", action="store_true",
                        help="skip timing optad again with one busy process beside")
    opts = parser.parse_args()
    rounds = opts.rounds or (7 if opts.quick else 31)
    print(f"numpy {np.__version__}, jax {getattr(jax, '__version__', '-')}, "
          f"autograd {'yes' if autograd else '-'}, torch {getattr(torch, '__version__', '-')}; "
          f"{os.cpu_count()} cpus; medians of {rounds} interleaved rounds, {opts.settle} s pause "
          f"before each sample; times in us\n")
    rows = []
    for prob in problems(opts.quick):
        if opts.only not in prob["name"]:
            continue
        ms = methods(prob)
        check_against_numpy(prob, ms)
        times = time_interleaved(ms, rounds, settle=opts.settle)
        quiet, loaded = {}, {}
        if not opts.no_loaded:
            # optad's calls, and as references for what the busy neighbour costs any
            # single-process code on this machine, JAX's value_and_grad and the Numba gradient
            quiet, loaded = time_quiet_and_loaded(
                {k: f for k, f in ms.items() if k.startswith("optad") or k in LOADED_REFERENCES},
                rounds, opts.settle)
        rows.append((prob["name"], times, quiet, loaded))
        print(f"## {prob['name']}" + ("   (then quiet / loaded: alternating blocks, one busy "
                                      "process beside)" if loaded else ""))
        for name, t in times.items():
            extra = (f"   quiet {fmt(quiet[name])} loaded {fmt(loaded[name])} "
                     f"({loaded[name] / quiet[name]:.2f}x)") if name in loaded else ""
            print(f"  {name:26s}{fmt(t)}{extra}")
        print()

    print("Ratios (< 1 means optad is faster):\n")
    print("| problem | optad v&g (us) | / JAX | / best by hand | v&g / f | hvp / v&g | "
          "loaded v&g (us) | loaded / quiet (f, v&g, hvp) | references loaded / quiet (JAX "
          "v&g, Numba by hand) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, t, quiet, loaded in rows:
        vg = t["optad value_and_grad"]
        jax_r = f"{vg / t['JAX jit value_and_grad']:.2f}" if "JAX jit value_and_grad" in t else "-"
        hand = min(t["NumPy by hand"], t["Numba by hand"])
        if loaded:
            load_cols = (f"{loaded['optad value_and_grad'] * 1e6:.1f} | " + ", ".join(
                f"{loaded[k] / quiet[k]:.2f}" for k in ("optad f", "optad value_and_grad",
                                                     "optad hvp"))) + " | " + ", ".join(
                f"{loaded[k] / quiet[k]:.2f}" for k in LOADED_REFERENCES if k in loaded)
        else:
            load_cols = "- | - | -"
        print(f"| {name} | {vg * 1e6:.1f} | {jax_r} | {vg / hand:.2f} | "
              f"{vg / t['optad f']:.2f} | {t['optad hvp'] / vg:.2f} | {load_cols} |")
    if opts.only:   # a subset of the problems: no first-call measurement either
        return
    cold, warm = first_call_times(opts.first_call_runs)
    print(f"\nFirst call of the MLP h=16 value_and_grad in a fresh process, medians (ranges) of "
          f"{opts.first_call_runs} runs, after `import optad` (Numba included: "
          f"{spread(cold[:, 1])} / {spread(warm[:, 1])}):\n"
          f"  new kernel (trace, generate, compile): {spread(cold[:, 0])}; "
          f"a second new kernel (optad.jit(f)): {spread(cold[:, 2])}\n"
          f"  warm kernel cache (trace, generate, load machine code): {spread(warm[:, 0])}; "
          f"a second cached kernel: {spread(warm[:, 2])}")


if __name__ == "__main__":
    main()
