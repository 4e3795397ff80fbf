"""The methods that take ``constraints=`` (general equality and inequality constraints, with
bounds), one module each.  Their protocol is not the step protocol of ../../step.py: each is an
outer loop, ``solve(fun, x0, unravel, args, box, constraints, options, callback, backend)``,
whose inner minimisations run through optad.minimize with bounds.
"""
from . import auglag

CONSTRAINED = {module.NAME: module for module in (auglag,)}
