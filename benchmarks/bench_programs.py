"""First call and per call of programs that grow: loops (fori_loop) and Python loops (rerolled).

    python benchmarks/bench_programs.py [--only SUBSTRING] [--calls N] [--busy]

Each case runs in a fresh Python process with an empty kernel cache: the first value_and_grad
(tracing, differentiation and compilation included), the first HVP after it, and the median of
N further value_and_grad calls.  optad runs twice: compiling in the calling process
(``OPTAD_TIERED=0``), and with the tiered first call (``OPTAD_TIERED=auto``, the default: long
kernels answer from the NumPy evaluator while another process compiles them), where the table
also gives the time until the compiled kernels are in use.  ``--busy`` keeps one other process
spinning beside the whole run.  When JAX is installed, the same program under ``jax.jit``
(``lax.fori_loop`` for the loop cases, the Python loop for the rest) runs in its own fresh
process in the same run, and the table gives the ratio of per-call times.

Cases: an explicit-Euler pendulum with 1,000 and 100,000 steps as ``optad.fori_loop``, the same
with 1,000 steps as a plain Python loop, the same with its state one array built by
``np.stack`` (1,000 and 100,000 steps), and 8- and 32-layer tanh MLPs (16 x 16 layers, softmax
cross-entropy head) written as ``for W in Ws[:-1]: h = np.tanh(W @ h)``.
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

ROOT = Path(__file__).resolve().parents[1]

PROGRAMS = textwrap.dedent("""
    import numpy as onp  # data is made with NumPy; the losses use the library's np

    def pendulum_loop(np, fori_loop, steps):
        def f(th):
            dt = 1.0 / steps
            def body(i, c):
                x, v = c
                return (x + dt * v, v - dt * th[1] * np.sin(x) - dt * th[0] * v)
            x, v = fori_loop(0, steps, body, (th[0] * 0 + 1.0, th[1] * 0))
            return x ** 2 + v ** 2
        return f, (np.array([0.3, 2.0]),)

    def pendulum_python(np, fori_loop, steps):
        def f(th):
            dt = 1.0 / steps
            x, v = th[0] * 0 + 1.0, th[1] * 0
            for _ in range(steps):
                x, v = x + dt * v, v - dt * th[1] * np.sin(x) - dt * th[0] * v
            return x ** 2 + v ** 2
        return f, (np.array([0.3, 2.0]),)

    def pendulum_stack(np, fori_loop, steps):
        # the state as one array built with np.stack, as users write it (issue 24)
        def f(p):
            c = p[0]
            def step(i, x):
                return x + 0.01 * np.stack([x[1], -np.sin(x[0]) - c * x[1]])
            x = fori_loop(0, steps, step, p[1:])
            return np.sum(x ** 2)
        return f, (np.array([0.3, 1.0, 0.0]),)

    def mlp(np, fori_loop, layers):
        rng = onp.random.default_rng(0)
        Ws = [rng.standard_normal((16, 16)) * 0.3 for _ in range(layers)]
        X = rng.standard_normal((16, 64))
        Y = onp.eye(16)[:, rng.integers(0, 16, 64)]
        def f(Ws, X, Y):
            h = X
            for W in Ws[:-1]:
                h = np.tanh(W @ h)
            z = Ws[-1] @ h
            z = z - np.max(z, axis=0, keepdims=True)
            logp = z - np.log(np.sum(np.exp(z), axis=0, keepdims=True))
            return -np.mean(np.sum(Y * logp, axis=0))
        return f, (Ws, X, Y)
