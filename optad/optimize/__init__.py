"""optad.optimize: scipy-style minimisation on optad's derivatives (newton-cg, lbfgs,
trust-ncg, gd, zo-gd, adam, sgd; auglag with constraints).

    minimize.py     the entry point: checks, builds the problem, picks the method
    objective.py    fun (and a user's jac/hessp) as a compiled problem on flat vectors
    methods/        one module per method: its options, its step (init/update) and result;
                    methods/boxed/: the bounded steps of gd, lbfgs, newton-cg, trust-ncg, zo-gd
                    (lbfgs's in methods/lbfgs_b.py)
    bounds.py       ``bounds=`` in scipy's forms -> a flat box (lower, upper)
    constraints.py  ``constraints=`` in scipy's forms -> one ranged vector function
    constraints_lagrangian.py  the (augmented) Lagrangian traced as one function
    methods/constrained/: auglag, the outer loop of the constrained method
    box.py          projection, projected gradient, free variables, as step code
    line_search.py  strong Wolfe and Armijo searches, as step code
    projected_search.py  backtracking along the projection arc (every method with bounds)
    compact_lbfgs.py, cauchy_point.py, subspace_step.py, segment_search.py   lbfgs with
                    bounds as L-BFGS-B (methods/lbfgs_b.py): the compact L-BFGS matrix, the
                    generalized Cauchy point, the subspace step, the search inside the box
    bound_multipliers.py  the bounds' multipliers auglag reports in v
    zo_bounds.py    zero-order estimates that leave out variables held at a bound
    calls.py        the objective's calls in step code, and how drivers bind them
    step.py         the protocol of a method, and the progress record
    driver.py       the Python driver (callback, history, best point, result); the compiled
                    driver is the backend's (optad/backends/numba/driver.py)
    options.py, status.py, result.py   option schemas, status codes, OptimizeResult/History
"""
from .methods import METHODS
from .minimize import minimize
from .options import OptimizeWarning
from .result import History, OptimizeResult

__all__ = ["minimize", "OptimizeResult", "History", "OptimizeWarning", "METHODS"]
