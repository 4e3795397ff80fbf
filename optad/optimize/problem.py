"""Compiled problems: an objective ``fun(x, *args)`` turned by a backend into the calls an
optimiser makes, all on flat 1-D vectors of the problem's dtype, with one calling convention:

    value(x) -> f                       value_and_grad(x) -> (f, g)
    hvp(x, v) -> H(x) v                 linearize(x) -> (v -> H(x) v)   (the part not depending
                                                                         on v computed once)
    njit_entries(needs) -> the same calls as Numba functions (backends/numba/problem.py), for
                           loops that stay compiled; None on backends without them

``compile_problem`` builds one from optad's own transformations of ``fun`` (the public API):
it hands the backend the kernels those transformations compiled, never the transformations,
so backends see programs and kernels only.  optimize/objective.py builds the same object from a
user's ``jac``/``hessp``.  The optimisers see this object and nothing of the backends.  ``extra`` counts evaluations made
inside these calls beyond the one each call stands for (finite differences).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from ..api import hvp, jit, value_and_grad
from ..backends import get_backend


@dataclass
class Counts:
    nfev: int = 0
    njev: int = 0


@dataclass
class CompiledProblem:
    size: int
    dtype: np.dtype
    value: Optional[Callable] = None
    value_and_grad: Optional[Callable] = None
    hvp: Optional[Callable] = None
    linearize: Optional[Callable] = None
    njit: Optional[Callable] = None      # needs -> NjitEntries or None
    backend: str = "numpy"
    extra: Counts = field(default_factory=Counts)
    exact_hvp: bool = True      # False: products are gradient differences, counted in extra

    def njit_entries(self, needs):
        return None if self.njit is None else self.njit(needs)

    def python_calls(self):
        """The names of optimize/calls.py bound to these callables (no extra arguments)."""
        calls = {"value": self.value, "value_and_grad": self.value_and_grad}
        if self.linearize is not None:
            calls["hvp_prepare"] = lambda x: (self.linearize(x),)
            calls["hvp_apply"] = lambda x, v, at: at(v)
        elif self.hvp is not None:
            calls["hvp_prepare"] = lambda x: ()
            calls["hvp_apply"] = self.hvp
        return {name: call for name, call in calls.items() if call is not None}


def scalar(value):
    """fun's value as a float, or a clear error."""
    a = np.asarray(value)
    if a.size != 1:
        raise ValueError(f"fun must return a scalar; it returned an array of shape {a.shape}")
    return float(a.reshape(()))


def compile_problem(fun, x0, args, backend, needs, raw_value=None):
    """The problem of minimising ``fun(x, *args)`` from the array ``x0`` with
    optad's derivatives on ``backend``.  ``needs`` names what will be called: "value" (taken
    from ``raw_value``, flat x -> f, when given: zero-order methods call fun as a black box),
    "value_and_grad", "hvp".  A backend that cannot compile the problem falls back to the
    NumPy evaluator with a warning; the first value-and-gradient, at x0, runs here so that
    such failures show before the run (and its result serves the first call)."""
    shape, dtype, size = x0.shape, x0.dtype, x0.size
    transforms = {}
    first = []

    def build(backend):
        transforms.clear()
        if "value_and_grad" in needs:
            transforms["value_and_grad"] = value_and_grad(fun, backend=backend)
        if "hvp" in needs:
            transforms["hvp"] = hvp(fun, backend=backend)
        if "value" in needs and backend == "numba":
            transforms["value"] = jit(fun, backend=backend)

    build(backend)
    if "value_and_grad" in needs:
        try:
            first.append((x0.tobytes(), transforms["value_and_grad"](x0, *args)))
        except NotImplementedError as exc:
            if backend == "numpy":
                raise
            warnings.warn(f"optad backend {backend!r} cannot compile this problem ({exc}); "
                          "falling back to backend='numpy'", RuntimeWarning, stacklevel=4)
            backend = "numpy"
            build(backend)

    def value_and_grad_flat(x):
        if first and first[0][0] == x.tobytes():
            f, g = first.pop()[1]
        else:
            first.clear()
            f, g = transforms["value_and_grad"](x.reshape(shape), *args)
        return scalar(f), np.asarray(g, dtype=dtype).reshape(size)

    def hvp_flat(x, v):
        return np.asarray(transforms["hvp"](x.reshape(shape), v.reshape(shape), *args),
                          dtype=dtype).reshape(size)

    def linearize(x):
        at = transforms["hvp"].at(x.reshape(shape), *args)
        return lambda v: np.asarray(at(v.reshape(shape)), dtype=dtype).reshape(size)

    def njit(needs):
        entries_for = getattr(get_backend(backend), "njit_entries", None)
        if entries_for is None:
            return None
        try:
            return entries_for(shape, args, needs, kernels=_kernels(transforms, x0, args))
        except NotImplementedError:
            return None
        except Exception:  # noqa: BLE001 - e.g. fun cannot be traced: the Python driver runs
            if "value" in needs:
                return None
            raise

    have = transforms.keys()
    return CompiledProblem(
        size, dtype, value=raw_value,
        value_and_grad=value_and_grad_flat if "value_and_grad" in have else None,
        hvp=hvp_flat if "hvp" in have else None,
        linearize=linearize if "hvp" in have else None,
        njit=njit, backend=backend)


def _kernels(transforms, x0, args):
    """The backend kernels of ``transforms`` at x0's signature, by the names njit_entries
    takes: "value" (only a program with one scalar output), "value_and_grad", and the
    Hessian-vector product split in two ("hvp_split") or whole ("hvp")."""
    example = (np.zeros(x0.shape),) + tuple(args)   # the compiled loops run on float64
    kernels = {}
    if "value" in transforms:
        outputs = transforms["value"].lowered(*example).outputs
        if len(outputs) == 1 and outputs[0].aval.shape == ():
            kernels["value"] = transforms["value"].kernel_at(*example)
    if "value_and_grad" in transforms:
        kernels["value_and_grad"] = transforms["value_and_grad"].kernel_at(*example)
    if "hvp" in transforms:
        parts = transforms["hvp"].linearized_at(*example)
        if parts is not None:
            known, unknown, known_kernel, unknown_kernel = parts
            kernels["hvp_split"] = (len(unknown.inputs) - 1, known_kernel, unknown_kernel)
        if parts is None or not all(getattr(k, "entry", None) is not None
                                    for k in (known_kernel, unknown_kernel)):
            kernels["hvp"] = transforms["hvp"].kernel_at(example[0], *example)
    return {name: kernel for name, kernel in kernels.items() if kernel is not None}
