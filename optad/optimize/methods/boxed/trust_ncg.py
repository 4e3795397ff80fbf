"""Trust-region Newton-CG with bounds: ../trust_ncg.py with its ``bounded_update`` as the
step (see __init__)."""
from ..trust_ncg import DESCRIPTION, NAME, NEEDS, OPTIONS, RETURNS_BEST  # noqa: F401
from ..trust_ncg import bounded_update as update  # noqa: F401
from ..trust_ncg import configure, finish, init  # noqa: F401
