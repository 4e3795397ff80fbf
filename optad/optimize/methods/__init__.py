"""The optimisation methods, one module each (the protocol is in ../step.py).

Adding a method means writing its module and naming it here.
"""
from . import adam, gd, lbfgs, newton_cg, sgd, trust_ncg, zo_gd

METHODS = {module.NAME: module for module in (gd, zo_gd, newton_cg, lbfgs, trust_ncg, adam, sgd)}
