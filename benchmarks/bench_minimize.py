"""Wall-time benchmark of optad.minimize against scipy (and JAX when installed).

Run (OpenBLAS tuning variables unset so NumPy uses its defaults):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_minimize.py [--reps 5]

Cases (each repeated --reps times, variants interleaved within a repetition, medians reported):
1. chained Rosenbrock n = 1000 from (-1.2, 1, -1.2, 1, ...): optad Newton-CG to ||g|| <= 1e-6
   against scipy's Newton-CG run to its own stop, fed scipy's rosen_der/rosen_hess_prod, optad's
   derivatives, and JAX's.
2. wine MLP (h = 16): time for optad's Newton-CG to reach the loss scipy's Newton-CG stops at
   (both fed optad's Numba derivatives; also scipy fed JAX's), on the (W1, W2) pytree and on
   the same loss of one flat parameter vector, where optad's inner CG runs compiled on optad's
   hvp kernel (also shown with the Python inner CG).
3. 1000 fixed-step GD iterations on the wine MLP: optad's compiled loop (one Numba function)
   against a Python loop over NumPy and jax.lax.fori_loop under jax.jit.
4. L-BFGS on chained Rosenbrock n = 1000 and on the wine MLP (flat parameter vector): each
   reference solver runs to its own stop - scipy's L-BFGS-B fed optad's compiled
   value_and_grad (jac=True), and jax.scipy.optimize.minimize(method="BFGS") under jax.jit -
   and optad's lbfgs (compiled loop) is timed to the first iterate with f at or below the f
   that solver stopped at (its run cut at that iteration, found in a first run; the runs are
   deterministic).
Compilation happens in a warm-up run before timing.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

# compiled kernels are timed: they compile in this process (a new kernel would otherwise answer
# from the NumPy evaluator until hot; benchmarks/bench_time_to_n.py measures the tiers)
os.environ.setdefault("OPTAD_TIERED", "0")

import numba
import numpy as np
import scipy.optimize as so

import optad
from optad.optimize import minimize
from optad.problems.wine_mlp import wine_mlp, wine_mlp_loss

try:  # optional
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
except Exception:  # pragma: no cover
    jax = None


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def run_interleaved(variants, reps):
    times = {name: [] for name in variants}
    outputs = {}
    for name, fn in variants.items():   # warm-up (compilation)
        fn()
    for _ in range(reps):
        for name, fn in variants.items():
            t, out = timed(fn)
            times[name].append(t)
            outputs[name] = out
    return {name: statistics.median(ts) for name, ts in times.items()}, outputs


def table(title, rows, reference):
    print(f"\n{title}")
    print(f"| {'variant':58s} | {'median s':>9s} | {'vs ' + reference[:18]:>21s} | result")
    print(f"|{'-' * 60}|{'-' * 11}|{'-' * 23}|-------")
    ref = rows[reference][0]
    for name, (t, note) in rows.items():
        print(f"| {name:58s} | {t:9.4f} | {ref / t:20.2f}x | {note}")


# -- 1. chained Rosenbrock -----------------------------------------------------------------------

def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def bench_rosenbrock(reps):
    n = 1000
    x0 = np.tile([-1.2, 1.0], n // 2)
    vg = optad.value_and_grad(rosen)
    hvp = optad.hvp(rosen)
    optad_jac = lambda x: vg(x)[1]  # noqa: E731
    variants = {
        "optad newton-cg, optad numba derivatives, gtol 1e-6":
            lambda: minimize(rosen, x0, options={"gtol": 1e-6}),
        "optad newton-cg, scipy rosen_der/rosen_hess_prod, gtol 1e-6":
            lambda: minimize(so.rosen, x0, jac=so.rosen_der, hessp=so.rosen_hess_prod,
                             options={"gtol": 1e-6}),
        "scipy Newton-CG, scipy rosen_der/rosen_hess_prod":
            lambda: so.minimize(so.rosen, x0, method="Newton-CG", jac=so.rosen_der,
                                hessp=so.rosen_hess_prod),
        "scipy Newton-CG, optad numba derivatives":
            lambda: so.minimize(rosen, x0, method="Newton-CG", jac=optad_jac, hessp=hvp),
    }
    if jax is not None:
        def jrosen(x):
            return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
        jgrad = jax.jit(jax.grad(jrosen))
        jhvp = jax.jit(lambda x, v: jax.jvp(jax.grad(jrosen), (x,), (v,))[1])
        variants["scipy Newton-CG, JAX jit derivatives"] = lambda: so.minimize(
            rosen, x0, method="Newton-CG", jac=lambda x: np.asarray(jgrad(x)),
            hessp=lambda x, p: np.asarray(jhvp(x, p)))
    med, outs = run_interleaved(variants, reps)
    rows = {}
    for name, res in outs.items():
        g = np.linalg.norm(so.rosen_der(res.x))
        rows[name] = (med[name], f"nit {res.nit}, f {res.fun:.2e}, ||g|| {g:.1e}")
    table("Chained Rosenbrock n = 1000 (time to the method's own stop)", rows,
          "scipy Newton-CG, scipy rosen_der/rosen_hess_prod")


# -- 2. wine MLP Newton-CG -----------------------------------------------------------------------

class Flat:
    """Flat-vector views of the (W1, W2) problem for scipy."""

    def __init__(self, W):
        self.shapes = [w.shape for w in W]
        self.split = W[0].size

    def tree(self, w):
        return (w[:self.split].reshape(self.shapes[0]), w[self.split:].reshape(self.shapes[1]))

    def flat(self, W):
        return np.concatenate([W[0].ravel(), W[1].ravel()])


def bench_wine_newton(reps):
    problem = wine_mlp(h=16)
    X, y = problem.data
    W0 = problem.x0(0)
    fl = Flat(W0)
    vg = optad.value_and_grad(wine_mlp_loss)
    hvp = optad.hvp(wine_mlp_loss)
    f = lambda w: float(vg(fl.tree(w), X, y)[0])  # noqa: E731
    jac = lambda w: fl.flat(vg(fl.tree(w), X, y)[1])  # noqa: E731
    hessp = lambda w, p: fl.flat(hvp(fl.tree(w), fl.tree(p), X, y))  # noqa: E731
    w0 = fl.flat(W0)
    ref = so.minimize(f, w0, method="Newton-CG", jac=jac, hessp=hessp)
    target = ref.fun

    # the same loss on one flat parameter vector: optad's hvp then has a compiled kernel and
    # optad's Newton-CG runs its inner CG compiled; scipy gets value_and_grad/hvp of this loss
    Xc = np.ascontiguousarray(X)
    yc = np.ascontiguousarray(np.asarray(y, dtype=float).reshape(-1))
    vg_flat = optad.value_and_grad(wine_flat_loss)
    hvp_flat = optad.hvp(wine_flat_loss)
    scipy_flat = lambda: so.minimize(  # noqa: E731
        vg_flat, w0, args=(Xc, yc), method="Newton-CG", jac=True, hessp=hvp_flat)
    target_flat = scipy_flat().fun

    def stop_at(value):
        def stop(intermediate):
            if intermediate.fun <= value:
                raise StopIteration
        return stop

    def optad_to_target():
        return minimize(wine_mlp_loss, W0, args=(X, y), callback=stop_at(target),
                        options={"gtol": 0, "maxiter": 10000})

    def optad_flat_to_target(compiled_cg=True):
        return minimize(wine_flat_loss, w0, args=(Xc, yc), callback=stop_at(target_flat),
                        options={"gtol": 0, "maxiter": 10000, "compiled_cg": compiled_cg})

    flat_names = ("optad newton-cg to scipy's loss, flat loss, compiled inner CG",
                  "optad newton-cg to scipy's loss, flat loss, Python inner CG",
                  "scipy Newton-CG, optad derivatives of the flat loss")
    variants = {
        flat_names[0]: optad_flat_to_target,
        flat_names[1]: lambda: optad_flat_to_target(False),
        flat_names[2]: scipy_flat,
        "optad newton-cg to scipy's loss, (W1, W2) pytree, compiled inner CG": optad_to_target,
        "scipy Newton-CG, optad numba derivatives, (W1, W2) pytree":
            lambda: so.minimize(f, w0, method="Newton-CG", jac=jac, hessp=hessp),
    }
    if jax is not None:
        Xj, yj = jnp.asarray(X), jnp.asarray(y)

        def jloss(w):
            W1 = w[:fl.split].reshape(fl.shapes[0])
            W2 = w[fl.split:].reshape(fl.shapes[1])
            e = W2 @ jnp.tanh(W1 @ Xj) - yj
            return jnp.mean(e * e)
        jvg = jax.jit(jax.value_and_grad(jloss))
        jhvp = jax.jit(lambda w, v: jax.jvp(jax.grad(jloss), (w,), (v,))[1])
        variants["scipy Newton-CG, JAX jit derivatives"] = lambda: so.minimize(
            lambda w: tuple(np.asarray(a) for a in jvg(w)), w0, method="Newton-CG", jac=True,
            hessp=lambda w, p: np.asarray(jhvp(w, p)))
    med, outs = run_interleaved(variants, reps)
    rows = {name: (med[name], f"nit {res.nit}, nhev {res.nhev}, loss {float(res.fun):.6g}")
            for name, res in outs.items()}
    table(f"Wine MLP h = 16, Newton-CG (scipy stops at loss {target:.6g} on (W1, W2), "
          f"{target_flat:.6g} on the flat loss)", rows, flat_names[2])
    tree_ratio = (med["scipy Newton-CG, optad numba derivatives, (W1, W2) pytree"]
                  / med["optad newton-cg to scipy's loss, (W1, W2) pytree, compiled inner CG"])
    print(f"\nsame derivatives, flat loss: optad's Newton-CG (compiled inner CG) reaches scipy's "
          f"loss {med[flat_names[2]] / med[flat_names[0]]:.2f}x sooner than scipy's Newton-CG "
          f"(Python inner CG: {med[flat_names[2]] / med[flat_names[1]]:.2f}x); on the (W1, W2) pytree "
          f"(differentiated through its flat vector, compiled inner CG): {tree_ratio:.2f}x")


# -- 3. wine MLP, 1000 fixed-step GD iterations ------------------------------------------------------

@numba.njit(cache=True, fastmath=True)
def _tanh_inplace(Z):
    """tanh through exp (vectorises; libm tanh does not): sign(z) (1 - e) / (1 + e), e = exp(-2|z|)."""
    flat = Z.reshape(Z.size)
    for i in range(flat.size):
        z = flat[i]
        e = np.exp(-2.0 * abs(z))
        t = (1.0 - e) / (1.0 + e)
        flat[i] = t if z >= 0 else -t
    return Z


@numba.njit(cache=True)
def wine_value_and_grad(w, X, XT, y, h):
    """Hand-written Numba kernel on the flat parameter vector (W1 row-major, then W2);
    XT = X.T contiguous (BLAS needs contiguous operands)."""
    d, m = X.shape
    W1 = w[:h * d].reshape(h, d)
    W2 = w[h * d:]
    A = _tanh_inplace(W1 @ X)
    err = W2 @ A - y
    loss = np.sum(err * err) / m
    gpred = 2.0 * err / m
    g = np.empty_like(w)
    g[h * d:] = A @ gpred
    back = np.outer(W2, gpred) * (1.0 - A * A)
    g[:h * d] = (back @ XT).ravel()
    return loss, g


def numpy_loop(w0, X, y, h, step, iters):
    d, m = X.shape
    w = w0.copy()
    for _ in range(iters):
        W1, W2 = w[:h * d].reshape(h, d), w[h * d:]
        A = np.tanh(W1 @ X)
        err = W2 @ A - y
        gpred = 2.0 * err / m
        g = np.concatenate([((np.outer(W2, gpred) * (1.0 - A * A)) @ X.T).ravel(), A @ gpred])
        w = w - step * g
    return w


def wine_flat_loss(w, X, y):
    """The wine-MLP loss on one flat parameter vector (W1 row-major, then W2), in plain NumPy:
    optad traces it, and GD runs its compiled loop on optad's own kernel."""
    d = X.shape[0]
    h = w.shape[0] // (d + 1)
    W1, W2 = w[:h * d].reshape(h, d), w[h * d:]
    return np.mean((W2 @ np.tanh(W1 @ X) - y) ** 2)


