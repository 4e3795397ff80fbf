"""The closed set of primitives, one module per family, and the rule tables."""
from .registry import (Primitive, forward_rules, impl_rules, jvp_rules, primitives,  # noqa: F401
                       shape_rules, vjp_rules)
from . import (elementwise, shape, reductions, linalg, decompositions, control,  # noqa: F401
               loops)  # (each registers its rules)
