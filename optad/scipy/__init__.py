"""``optad.scipy``: the SciPy functions common in losses, on traced values.

Inside a traced function ``scipy.special.expit(x)``, ``scipy.linalg.cho_solve((L, True), y)``
or ``scipy.stats.norm.logpdf(x, mu, sigma)`` reach these rules by themselves (patches.py says
how; nothing in SciPy changes outside a trace).  They are callable explicitly too:
``optad.scipy.special.logsumexp``, ``optad.scipy.linalg.cho_solve``,
``optad.scipy.stats.norm_logpdf``.  One module per SciPy module; none imports SciPy.
"""
from . import linalg, special, stats  # noqa: F401


def register():
    """Called once by optad/__init__.py: SciPy's functions find their rules while traces run
    (patches.py), and the README's table gets SciPy's rows (catalogue.py).  Imports no SciPy
    module and changes nothing in SciPy."""
    from .. import numpy as optad_numpy
    from . import catalogue, patches
    patches.register()
    if catalogue.families not in optad_numpy.EXTRA_CATALOGUE_FAMILIES:
        optad_numpy.EXTRA_CATALOGUE_FAMILIES.append(catalogue.families)
