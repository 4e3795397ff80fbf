"""The optimiser methods an experiment can name, and the options each accepts (DESIGN.md §3).

Each option maps to (kind, help). Kinds: "int+" positive integer, "int0" non-negative integer,
"float+" positive number, "float0" non-negative number, "fraction" a number in [0, 1),
"bool", or a tuple of accepted strings.
"""
from __future__ import annotations

COMMON_OPTIONS = {
    "maxiter": ("int+", "maximum number of iterations (overrides budget.maxiter for this method)"),
    "gtol": ("float0", "stop when the gradient norm falls below this (0 disables)"),
    "disp": ("bool", "print convergence messages"),
}

METHOD_OPTIONS = {
    "gd": {
        **COMMON_OPTIONS,
        "step": ("float+", "fixed step size; absent means Armijo backtracking"),
        "momentum": ("fraction", "heavy-ball momentum coefficient"),
        "nesterov": ("bool", "use Nesterov's look-ahead momentum"),
    },
    "zo-gd": {
        **COMMON_OPTIONS,
        "estimator": (("sphere", "gaussian", "coordinate"), "zero-order gradient estimator"),
        "eps": ("float+", "finite-difference radius"),
        "step": ("float+", "fixed step size (absent: from lipschitz, else backtracking)"),
        "directions": ("int+", "random directions averaged per step"),
        "seed": ("int0", "random seed of the directions (default: the run's seed)"),
        "max_nfev": ("int+", "maximum number of function evaluations"),
        "lipschitz": ("float+", "gradient Lipschitz constant L: use the theory's step "
                                "(absent step and L: backtracking)"),
    },
    "newton-cg": {
        **COMMON_OPTIONS,
        "xtol": ("float0", "stop when the step is shorter than this"),
        "cg_maxiter": ("int+", "maximum inner conjugate-gradient iterations"),
        "compiled_cg": ("bool", "run each inner CG as one compiled call when a compiled "
                                "Hessian-vector product exists (default true)"),
    },
}

METHOD_DESCRIPTIONS = {
    "gd": "gradient descent (fixed step or Armijo backtracking; optional momentum)",
    "zo-gd": "zero-order gradient descent on a two-point or coordinate estimate",
    "newton-cg": "truncated Newton: conjugate gradient on Hessian-vector products, Wolfe search",
}

BACKENDS = ("numba", "numpy", "cuda")


def describe_kind(kind) -> str:
    """Words for what a kind accepts, used in error messages and `optad list`."""
    if isinstance(kind, tuple):
        return "one of " + ", ".join(repr(choice) for choice in kind)
    return {
        "int+": "a positive integer",
        "int0": "a non-negative integer",
        "float+": "a positive number",
        "float0": "a non-negative number",
        "fraction": "a number in [0, 1)",
        "bool": "true or false",
    }[kind]
