"""Plan a Program as device steps and run them.

Every value lives on the device as a flat, contiguous array (one element for a 0-d value);
its logical shape comes from the IR, so reshape is free."""
from __future__ import annotations

import numpy as np

from ...ir.program import Lit, format_program
from ...primitives import linalg as la
from ...primitives import reductions as red
from ...primitives import shape as sh
from ...primitives.registry import impl_rules
from ...transforms.inline import inline_calls
from ..schedule import LoopGroup, schedule
from . import kernels
from .elementwise import compile_group, group_source, is_fusible


def _cuda():
    from numba import cuda
    return cuda


def _size(shape):
    return int(np.prod(shape, dtype=np.int64))


def _is_flat(eqn) -> bool:
    """An elementwise equation whose operands all have its shape (or are 0-d): one thread per
    element computes it."""
    shape = eqn.outputs[0].aval.shape
    return is_fusible(eqn) and all(isinstance(a, Lit) or a.aval.shape in ((), shape)
                                   for a in eqn.inputs)


def _plan(program):
    """Device steps from the shared schedule (backends/schedule.py): inside each fusion group,
    each run of flat elementwise equations of one shape is one fused kernel, every other
    equation (broadcast, transpose, reduction, product) one launch or host step.  (A group with
    broadcasts and reductions inside is not yet written as one kernel.)"""
    out_ids = {a.id for a in program.outputs if not isinstance(a, Lit)}
    items, _ = schedule(list(program.eqns), out_ids)
    item_eqns = [item.eqns if isinstance(item, LoopGroup) else [item] for item in items]
    order = [eqn for eqns in item_eqns for eqn in eqns]
    last_read = {}
    for k, eqn in enumerate(order):
        for a in eqn.inputs:
            if not isinstance(a, Lit):
                last_read[a.id] = k
    steps, run, position = [], [], 0

    def close_run():
        if not run:
            return
        defined = {v.id for e in run for v in e.outputs}
        inputs, seen = [], set()
        for e in run:
            for a in e.inputs:
                if not isinstance(a, Lit) and a.id not in defined and a.id not in seen:
                    seen.add(a.id)
                    inputs.append(a)
        outputs = [v for e in run for v in e.outputs
                   if v.id in out_ids or last_read.get(v.id, -1) >= position]
        steps.append(("fused", list(run), inputs, outputs))
        run.clear()

    for eqns in item_eqns:
        for eqn in eqns:
            if _is_flat(eqn) and (not run or eqn.outputs[0].aval.shape == run_shape):
                run.append(eqn)
                run_shape = eqn.outputs[0].aval.shape
            else:
                close_run()
                if _is_flat(eqn):
                    run.append(eqn)
                    run_shape = eqn.outputs[0].aval.shape
                else:
                    steps.append(("eqn", eqn))
            position += 1
        close_run()   # runs stay inside their fusion group
    return steps


