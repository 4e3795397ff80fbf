"""Put optad's SciPy rules in front of SciPy's functions, only while a trace runs.

Three routes, none of which changes SciPy outside a trace:
- ``scipy.special``'s ufuncs (expit, xlogy, gammaln ...) reach the Tracer's
  ``__array_ufunc__`` by themselves; ``ufunc_rule`` (hooked into optad.numpy.dispatch) finds
  the rule by the ufunc's identity.  Nothing is patched for them.
- Plain Python functions (``scipy.special.logsumexp``, ``scipy.linalg.cho_solve`` ...) get a
  wrapper in their module's namespace when a thread starts its outermost trace, and in the
  globals of loaded modules that bound them (``from scipy.linalg import cho_solve``), exactly
  as optad.numpy.patches does for NumPy's names; SciPy's own objects are put back when the
  last trace ends.
- Distribution methods (``norm.logpdf``, ``poisson.logpmf`` ...) get a wrapper on the
  distribution's class for the same window, so frozen distributions reach them too.

A wrapper called by a thread that is not tracing, or with no traced argument, calls SciPy's
own function with the same arguments.  Only SciPy modules already imported when a trace
starts are wrapped (import SciPy before tracing, as one does at the top of a module).
``import optad`` imports no SciPy module.
"""
from __future__ import annotations

import functools
import sys
import threading

from ..numpy._promote import holds_tracer
from ..numpy.dispatch import add_ufunc_fallback
from ..numpy.patches import ModuleBindings, enabled
from ..trace.tracer import add_outermost_trace_hooks, thread_state
from . import linalg, special, stats


def _traced_call(args, kwargs):
    return thread_state.stack and (holds_tracer(list(args)) or
                                   (kwargs and holds_tracer(list(kwargs.values()))))


def _wrap_function(original, rule, qualified):
    @functools.wraps(original)
    def function(*args, **kwargs):
        if _traced_call(args, kwargs):
            return rule(*args, **kwargs)
        return original(*args, **kwargs)
    function.optad_wrapped = True
    function.optad_rule = qualified
    return function


def _refusing(error):
    """A rule that raises ``error`` (an exception, or a function making one)."""
    def rule(*args, **kwargs):
        raise error() if callable(error) else error
    return rule


def _wrap_method(original, rule, unbound_self):
    """A distribution method: the rule takes the method's arguments without ``self`` (or, for
    a frozen multivariate normal, the point and the frozen mean and covariance)."""
    @functools.wraps(original)
    def method(self, *args, **kwargs):
        if _traced_call(args, kwargs):
            if unbound_self:
                return rule(*args, **kwargs)
            return rule(*args, self.mean, self.cov, **kwargs)
        return original(self, *args, **kwargs)
    method.optad_wrapped = True
    return method


# ------------------------------------------------------------------------- ufuncs

_ufunc_rules: dict = {}        # id(scipy.special ufunc) -> rule
_ufunc_names: dict = {}        # id(scipy.special ufunc) -> name (all of them, for errors)
_ufuncs_seen = [False]


def ufunc_rule(ufunc):
    """The rule of a scipy.special ufunc (an error for one without a rule); None for any
    other ufunc."""
    if not _ufuncs_seen[0]:
        module = sys.modules.get("scipy.special")
        if module is None:
            return None
        import numpy as np
        for name in dir(module):
            value = getattr(module, name)
            if isinstance(value, np.ufunc):
                _ufunc_names.setdefault(id(value), name)
                if name in special.UFUNC_RULES:
                    _ufunc_rules[id(value)] = special.UFUNC_RULES[name]
        _ufuncs_seen[0] = True
    rule = _ufunc_rules.get(id(ufunc))
    if rule is None and id(ufunc) in _ufunc_names:
        name = _ufunc_names[id(ufunc)]
        rule = _refusing(lambda: special.no_rule_error(name))
    return rule


# ------------------------------------------------------------------------- functions, methods

