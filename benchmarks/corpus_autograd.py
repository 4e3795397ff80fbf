"""autograd's own tests, translated to plain NumPy at run time, through optad, JAX the oracle.

    python benchmarks/corpus_autograd.py [--source DIR | --autograd-git REPO] [--backends numpy,numba]
                                         [--files test_numpy,...] [--numba-every K] [--verbose]

autograd's test files (``tests/test_numpy.py``, ``test_systematic.py``, ``test_scalar_ops.py``,
``test_binary_ops.py``, ``test_linalg.py``, ``test_logic.py`` and their ``numpy_utils.py``) are
read at run time -- from ``--source DIR``, from ``--autograd-git REPO`` (a clone, read with
``git show`` at ``--rev``), or else downloaded from GitHub at the pinned commit
``AUTOGRAD_COMMIT`` -- and nothing of them is copied here.  The translation is the one a user
makes: ``import autograd.numpy as np`` becomes ``import numpy as np`` (and
``autograd.numpy.random`` NumPy's random); ``check_grads``, ``combo_check`` and ``grad`` become
recorders, so running a test function collects its *cases*: a function, its arguments, the
arguments differentiated (``argnum``), its keyword arguments, the order checked.

The same text with ``numpy`` replaced by ``jax.numpy`` (float64) records the JAX twin of every
case.  Each test function runs with the same NumPy seed in both, so the arguments are equal.
For every case and backend, optad computes (in one program: ``optad.jit`` of a function calling
``optad.jvp``, ``optad.vjp`` and ``optad.hvp``; separately when that fails):

- the value, against the NumPy function's;
- the JVP along random tangents and the VJP of a random cotangent, against ``jax.jvp`` /
  ``jax.vjp`` of the twin;
- for order 2, the HVP of ``<u, f>`` along a random direction of the first differentiated
  argument, against ``jax.jvp(jax.grad(...))``;

to 1e-8 relative (to the largest reference magnitude, at least 1); a case where only JAX's
derivative differs and autograd's own check (differences) passes is a pass, listed as "JAX
differs" (JAX's conventions at non-smooth points are not autograd's: d|x|/dx at 0).  Where the twin cannot run or
disagrees with NumPy on the value, the oracle is central differences, checked as autograd checks
(inner products to 1e-6 absolute or relative).  A case is ``pass``, ``wrong``, ``clear-error``
(optad refused with ``TracerError``, ``NotImplementedError``, or a ``TypeError`` / ``ValueError``
saying that complex numbers are not supported) or ``crash``; cases with complex arguments are counted apart (optad's arrays are real).
A test function whose translation records nothing (it calls autograd's other APIs) is listed as
not translated.  The Numba backend runs with ``OPTAD_TIERED=0`` and a kernel cache
(``OPTAD_CACHE_DIR``, default ``~/.cache/optad-corpus-autograd``); ``--numba-every K`` checks every
K-th case only there (each case is one compile when the cache is cold).
"""
from __future__ import annotations

import argparse
import itertools
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
import types
import urllib.request
import warnings
import zlib

import numpy as np

AUTOGRAD_COMMIT = "bff107b8d71a444a1160deade3e1cbd0b92f4fa6"
FILES = ["test_numpy", "test_systematic", "test_scalar_ops", "test_binary_ops", "test_linalg",
         "test_logic"]
HELPERS = ["numpy_utils"]
RECORDER = "_autograd_recorder"
TWIN_NUMPY = "_autograd_twin_numpy"
JAX_RTOL = 1e-8
VALUE_RTOL = 1e-10
FD_TOL = 1e-6


# ---------------------------------------------------------------------------------- the files

def fetch_sources(args) -> str:
    if args.source:
        return args.source
    folder = tempfile.mkdtemp(prefix="optad-autograd-corpus-")
    for name in HELPERS + FILES:
        path = f"tests/{name}.py"
        if args.autograd_git:
            text = subprocess.run(["git", "-C", args.autograd_git, "show", f"{args.rev}:{path}"],
                                  check=True, capture_output=True, text=True).stdout
        else:
            url = f"https://raw.githubusercontent.com/HIPS/autograd/{AUTOGRAD_COMMIT}/{path}"
            with urllib.request.urlopen(url, timeout=60) as response:
                text = response.read().decode()
        with open(os.path.join(folder, f"{name}.py"), "w") as handle:
            handle.write(text)
    return folder


