"""optad.optimize: scipy-style minimisation on optad's derivatives (gd, zo-gd, newton-cg)."""
from .minimize import METHODS, minimize
from .options import OptimizeWarning
from .result import History, OptimizeResult

__all__ = ["minimize", "OptimizeResult", "History", "OptimizeWarning", "METHODS"]
