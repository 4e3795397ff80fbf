"""optad: write a loss in plain NumPy, get exact derivatives compiled into fused kernels.

    import numpy as np, optad
    f = lambda x: np.sum(np.tanh(x) ** 2)
    optad.grad(f)(np.ones(3)); optad.hvp(f)(np.ones(3), np.eye(3)[0])
"""
from .api import (checkpoint, explain_rerolls, grad, hvp, jit, jvp, make_program,  # noqa: F401
                  show_source, value_and_grad, vjp)
from .transforms.reroll_explain import RerollWarning  # noqa: F401
from .jacobians import hessian, jacfwd, jacobian, jacrev  # noqa: F401
from .loops import fori_loop, scan, while_loop  # noqa: F401
from .ir import Program, typecheck  # noqa: F401
from .trace.tracer import TracerError  # noqa: F401
from .api.paths import GuardWarning  # noqa: F401
from . import numpy  # noqa: F401
from . import tree  # noqa: F401
from .numpy import dispatch as _dispatch, patches as _patches
from . import scipy as _scipy

__version__ = "0.1.0"

# Tracers get their operators and NumPy protocols; traces will wrap NumPy's list-taking names
# while they run (optad/numpy/patches.py). Neither changes anything in NumPy now.
_dispatch.install_tracer_methods()
_patches.register()
_scipy.register()   # imports no SciPy module; wraps SciPy's names only while tracing

from .api import DEFAULT_BACKEND as _DEFAULT_BACKEND  # noqa: E402
if _DEFAULT_BACKEND == "numba":
    # Import Numba (~0.2 s) with optad, like any dependency, rather than inside the first call
    from .backends import numba as _numba_backend  # noqa: E402, F401

_LAZY = {
    "minimize": ("optad.optimize", "minimize"),
    "OptimizeResult": ("optad.optimize", "OptimizeResult"),
    "finite_diff": ("optad.finite_diff", None),
    "zero_order": ("optad.zero_order", None),
    "problems": ("optad.problems", None),
}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        module_name, attr = _LAZY[name]
        module = importlib.import_module(module_name)
        value = module if attr is None else getattr(module, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'optad' has no attribute {name!r}")


__all__ = ["grad", "value_and_grad", "jvp", "vjp", "hvp", "jacfwd", "jacrev", "jacobian",
           "hessian", "checkpoint", "jit", "fori_loop", "scan", "while_loop", "make_program", "show_source",
           "explain_rerolls", "RerollWarning", "minimize",
           "OptimizeResult", "finite_diff", "zero_order", "numpy", "typecheck", "Program"]
