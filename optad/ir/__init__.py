"""The intermediate representation: variables, literals, equations and programs."""
from .program import Var, Lit, Eqn, Program, ShapedArray
from .typecheck import typecheck, TypeCheckError

__all__ = ["Var", "Lit", "Eqn", "Program", "ShapedArray", "typecheck", "TypeCheckError"]
