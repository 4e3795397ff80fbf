"""Gradient descent with bounds: ../gd.py with its ``bounded_update`` as the step (see __init__)."""
from ..gd import DESCRIPTION, NAME, NEEDS, OPTIONS, RETURNS_BEST  # noqa: F401
from ..gd import bounded_update as update  # noqa: F401
from ..gd import configure, finish, init  # noqa: F401
