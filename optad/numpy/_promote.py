"""Dtype promotion and broadcasting for the NumPy-facing wrappers."""
from __future__ import annotations

import numpy as np

from ..primitives import elementwise as ew
from ..primitives import shape as sh
from ..trace.tracer import Tracer


def is_tracer(x):
    return isinstance(x, Tracer)


def any_tracer(*xs):
    return any(isinstance(x, Tracer) for x in xs)


def is_python_scalar(x):
    return isinstance(x, (bool, int, float)) and not isinstance(x, np.generic)


def as_operand(x):
    """Tracers and Python scalars pass; everything else becomes a NumPy array."""
    if is_tracer(x) or is_python_scalar(x):
        return x
    if isinstance(x, (list, tuple)):
        if any(any_tracer(e) for e in np.ravel(np.asarray(x, dtype=object))):
            from .arrays import stack
            return stack([as_operand(e) for e in x])
    return np.asarray(x)


def result_dtype(*xs):
    """NumPy's promotion, with Python scalars weakly typed (NEP 50)."""
    args = [x if is_python_scalar(x) else x.dtype for x in xs]
    return np.result_type(*args)


def cast(x, dtype):
    if is_python_scalar(x):
        return x
    if is_tracer(x):
        return ew.convert(x, dtype)
    return np.asarray(x, dtype=dtype)


def broadcast_all(*xs):
    """Broadcast the array operands to one shape (Python scalars stay scalars)."""
    shapes = [np.shape(x) for x in xs if not is_python_scalar(x)]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"operands could not be broadcast together with shapes "
                         f"{' '.join(map(str, shapes))}") from None
    out = []
    for x in xs:
        if is_python_scalar(x) or np.shape(x) == shape:
            out.append(x)
        elif not is_tracer(x) and np.ndim(x) == 0:
            out.append(x)  # a 0-d constant becomes a literal
        else:
            out.append(sh.broadcast_to(x, shape))
    return out


def prepare(*xs, dtype=None):
    """Promote and broadcast the operands of an elementwise op."""
    xs = [as_operand(x) for x in xs]
    dtype = result_dtype(*xs) if dtype is None else dtype
    xs = [cast(x, dtype) for x in xs]
    return broadcast_all(*xs)
