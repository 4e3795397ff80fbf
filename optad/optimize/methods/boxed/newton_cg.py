"""Newton-CG with bounds: ../newton_cg.py with its ``bounded_update`` as the step (see __init__)."""
from ..newton_cg import DESCRIPTION, NAME, NEEDS, OPTIONS, RETURNS_BEST  # noqa: F401
from ..newton_cg import bounded_update as update  # noqa: F401
from ..newton_cg import configure, finish, init  # noqa: F401
from ..newton_cg import compiled  # noqa: F401
