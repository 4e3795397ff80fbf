"""Program -> program transformations: jvp (forward mode), vjp (reverse mode), simplify."""
from .evaluate import eval_program
from .jvp import jvp_program, jvp_traceable
from .vjp import vjp_program, grad_program, vjp_traceable
from .simplify import simplify
from .inline import inline_calls
from .partial_eval import partial_eval

__all__ = ["eval_program", "jvp_program", "jvp_traceable", "vjp_program", "grad_program",
           "vjp_traceable", "simplify", "inline_calls", "partial_eval"]
from . import checkpoint_rules  # noqa: F401,E402  (registers the checkpoint primitive's rules)
from . import loop_rules  # noqa: F401,E402  (registers the loop primitives' derivative rules)
