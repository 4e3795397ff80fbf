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

import types

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
    recursively, is every function of optad.optimize it calls; ``wrap`` (e.g. ``numba.njit``)
    is applied to each copy.

    ``tag`` names the binding: each copy's ``__qualname__`` becomes ``<qualname>__<tag>``.
    Numba names a compiled function's machine code after its module, qualified name, a counter
    of this process and its argument types, and a cached library brings those names with it
    (with the counter of the process that compiled it).  Copies of one step function bound to
    different problems have the same module and qualified name, so without a tag a cached
    driver's copy and one compiled here can carry the same symbol, and the process links
    whichever it saw first: the loop of one problem then runs another problem's steps.  A tag
    that names what the copies are bound to makes equal symbols mean equal code."""
    done = {} if _done is None else _done
    if function in done:
        return done[function]
    namespace = dict(function.__globals__)
    for name in function.__code__.co_names:
        target = namespace.get(name)
        if name in calls:
            namespace[name] = calls[name]
        elif isinstance(target, types.FunctionType) and \
                target.__module__.startswith(_PACKAGE) and target.__module__ != __name__:
            namespace[name] = bind(target, calls, wrap, done, tag)
    copy = types.FunctionType(function.__code__, namespace, function.__name__,
                              function.__defaults__, function.__closure__)
    copy.__module__ = function.__module__
    copy.__qualname__ = function.__qualname__ if tag is None else \
        f"{function.__qualname__}__{tag}"
    copy.__doc__ = function.__doc__
    done[function] = copy if wrap is None else wrap(copy)
    return done[function]
