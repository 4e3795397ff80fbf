"""The public transformations: grad, value_and_grad, jvp, vjp, hvp, jit, checkpoint,
make_program and show_source (the Jacobians and Hessians are in optad/jacobians.py).

    flat.py          one function per transformation, flat Program -> transformed Program
    signature.py     the signature a call is traced per (LeafSpec, Signature), and tracing
    argnums.py       argnums checked and resolved, in one place
    transformed.py   the per-signature cache (CacheEntry), trace-and-inline while tracing,
                     the hot path, one transformed object per function and options
    fast_path.py     the hot path's argument layouts
    derivatives.py   grad, value_and_grad, hvp (and hvp(f).at, its linearisation)
    linear_maps.py   jvp, vjp and linear_map, the flat JVP/VJP entry the Jacobians use
    jit.py, checkpoint.py, inspection.py

Each transformed function traces ``fun`` once per input signature (pytree structure, shapes,
dtypes, values of static arguments), transforms and simplifies the Program, and hands it to a
backend.  Called while another function is being traced it traces ``fun`` in that context and
re-emits its program there, so transformations nest and close over traced values.
"""
from .checkpoint import checkpoint  # noqa: F401
from .derivatives import Grad, Hvp, ValueAndGrad, grad, hvp, value_and_grad  # noqa: F401
from .inspection import Source, explain_rerolls, make_program, show_source  # noqa: F401
from .jit import Jit, jit  # noqa: F401
from .linear_maps import LinearMap, jvp, linear_map, vjp  # noqa: F401
from .transformed import DEFAULT_BACKEND, Transformed  # noqa: F401