def translate(text: str, numpy_module: str) -> str:
    """autograd's imports as a user translating to plain NumPy writes them (same line count)."""
    rules = [
        (r"^(\s*)import autograd\.numpy\.random as (\w+)", r"\1import numpy.random as \2"),
        (r"^(\s*)import autograd\.numpy as (\w+)", rf"\1import {numpy_module} as \2"),
        (r"^(\s*)from autograd\.test_util import", rf"\1from {RECORDER} import"),
        (r"^(\s*)from autograd\.(core|extend) import", rf"\1from {RECORDER} import"),
        (r"^(\s*)from autograd import", rf"\1from {RECORDER} import"),
    ]
    for pattern, replacement in rules:
        text = re.sub(pattern, replacement, text, flags=re.M)
    return text


# ------------------------------------------------------------------ recording autograd's checks

class Case:
    def __init__(self, fun, args, kwargs, argnum, order):
        self.fun, self.args, self.kwargs, self.order = fun, args, kwargs, order
        self.argnums = tuple(argnum) if isinstance(argnum, (tuple, list)) else (argnum,)


class Recorder:
    cases: list = []

    @classmethod
    def record(cls, fun, args, kwargs, argnum, order):
        cls.cases.append(Case(fun, args, dict(kwargs), argnum, order))


def _check_grads(fun, argnum=0, modes=None, order=2):
    def run(*args, **kwargs):
        Recorder.record(fun, args, kwargs, argnum, order)
    return run


def _combo_check(fun, *check_args, **check_kwargs):
    def run(*arg_lists, **kwarg_lists):
        keyed = [[(k, v) for v in values] for k, values in kwarg_lists.items()]
        for args in itertools.product(*arg_lists):
            for kwargs in itertools.product(*keyed):
                _check_grads(fun, *check_args, **check_kwargs)(*args, **dict(kwargs))
    return run


def _grad(fun, argnum=0):
    """autograd.grad used directly in a test: recorded as a first-order case; the test's own
    assertions on the result are not run (it gets zeros)."""
    def run(*args, **kwargs):
        Recorder.record(fun, args, kwargs, argnum, 1)
        return np.zeros_like(np.asarray(args[argnum], dtype=float))
    return run


class NotTranslated(Exception):
    """A test uses an autograd API the translation has no plain-NumPy form for."""


def _unsupported(name):
    def refuse(*args, **kwargs):
        raise NotTranslated(f"autograd.{name}")
    return refuse


def install_recorder():
    module = types.ModuleType(RECORDER)
    module.check_grads = _check_grads
    module.combo_check = _combo_check
    module.grad = _grad
    module.tuple = tuple
    module.primitive_vjps = {}
    for name in ("value_and_grad", "deriv", "primitive", "jacobian", "elementwise_grad",
                 "hessian", "make_vjp", "make_jvp"):
        setattr(module, name, _unsupported(name))
    sys.modules[RECORDER] = module


def install_twin_numpy():
    import jax.numpy as jnp
    shim = types.ModuleType(TWIN_NUMPY)
    shim.random = np.random
    shim.__getattr__ = lambda name: getattr(jnp, name)
    sys.modules[TWIN_NUMPY] = shim


def load(folder, name, numpy_module, tag):
    path = os.path.join(folder, f"{name}.py")
    with open(path) as handle:
        text = translate(handle.read(), numpy_module)
    run_path = os.path.join(tempfile.mkdtemp(prefix=f"optad-autograd-{tag}-"), f"{name}.py")
    with open(run_path, "w") as handle:
        handle.write(text)
    module = types.ModuleType(name if name in HELPERS else f"_{tag}_{name}")
    module.__file__ = run_path
    sys.modules[module.__name__] = module
    exec(compile(text, run_path, "exec"), module.__dict__)
    return module


def pytest_outcome():
    """pytest's failure outcome (a BaseException), or a stand-in when pytest is absent."""
    try:
        from _pytest.outcomes import OutcomeException
    except ImportError:
        return Exception
    return OutcomeException


