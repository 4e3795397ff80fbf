"""The first tier: a program run by the compiled interpreter when it can, by the NumPy plan
otherwise, with no compile of its own.

``first_tier(program)`` returns a ``FirstTier``: calls like a kernel (flat inputs -> list of
output arrays).  It assembles the program once (``assemble.py``); a program the interpreter
cannot run (``Unsupported``) runs on the NumPy plan, as does every program until the
interpreter's machine code is loaded (``loader.py``).  Values agree with the NumPy evaluator to
rounding: the interpreter's sums add in another order (four partial sums per row) and its exp,
expm1 and tanh are the kernels' (``elementary.py``).
"""
from __future__ import annotations

import threading

import numpy as np

from ...numpy_backend import NumpyKernel
from . import loader
from .assemble import Unsupported, assemble

# the interpreter is used for programs whose workspace holds at most this many float64 values
# (64 MB): beyond that the plan's NumPy calls, on large arrays, lose nothing to it
MAX_WORKSPACE = 8_000_000


class FirstTier:
    def __init__(self, program):
        self.program = program
        self.plan = NumpyKernel(program)
        self.assembly = None
        self.why_not = None
        try:
            assembly = assemble(program)
            if assembly.workspace.size > MAX_WORKSPACE:
                raise Unsupported(f"a workspace of {assembly.workspace.size} values")
            self.assembly = assembly
        except Unsupported as reason:
            self.why_not = str(reason)
        self._lock = threading.Lock()

    @property
    def runs_compiled(self) -> bool:
        return self.assembly is not None and loader.ready() is not None

    def __call__(self, *args):
        if self.assembly is None:
            return self.plan(*args)
        call = loader.ready()
        if call is None:
            return self.plan(*args)
        return self.interpret(call, args)

    def interpret(self, call, args):
        asm = self.assembly
        if len(args) == 1:
            flat = np.ascontiguousarray(args[0], dtype=np.float64).reshape(-1)
        else:
            flat = np.concatenate([np.asarray(a, dtype=np.float64).reshape(-1) for a in args]) \
                if args else np.zeros(0)
        outputs = np.empty(asm.n_outputs)
        if self._lock.acquire(blocking=False):
            try:
                call(asm.code, asm.workspace, asm.n_regs, flat, asm.input_at, outputs,
                     asm.output_at)
            finally:
                self._lock.release()
        else:   # another thread is using the workspace: a copy of its own (constants included)
            call(asm.code, asm.workspace.copy(), asm.n_regs, flat, asm.input_at, outputs,
                 asm.output_at)
        results = []
        for (start, _, n), aval in zip(asm.output_at, asm.output_avals):
            value = outputs[start:start + n].reshape(aval.shape)
            if aval.dtype != np.float64:
                value = value.astype(aval.dtype)
            results.append(value)
        return results


def first_tier(program) -> FirstTier:
    return FirstTier(program)
