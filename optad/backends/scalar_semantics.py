"""NumPy's meaning of the elementwise operations whose NaN, infinity and signed-zero cases a
plain expression gets wrong, written once as plain Python scalar functions.

Every compiled backend compiles these same definitions for its device (the Numba backend with
``numba.njit(inline="always")`` in ``numba/elementary.py``, the CUDA backend as device
functions in ``cuda/device_scalars.py``); generated kernels call them as ``sc.<name>``.  They
use only comparisons and arithmetic (no branches a vectoriser cannot turn into selects).

- ``maximum(x, y)``: NaN if either is NaN; on a tie (0.0 and -0.0 compare equal) the second
  operand, as ``np.maximum`` returns it.  ``minimum`` likewise.  Python's ``max`` instead keeps
  the first operand when the second is NaN.
- ``sign(x)``: NaN for NaN and 0.0 (never -0.0) at either zero, as ``np.sign``.
"""
from __future__ import annotations


def maximum(x, y):
    return x if (x > y or x != x) else y


def minimum(x, y):
    return x if (x < y or x != x) else y


def sign(x):
    return 1.0 if x > 0 else (-1.0 if x < 0 else x - x)


SCALAR_FUNCTIONS = {"maximum": maximum, "minimum": minimum, "sign": sign}
