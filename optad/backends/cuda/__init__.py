"""The CUDA backend: a Program becomes a sequence of ``numba.cuda`` launches over device
arrays -- fused elementwise kernels, tree reductions, tiled matrix products and strided copies
-- with the data kept on the device between them.  Primitives without a device kernel here
(slice, pad, gather, scatter_add, concatenate, cumsum, solve, svd) run on the host through
their NumPy implementation, with a copy each way.

No GPU is available where optad is developed: this backend is tested under Numba's CUDA
simulator (``NUMBA_ENABLE_CUDASIM=1``) on small shapes, and no GPU speed is claimed."""
from __future__ import annotations

from .program_runner import CudaKernel, program_source  # noqa: F401


def compile_program(program):
    return CudaKernel(program)