def bench_wine_gd(reps, iters=1000, step=0.01):
    problem = wine_mlp(h=16)
    X, y = problem.data
    X = np.ascontiguousarray(X)
    XT = np.ascontiguousarray(X.T)
    y = np.ascontiguousarray(np.asarray(y, dtype=float).reshape(-1))
    W0 = problem.x0(0)
    h = W0[0].shape[0]
    w0 = np.concatenate([W0[0].ravel(), W0[1].ravel()])
    options = {"step": step, "maxiter": iters, "gtol": 0}
    variants = {
        "optad gd, compiled loop on optad's kernel (plain NumPy loss)":
            lambda: minimize(wine_flat_loss, w0, args=(X, y), method="gd", options=options).x,
        "optad gd, compiled loop on a hand-written @njit gradient":
            lambda: minimize(wine_value_and_grad, w0, args=(X, XT, y, h), jac=True, method="gd",
                             options=options).x,
        "optad gd on the (W1, W2) pytree (compiled loop, flat vector)":
            lambda: minimize(wine_mlp_loss, W0, args=problem.data, method="gd",
                             options=options).x,
        "Python loop over NumPy (hand-written gradient)":
            lambda: numpy_loop(w0, X, y, h, step, iters),
    }
    if jax is not None:
        Xj, yj = jnp.asarray(X), jnp.asarray(y)
        d = X.shape[0]

        def jloss(w):
            e = w[h * d:] @ jnp.tanh(w[:h * d].reshape(h, d) @ Xj) - yj
            return jnp.mean(e * e)
        jgrad = jax.grad(jloss)

        @jax.jit
        def fori(w):
            return jax.lax.fori_loop(0, iters, lambda i, w: w - step * jgrad(w), w)
        variants["jax.lax.fori_loop under jax.jit"] = lambda: np.asarray(
            fori(jnp.asarray(w0)).block_until_ready())
    med, outs = run_interleaved(variants, reps)
    final = lambda w: float(wine_value_and_grad(np.ascontiguousarray(  # noqa: E731
        np.concatenate([np.ravel(a) for a in w]) if isinstance(w, tuple) else w), X, XT, y, h)[0])
    rows = {name: (med[name], f"final loss {final(out):.6g}") for name, out in outs.items()}
    reference = ("jax.lax.fori_loop under jax.jit" if jax is not None
                 else "Python loop over NumPy (hand-written gradient)")
    table(f"Wine MLP h = 16: {iters} fixed-step GD iterations (step {step})", rows, reference)