""")

CASES = {
    "pendulum fori_loop 1,000 steps": ("pendulum_loop", 1000),
    "pendulum fori_loop 100,000 steps": ("pendulum_loop", 100000),
    "pendulum Python loop 1,000 steps": ("pendulum_python", 1000),
    "pendulum np.stack state 1,000 steps": ("pendulum_stack", 1000),
    "pendulum np.stack state 100,000 steps": ("pendulum_stack", 100000),
    "MLP 8 layers (Python loop)": ("mlp", 8),
    "MLP 32 layers (Python loop)": ("mlp", 32),
}

RUNNER = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, {root!r})
    library, maker, size, calls = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    t0 = time.perf_counter()
    if library == "optad":
        import numpy as np
        import optad
        fori_loop = optad.fori_loop
        value_and_grad = optad.value_and_grad
        hvp = lambda f: optad.hvp(f)
        block = lambda x: x
    else:
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as np
        fori_loop = jax.lax.fori_loop
        value_and_grad = lambda f: jax.jit(jax.value_and_grad(f))
        def hvp(f):
            g = jax.grad(f)
            return jax.jit(lambda x, v, *a: jax.jvp(lambda y: g(y, *a), (x,), (v,))[1])
        block = jax.block_until_ready
    programs = {{}}
    exec({programs!r}, programs)
    f, args = programs[maker](np, fori_loop, size)
    if library != "optad":
        args = jax.tree_util.tree_map(np.asarray, args)
    t1 = time.perf_counter()
    vg = value_and_grad(f)
    value, grads = block(vg(*args))
    t2 = time.perf_counter()
    block(hvp(f)(args[0], grads, *args[1:]))
    t3 = time.perf_counter()
    if library == "optad":   # a tiered first call: wait for the compiled kernels to take over
        from optad.backends.numba import tiered
        tiered.wait_all()
        block(vg(*args))
    t4 = time.perf_counter()
    times = []
    for _ in range(calls):
        a = time.perf_counter()
        block(vg(*args))
        times.append(time.perf_counter() - a)
    times.sort()
    print(json.dumps({{"import": t1 - t0, "first_vg": t2 - t1, "first_hvp": t3 - t2,
                      "compiled": t4 - t1, "per_call": times[len(times) // 2],
                      "value": float(value)}}))
""")


def run(library, maker, size, calls, tiered="0", timeout=600):
    with tempfile.TemporaryDirectory(prefix="optad-bench-cache-") as cache:
        env = dict(os.environ, OPTAD_CACHE_DIR=cache, OPTAD_TIERED=tiered)
        script = RUNNER.format(root=str(ROOT), programs=PROGRAMS)
        try:
            out = subprocess.run([sys.executable, "-c", script, library, maker, str(size),
                                  str(calls)], env=env, capture_output=True, text=True,
                                 timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"not finished after {timeout} s"}
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def has_jax():
    return subprocess.run([sys.executable, "-c", "import jax"], capture_output=True).returncode == 0


def busy_process():
    """A process spinning on one core for the whole run, as on a machine that is not idle."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def seconds(row, key):
    return "error" if "error" in row else f"{row[key]:.2f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds a case may take before it is reported unfinished")
    parser.add_argument("--busy", action="store_true",
                        help="keep one other process busy beside the whole run")
    options = parser.parse_args()
    jax_available = has_jax()
    busy = busy_process() if options.busy else None
    rows = []
    try:
        for name, (maker, size) in CASES.items():
            if options.only not in name:
                continue
            compiled = run("optad", maker, size, options.calls, "0", options.timeout)
            tiered = run("optad", maker, size, options.calls, "auto", options.timeout)
            theirs = (run("jax", maker, size, options.calls, timeout=options.timeout)
                      if jax_available else None)
            rows.append((name, compiled, tiered, theirs))
            print(name, json.dumps(compiled), json.dumps(tiered), json.dumps(theirs), flush=True)
    finally:
        if busy is not None:
            busy.kill()
    print()
    print("| program | optad first value_and_grad | first HVP | first value_and_grad, tiered "
          "| first HVP, tiered | compiled kernels in use, tiered | optad per call |"
          + (" JAX first value_and_grad | JAX first HVP | JAX per call | optad / JAX per call |"
             if jax_available else ""))
    print("|---|---|---|---|---|---|---|" + ("---|---|---|---|" if jax_available else ""))
    for name, compiled, tiered, theirs in rows:
        line = (f"| {name} | {seconds(compiled, 'first_vg')} | {seconds(compiled, 'first_hvp')} "
                f"| {seconds(tiered, 'first_vg')} | {seconds(tiered, 'first_hvp')} "
                f"| {seconds(tiered, 'compiled')} | "
                + ("error |" if "error" in compiled else f"{compiled['per_call'] * 1e6:.0f} us |"))
        if theirs is not None:
            line += (f" {seconds(theirs, 'first_vg')} | {seconds(theirs, 'first_hvp')} | "
                     + ("error | |" if "error" in theirs or "error" in compiled else
                        f"{theirs['per_call'] * 1e6:.0f} us | "
                        f"{compiled['per_call'] / theirs['per_call']:.2f} |"))
        print(line)
    if not jax_available:
        print("\n(JAX is not installed: `pip install jax` to time it side by side.)")


if __name__ == "__main__":
    main()
