"""``optad.numpy``: the NumPy functions optad can trace and differentiate, callable explicitly.

Inside a traced function a plain ``import numpy as np`` reaches the same functions through
NumPy's ``__array_ufunc__`` / ``__array_function__`` protocols.  ``SUPPORTED`` lists them.
"""
from .elementwise import (absolute, abs, add, clip, cos, cosh, divide, exp, exp2, expm1,  # noqa
                          floor, floor_divide, greater, greater_equal, hypot, less, less_equal,
                          log, log10, log1p, log2, logaddexp, logical_and, logical_not,
                          logical_or, maximum, minimum, multiply, negative, not_equal, equal,
                          positive, power, reciprocal, sign, sin, sinh, sqrt, square, subtract,
                          tan, tanh, true_divide, where)
from .arrays import (amax, amin, atleast_1d, atleast_2d, broadcast_to, concatenate,  # noqa
                     cumsum, diagonal, expand_dims, flip, full_like, hstack, max, mean, min,
                     moveaxis, ones_like, prod, ravel, reshape, squeeze, stack, std, sum,
                     swapaxes, take, trace, transpose, var, vstack, zeros_like)
from .linalg import dot, inner, linalg, matmul, outer, vdot  # noqa: F401
from .indexing import getitem  # noqa: F401

SUPPORTED_UFUNCS = sorted([
    "negative", "positive", "exp", "exp2", "log", "log2", "log10", "log1p", "expm1", "sin",
    "cos", "tan", "sinh", "cosh", "tanh", "sqrt", "square", "reciprocal", "absolute", "sign",
    "floor", "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "power",
    "maximum", "minimum", "logaddexp", "hypot", "less", "less_equal", "greater",
    "greater_equal", "equal", "not_equal", "logical_and", "logical_or", "logical_not",
    "matmul"])
SUPPORTED_FUNCTIONS = sorted([
    "sum", "mean", "var", "std", "max", "amax", "min", "amin", "prod", "cumsum", "where",
    "clip", "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "expand_dims", "squeeze",
    "atleast_1d", "atleast_2d", "broadcast_to", "concatenate", "stack", "hstack", "vstack",
    "flip", "zeros_like", "ones_like", "full_like", "take", "trace", "diagonal", "dot",
    "inner", "vdot", "outer", "linalg.solve", "linalg.svd (compute_uv=False)", "linalg.norm"])
SUPPORTED = SUPPORTED_UFUNCS + SUPPORTED_FUNCTIONS