def _parametrized(function):
    """Keyword-argument sets of a pytest-parametrized test ({} for a plain one)."""
    marks = [m for m in getattr(function, "pytestmark", []) if m.name == "parametrize"]
    sets = [{}]
    for mark in marks:
        names = [n.strip() for n in mark.args[0].split(",")] if isinstance(mark.args[0], str) \
            else list(mark.args[0])
        values = list(mark.args[1])
        sets = [dict(s, **dict(zip(names, v if len(names) > 1 else (v,))))
                for s in sets for v in values]
    return sets


def collect(module):
    """{test id: (cases, error or None)} of every test function of ``module``, in order."""
    out = {}
    for name, function in list(vars(module).items()):
        if not (name.startswith("test_") and callable(function)):
            continue
        for params in _parametrized(function):
            test_id = name + ("[" + ",".join(f"{k}={v}" for k, v in params.items()) + "]"
                              if params else "")
            Recorder.cases = []
            np.random.seed(zlib.crc32(test_id.encode()))
            error = None
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    function(**params)
            except (Exception, pytest_outcome()) as exc:   # noqa: BLE001 - asserts on zeros...
                error = exc
            out[test_id] = (Recorder.cases, error)
    return out


# ---------------------------------------------------------------------------------- checking

def _leaves(tree):
    if isinstance(tree, dict):
        return [leaf for key in sorted(tree) for leaf in _leaves(tree[key])]
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in _leaves(item)]
    return [np.asarray(tree)]


def _tree_map(fn, tree):
    if isinstance(tree, dict):
        return {key: _tree_map(fn, value) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_tree_map(fn, item) for item in tree)
    return fn(tree)


def _tree_map_pair(fn, a, b):
    if isinstance(a, dict):
        return {key: _tree_map_pair(fn, a[key], b[key]) for key in a}
    if isinstance(a, (list, tuple)):
        return type(a)(_tree_map_pair(fn, x, y) for x, y in zip(a, b))
    return fn(a, b)


def _as_float(x):
    return x if isinstance(x, float) else np.asarray(x, dtype=float)


def _rel_error(got, ref) -> float:
    got_leaves, ref_leaves = _leaves(got), _leaves(ref)
    if len(got_leaves) != len(ref_leaves):
        return np.inf
    worst = 0.0
    for a, b in zip(got_leaves, ref_leaves):
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
        if a.shape != b.shape:
            return np.inf
        if not b.size:
            continue
        if not np.array_equal(np.isnan(a), np.isnan(b)):
            return np.inf
        finite = np.isfinite(b)
        if not np.array_equal(a[~finite], b[~finite]) if (~finite).any() else False:
            return np.inf
        scale = max(1.0, float(np.max(np.abs(b[finite]))) if finite.any() else 1.0)
        diff = np.abs(a[finite] - b[finite])
        worst = max(worst, float(np.max(diff)) / scale if diff.size else 0.0)
    return worst


def _is_float(x):
    return np.asarray(x).dtype.kind == "f" or isinstance(x, float)


def _has_complex(objects):
    return any(np.iscomplexobj(leaf) for leaf in _leaves(list(objects)))


class Prepared:
    """A case made concrete: the differentiated arguments ``xs``, the function of them ``g``,
    its NumPy value, and random tangents, cotangent and HVP direction."""

    def __init__(self, case, seed):
        self.case = case
        self.xs = [_tree_map(_as_float, case.args[i]) for i in case.argnums]
        args, kwargs, argnums = case.args, case.kwargs, case.argnums

        def g(*xs):
            full = list(args)
            for i, x in zip(argnums, xs):
                full[i] = x
            return case.fun(*full, **kwargs)

        # the function itself when every argument is differentiated, as autograd's test
        # passes it (check_grads(np.append)(A, b) transforms NumPy's own np.append)
        self.g = case.fun if argnums == tuple(range(len(args))) and not kwargs else g
        rng = np.random.default_rng(seed)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.value = g(*[_tree_map(np.copy, x) for x in self.xs])
        self.tangents = [_tree_map(lambda leaf: rng.standard_normal(np.shape(leaf)), x)
                         for x in self.xs]
        self.cotangent = [rng.standard_normal(np.shape(leaf)) for leaf in _leaves(self.value)]
        self.direction = _tree_map(lambda leaf: rng.standard_normal(np.shape(leaf)), self.xs[0])
        self.float_out = all(_is_float(leaf) for leaf in _leaves(self.value))

    def scalar(self, backend_numpy):
        """x0, *rest -> <u, g(x0, *rest)> (the function whose HVP is checked)."""
        u = self.cotangent

        def s(x0, *rest):
            out = _leaves_traced(self.g(x0, *rest))
            return sum(backend_numpy.sum(o * w) for o, w in zip(out, u))
        return s


