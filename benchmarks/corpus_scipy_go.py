"""scipy's global-optimisation benchmark functions, run through optad as their authors wrote them.

    python benchmarks/corpus_scipy_go.py [--source DIR | --scipy-git REPO] [--backends numpy,numba]
                                         [--points 3] [--only NAME,...] [--verbose] [--json FILE]
                                         [--optad-first]

The corpus is ``benchmarks/benchmarks/go_benchmark_functions/go_funcs_[A-Z].py`` of SciPy
(195 classes, each with a ``fun(self, x)`` written in plain NumPy).  Nothing of SciPy is copied
here: the files are read at run time from ``--source DIR`` (a folder holding them), from
``--scipy-git REPO`` (a clone of scipy, read with ``git show`` at ``--rev``), or else downloaded
from GitHub at the pinned commit ``SCIPY_COMMIT`` into a temporary folder.

The modules are loaded *before* optad is imported (they bind NumPy names with
``from numpy import sqrt, ...``, which must trace the same as ``np.sqrt``; ``--optad-first``
imports optad first, which must give the same table).  For every class, at
``--points`` points drawn inside its bounds (fixed seed), on each backend:

- the value of ``optad.value_and_grad(f)`` against the function itself (NumPy);
- the gradient and ``optad.hvp(f)(x, v)`` (a random unit ``v``) against the oracle:
  the *JAX twin* -- the same module text with ``numpy`` replaced by ``jax.numpy`` in its import
  lines (``np.random`` stays NumPy's), differentiated by ``jax.grad`` and ``jax.jvp(jax.grad(f))`` in float64 -- where the twin
  runs, computes the same value as the NumPy function and gives finite derivatives; otherwise
  central finite differences (a fourth-order stencil of the NumPy function for the gradient, and
  of optad's NumPy-backend gradient for the HVP, which the gradient check has just validated).

A function whose ``fun`` draws random numbers (``Stochastic``, ``XinSheYang01``) is seeded the
same way before every evaluation, optad's included, so its noise is a fixed constant.

Each function is then ``pass`` (every point within tolerance), ``wrong`` (a result outside
it), ``clear-error`` (optad refused it with ``TracerError`` or ``NotImplementedError``: the
message is printed, it must name the construct and what to write instead) or ``crash`` (any
other exception).  The Numba backend runs with ``OPTAD_TIERED=0`` (every kernel compiled in
this process, so the compiled code is what is checked) and a kernel cache folder
(``OPTAD_CACHE_DIR``, default ``~/.cache/optad-corpus-go``), so a second run compiles nothing.
"""
from __future__ import annotations

import argparse
import contextlib
import inspect
import json
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

import numpy as np

SCIPY_COMMIT = "3dbf660a919b1479cdf30d533176053b428d08d3"
CORPUS_PATH = "benchmarks/benchmarks/go_benchmark_functions"
MODULES = ["go_benchmark"] + [f"go_funcs_{letter}" for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]

VALUE_RTOL = 1e-10      # optad's value against the NumPy function's, relative to max(1, |f|)
JAX_RTOL = 1e-8         # gradient / HVP against the JAX twin, relative to max(1, max |ref|)
FD_RTOL = 1e-5          # ... against finite differences


# ---------------------------------------------------------------------------------- the files

def fetch_sources(args) -> str:
    """A folder holding the corpus's files (given, read from a git clone, or downloaded)."""
    if args.source:
        return args.source
    folder = tempfile.mkdtemp(prefix="optad-go-corpus-")
    for name in MODULES:
        path = f"{CORPUS_PATH}/{name}.py"
        if args.scipy_git:
            text = subprocess.run(["git", "-C", args.scipy_git, "show", f"{args.rev}:{path}"],
                                  check=True, capture_output=True, text=True).stdout
        else:
            url = f"https://raw.githubusercontent.com/scipy/scipy/{SCIPY_COMMIT}/{path}"
            with urllib.request.urlopen(url, timeout=60) as response:
                text = response.read().decode()
        with open(os.path.join(folder, f"{name}.py"), "w") as handle:
            handle.write(text)
    return folder


