"""LLVM's loop unroller is off for optad's kernels only (backends/numba/llvm_options.py)."""
import numba
import numpy as np
import pytest

import optad
from optad.backends.numba import llvm_options


@pytest.mark.slow
def test_kernels_compile_with_loops_rolled_and_other_numba_code_does_not(monkeypatch):
    import llvmlite.binding as llvm
    seen = []
    original = llvm.create_pass_builder

    def record(tm, options):
        seen.append(options.loop_unrolling)
        return original(tm, options)

    monkeypatch.setattr(llvm, "create_pass_builder", record)
    x = np.linspace(0.1, 1.0, 7)
    # a constant of its own, so the kernel is compiled here, not loaded from the cache
    scale = float(np.random.default_rng().uniform(1, 2))
    value, gradient = optad.value_and_grad(lambda x: scale * np.sum(np.sin(x) ** 2))(x)
    np.testing.assert_allclose(gradient, scale * 2 * np.sin(x) * np.cos(x), rtol=1e-12)
    assert seen and not any(seen), "an optad kernel compiled with LLVM's unroller on"

    seen.clear()

    @numba.njit
    def user_code(v):
        return (v * scale).sum()

    assert user_code(x) == pytest.approx(scale * x.sum())
    assert seen and all(seen), "a user's njit function compiled with LLVM's unroller off"
    assert getattr(llvm_options._state, "depth", 0) == 0
