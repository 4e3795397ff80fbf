"""The fixed CUDA kernels of the backend: strided copies (transpose and broadcast), tree
reductions and a tiled matrix product.  This module is imported only when backend="cuda" is
used, so importing optad needs no CUDA."""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numba import config as numba_config
from numba import cuda, float64  # module globals: the CUDA simulator patches them

from . import device_scalars

# threads per block for 1-D launches; the simulator runs each thread as a Python thread, so it
# gets small blocks
THREADS = 32 if numba_config.ENABLE_CUDASIM else 128
TILE = 16         # tile edge of the matrix product


def blocks_for(n: int) -> int:
    return max(1, (n + THREADS - 1) // THREADS)


@lru_cache(maxsize=None)
def strided_copy():
    """out[i] = x[sum_d coord_d(i) * in_strides[d]] over the output's shape: a transpose when
    the strides are permuted, a broadcast when some strides are 0."""
    @cuda.jit
    def kernel(x, out, out_shape, in_strides, n):
        i = cuda.grid(1)
        if i < n:
            rest = i
            src = 0
            for d in range(out_shape.shape[0] - 1, -1, -1):
                coord = rest % out_shape[d]
                rest //= out_shape[d]
                src += coord * in_strides[d]
            out[i] = x[src]
    return kernel


@lru_cache(maxsize=None)
def row_reduce(op: str):
    """partials[r, b] = op over x[r, b*T : (b+1)*T] with a shared-memory tree per block."""
    combine = {"sum": cuda.jit(device=True)(lambda a, b: a + b),
               "max": device_scalars.maximum, "min": device_scalars.minimum}[op]
    neutral = {"sum": 0.0, "max": -math.inf, "min": math.inf}[op]

    @cuda.jit
    def kernel(x, partials, row_length):
        shared = cuda.shared.array(THREADS, float64)
        row = cuda.blockIdx.y
        t = cuda.threadIdx.x
        j = cuda.blockIdx.x * THREADS + t
        shared[t] = x[row, j] if j < row_length else neutral
        cuda.syncthreads()
        stride = THREADS // 2
        while stride > 0:
            if t < stride:
                shared[t] = combine(shared[t], shared[t + stride])
            cuda.syncthreads()
            stride //= 2
        if t == 0:
            partials[row, cuda.blockIdx.x] = shared[0]
    return kernel


@lru_cache(maxsize=None)
def batched_matmul():
    """out[b] = a[b] @ bm[b], TILE x TILE tiles staged in shared memory."""
    @cuda.jit
    def kernel(a, bm, out):
        sa = cuda.shared.array((TILE, TILE), float64)
        sb = cuda.shared.array((TILE, TILE), float64)
        batch = cuda.blockIdx.z
        tx, ty = cuda.threadIdx.x, cuda.threadIdx.y
        row = cuda.blockIdx.y * TILE + ty
        col = cuda.blockIdx.x * TILE + tx
        m, k = a.shape[1], a.shape[2]
        n = bm.shape[2]
        acc = 0.0
        for tile in range((k + TILE - 1) // TILE):
            kk = tile * TILE
            sa[ty, tx] = a[batch, row, kk + tx] if row < m and kk + tx < k else 0.0
            sb[ty, tx] = bm[batch, kk + ty, col] if col < n and kk + ty < k else 0.0
            cuda.syncthreads()
            for p in range(TILE):
                acc += sa[ty, p] * sb[p, tx]
            cuda.syncthreads()
        if row < m and col < n:
            out[batch, row, col] = acc
    return kernel


def contiguous_strides(shape):
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return list(reversed(strides))


def launch_strided_copy(cuda, x_flat, out_shape, in_strides, dtype):
    n = int(np.prod(out_shape, dtype=np.int64))
    out = cuda.device_array(max(n, 1), dtype=dtype)
    if n:
        strided_copy()[blocks_for(n), THREADS](
            x_flat, out, cuda.to_device(np.asarray(out_shape, np.int64)),
            cuda.to_device(np.asarray(in_strides, np.int64)), n)
    return out[:n]


def launch_reduce(cuda, x2d, op, dtype):
    """Reduce each row of a (rows, length) device array; returns a (rows,) device array."""
    rows, length = x2d.shape
    if length == 0:
        fill = {"sum": 0.0, "max": -np.inf, "min": np.inf}[op]
        return cuda.to_device(np.full(rows, fill, dtype))
    current = x2d
    while True:
        nblocks = blocks_for(current.shape[1])
        partials = cuda.device_array((rows, nblocks), dtype=np.float64)
        row_reduce(op)[(nblocks, rows), THREADS](current, partials, current.shape[1])
        if nblocks == 1:
            result = partials[:, 0]
            if np.dtype(dtype) != np.float64:
                result = cuda.to_device(result.copy_to_host().astype(dtype))
            return result
        current = partials


def launch_matmul(cuda, a3, b3, dtype):
    batch, m, _ = a3.shape
    n = b3.shape[2]
    out = cuda.device_array((batch, m, n), dtype=np.float64)
    grid = ((n + TILE - 1) // TILE, (m + TILE - 1) // TILE, batch)
    batched_matmul()[grid, (TILE, TILE)](a3, b3, out)
    if np.dtype(dtype) != np.float64:
        out = cuda.to_device(out.copy_to_host().astype(dtype))
    return out