@contextlib.contextmanager
def _safe_import():
    """What the corpus's ``..common.safe_import`` does: an optional import may fail."""
    try:
        yield
    except ImportError:
        pass


TWIN_NUMPY = "_go_twin_numpy"


def _install_twin_numpy():
    """The module the twins import as NumPy: ``jax.numpy``'s names, and NumPy's ``random``
    (a function that draws noise draws it from NumPy's seeded generator, as the original)."""
    import jax.numpy as jnp
    shim = types.ModuleType(TWIN_NUMPY)
    shim.random = np.random
    shim.__getattr__ = lambda name: getattr(jnp, name)
    sys.modules[TWIN_NUMPY] = shim


def _to_jax(text: str) -> str:
    """The module text with NumPy's import lines pointing at the twin's NumPy (jax.numpy;
    same line count)."""
    text = re.sub(r"^(\s*)import numpy as np\s*$", rf"\1import {TWIN_NUMPY} as np", text,
                  flags=re.M)
    return re.sub(r"^(\s*)from numpy import", rf"\1from {TWIN_NUMPY} import", text, flags=re.M)


def load_corpus(folder: str, package: str, rewrite=None) -> dict:
    """Execute the modules as the package ``package.go_benchmark_functions`` (their relative
    imports resolve through ``sys.modules``); returns {class name: class}, in file order."""
    root = types.ModuleType(package)
    root.__path__ = []
    common = types.ModuleType(f"{package}.common")
    common.safe_import = _safe_import
    inner = types.ModuleType(f"{package}.go_benchmark_functions")
    inner.__path__ = [folder]
    sys.modules.update({package: root, common.__name__: common, inner.__name__: inner})
    classes = {}
    base = None
    for name in MODULES:
        path = os.path.join(folder, f"{name}.py")
        with open(path) as handle:
            text = handle.read()
        if rewrite is not None:
            text = rewrite(text)
            path = os.path.join(tempfile.mkdtemp(prefix="optad-go-twin-"), f"{name}.py")
            with open(path, "w") as handle:   # tracebacks and linecache see the executed text
                handle.write(text)
        module = types.ModuleType(f"{inner.__name__}.{name}")
        module.__file__ = path
        module.__package__ = inner.__name__
        sys.modules[module.__name__] = module
        exec(compile(text, path, "exec"), module.__dict__)
        if name == "go_benchmark":
            base = module.Benchmark
            continue
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, base) and cls is not base and cls.__module__ == module.__name__:
                classes[cls_name] = cls
    return classes


# ---------------------------------------------------------------------------------- oracles

def _rel_error(got, ref) -> float:
    got = np.asarray(got, dtype=float)
    ref = np.asarray(ref, dtype=float)
    if got.shape != ref.shape:
        return np.inf
    scale = max(1.0, float(np.max(np.abs(ref))) if ref.size else 1.0)
    if not (np.all(np.isfinite(got)) and np.all(np.isfinite(ref))):
        same = np.array_equal(np.isnan(got), np.isnan(ref)) and np.array_equal(
            got[~np.isnan(got)], ref[~np.isnan(ref)]) if ref.size else True
        return 0.0 if same else np.inf
    return float(np.max(np.abs(got - ref))) / scale if ref.size else 0.0


def _stencil(function, x, direction, h):
    """Fourth-order central difference of ``function`` along ``direction``."""
    return (-function(x + 2 * h * direction) + 8 * function(x + h * direction)
            - 8 * function(x - h * direction) + function(x - 2 * h * direction)) / (12 * h)


def fd_gradient(fun, x):
    h = 1e-4 * max(1.0, float(np.max(np.abs(x))))
    eye = np.eye(x.size)
    return np.array([_stencil(lambda z: float(fun(z)), x, eye[i], h) for i in range(x.size)])


def fd_hvp(grad, x, v):
    h = 1e-4 * max(1.0, float(np.max(np.abs(x))))
    return _stencil(lambda z: np.asarray(grad(z), dtype=float), x, v, h)


