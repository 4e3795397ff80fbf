"""value_and_grad and Hessian-vector products on the CUDA backend against the Numba backend (and
JAX / PyTorch on the GPU when they are installed and see one), for the problems of
bench_derivatives.py: least squares, MDS and the wine MLP.

    python benchmarks/bench_cuda.py               # on a machine with a CUDA GPU
    python benchmarks/bench_cuda.py --simulator   # no GPU: Numba's CUDA simulator, tiny shapes

Without a GPU (and without --simulator) it says so and stops.  Under the simulator every GPU
thread is a Python thread, so the shapes are tiny and the times measure the simulator, not a
GPU: that run only shows the benchmark works end to end (every result is checked against the
NumPy backend).  optad's CUDA kernels are called as a user calls them: host arrays in, host
arrays out (the copies are part of each call).  Each time is the median over rounds of one
batch of calls; methods are interleaved within a round.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parse():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--simulator", action="store_true",
                        help="run under NUMBA_ENABLE_CUDASIM=1 on tiny shapes (no GPU needed)")
    parser.add_argument("--rounds", type=int, default=None, help="timing rounds (default 9, "
                        "3 under the simulator)")
    parser.add_argument("--only", default="", help="run only problems whose name contains this")
    return parser.parse_args()


OPTS = parse()
if OPTS.simulator:
    os.environ["NUMBA_ENABLE_CUDASIM"] = "1"   # before numba is imported
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402
from numba import cuda  # noqa: E402

import optad  # noqa: E402
from bench_derivatives import wine  # noqa: E402
from derivative_problems import lsq, mds, mlp_packed  # noqa: E402
from timing import time_interleaved  # noqa: E402

SIMULATED = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"


def gpu_status():
    """A description of the device, or None when there is no CUDA GPU."""
    if SIMULATED:
        return "Numba CUDA simulator (no GPU: times are the simulator's, no GPU speed claimed)"
    try:
        if not cuda.is_available():
            return None
        name = cuda.get_current_device().name
        return name.decode() if isinstance(name, bytes) else str(name)
    except Exception:   # a driver that cannot be initialised: no usable GPU
        return None


def problems(tiny: bool) -> list:
    rng = np.random.default_rng(0)
    out = []
    n, p = (12, 4) if tiny else (5000, 1000)
    A, y, x = rng.standard_normal((n, p)), rng.standard_normal(n), rng.standard_normal(p)
    out.append(dict(name=f"least squares {n}x{p}", f=lsq, x=x, data=(A, y),
                    v=rng.standard_normal(p)))
    n, d = (6, 2) if tiny else (1000, 3)
    P = rng.standard_normal((n, d))
    D = np.sqrt(np.sum((P[:, None] - P[None]) ** 2, axis=2))
    out.append(dict(name=f"MDS {n}x{d}", f=mds, x=rng.standard_normal((n, d)), data=(D,),
                    v=rng.standard_normal((n, d))))
    X, yw = (np.ascontiguousarray(a, float) for a in wine())
    h, m = (3, 8) if tiny else (256, X.shape[1])
    X, yw = np.ascontiguousarray(X[:, :m]), np.ascontiguousarray(yw[:m])
    W = (rng.standard_normal((h, X.shape[0])) * 0.3, rng.standard_normal((1, h)) * 0.3)
    out.append(dict(name=f"wine MLP h={h}, {m} samples", f=mlp_packed, x=W, data=(X, yw),
                    v=tuple(rng.standard_normal(w.shape) for w in W)))
    return out


# --------------------------------------------------------------------------- methods

def optad_methods(prob, backend):
    f, x, data, v = prob["f"], prob["x"], prob["data"], prob["v"]
    vg = optad.value_and_grad(f, backend=backend)
    hv = optad.hvp(f, backend=backend)
    return {f"optad {backend} value_and_grad": lambda: vg(x, *data),
            f"optad {backend} hvp": lambda: hv(x, v, *data)}


def jax_methods(prob):
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return {}, "JAX not installed"
    gpus = [d for d in jax.devices() if d.platform == "gpu"]
    if not gpus:
        return {}, "JAX sees no GPU"
    jax.config.update("jax_enable_x64", True)
    jf = {"least": lambda x, A, y: 0.5 * jnp.sum((A @ x - y) ** 2),
          "MDS": lambda W, D: jnp.sum((jnp.sum((W[:, None, :] - W[None, :, :]) ** 2, axis=2)
                                       - D) ** 2),
          "wine": lambda W, X, y: jnp.mean(((W[1] @ jnp.tanh(W[0] @ X))[0] - y) ** 2)}[
        prob["name"].split()[0]]
    put = lambda a: jax.device_put(a, gpus[0])  # noqa: E731
    x = jax.tree_util.tree_map(put, prob["x"])
    v = jax.tree_util.tree_map(put, prob["v"])
    data = [put(a) for a in prob["data"]]
    vg = jax.jit(jax.value_and_grad(jf))
    hv = jax.jit(lambda x, v, *d: jax.jvp(lambda z: jax.grad(jf)(z, *d), (x,), (v,))[1])
    return {"JAX GPU value_and_grad": lambda: jax.block_until_ready(vg(x, *data)),
            "JAX GPU hvp": lambda: jax.block_until_ready(hv(x, v, *data))}, None


def torch_methods(prob):
    try:
        import torch
    except ImportError:
        return {}, "PyTorch not installed"
    if not torch.cuda.is_available():
        return {}, "PyTorch sees no GPU"
    dev = torch.device("cuda")
    tf = {"least": lambda x, A, y: 0.5 * torch.sum((A @ x - y) ** 2),
          "MDS": lambda W, D: torch.sum((torch.sum((W[:, None, :] - W[None, :, :]) ** 2, dim=2)
                                         - D) ** 2),
          "wine": lambda W, X, y: torch.mean(((W[1] @ torch.tanh(W[0] @ X))[0] - y) ** 2)}[
        prob["name"].split()[0]]
    as_t = lambda a: torch.tensor(a, dtype=torch.float64, device=dev)  # noqa: E731
    packed = isinstance(prob["x"], tuple)
    xs = [as_t(a) for a in (prob["x"] if packed else (prob["x"],))]
    vs = [as_t(a) for a in (prob["v"] if packed else (prob["v"],))]
    data = [as_t(a) for a in prob["data"]]

    def value_and_grad():
        ins = [t.detach().requires_grad_(True) for t in xs]
        value = tf(tuple(ins) if packed else ins[0], *data)
        grads = torch.autograd.grad(value, ins)
        torch.cuda.synchronize()
        return value.item(), grads

    def hvp():
        ins = [t.detach().requires_grad_(True) for t in xs]
        value = tf(tuple(ins) if packed else ins[0], *data)
        grads = torch.autograd.grad(value, ins, create_graph=True)
        out = torch.autograd.grad(sum(torch.sum(g * v) for g, v in zip(grads, vs)), ins)
        torch.cuda.synchronize()
        return out

    return {"PyTorch GPU value_and_grad": value_and_grad, "PyTorch GPU hvp": hvp}, None


# --------------------------------------------------------------------------- checks and timing

def check(prob, ms):
    """optad's results on each backend equal the NumPy backend's."""
    f, x, data, v = prob["f"], prob["x"], prob["data"], prob["v"]
    want = {"value_and_grad": optad.value_and_grad(f, backend="numpy")(x, *data),
            "hvp": optad.hvp(f, backend="numpy")(x, v, *data)}
    for name, fn in ms.items():
        if not name.startswith("optad"):
            continue
        ref = want["hvp" if name.endswith("hvp") else "value_and_grad"]
        for a, b in zip(optad.tree.flatten(fn())[0], optad.tree.flatten(ref)[0]):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12 * max(1.0, np.abs(b).max()),
                                       err_msg=f"{prob['name']}: {name}")


def fmt(seconds):
    return f"{seconds * 1e3:10.3f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:10.1f} us"


def main():
    status = gpu_status()
    if status is None:
        print("No CUDA GPU is present (numba.cuda.is_available() is False): nothing to time.\n"
              "Run on a machine with a GPU, or with --simulator to check that the benchmark "
              "works (tiny shapes, no speed measured).")
        return 0
    print(f"device: {status}")
    rounds = OPTS.rounds or (3 if SIMULATED else 9)
    notes = set()
    for prob in problems(tiny=SIMULATED):
        if OPTS.only not in prob["name"]:
            continue
        ms = {**optad_methods(prob, "cuda"), **optad_methods(prob, "numba")}
        if not SIMULATED:
            for extra in (jax_methods, torch_methods):
                found, note = extra(prob)
                ms.update(found)
                if note:
                    notes.add(note)
        check(prob, ms)
        times = time_interleaved(ms, rounds, target=0.02 if SIMULATED else 0.2, settle=0.0)
        print(f"\n{prob['name']}  (median of {rounds} rounds; optad's results checked against "
              "the NumPy backend)")
        base = {kind: times[f"optad numba {kind}"] for kind in ("value_and_grad", "hvp")}
        for name, t in times.items():
            kind = "hvp" if name.endswith("hvp") else "value_and_grad"
            ratio = "" if SIMULATED else f"   {t / base[kind]:8.2f} x Numba"  # no GPU, no ratio
            print(f"  {name:32s} {fmt(t)}{ratio}")
    if SIMULATED:
        print("\nSimulator run: the CUDA rows time Python threads emulating a GPU; they say "
              "nothing about GPU speed.  JAX and PyTorch GPU rows are skipped.")
    for note in sorted(notes):
        print(f"note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