class CudaKernel:
    def __init__(self, program):
        self.program = program = inline_calls(program)
        self.steps = _plan(program)
        self._fused = {}
        for step in self.steps:
            if step[0] == "fused":
                _, eqns, inputs, outputs = step
                source = group_source(eqns, inputs, outputs)
                self._fused[id(step)] = (source, None)
        self._device_consts = None

    def sources(self):
        return [source for source, _ in self._fused.values()]

    def __call__(self, *args):
        cuda = _cuda()
        program = self.program
        env = {}
        for var, value in zip(program.inputs, args):
            env[var.id] = self._to_device(cuda, value, var.aval)
        if self._device_consts is None:
            self._device_consts = [self._to_device(cuda, c, v.aval)
                                   for v, c in zip(program.constvars, program.constvalues)]
        for var, value in zip(program.constvars, self._device_consts):
            env[var.id] = value
        for step in self.steps:
            if step[0] == "fused":
                self._run_fused(cuda, step, env)
            else:
                self._run_eqn(cuda, step[1], env)
        results = []
        for atom in program.outputs:
            if isinstance(atom, Lit):
                results.append(np.asarray(atom.value))
            else:
                host = env[atom.id].copy_to_host()[:_size(atom.aval.shape)]
                results.append(host.reshape(atom.aval.shape))
        return results

    # -- helpers
    @staticmethod
    def _to_device(cuda, value, aval):
        if hasattr(value, "copy_to_host"):  # already a device array
            return value.reshape(max(_size(aval.shape), 1))
        host = np.ascontiguousarray(np.asarray(value, dtype=aval.dtype)).reshape(-1)
        if host.size == 0:
            host = np.zeros(1, aval.dtype)
        return cuda.to_device(host)

    def _read(self, cuda, env, atom):
        if isinstance(atom, Lit):
            return cuda.to_device(np.asarray([atom.value], dtype=atom.aval.dtype))
        return env[atom.id]

    def _run_fused(self, cuda, step, env):
        _, eqns, inputs, outputs = step
        source, kernel = self._fused[id(step)]
        if kernel is None:
            kernel = compile_group(source)
            self._fused[id(step)] = (source, kernel)
        n = _size(eqns[0].outputs[0].aval.shape)
        outs = [cuda.device_array(max(n, 1), dtype=v.aval.dtype) for v in outputs]
        kernel[kernels.blocks_for(n), kernels.THREADS](*[env[v.id] for v in inputs], *outs, n)
        for var, value in zip(outputs, outs):
            env[var.id] = value

    def _run_eqn(self, cuda, eqn, env):
        p = eqn.primitive
        out = eqn.outputs[0]
        if p is sh.reshape_p:
            env[out.id] = self._read(cuda, env, eqn.inputs[0])
        elif p in (sh.broadcast_p, sh.transpose_p):
            x = eqn.inputs[0]
            in_strides = kernels.contiguous_strides(x.aval.shape)
            out_shape = out.aval.shape
            if p is sh.transpose_p:
                strides = [in_strides[d] for d in eqn.params["perm"]]
            else:
                lead = len(out_shape) - len(x.aval.shape)
                strides = [0] * lead + [0 if n == 1 else s for n, s in
                                        zip(x.aval.shape, in_strides)]
            env[out.id] = kernels.launch_strided_copy(
                cuda, self._read(cuda, env, x), out_shape, strides, out.aval.dtype)
        elif p in (red.sum_p, red.max_p, red.min_p):
            self._reduce(cuda, eqn, env)
        elif p is la.matmul_p:
            a, b = eqn.inputs
            batch = _size(a.aval.shape[:-2])
            m, k = a.aval.shape[-2:]
            n = b.aval.shape[-1]
            result = kernels.launch_matmul(cuda, env[a.id].reshape(batch, m, k),
                                           env[b.id].reshape(batch, k, n), out.aval.dtype)
            env[out.id] = result.reshape(max(batch * m * n, 1))
        else:
            self._on_host(cuda, eqn, env)

    def _reduce(self, cuda, eqn, env):
        x = eqn.inputs[0]
        out = eqn.outputs[0]
        axes = eqn.params["axes"]
        shape = x.aval.shape
        kept = [d for d in range(len(shape)) if d not in axes]
        order = kept + list(axes)
        strides = kernels.contiguous_strides(shape)
        moved = kernels.launch_strided_copy(cuda, env[x.id], [shape[d] for d in order],
                                            [strides[d] for d in order], x.aval.dtype)
        rows = _size([shape[d] for d in kept])
        length = _size([shape[d] for d in axes])
        op = {red.sum_p: "sum", red.max_p: "max", red.min_p: "min"}[eqn.primitive]
        env[out.id] = kernels.launch_reduce(cuda, moved.reshape(rows, length), op,
                                            out.aval.dtype)

    def _on_host(self, cuda, eqn, env):
        args = []
        for a in eqn.inputs:
            if isinstance(a, Lit):
                args.append(a.value)
            else:
                host = env[a.id].copy_to_host()[:_size(a.aval.shape)]
                args.append(host.reshape(a.aval.shape))
        result = impl_rules[eqn.primitive](*args, **eqn.params)
        results = result if eqn.primitive.multiple_results else (result,)
        for var, value in zip(eqn.outputs, results):
            env[var.id] = self._to_device(cuda, value, var.aval)


def program_source(program):
    kernel = CudaKernel(program)
    parts = [format_program(kernel.program), ""]
    for k, step in enumerate(kernel.steps):
        if step[0] == "fused":
            parts.append(f"# step {k}: fused elementwise kernel")
            parts.append(kernel._fused[id(step)][0])
        else:
            parts.append(f"# step {k}: {step[1].primitive.name} "
                         f"({'device' if step[1].primitive in _DEVICE else 'host'})")
    return "\n".join(parts)


_DEVICE = {sh.reshape_p, sh.broadcast_p, sh.transpose_p, red.sum_p, red.max_p, red.min_p,
           la.matmul_p}
