"""LLVM's loop unroller off while optad's kernels compile.

Kernels are specialised to their shapes, so every loop has a constant trip count and LLVM's
unroller writes out many of them (after vectorising them), which multiplies the code every later
pass and the machine-code emitter go through.  optad's code generator already writes out the
short coordinate loops where unrolling pays (unroll.py), so for kernels the unroller costs
compile time and buys little: turning it off cut the CPU time of compiling the 8-layer MLP's
value_and_grad kernel by 20% and of its HVP kernel by a third, with per-call times unchanged
within noise (benchmarks/bench_programs.py, benchmarks/bench_derivatives.py).

``compiles_without_unrolling(dispatcher)`` makes every compile of one of optad's dispatchers
(and of the Numba library code it pulls in) run with the unroller off; other Numba code in the
process is untouched.  Loop vectorisation and interleaving stay on.  ``OPTAD_LLVM_UNROLL=1``
keeps LLVM's unroller on.  If Numba's internals differ from what this expects, it steps aside.
"""
from __future__ import annotations

import functools
import os
import threading

_state = threading.local()
_installed = {"done": False, "ok": False}


def _install() -> bool:
    """Wrap Numba's pass-builder factory once so it can be told to leave loops rolled."""
    if _installed["done"]:
        return _installed["ok"]
    _installed["done"] = True
    try:
        from numba.core import codegen
        original = codegen.create_pass_builder
    except (ImportError, AttributeError):
        return False

    @functools.wraps(original)
    def create_pass_builder(tm, *args, **kwargs):
        if not getattr(_state, "depth", 0):
            return original(tm, *args, **kwargs)
        import llvmlite.binding as llvm
        opt = kwargs.pop("opt", args[0] if args else 2)
        loop_vectorize = kwargs.pop("loop_vectorize", args[1] if len(args) > 1 else False)
        slp_vectorize = kwargs.pop("slp_vectorize", args[2] if len(args) > 2 else False)
        options = llvm.create_pipeline_tuning_options()
        options.speed_level = opt
        options.loop_vectorization = loop_vectorize
        options.slp_vectorization = slp_vectorize
        options.loop_unrolling = False
        return llvm.create_pass_builder(tm, options)

    try:
        import llvmlite.binding as llvm
        probe = llvm.create_pipeline_tuning_options()
        probe.loop_unrolling = False
    except (ImportError, AttributeError):
        return False
    codegen.create_pass_builder = create_pass_builder
    _installed["ok"] = True
    return True


def compiles_without_unrolling(dispatcher) -> None:
    if os.environ.get("OPTAD_LLVM_UNROLL", "0") == "1" or not _install():
        return
    compile_signature = dispatcher.compile
    if getattr(compile_signature, "optad_rolled", False):
        return

    def compile(sig):
        _state.depth = getattr(_state, "depth", 0) + 1
        try:
            return compile_signature(sig)
        finally:
            _state.depth -= 1

    compile.optad_rolled = True
    dispatcher.compile = compile
