"""Rewrites of a segment's equations before fusion, shared by the compiled backends.

- ``merge_pad_sums``: ``add(pad(x), pad(y))`` (and sums of more pads) becomes one ``pad_sum``
  adding each operand into one zeroed buffer: a gradient assembled from the gradients of slices
  of one input (``w[:k]``, ``w[k:]``, or the shifted ``x[1:]`` and ``x[:-1]`` of a chained
  Rosenbrock) is then one array, not a zero array per slice plus additions (on the Rosenbrock
  gradient with n = 100,000: 1.9 ms -> 0.30 ms a call).  Where regions overlap, each element
  is summed left to right over the pads that cover it, starting from +0.0: the NumPy backend's
  order for a left-leaning sum, and equal up to rounding (and the sign of a zero) otherwise.
- ``expand_small_matmuls``: the matrix products that are cheaper as loop-nest arithmetic than
  as BLAS calls become elementwise equations and a sum, which fusion then places like any
  other: an outer product ``(m, 1) @ (1, n)`` is ``a * b`` broadcast (exactly what BLAS
  computes, without the call), and a row times a matrix ``(1, k) @ (k, n)`` whose matrix is
  computed by fusible equations is ``sum_k a[0, k] * b[k, :]`` in the nest computing ``b``
  (accumulating into the output row, vectorised along the row), which saves a BLAS call and a
  second pass over ``b``.

``pad_sum`` is a schedule-level primitive: made here, never traced or differentiated; its NumPy
implementation below runs it on any backend without a template for it.
"""
from __future__ import annotations

import numpy as np

from ..ir.program import Eqn, ShapedArray, Var
from ..primitives import elementwise as ew
from ..primitives import linalg as la
from ..primitives import reductions as red
from ..primitives import shape as sh
from ..primitives.registry import Primitive, impl_rules

# out = pad(x0) + pad(x1) + ... (regions may overlap).  params: ``pads``, one (starts, steps)
# per input, and ``shape``.
pad_sum_p = Primitive("pad_sum", "schedule")


def _pad_region(starts, steps, sizes):
    return tuple(slice(start, start + step * size if start + step * size >= 0 else None, step)
                 for start, step, size in zip(starts, steps, sizes))


def _pad_sum_impl(*xs, pads, shape):
    out = np.zeros(shape, np.result_type(*xs))
    for x, (starts, steps) in zip(xs, pads):
        out[_pad_region(starts, steps, np.shape(x))] += x   # 0.0 + x, as the sum of pads
    return out


impl_rules[pad_sum_p] = _pad_sum_impl


def _uses(eqns):
    uses = {}
    for eqn in eqns:
        for a in eqn.inputs:
            if isinstance(a, Var):
                uses[a.id] = uses.get(a.id, 0) + 1
    return uses


def merge_pad_sums(eqns, needed_after):
    uses = _uses(eqns)
    producer = {eqn.outputs[0].id: eqn for eqn in eqns if len(eqn.outputs) == 1}

    def pads(atom, shape, dtype):
        """The pad equations summed into ``atom`` (left to right) and the equations that
        would go, or None.  A sum of thousands of terms is a chain that deep: walked with a
        stack of its own, not Python's."""
        found, gone, todo = [], [], [atom]
        while todo:
            atom = todo.pop()
            if not isinstance(atom, Var) or atom.shape != shape or atom.dtype != dtype or \
                    uses.get(atom.id) != 1 or atom.id in needed_after or \
                    atom.id not in producer:
                return None
            eqn = producer[atom.id]
            if eqn.primitive is sh.pad_p:
                found.append(eqn)
            elif eqn.primitive is ew.add_p:
                todo.extend(reversed(eqn.inputs))
            else:
                return None
            gone.append(eqn)
        return found, gone

    replaced, removed = {}, set()
    for eqn in reversed(eqns):   # outermost sums first: the sums inside them go with them
        out = eqn.outputs[0] if len(eqn.outputs) == 1 else None
        if eqn.primitive is not ew.add_p or not out.shape or id(eqn) in removed:
            continue
        found = [pads(a, out.shape, out.dtype) for a in eqn.inputs]
        if not all(found) or not 0 < int(np.prod(out.shape)) <= 1 << 22:
            continue   # (a zero-size sum has nothing to write)
        pad_eqns = found[0][0] + found[1][0]
        replaced[id(eqn)] = Eqn(pad_sum_p, tuple(p.inputs[0] for p in pad_eqns),
                                {"pads": tuple((p.params["starts"], p.params["steps"])
                                               for p in pad_eqns), "shape": out.shape},
                                (out,), eqn.where)
        for e in found[0][1] + found[1][1]:
            removed.add(id(e))
            replaced.pop(id(e), None)   # an inner sum of pads, now part of this one
    if not replaced:
        return eqns
    return [replaced.get(id(e), e) for e in eqns if id(e) not in removed or id(e) in replaced]


