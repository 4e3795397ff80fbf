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


def holds_tracer(obj):
    """Whether ``obj`` is a Tracer or a (nested) list, tuple or object array holding one."""
    if is_tracer(obj):
        return True
    if isinstance(obj, (list, tuple)):
        return any(holds_tracer(e) for e in obj)
    if isinstance(obj, np.ndarray) and obj.dtype == object:
        return any(holds_tracer(e) for e in obj.ravel())
    return False


def as_operand(x):
    """Tracers and Python scalars pass; a (nested) list holding traced values is stacked into a
    traced array; everything else becomes a NumPy array."""
    if is_tracer(x) or is_python_scalar(x):
        return x
    if isinstance(x, (list, tuple)) and holds_tracer(x):
        return stack_operands(x)
    return np.asarray(x)


def stack_operands(items):
    """The entries of a (nested) list stacked along a new first axis, promoted to one dtype."""
    items = [as_operand(e) for e in items]
    dtype = result_dtype(*items)
    items = [cast(e, dtype) for e in items]
    shapes = {tuple(np.shape(e)) for e in items}
    if len(shapes) != 1:
        raise ValueError(f"cannot build an array from a list of entries with different shapes "
                         f"{sorted(shapes)}")
    (shape,) = shapes
    return sh.concatenate([sh.reshape(np.asarray(e, dtype) if is_python_scalar(e) else e,
                                      (1,) + shape) for e in items], 0)


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