def _leaves_traced(tree):
    if isinstance(tree, dict):
        return [leaf for key in sorted(tree) for leaf in _leaves_traced(tree[key])]
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in _leaves_traced(item)]
    return [tree]


def _unflatten_like(tree, leaves):
    leaves = list(leaves)

    def build(t):
        if isinstance(t, dict):
            return {key: build(t[key]) for key in sorted(t)}
        if isinstance(t, (list, tuple)):
            return type(t)(build(item) for item in t)
        return leaves.pop(0)
    return build(tree)


def jax_reference(twin_case, prepared):
    """(jvp, vjp cotangents, hvp or None) from the twin, or (None, reason)."""
    import jax
    import jax.numpy as jnp
    if twin_case is None:
        return None, "no twin"
    case = twin_case
    args, kwargs, argnums = case.args, case.kwargs, case.argnums

    def g(*xs):
        full = list(args)
        for i, x in zip(argnums, xs):
            full[i] = x
        return case.fun(*full, **kwargs)

    try:
        xs = [_tree_map(lambda leaf: jnp.asarray(leaf, dtype=jnp.float64), x)
              for x in prepared.xs]
        value = g(*xs)
        if _rel_error(value, prepared.value) > 1e-9:
            return None, "twin value differs from NumPy's"
        tangents = [_tree_map(jnp.asarray, t) for t in prepared.tangents]
        _, jvp = jax.jvp(g, tuple(xs), tuple(tangents))
        _, pullback = jax.vjp(g, *xs)
        vjp = pullback(_unflatten_like(value, [jnp.asarray(u) for u in prepared.cotangent]))
        hvp = None
        if case.order > 1:
            u = prepared.cotangent

            def s(x0, *rest):
                return sum(jnp.sum(o * w) for o, w in zip(_leaves_traced(g(x0, *rest)), u))
            hvp = jax.jvp(lambda x0: jax.grad(s)(x0, *xs[1:]), (xs[0],),
                          (_tree_map(jnp.asarray, prepared.direction),))[1]
    except Exception as error:   # noqa: BLE001 - then differences are the oracle
        return None, f"twin: {type(error).__name__}"
    results = (_tree_map(np.asarray, jvp), [_tree_map(np.asarray, c) for c in vjp],
               None if hvp is None else _tree_map(np.asarray, hvp))
    if not all(np.all(np.isfinite(np.asarray(leaf, dtype=float)))
               for leaf in _leaves([results[0], results[1]] + ([results[2]] if hvp is not None
                                                               else []))):
        return None, "twin derivatives not finite"
    return results, "jax"


def _optad_results(prepared, backend, optad):
    """(value, jvp, vjp cotangents, hvp) by optad on ``backend``: one compiled program, or
    each transformation alone when that program fails."""
    g, xs, case = prepared.g, prepared.xs, prepared.case
    s = prepared.scalar(np)
    order2 = case.order > 1

    def everything(xs, tangents, cotangent, direction):
        value, jvp = optad.jvp(g, tuple(xs), tuple(tangents))
        _, pullback = optad.vjp(g, *xs)
        vjp = pullback(_unflatten_like(value, cotangent))
        hvp = optad.hvp(s)(xs[0], direction, *xs[1:]) if order2 else 0.0
        return value, jvp, list(vjp), hvp

    operands = ([_tree_map(np.asarray, x) for x in xs], prepared.tangents,
                prepared.cotangent, prepared.direction)
    try:
        return optad.jit(everything, backend=backend)(*operands)
    except Exception:   # noqa: BLE001 - the separate calls say what a user sees
        pass
    value, jvp = optad.jvp(g, tuple(xs), tuple(prepared.tangents), backend=backend)
    _, pullback = optad.vjp(g, *xs, backend=backend)
    vjp = pullback(_unflatten_like(value, prepared.cotangent))
    hvp = optad.hvp(s, backend=backend)(xs[0], prepared.direction, *xs[1:]) if order2 else 0.0
    return value, jvp, list(vjp), hvp


