"""The first tier: a program run by the compiled interpreter or by the NumPy plan, whichever
answers sooner, with no compile of its own.

``first_tier(program)`` returns a ``FirstTier``: calls like a kernel (flat inputs -> list of
output arrays).  It assembles the program once (``assemble.py``); a program the interpreter
cannot run (``Unsupported``) runs on the NumPy plan, as does every program until the
interpreter's machine code is loaded (``loader.py``).

Which of the two is faster depends on the program: the interpreter pays a few nanoseconds per
instruction and copies its inputs into its workspace, the plan a microsecond or more per NumPy
call but runs large arrays through NumPy's vectorised loops and BLAS as fast as anything.  So a
long program (a loop of many steps: more than ``LONG`` equations evaluated per call) goes to the
interpreter at once, and for the others the first calls alternate between the two and time
them, and the rest go to the faster one.

Values agree with the NumPy evaluator to rounding: the interpreter's sums add in another order
(four partial sums per row) and its exp, expm1 and tanh are the kernels' (``elementary.py``).
"""
from __future__ import annotations

import threading
import time

import numpy as np

from ...numpy_backend import NumpyKernel
from . import loader
from .assemble import Unsupported, assemble
from .interpreter import MATMUL

# the interpreter is used for programs whose workspace holds at most this many float64 values
# (64 MB): beyond that the plan's NumPy calls, on large arrays, lose nothing to it
MAX_WORKSPACE = 8_000_000
# equations evaluated per call (loop bodies times steps) above which the plan is not even tried
# once the interpreter runs: at ~1 us per NumPy call against ~10 ns per instruction it loses
LONG = 2_000
# timed calls of each before choosing (fewer when one is more than twice as fast)
TRIALS = 3


def evaluated_equations(program) -> int:
    """Equations one evaluation runs: a loop's body counts once per step."""
    total = 0
    for eqn in program.eqns:
        body = eqn.params.get("body")
        if hasattr(body, "eqns"):
            steps = eqn.params.get("length", 1000)   # a while loop: assume a long one
            total += steps * max(evaluated_equations(body), 1)
        else:
            total += 1
    return total


class FirstTier:
    def __init__(self, program):
        self.program = program
        self._plan = None
        self.assembly = None
        self.why_not = None
        try:
            assembly = assemble(program)
            if assembly.workspace.size > MAX_WORKSPACE:
                raise Unsupported(f"a workspace of {assembly.workspace.size} values")
            self.assembly = assembly
        except Unsupported as reason:
            self.why_not = str(reason)
        # None: not chosen yet; "interpreter" or "plan"
        self.choice = None if self.assembly is not None else "plan"
        if self.choice is None and evaluated_equations(program) > LONG:
            self.choice = "interpreter"
        self.timings = {"interpreter": [], "plan": []}
        self._lock = threading.Lock()
        self._call = None      # the interpreter's compiled entry, once loaded
        self.products = self.assembly is not None and \
            bool((self.assembly.code[:, 0] == MATMUL).any())
        self._outputs = [] if self.assembly is None else [
            (int(start), int(start + n), tuple(aval.shape),
             None if aval.dtype == np.float64 else aval.dtype)
            for (start, _, n), aval in zip(self.assembly.output_at, self.assembly.output_avals)]

    @property
    def plan(self):
        if self._plan is None:
            self._plan = NumpyKernel(self.program)
        return self._plan

    @property
    def runs_compiled(self) -> bool:
        return self.assembly is not None and self.choice != "plan" and \
            loader.ready(self.products) is not None

    def __call__(self, *args):
        if self.choice == "plan":
            return self.plan(*args)
        call = self._call or loader.ready(self.products)
        if call is None:
            return self.plan(*args)
        self._call = call
        if self.choice == "interpreter":
            return self.interpret(call, args)
        return self._trial(call, args)

    def _trial(self, call, args):
        """Time one call on whichever has fewer samples; choose once both have enough."""
        t = self.timings
        who = "interpreter" if len(t["interpreter"]) <= len(t["plan"]) else "plan"
        start = time.perf_counter()
        outputs = self.interpret(call, args) if who == "interpreter" else self.plan(*args)
        t[who].append(time.perf_counter() - start)
        if t["interpreter"] and t["plan"]:
            a, b = min(t["interpreter"]), min(t["plan"])
            if a < 0.5 * b or b < 0.5 * a or min(len(t["interpreter"]), len(t["plan"])) >= TRIALS:
                self.choice = "interpreter" if a <= b else "plan"
        return outputs

    def interpret(self, call, args):
        asm = self.assembly
        # every input flattened into one float64 array (booleans and integers as exact floats)
        flat = np.concatenate(args, axis=None, dtype=np.float64) if args else np.zeros(0)
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
        return [outputs[start:stop].reshape(shape) if dtype is None else
                outputs[start:stop].reshape(shape).astype(dtype)
                for start, stop, shape, dtype in self._outputs]


def first_tier(program) -> FirstTier:
    return FirstTier(program)
