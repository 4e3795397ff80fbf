"""Machine code of a compiled driver is named after exactly what it is bound to.

Numba names a function's machine code after its module, qualified name, a per-process counter
and its argument types, and a cached library brings those names into every process that loads
it.  The step code a driver binds to one problem's entries (optimize/calls.py: bind) once kept
the plain qualified names of the method's functions, so a cached driver of problem B and a
driver of problem A compiled in the same process could carry equal symbols, and B's loop ran
A's steps: ``minimize`` returned A's solution for B with success=True (issue 21).  These tests
check the names themselves; tests/backends/test_cache_fuzz.py runs the processes."""
import numpy as np
import pytest

from optad.backends.numba import driver
from optad.optimize import calls
from optad.optimize.loop import loop_code
from optad.optimize.methods import lbfgs, newton_cg
from optad.optimize.objective import make_problem


def _bound_qualnames(function, seen=None):
    """Qualified names of ``function`` and every bound copy it reaches through its globals."""
    seen = {} if seen is None else seen
    python = getattr(function, "py_func", function)
    if python.__qualname__ in seen:
        return seen
    seen[python.__qualname__] = python.__module__
    for name in python.__code__.co_names:
        target = python.__globals__.get(name)
        inner = getattr(target, "py_func", target)
        if getattr(inner, "__module__", "").startswith("optad.optimize") and \
                hasattr(inner, "__code__") and inner is not python:
            _bound_qualnames(target, seen)
    return seen


def test_bind_names_every_copy_with_the_tag():
    def value(x):
        return float(np.sum(x))

    bound = calls.bind(lbfgs.update, {"value": value, "value_and_grad": value}, tag="t0")
    names = _bound_qualnames(bound)
    assert len(names) > 1, "update calls helpers of optad.optimize, bound recursively"
    assert all(name.endswith("__t0") for name in names), names
    untagged = calls.bind(lbfgs.update, {"value": value, "value_and_grad": value})
    assert untagged.__qualname__ == lbfgs.update.__qualname__   # the Python driver's copies


def _driver_module(loss, x0, method):
    problem, _, _ = make_problem(loss, x0, (), None, None, "numba", method.NEEDS)
    entries = problem.njit_entries(method.NEEDS)
    assert entries is not None
    drive = driver._compiled(loop_code(method), entries)[0]
    return drive.py_func.__globals__, entries


@pytest.mark.parametrize("method", [lbfgs, newton_cg], ids=lambda m: m.NAME)
def test_two_problems_of_one_size_bind_under_different_names(method):
    """The repro of issue 21: rosen and g have the same size and argument types.  Their
    drivers' bound copies differ in name, and one problem's driver is the same module (and
    names) whenever it is built."""
    def rosen(x):
        return np.sum(np.stack([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]]) ** 2)

    def g(x):
        return np.sum(np.stack([x[0] - 3.0, x[1] + 2.0]) ** 2)

    x0 = np.array([0.5, 0.5])
    module_r, _ = _driver_module(rosen, x0, method)
    module_g, _ = _driver_module(g, x0, method)
    assert module_r["__file__"] != module_g["__file__"]
    names_r = set(_bound_qualnames(module_r["init"])) | set(_bound_qualnames(module_r["update"]))
    names_g = set(_bound_qualnames(module_g["init"])) | set(_bound_qualnames(module_g["update"]))
    assert names_r and names_g and not names_r & names_g
    again, _ = _driver_module(g, x0, method)
    assert again["__file__"] == module_g["__file__"]


def test_binding_tag_depends_on_method_step_code_and_entries():
    imports = {"value_and_grad": ("optad_aa", "value_and_grad")}
    other = {"value_and_grad": ("optad_bb", "value_and_grad")}
    m, n = loop_code(lbfgs), loop_code(newton_cg)
    tag = driver.binding_tag(m, imports)
    assert tag == driver.binding_tag(m, dict(imports))
    assert tag != driver.binding_tag(m, other)
    assert tag != driver.binding_tag(n, imports)
    assert tag != driver.binding_tag(m._replace(digest="edited"), imports)