# -- 4. L-BFGS to the same f ---------------------------------------------------------------------

def _iterations_to(history_f, target):
    """The first iteration whose f is at or below ``target`` (None if never)."""
    hits = np.flatnonzero(np.asarray(history_f) <= target)
    return int(hits[0]) if hits.size else None


def lbfgs_rows(title, fun, x0, args, jloss, reps):
    from threadpoolctl import threadpool_limits
    vg = optad.value_and_grad(fun)

    def scipy_lbfgsb():
        return so.minimize(vg, x0, args=args, method="L-BFGS-B", jac=True,
                           options={"maxiter": 15000, "maxfun": 30000})

    def scipy_lbfgsb_one_thread():
        with threadpool_limits(limits=1, user_api="blas"):
            return scipy_lbfgsb()
    references = {
        "scipy L-BFGS-B, optad value_and_grad (jac=True)": scipy_lbfgsb,
        "the same, BLAS limited to 1 thread (threadpoolctl)": scipy_lbfgsb_one_thread,
    }
    if jax is not None:
        import jax.scipy.optimize as jso
        jbfgs = jax.jit(lambda w: jso.minimize(jloss, w, method="BFGS",
                                               options={"maxiter": 15000}))

        def jax_bfgs():
            out = jbfgs(jnp.asarray(x0))
            out.x.block_until_ready()
            return out
        references["jax.scipy.optimize.minimize BFGS under jax.jit"] = jax_bfgs
    full = minimize(fun, x0, args=args, method="lbfgs", options={"gtol": 1e-6})
    print(f"\n{title}\noptad lbfgs to its own stop (gtol 1e-6): {full.nit} iterations, "
          f"f {full.fun:.6g}, {full.message}")
    print(f"| {'reference (to its own stop)':50s} | {'ref s':>8s} | {'ref f':>11s} | "
          f"{'optad lbfgs to that f':>22s} | {'optad faster by':>15s}")
    print(f"|{'-' * 52}|{'-' * 10}|{'-' * 13}|{'-' * 24}|{'-' * 17}")
    for name, solve in references.items():
        med, outs = run_interleaved({name: solve}, reps)
        out = outs[name]
        target = float(out.fun if not hasattr(out, "f") else out.f)
        k = _iterations_to(full.history.f, target)
        if k is None:
            print(f"| {name:50s} | {med[name]:8.3f} | {target:11.6g} | {'not reached':>22s} |")
            continue
        k = max(k, 1)
        ours, _ = run_interleaved({"optad": lambda: minimize(
            fun, x0, args=args, method="lbfgs", options={"gtol": 0, "maxiter": k})},
            reps)
        note = f" ({int(out.nit)} it" + ("" if bool(out.success) else ", not success") + ")"
        print(f"| {name + note:50s} | {med[name]:8.3f} | {target:11.6g} | "
              f"{ours['optad'] * 1e3:8.1f} ms ({k:5d} it) | {med[name] / ours['optad']:14.2f}x")


