"""``optad.numpy``: the NumPy functions optad can trace and differentiate, callable explicitly.

Inside a traced function a plain ``import numpy as np`` reaches the same functions through
NumPy's ``__array_ufunc__`` / ``__array_function__`` protocols.  ``SUPPORTED`` lists them.
"""
import types as _types

from .elementwise import (absolute, abs, add, arccos, arccosh, arcsin, arcsinh,  # noqa: F401
                          arctan, arctan2, arctanh, ceil, clip, cos, cosh, deg2rad, degrees,
                          divide, divmod, exp, exp2, expm1, fabs, floor, floor_divide, fmax,
                          fmin, greater, greater_equal, hypot, isfinite, isinf, isnan, less,
                          less_equal, log, log10, log1p, log2, logaddexp, logaddexp2,
                          logical_and, logical_not, logical_or, maximum, minimum, mod, multiply,
                          nan_to_num, negative, not_equal, equal, positive, power, rad2deg,
                          radians, reciprocal, remainder, sign, sin, sinc, sinh, sqrt, square,
                          subtract, tan, tanh, true_divide, where)
from .arrays import (amax, amin, atleast_1d, atleast_2d, broadcast_to, concatenate,  # noqa
                     cumsum, diagonal, expand_dims, flip, full_like, hstack, max, mean, min,
                     moveaxis, ones_like, prod, ravel, reshape, squeeze, stack, std, sum,
                     swapaxes, take, trace, transpose, var, vstack, zeros_like)
from .manipulation import (append, array_split, atleast_3d, column_stack, diag, diff,  # noqa
                           dsplit, dstack, fftshift, fliplr, flipud, gradient, hsplit,
                           ifftshift, linspace, pad, repeat, roll, rollaxis, rot90, select,
                           split, tile, tril, triu, vsplit)
from .contractions import cross, einsum, kron, tensordot  # noqa: F401
from .sorting import argpartition, argsort, partition, sort  # noqa: F401
from .linalg import dot, inner, linalg, matmul, outer, vdot  # noqa: F401
from .indexing import getitem  # noqa: F401
from .updates import at, copy, put  # noqa: F401
from .rounding import (angle, around, conj, conjugate, imag, real, real_if_close,  # noqa: F401
                       rint, round, trunc)

fft = _types.SimpleNamespace(fftshift=fftshift, ifftshift=ifftshift)

SUPPORTED_UFUNCS = sorted([
    "negative", "positive", "exp", "exp2", "log", "log2", "log10", "log1p", "expm1", "sin",
    "cos", "tan", "sinh", "cosh", "tanh", "sqrt", "square", "reciprocal", "absolute", "sign",
    "floor", "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "power",
    "maximum", "minimum", "logaddexp", "hypot", "less", "less_equal", "greater",
    "greater_equal", "equal", "not_equal", "logical_and", "logical_or", "logical_not",
    "matmul", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "arctan2",
    "remainder", "divmod", "logaddexp2", "deg2rad", "rad2deg", "radians", "degrees", "ceil",
    "fabs", "fmax", "fmin", "isnan", "isinf", "isfinite", "rint", "trunc", "conjugate"])
SUPPORTED_FUNCTIONS = sorted([
    "sum", "mean", "var", "std", "max", "amax", "min", "amin", "prod", "cumsum", "where",
    "clip", "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "expand_dims", "squeeze",
    "atleast_1d", "atleast_2d", "broadcast_to", "concatenate", "stack", "hstack", "vstack",
    "flip", "zeros_like", "ones_like", "full_like", "take", "trace", "diagonal", "dot",
    "inner", "vdot", "outer", "linalg.solve", "linalg.svd", "linalg.norm",
    "sinc", "nan_to_num", "einsum", "tensordot", "kron", "cross", "diff", "gradient", "tril",
    "triu", "diag", "roll", "rollaxis", "atleast_3d", "pad", "tile", "repeat", "split",
    "array_split", "hsplit", "vsplit", "dsplit", "column_stack", "dstack", "append", "select",
    "flipud", "fliplr", "rot90", "fft.fftshift", "fft.ifftshift", "linspace", "sort",
    "argsort", "partition", "argpartition", "linalg.inv", "linalg.det", "linalg.slogdet",
    "linalg.cholesky", "linalg.eigh", "linalg.eigvalsh", "linalg.eig", "linalg.eigvals",
    "linalg.qr", "linalg.pinv", "linalg.matrix_power", "round", "around", "real", "imag",
    "put", "copy", "angle", "real_if_close"])
SUPPORTED = SUPPORTED_UFUNCS + SUPPORTED_FUNCTIONS

# Callables giving more rows of the README's table (catalogue.py) for the layers above this
# one; optad.scipy adds SciPy's when optad is imported.
EXTRA_CATALOGUE_FAMILIES: list = []
