"""Zero-order gradient descent with bounds: ../zo_gd.py with its ``bounded_init`` and
``bounded_update`` as the steps (see __init__)."""
from ..zo_gd import DESCRIPTION, HAS_GRADIENT, NAME, NEEDS, OPTIONS, RETURNS_BEST  # noqa: F401
from ..zo_gd import bounded_init as init  # noqa: F401
from ..zo_gd import bounded_update as update  # noqa: F401
from ..zo_gd import configure, finish  # noqa: F401
