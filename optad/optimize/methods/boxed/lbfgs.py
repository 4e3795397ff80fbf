"""L-BFGS with bounds: ../lbfgs.py with ../lbfgs_b.py's ``bounded_update`` (L-BFGS-B's
Cauchy point, subspace step and search) as the step (see __init__)."""
from ..lbfgs import DESCRIPTION, NAME, NEEDS, OPTIONS, RETURNS_BEST  # noqa: F401
from ..lbfgs import configure, finish, init  # noqa: F401
from ..lbfgs_b import bounded_update as update  # noqa: F401
