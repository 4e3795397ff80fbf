"""The closed set of primitives, one module per family, and the rule tables."""
from .registry import (Primitive, impl_rules, jvp_rules, primitives, shape_rules,  # noqa: F401
                       vjp_rules)
from . import elementwise, shape, reductions, linalg, control  # noqa: F401  (registers rules)
