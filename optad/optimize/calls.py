"""The objective as a method's step code sees it: four free names, bound by a driver.

A method's ``init``/``update`` (and the helpers they call) reach the objective only through

    value(x, *args) -> f                        f at the flat vector x
    value_and_grad(x, *args) -> (f, g)          f and its gradient (a flat vector)
    hvp_prepare(x, *args) -> residuals          the part of H(x) v that does not depend on v
    hvp_apply(x, v, *residuals) -> H(x) v       one Hessian-vector product at that x

where ``args`` is the tuple a driver passes to ``init``/``update`` (empty for Python callables
that already hold the problem's data; the data and the kernels' constants for compiled ones).
``bind`` makes copies of step functions whose globals name real callables: the Python driver
binds Python callables, the Numba backend binds its njit entries and compiles the copies, so
one text of each method runs both ways.
"""
from __future__ import annotations

from ..backends.rebind import bind as rebind

NAMES = ("value", "value_and_grad", "hvp_prepare", "hvp_apply")


def _unbound(name):
    def call(*args):
        raise RuntimeError(f"{name} is called by a method's step code before a driver bound it "
                           "(run methods through optad.minimize)")
    call.__name__ = name
    return call


value = _unbound("value")
value_and_grad = _unbound("value_and_grad")
hvp_prepare = _unbound("hvp_prepare")
hvp_apply = _unbound("hvp_apply")

_PACKAGE = __name__.rsplit(".", 1)[0]   # optad.optimize: step code lives here


def bind(function, calls: dict, wrap=None, _done=None, tag=None):
    """A copy of ``function`` in which the names of ``calls`` are those callables, and so,
    recursively, is every function of optad.optimize it calls (this module's unbound names
    aside); ``wrap`` (e.g. ``numba.njit``) is applied to each copy, and ``tag`` names the
    copies (optad/backends/rebind.py says why)."""
    return rebind(function, calls, wrap, _done, tag, package=_PACKAGE, keep=(__name__,))
