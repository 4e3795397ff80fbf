"""``import optad`` changes nothing in SciPy (issue 22, items 1 and 2): every public name of
scipy.special, scipy.linalg, scipy.stats and scipy.optimize, and the methods of the wrapped
distribution classes, are the same objects before and after the import and after traces
(also one that raised); names bound from SciPy before optad was imported trace like the
module's; and a thread calling SciPy while another traces gets SciPy's own results."""
import os
import subprocess
import sys
import textwrap
import threading

from pathlib import Path

import numpy as np
import scipy.linalg
import scipy.special
import scipy.stats

import optad


REPO = Path(__file__).resolve().parents[2]   # this checkout's optad, not an installed one


def run_script(script, tmp_path, **env):
    env = dict(os.environ, OPTAD_BACKEND="numpy", **env)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    return out.stdout


def test_import_and_trace_leave_scipy_identical(tmp_path):
    (tmp_path / "bound_early.py").write_text(textwrap.dedent("""
        import numpy as np
        from scipy.linalg import cho_solve, cholesky
        from scipy.special import logsumexp

        def loss(x):
            k = np.outer(x, x) + 2.0 * np.eye(3)
            low = cholesky(k, lower=True)
            return np.sum(cho_solve((low, True), x)) + logsumexp(x)
    """))
    out = run_script("""
        import sys
        import numpy as np
        import scipy.linalg, scipy.optimize, scipy.special, scipy.stats
        import bound_early

        MODULES = ["scipy.special", "scipy.linalg", "scipy.stats", "scipy.optimize"]
        CLASSES = [type(scipy.stats.norm), type(scipy.stats.poisson),
                   type(scipy.stats.multivariate_normal),
                   scipy.stats._multivariate.multivariate_normal_frozen]

        def snapshot():
            names = {}
            for m in MODULES:
                for name in dir(sys.modules[m]):
                    names[m, name] = getattr(sys.modules[m], name)
            for cls in CLASSES:
                for name, value in vars(cls).items():
                    names[cls.__name__, name] = value
                for name in ("logpdf", "logpmf", "pdf", "cdf"):
                    names[cls.__name__, "get " + name] = getattr(cls, name, None)
            for name in ("cho_solve", "cholesky", "logsumexp"):
                names["bound_early", name] = getattr(bound_early, name)
            return names

        def changed(before, after):
            return sorted(f"{k}" for k in set(before) | set(after)
                          if before.get(k) is not after.get(k))

        before = snapshot()
        import optad
        assert "optad" in sys.modules and not changed(before, snapshot()), \\
            changed(before, snapshot())

        x = np.array([0.3, -0.4, 0.8])
        def by_module(x):
            k = np.outer(x, x) + 2.0 * np.eye(3)
            low = scipy.linalg.cholesky(k, lower=True)
            return np.sum(scipy.linalg.cho_solve((low, True), x)) + \\
                scipy.special.logsumexp(x)
        seen = []
        def stats_loss(x):
            seen.append(scipy.stats.norm.logpdf)
            return np.sum(scipy.stats.norm.logpdf(x, 0.5, 2.0)) + \\
                np.sum(scipy.special.expit(x))
        for backend in ("numpy",):
            g_early = optad.grad(bound_early.loss, backend=backend)(x)
            g_module = optad.grad(by_module, backend=backend)(x)
            assert np.allclose(g_early, g_module, rtol=1e-13, atol=0), (g_early, g_module)
            optad.grad(stats_loss, backend=backend)(x)
        assert seen and seen[0] is not before["norm_gen", "get logpdf"]  # wrapped while tracing
        assert not changed(before, snapshot()), changed(before, snapshot())
        try:
            optad.grad(lambda x: scipy.special.logsumexp(x) + undefined_name)(x)
        except NameError:
            pass
        assert not changed(before, snapshot()), "a trace that raised left a wrapper"
        print("identical")
    """, tmp_path, PYTHONPATH=os.pathsep.join([str(tmp_path), str(REPO),
                                           os.environ.get("PYTHONPATH", "")]))
    assert "identical" in out


def plain_scipy_calls(failures, stop):
    k = np.array([[2.0, 0.3], [0.3, 1.0]])
    b = np.array([1.0, -1.0])
    expected = {"cho_solve": scipy.linalg.cho_solve(scipy.linalg.cho_factor(k), b),
                "logsumexp": scipy.special.logsumexp(b),
                "logpdf": scipy.stats.norm.logpdf(b, 0.5, 2.0)}
    while not stop.is_set():
        got = {"cho_solve": scipy.linalg.cho_solve(scipy.linalg.cho_factor(k), b),
               "logsumexp": scipy.special.logsumexp(b),
               "logpdf": scipy.stats.norm.logpdf(b, 0.5, 2.0)}
        for name, value in got.items():
            if not np.array_equal(value, expected[name]):
                failures.append((name, value))


def test_a_thread_calling_scipy_during_traces_gets_scipy_results():
    failures, stop = [], threading.Event()
    other = threading.Thread(target=plain_scipy_calls, args=(failures, stop))
    other.start()
    try:
        x = np.array([0.2, -0.7])
        for i in range(20):
            def loss(x, i=i):   # a new function each time: each call traces
                c = scipy.linalg.cho_factor(np.outer(x, x) + (2.0 + i) * np.eye(2))
                return np.sum(scipy.linalg.cho_solve(c, x)) + scipy.special.logsumexp(x) + \
                    np.sum(scipy.stats.norm.logpdf(x, 0.5, 2.0))
            g = optad.grad(loss, backend="numpy")(x)
            eps = 1e-6
            fd = [(loss(x + eps * e) - loss(x - eps * e)) / (2 * eps) for e in np.eye(2)]
            np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    finally:
        stop.set()
        other.join()
    assert not failures, failures[:5]
    assert not hasattr(scipy.linalg.cho_solve, "optad_wrapped")
    assert "logpdf" not in vars(type(scipy.stats.norm))


def test_import_optad_imports_no_scipy_module(tmp_path):
    """(The Numba backend's import of numba may import SciPy's top package; optad does not.)"""
    out = run_script("""
        import sys
        import optad
        import numpy as np
        optad.grad(lambda x: np.sum(np.tanh(x)))(np.ones(2))
        print(sorted(m for m in sys.modules if m == "scipy" or m.startswith("scipy.")))
    """, tmp_path, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    assert out.strip() == "[]", out
