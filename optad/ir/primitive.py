"""Primitives and the rule tables that give them meaning.

A primitive is just a name.  Its meaning lives in plain dicts keyed by primitive, one per
interpretation (Autodidax style): the shape rule, the NumPy implementation (the reference
semantics), the JVP rule and the VJP rule.  Backends keep their own lowering tables.  The
families of primitives (optad/primitives/) fill these tables; the IR, the tracer and the
transforms only read them.

Rule signatures:
    shape_rules[p](*avals, lits, **params)        -> tuple of output ShapedArray
    impl_rules[p](*arrays, **params)              -> array (or tuple when multiple_results)
    jvp_rules[p](primals, tangents, outs, **params) -> output tangent(s); tangents may be None
                                                       (a symbolic zero)
    vjp_rules[p](cotangent, primals, outs, **params) -> one cotangent (or None) per input
    primal_jvp_rules[p](primals, tangents, **params) -> (outputs, output tangents): optional;
                                                     forward mode uses it instead of the
                                                     primitive and its JVP rule when a tangent
                                                     is non-zero (a scan's tangent loop runs
                                                     the primal body anyway: its outputs are
                                                     the outputs, not a second loop's)
    forward_rules[p](*primals, **params)          -> (outputs, residuals): optional; reverse
                                                     mode's forward sweep uses it instead of
                                                     the primitive, and passes the residuals
                                                     to the VJP rule as ``residuals=``

JVP and VJP rules are written with optad's own ops, so derivative programs can be
differentiated again.
"""
from __future__ import annotations


class Primitive:
    """A named operation.  ``record_constants``: while a trace is active, binding it to
    constant arguments records an equation instead of evaluating it now (a filled array is
    then created inside the kernel rather than passed in as a constant)."""

    __slots__ = ("name", "family", "multiple_results", "record_constants")

    def __init__(self, name: str, family: str, multiple_results: bool = False,
                 record_constants: bool = False):
        self.name = name
        self.family = family
        self.multiple_results = multiple_results
        self.record_constants = record_constants

    def __repr__(self):
        return self.name

    def abstract_eval(self, *avals, lits=None, **params):
        return shape_rules[self](*avals, lits=lits or [False] * len(avals), **params)


shape_rules: dict = {}
impl_rules: dict = {}
jvp_rules: dict = {}
vjp_rules: dict = {}
primal_jvp_rules: dict = {}
forward_rules: dict = {}
primitives: dict = {}


def primitive(name: str, family: str, multiple_results: bool = False,
              record_constants: bool = False) -> Primitive:
    """Create and register a primitive."""
    if name in primitives:
        raise ValueError(f"primitive {name!r} is defined twice")
    p = Primitive(name, family, multiple_results, record_constants)
    primitives[name] = p
    return p