def _function_table(module_name):
    if module_name == "scipy.special":
        table = {name: (rule, f"scipy.special.{name}")
                 for name, rule in special.FUNCTION_RULES.items()}
        module = sys.modules[module_name]
        for name in special.NO_PRIMITIVE:   # Python functions (polygamma): refuse by name
            if name not in table and callable(getattr(module, name, None)) and \
                    not type(getattr(module, name)).__name__ == "ufunc":
                table[name] = (_refusing(special.no_rule_error(name)), f"scipy.special.{name}")
        return table
    if module_name == "scipy.linalg":
        table = {name: (rule, f"scipy.linalg.{name}")
                 for name, rule in linalg.FUNCTION_RULES.items()}
        for name, why in linalg.NO_RULE.items():
            error = NotImplementedError(f"scipy.linalg.{name} was given a traced value: {why}")
            table[name] = (_refusing(error), f"scipy.linalg.{name}")
        return table
    return {}


def _method_patches(module):
    """(class, name, SciPy's attribute or None, wrapper) for the distributions' methods."""
    out = []
    for dist, methods in stats.METHOD_RULES.items():
        instance = getattr(module, dist, None)
        if instance is None:
            continue
        cls = type(instance)
        names = dict(methods)
        for name in stats.NO_RULE_METHODS:
            if hasattr(cls, name) and name not in names:
                names[name] = _refusing(stats.no_rule_error(dist, name))
        for name, rule in names.items():
            out.append((cls, name, cls.__dict__.get(name),
                        _wrap_method(getattr(cls, name), rule, True)))
    frozen = getattr(getattr(module, "_multivariate", None), "multivariate_normal_frozen", None)
    if frozen is not None:
        for name in ("logpdf", "pdf"):
            rule = stats.METHOD_RULES["multivariate_normal"][name]
            out.append((frozen, name, frozen.__dict__.get(name),
                        _wrap_method(getattr(frozen, name), rule, False)))
    return out


class _Patches:
    """What is wrapped, built per SciPy module when it is first seen loaded at a trace start."""

    def __init__(self):
        self.built: set = set()
        self.functions: list = []   # (module, name, SciPy's object, wrapper)
        self.methods: list = []     # (class, name, class's own attribute or None, wrapper)
        self.wrapper_of: dict = {}
        self.bindings = ModuleBindings(self.wrapper_of, skip=("numpy", "optad"))

    def build(self):
        grew = False
        for module_name in ("scipy.special", "scipy.linalg", "scipy.stats"):
            module = sys.modules.get(module_name)
            if module is None or module_name in self.built:
                continue
            self.built.add(module_name)
            grew = True
            if module_name == "scipy.stats":
                self.methods += _method_patches(module)
                continue
            for name, (rule, qualified) in _function_table(module_name).items():
                original = getattr(module, name, None)
                if original is None:
                    continue
                wrapper = _wrap_function(original, rule, qualified)
                self.functions.append((module, name, original, wrapper))
                self.wrapper_of[id(original)] = wrapper
        if grew:   # look at every module again for names bound to the new objects
            self.bindings = ModuleBindings(self.wrapper_of, skip=("numpy", "optad"))

    def apply(self):
        for module, name, _, wrapper in self.functions:
            setattr(module, name, wrapper)
        for cls, name, _, wrapper in self.methods:
            setattr(cls, name, wrapper)
        self.bindings.discover()
        self.bindings.apply()

    def restore(self):
        for module, name, original, _ in self.functions:
            setattr(module, name, original)
        for cls, name, own, _ in self.methods:
            if own is None:
                delattr(cls, name)
            else:
                setattr(cls, name, own)
        self.bindings.restore()


_lock = threading.Lock()
_tracing_threads = 0
_patches = _Patches()


def acquire():
    global _tracing_threads
    with _lock:
        _tracing_threads += 1
        if _tracing_threads == 1:
            _patches.build()
            _patches.apply()


def release():
    global _tracing_threads
    with _lock:
        _tracing_threads -= 1
        if _tracing_threads == 0:
            _patches.restore()


def wrapped_names():
    """(owner, name) of every SciPy function and method wrapped while a trace runs (of the
    SciPy modules seen so far)."""
    return [(m, n) for m, n, _, _ in _patches.functions] + \
        [(c, n) for c, n, _, _ in _patches.methods]


def register():
    """Called once by optad/__init__.py: scipy.special's ufuncs find their rules, and every
    trace wraps SciPy's functions while it runs (unless OPTAD_PATCH_NUMPY=0).  Imports no
    SciPy module and changes nothing in SciPy."""
    add_ufunc_fallback(ufunc_rule)
    if enabled():
        add_outermost_trace_hooks(acquire, release)
