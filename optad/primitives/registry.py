"""The rule tables the primitive families below fill (defined in optad/ir/primitive.py, so
that the IR and the tracer read them without importing the families)."""
from ..ir.primitive import (Primitive, forward_rules, impl_rules, jvp_rules,  # noqa: F401
                            primal_jvp_rules, primitive, primitives, shape_rules, vjp_rules)