def bench_lbfgs(reps):
    n = 1000
    x0 = np.tile([-1.2, 1.0], n // 2)
    jrosen = None
    if jax is not None:
        def jrosen(x):
            return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    lbfgs_rows("L-BFGS, chained Rosenbrock n = 1000 from (-1.2, 1, ...)", rosen, x0, (), jrosen,
               reps)
    problem = wine_mlp(h=16)
    X, y = problem.data
    X = np.ascontiguousarray(X)
    y = np.ascontiguousarray(np.asarray(y, dtype=float).reshape(-1))
    W0 = problem.x0(0)
    w0 = np.concatenate([W0[0].ravel(), W0[1].ravel()])
    jloss = None
    if jax is not None:
        Xj, yj = jnp.asarray(X), jnp.asarray(y)
        h, d = W0[0].shape

        def jloss(w):
            e = w[h * d:] @ jnp.tanh(w[:h * d].reshape(h, d) @ Xj) - yj
            return jnp.mean(e * e)
    lbfgs_rows("L-BFGS, wine MLP h = 16 (flat parameter vector)", wine_flat_loss, w0, (X, y),
               jloss, reps)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--only", choices=["rosen", "wine-newton", "wine-gd", "lbfgs"])
    args = parser.parse_args()
    print(f"numpy {np.__version__}, scipy {so.__name__ and __import__('scipy').__version__}, "
          f"numba {numba.__version__}, jax {jax.__version__ if jax else 'not installed'}")
    if args.only in (None, "rosen"):
        bench_rosenbrock(args.reps)
    if args.only in (None, "wine-newton"):
        bench_wine_newton(args.reps)
    if args.only in (None, "wine-gd"):
        bench_wine_gd(args.reps)
    if args.only in (None, "lbfgs"):
        bench_lbfgs(args.reps)


if __name__ == "__main__":
    main()
