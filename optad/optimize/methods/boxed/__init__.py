"""The methods' steps with bounds, one module each: the method's own names with its
``bounded_update`` as ``update``.

A module of its own per method because the compiled driver (optad/backends/numba/driver.py)
compiles a method module's ``init``/``update``: kept apart, a problem without bounds compiles
exactly the steps it always did, and only problems with bounds pay Numba for the projected
steps.  ``minimize`` runs ``BOUNDED[name]`` when some bound is finite.  (adam and sgd
project inline: their bounded code is two lines.)
"""
from . import gd, lbfgs, newton_cg, trust_ncg, zo_gd

BOUNDED = {module.NAME: module for module in (gd, lbfgs, newton_cg, trust_ncg, zo_gd)}
