"""L-BFGS with bounds: ../lbfgs.py with its ``bounded_update`` as the step (see __init__)."""
from ..lbfgs import DESCRIPTION, NAME, NEEDS, OPTIONS, RETURNS_BEST  # noqa: F401
from ..lbfgs import bounded_update as update  # noqa: F401
from ..lbfgs import configure, finish, init  # noqa: F401