class Twin:
    """The JAX twin of one class, or why it cannot serve as the oracle."""

    def __init__(self, cls, reseed):
        self.cls = cls
        self.reseed = reseed
        self.instance = cls() if cls is not None else None

    def _call(self, operation, *args):
        self.reseed()
        return operation(*args)

    def evaluate(self, x, v, value):
        """(gradient, hvp) from JAX, or None with the reason."""
        import jax
        import jax.numpy as jnp
        if self.instance is None:
            return None, "no twin"

        def f(z):
            return self.instance.fun(z)

        try:
            x_j, v_j = jnp.asarray(x), jnp.asarray(v)
            twin_value = float(self._call(f, x_j))
            if _rel_error(twin_value, value) > 1e-9:
                return None, f"twin value {twin_value!r} != {value!r}"
            gradient = np.asarray(self._call(jax.grad(f), x_j))
            hvp = np.asarray(self._call(lambda a, b: jax.jvp(jax.grad(f), (a,), (b,))[1],
                                        x_j, v_j))
        except Exception as error:   # noqa: BLE001 - the twin cannot run: use differences
            return None, f"twin: {type(error).__name__}: {_first_line(error)}"
        if not (np.all(np.isfinite(gradient)) and np.all(np.isfinite(hvp))):
            return None, "twin derivatives not finite"
        return (gradient, hvp), "jax"


# ---------------------------------------------------------------------------------- the run

def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:200] if lines else ""


def _points(instance, count, seed):
    bounds = np.asarray(instance.bounds, dtype=float).reshape(-1, 2)
    rng = np.random.default_rng(seed)
    return [bounds[:, 0] + (bounds[:, 1] - bounds[:, 0]) * rng.uniform(0.05, 0.95, len(bounds))
            for _ in range(count)]


def _is_stochastic(instance, x):
    with np.errstate(all="ignore"):
        return not np.array_equal(np.asarray(instance.fun(x.copy())),
                                  np.asarray(instance.fun(x.copy())))


