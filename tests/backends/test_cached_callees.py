"""A cached module that imports a user's compiled function by name is keyed on that function's
code (backends/numba/specialise.py: callee_digest).  Before, two scripts each defining their
own ``fg`` in ``__main__`` shared one cached adapter, and the second ran the first one's
machine code: ``minimize(fg, x0, jac=True)`` returned the other script's minimum, with
success=True (issue 21's class of mistake: what a cached module imports)."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numba
import numpy as np
import pytest

from optad.backends.numba.specialise import callee_digest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import numba, numpy as np
    from optad.optimize.objective import make_problem

    @numba.njit
    def fg(x):
        d = x - CENTRE
        return np.sum(d * d), 2.0 * d

    x = np.array([0.5, -0.5])
    problem, _, _ = make_problem(fg, x, (), True, None, "numba", ("value_and_grad",))
    entries = problem.njit_entries(("value_and_grad",))
    f, g = entries.value_and_grad(x, *entries.args)
    print(f, *g)
""")


def _run(cache, centre):
    env = dict(os.environ, OPTAD_CACHE_DIR=str(cache),
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", f"CENTRE = {centre!r}\n" + SCRIPT], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return np.array(out.stdout.split(), dtype=float)


@pytest.mark.slow
def test_two_scripts_with_their_own_fg_share_no_machine_code(tmp_path):
    x = np.array([0.5, -0.5])
    for centre in (3.0, -5.0, 3.0):
        d = x - centre
        np.testing.assert_allclose(_run(tmp_path, centre), [np.sum(d * d), *(2 * d)],
                                   rtol=1e-15)


SCALE = 2.0


@numba.njit
def _helper(x):
    return SCALE * x


@numba.njit
def _user(x):
    return _helper(x) + 1.0


def test_callee_digest_follows_the_code_and_the_globals_it_reads(monkeypatch):
    digest = callee_digest(_user)
    assert digest and digest == callee_digest(_user)
    monkeypatch.setitem(_helper.py_func.__globals__, "SCALE", 3.0)
    assert callee_digest(_user) != digest, "a global of a callee's callee is in the key"


def test_a_callee_without_a_source_file_is_not_cached():
    namespace = {"__name__": "no_such_module_here"}
    exec("def f(x):\n    return x\n", namespace)
    assert callee_digest(numba.njit(namespace["f"])) is None
