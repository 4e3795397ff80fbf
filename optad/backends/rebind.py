"""Copies of functions whose free names are rebound: how one text of an optimisation method's
step code runs on Python callables and, compiled, on a backend's kernels.

``bind(function, calls, package=...)`` copies ``function`` with each global name in ``calls``
bound to that callable, and recursively copies every function of ``package`` it calls, so the
helpers the steps share (a line search, a CG loop) call the same bound names.  ``wrap`` (e.g.
``numba.njit``) is applied to every copy.

``tag`` names the binding: each copy's ``__qualname__`` becomes ``<qualname>__<tag>``.  Numba
names a compiled function's machine code after its module, qualified name, a counter of this
process and its argument types, and a cached library brings those names with it (with the
counter of the process that compiled it).  Copies of one step function bound to different
problems have the same module and qualified name, so without a tag a cached loop's copy and one
compiled here can carry the same symbol, and the process links whichever it saw first: the loop
of one problem then runs another problem's steps.  A tag that names what the copies are bound
to makes equal symbols mean equal code.
"""
from __future__ import annotations

import types


def bind(function, calls: dict, wrap=None, done=None, tag=None, *, package: str,
         keep=()):
    """A copy of ``function`` with the names of ``calls`` bound to those callables, calling
    bound copies of the functions of ``package`` it uses (those of the modules in ``keep``
    stay as they are); ``done`` maps originals to copies made so far."""
    done = {} if done is None else done
    if function in done:
        return done[function]
    namespace = dict(function.__globals__)
    for name in function.__code__.co_names:
        target = namespace.get(name)
        if name in calls:
            namespace[name] = calls[name]
        elif isinstance(target, types.FunctionType) and \
                target.__module__.startswith(package) and target.__module__ not in keep:
            namespace[name] = bind(target, calls, wrap, done, tag, package=package, keep=keep)
    copy = types.FunctionType(function.__code__, namespace, function.__name__,
                              function.__defaults__, function.__closure__)
    copy.__module__ = function.__module__
    copy.__qualname__ = function.__qualname__ if tag is None else \
        f"{function.__qualname__}__{tag}"
    copy.__doc__ = function.__doc__
    done[function] = copy if wrap is None else wrap(copy)
    return done[function]