def _fd_checks(prepared, got, optad):
    """Worst error / tolerance by autograd's own rule (inner products to 1e-6 absolute or
    relative), with central differences; the HVP against differences of optad's NumPy-backend
    gradient of <u, f>, which the VJP check validates."""
    value, jvp, vjp, hvp = got
    g, xs = prepared.g, prepared.xs
    eps = 1e-6

    def directional(fun, points, directions):
        def moved(sign):
            return [_tree_map_pair(lambda x, d: x + sign * eps / 2 * d, x, d)
                    for x, d in zip(points, directions)]
        plus, minus = fun(*moved(1.0)), fun(*moved(-1.0))
        return [(np.asarray(p, dtype=float) - np.asarray(m, dtype=float)) / eps
                for p, m in zip(_leaves(plus), _leaves(minus))]

    def close(a, b):   # autograd's scalar_close, as a multiple of its tolerance
        diff = abs(a - b)
        if not np.isfinite(diff):
            return np.inf
        return min(diff / FD_TOL, diff / abs(a + b) / FD_TOL if a + b else np.inf)

    numeric = directional(g, xs, prepared.tangents)
    errors = [max((_rel_error(a, b) / FD_TOL for a, b in zip(_leaves(jvp), numeric)),
                  default=0.0)]
    # <u, J t> through the VJP and by differences
    lhs = sum(float(np.sum(c * t)) for c, t in zip(_leaves(list(vjp)),
                                                    _leaves(list(prepared.tangents))))
    rhs = sum(float(np.sum(u * n)) for u, n in zip(prepared.cotangent, numeric))
    errors.append(close(lhs, rhs))
    if prepared.case.order > 1:
        gradient = optad.grad(prepared.scalar(np), backend="numpy")
        expected = directional(lambda x0: gradient(x0, *xs[1:]), [xs[0]], [prepared.direction])
        errors.append(_rel_error(hvp, _unflatten_like(hvp, expected)) / (10 * FD_TOL))
    return max(errors)


def check_case(prepared, twin_case, backends, optad):
    """{backend: (status, detail)} and the oracle used."""
    if not prepared.float_out:
        reference, oracle = None, "value only"
    else:
        reference, oracle = jax_reference(twin_case, prepared)
        if reference is None:
            oracle = f"fd ({oracle})"
    results = {}
    for backend in backends:
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if not prepared.float_out:
                    value = optad.jit(prepared.g, backend=backend)(*prepared.xs)
                    bad = _rel_error(value, prepared.value) > VALUE_RTOL
                    results[backend] = ("wrong", "value") if bad else ("pass", "")
                    continue
                got = _optad_results(prepared, backend, optad)
            value, jvp, vjp, hvp = got
            worst = {"value": _rel_error(value, prepared.value) / VALUE_RTOL}
            if reference is not None:
                ref_jvp, ref_vjp, ref_hvp = reference
                worst["jvp"] = _rel_error(jvp, ref_jvp) / JAX_RTOL
                worst["vjp"] = _rel_error(vjp, ref_vjp) / JAX_RTOL
                if ref_hvp is not None:
                    worst["hvp"] = _rel_error(hvp, ref_hvp) / JAX_RTOL
            else:
                worst["derivatives (fd)"] = _fd_checks(prepared, got, optad)
            bad = [k for k, v in worst.items() if not v <= 1.0]
            if bad and reference is not None and "value" not in bad and \
                    _fd_checks(prepared, got, optad) <= 1.0:
                # JAX's convention at a non-smooth point (d|x|/dx at 0) is not autograd's:
                # autograd's own check (differences) passes
                results[backend] = ("pass", "JAX differs; differences agree")
                continue
            results[backend] = ("wrong", ", ".join(f"{k} {worst[k]:.2g}x" for k in bad)) if bad \
                else ("pass", "")
        except (optad.TracerError, NotImplementedError) as error:
            results[backend] = ("clear-error", f"{type(error).__name__}: {_first_line(error)}")
        except (TypeError, ValueError) as error:
            if "complex" in str(error):   # optad's arrays are real: it says so
                results[backend] = ("clear-error", f"TypeError: {_first_line(error)}")
            else:
                results[backend] = ("crash", _crash(error))
        except Exception as error:   # noqa: BLE001 - the crash is the finding
            results[backend] = ("crash", _crash(error))
    return results, oracle