# --------------------------------------------------------------------------- small products

def _float_matrices(eqn):
    if eqn.primitive is not la.matmul_p:
        return None
    a, b = eqn.inputs
    if len(a.shape) == 2 and len(b.shape) == 2 and a.dtype == b.dtype and a.dtype.kind == "f":
        return a, b
    return None


def is_outer_product(eqn) -> bool:
    """(m, 1) @ (1, n) of floats."""
    ab = _float_matrices(eqn)
    return ab is not None and ab[0].shape[1] == 1 and ab[1].shape[0] == 1


def is_row_times_matrix(eqn) -> bool:
    """(1, k) @ (k, n) of floats, k > 1."""
    ab = _float_matrices(eqn)
    return ab is not None and ab[0].shape[0] == 1 and ab[0].shape[1] > 1


def _new(shape, dtype):
    return Var(ShapedArray(tuple(int(n) for n in shape), np.dtype(dtype)))


def _outer_product(eqn):
    a, b = eqn.inputs
    out = eqn.outputs[0]
    wa, wb = _new(out.shape, a.dtype), _new(out.shape, b.dtype)
    return [Eqn(sh.broadcast_p, (a,), {"shape": out.shape}, (wa,), eqn.where),
            Eqn(sh.broadcast_p, (b,), {"shape": out.shape}, (wb,), eqn.where),
            Eqn(ew.mul_p, (wa, wb), {}, (out,), eqn.where)]


def _row_times_matrix(eqn):
    """out[0, j] = sum_k a[0, k] b[k, j], over (k, 1, n) so the sum's result is out's (1, n)."""
    a, b = eqn.inputs
    out = eqn.outputs[0]
    (k, n), dtype = b.shape, out.dtype
    column = _new((k, 1, 1), a.dtype)
    wide = _new((k, 1, n), a.dtype)
    b3 = _new((k, 1, n), b.dtype)
    terms = _new((k, 1, n), dtype)
    return [Eqn(sh.reshape_p, (a,), {"shape": (k, 1, 1)}, (column,), eqn.where),
            Eqn(sh.broadcast_p, (column,), {"shape": (k, 1, n)}, (wide,), eqn.where),
            Eqn(sh.reshape_p, (b,), {"shape": (k, 1, n)}, (b3,), eqn.where),
            Eqn(ew.mul_p, (wide, b3), {}, (terms,), eqn.where),
            Eqn(red.sum_p, (terms,), {"axes": (0,)}, (out,), eqn.where)]


def expand_small_matmuls(eqns, computes_elements):
    """Outer products, and rows times matrices whose matrix an equation of ``eqns`` with
    ``computes_elements(eqn)`` true produces (element by element, not a view of a stored array),
    as elementwise equations and a sum."""
    producer = {v.id: eqn for eqn in eqns for v in eqn.outputs}
    out = []
    for eqn in eqns:
        if is_outer_product(eqn):
            out += _outer_product(eqn)
        elif is_row_times_matrix(eqn) and isinstance(eqn.inputs[1], Var) and \
                eqn.inputs[1].id in producer and computes_elements(producer[eqn.inputs[1].id]):
            out += _row_times_matrix(eqn)
        else:
            out.append(eqn)
    return out