def check_function(name, cls, twin_cls, backends, count, seed):
    """{backend: (status, detail, oracles)} for one class."""
    import optad
    instance = cls()
    points = _points(instance, count, seed)
    stochastic = _is_stochastic(instance, points[0])

    def reseed():
        if stochastic:
            np.random.seed(seed)

    def fun(x):
        return instance.fun(x)

    def plain(x):
        reseed()
        with np.errstate(all="ignore"):
            return float(instance.fun(np.array(x, dtype=float)))

    twin = Twin(twin_cls, reseed)
    rng = np.random.default_rng(seed + 1)
    references = []
    oracles = set()
    why_fd = set()
    for x in points:
        v = rng.standard_normal(x.size)
        v /= np.linalg.norm(v)
        value = plain(x)
        derivatives, oracle = twin.evaluate(x, v, value)
        references.append((x, v, value, derivatives, oracle))
        oracles.add("jax" if derivatives is not None else "fd")
        if derivatives is None:
            why_fd.add(oracle)

    results = {}
    numpy_grad = None
    for backend in backends:
        value_and_grad = optad.value_and_grad(fun, backend=backend)
        hvp = optad.hvp(fun, backend=backend)
        worst = {"value": 0.0, "grad": 0.0, "hvp": 0.0}
        status, detail = "pass", ""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                for x, v, value, derivatives, oracle in references:
                    reseed()
                    got_value, got_grad = value_and_grad(x.copy())
                    reseed()
                    got_hvp = hvp(x.copy(), v.copy())
                    if derivatives is not None:
                        ref_grad, ref_hvp = derivatives
                        tol = JAX_RTOL
                    else:
                        if numpy_grad is None:
                            gradient = optad.grad(fun, backend="numpy")

                            def numpy_grad(z, gradient=gradient):
                                reseed()
                                return gradient(z)
                        ref_grad = fd_gradient(plain, x)
                        ref_hvp = fd_hvp(numpy_grad, x, v)
                        tol = FD_RTOL
                    errors = {"value": _rel_error(got_value, value) / VALUE_RTOL,
                              "grad": _rel_error(got_grad, ref_grad) / tol,
                              "hvp": _rel_error(got_hvp, ref_hvp) / tol}
                    for key, error in errors.items():
                        worst[key] = max(worst[key], error)
            bad = [key for key, error in worst.items() if not error <= 1.0]
            if bad:
                status = "wrong"
                detail = ", ".join(f"{key} off by {worst[key]:.3g}x tolerance" for key in bad)
        except (optad.TracerError, NotImplementedError) as error:
            status, detail = "clear-error", f"{type(error).__name__}: {_first_line(error)}"
        except Exception as error:   # noqa: BLE001 - the crash is the finding
            status = "crash"
            frame = traceback.extract_tb(error.__traceback__)[-1]
            detail = (f"{type(error).__name__}: {_first_line(error)} "
                      f"({os.path.basename(frame.filename)}:{frame.lineno})")
        results[backend] = (status, detail, "+".join(sorted(oracles)) + (
            ", stochastic" if stochastic else "") + "".join(f", {why}" for why in sorted(why_fd)))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", help="a folder holding go_benchmark.py and go_funcs_*.py")
    parser.add_argument("--scipy-git", help="a scipy git clone to read the files from")
    parser.add_argument("--rev", default="HEAD", help="revision for --scipy-git")
    parser.add_argument("--backends", default="numpy,numba")
    parser.add_argument("--points", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", help="comma-separated class names")
    parser.add_argument("--verbose", action="store_true", help="print every function's row")
    parser.add_argument("--json", help="write the per-function results here")
    parser.add_argument("--optad-first", action="store_true",
                        help="import optad before loading the corpus (default: after)")
    args = parser.parse_args(argv)

    os.environ.setdefault("OPTAD_TIERED", "0")
    os.environ.setdefault("OPTAD_CACHE_DIR",
                          os.path.join(os.path.expanduser("~"), ".cache", "optad-corpus-go"))
    folder = fetch_sources(args)
    if args.optad_first:
        import optad   # noqa: F401
    classes = load_corpus(folder, "_go_corpus_numpy")       # before optad, unless --optad-first
    import jax
    jax.config.update("jax_enable_x64", True)
    try:
        _install_twin_numpy()
        twins = load_corpus(folder, "_go_corpus_jax", rewrite=_to_jax)
    except Exception as error:   # noqa: BLE001 - then every oracle is finite differences
        print(f"JAX twins unavailable ({type(error).__name__}: {error}); using differences")
        twins = {}
    import optad   # noqa: F401 - after the corpus, on purpose

    names = list(classes)
    if args.only:
        wanted = args.only.split(",")
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            parser.error(f"no such classes: {unknown}")
        names = [name for name in names if name in wanted]
    backends = args.backends.split(",")
    print(f"{len(names)} functions from {folder}; backends {backends}; "
          f"{args.points} points each; load average {os.getloadavg()[0]:.1f}", flush=True)
    table = {}
    start = time.perf_counter()
    for index, name in enumerate(names):
        table[name] = check_function(name, classes[name], twins.get(name), backends,
                                     args.points, args.seed + index)
        row = table[name]
        if args.verbose or any(status != "pass" for status, _, _ in row.values()) or (
                "fd" in next(iter(row.values()))[2]):
            cells = "; ".join(f"{backend}: {status}{' - ' + detail if detail else ''}"
                              for backend, (status, detail, _) in row.items())
            oracle = next(iter(row.values()))[2]
            print(f"  {name} [{oracle}] {cells}", flush=True)

    statuses = ["pass", "wrong", "crash", "clear-error"]
    print(f"\n{len(names)} functions, {time.perf_counter() - start:.0f} s, "
          f"load average {os.getloadavg()[0]:.1f}")
    print("| backend | " + " | ".join(statuses) + " |")
    print("|---" * (len(statuses) + 1) + "|")
    for backend in backends:
        counts = [sum(table[name][backend][0] == status for name in names) for status in statuses]
        print(f"| {backend} | " + " | ".join(str(count) for count in counts) + " |")
    oracle_counts = {}
    for name in names:
        kind = next(iter(table[name].values()))[2].split(",")[0]
        oracle_counts[kind] = oracle_counts.get(kind, 0) + 1
    print("oracles: " + ", ".join(f"{kind} {count}" for kind, count in sorted(oracle_counts.items())))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(table, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