def _first_line(error):
    lines = str(error).strip().splitlines()
    return lines[0][:160] if lines else ""


def _crash(error):
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return f"{type(error).__name__}: {_first_line(error)} ({os.path.basename(frame.filename)}:" \
           f"{frame.lineno})"


# ---------------------------------------------------------------------------------- main

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", help="a folder holding autograd's test files")
    parser.add_argument("--autograd-git", help="an autograd git clone to read them from")
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--backends", default="numpy,numba")
    parser.add_argument("--files", default=",".join(FILES))
    parser.add_argument("--numba-every", type=int, default=1,
                        help="check every K-th case on the numba backend (compiles)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)

    os.environ.setdefault("OPTAD_TIERED", "0")
    os.environ.setdefault("OPTAD_CACHE_DIR", os.path.join(
        os.path.expanduser("~"), ".cache", "optad-corpus-autograd"))
    folder = fetch_sources(args)
    install_recorder()
    import jax
    jax.config.update("jax_enable_x64", True)
    install_twin_numpy()
    import optad

    backends = args.backends.split(",")
    for helper in HELPERS:
        load(folder, helper, "numpy", "numpy")
    counts = {b: {} for b in backends}
    not_translated = []
    oracles = {}
    total = 0
    start = time.perf_counter()
    print(f"autograd tests from {folder}; backends {backends}; numba every "
          f"{args.numba_every} case(s); load average {os.getloadavg()[0]:.1f}", flush=True)
    for name in args.files.split(","):
        print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)
        plain = collect(load(folder, name, "numpy", "numpy"))
        twin = collect(load(folder, name, TWIN_NUMPY, "jax"))
        for test_id, (cases, error) in plain.items():
            if not cases:
                not_translated.append(f"{name}::{test_id}" + (
                    f" ({type(error).__name__}: {_first_line(error)[:80]})" if error else ""))
                continue
            twin_cases = twin.get(test_id, ([], None))[0]
            if len(twin_cases) != len(cases):
                twin_cases = [None] * len(cases)
            for k, (case, twin_case) in enumerate(zip(cases, twin_cases)):
                total += 1
                case_backends = [b for b in backends
                                 if b != "numba" or total % args.numba_every == 0]
                if _has_complex(case.args):
                    results, oracle = {b: ("complex", "") for b in case_backends}, "-"
                else:
                    try:
                        prepared = Prepared(case, seed=total)
                    except Exception as error:   # noqa: BLE001 - autograd-only API
                        total -= 1
                        not_translated.append(f"{name}::{test_id} #{k} (plain NumPy: "
                                              f"{type(error).__name__}: {_first_line(error)[:80]})")
                        continue
                    results, oracle = check_case(prepared, twin_case, case_backends, optad)
                kind = oracle.split(" ")[0]
                oracles[kind] = oracles.get(kind, 0) + 1
                for backend, (status, detail) in results.items():
                    counts[backend][status] = counts[backend].get(status, 0) + 1
                if args.verbose or any(s not in ("pass", "complex") or d
                                       for s, d in results.values()):
                    cells = "; ".join(f"{b}: {s}{' - ' + d if d else ''}"
                                      for b, (s, d) in results.items())
                    print(f"  {name}::{test_id} #{k} [{oracle}] {cells}", flush=True)

    statuses = ["pass", "wrong", "crash", "clear-error", "complex"]
    print(f"\n{total} cases, {time.perf_counter() - start:.0f} s, load average "
          f"{os.getloadavg()[0]:.1f}")
    print("| backend | cases | " + " | ".join(statuses) + " | pass rate (real cases) |")
    print("|---" * (len(statuses) + 3) + "|")
    for backend in backends:
        c = counts[backend]
        n = sum(c.values())
        real = n - c.get("complex", 0)
        rate = 100.0 * c.get("pass", 0) / real if real else 0.0
        print(f"| {backend} | {n} | " + " | ".join(str(c.get(s, 0)) for s in statuses)
              + f" | {rate:.1f}% |")
    print("oracles: " + ", ".join(f"{k} {v}" for k, v in sorted(oracles.items())))
    print(f"not translated ({len(not_translated)} tests or cases): " + "; ".join(not_translated))
    return 0


if __name__ == "__main__":
    sys.exit(main())
