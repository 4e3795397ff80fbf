"""Tensor contractions on traced values: einsum (any subscripts), tensordot (any axes), kron
and cross.

einsum contracts its operands two at a time in the order NumPy's path optimiser picks
(``np.einsum_path(..., optimize="greedy")``).  Each pairwise contraction becomes one matrix
product (BLAS on the Numba backend): the operands are transposed to (batch, free, contracted)
and (batch, contracted, free), reshaped to 3-D (2-D without batch labels) and multiplied.
Labels that only one operand carries and nobody needs later are summed out first; repeated
labels inside one operand take its diagonal.  No new primitive: the derivatives are those of
transpose, reshape, matmul, sum and gather.
"""
from __future__ import annotations

import string

import numpy as np

from ..primitives import linalg as la
from ..primitives import reductions as red
from ..primitives import shape as sh
from ._promote import any_tracer, as_operand, cast, result_dtype
from .arrays import moveaxis, reshape
from .elementwise import multiply, subtract


class _Term:
    """An operand of a contraction with one label per axis (labels distinct)."""
    __slots__ = ("value", "labels")

    def __init__(self, value, labels):
        self.value, self.labels = value, labels


# --------------------------------------------------------------------------- parsing

def _parse(subscripts, operands):
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        inputs, output = subscripts.split("->")
        explicit = True
    else:
        inputs, output, explicit = subscripts, None, False
    specs = inputs.split(",")
    if len(specs) != len(operands):
        raise ValueError(f"einsum: {len(specs)} operand subscripts for {len(operands)} "
                         "operands")
    used = set(subscripts) - set(".,->")
    free = [c for c in string.ascii_letters if c not in used]
    ellipsis_len = max((np.ndim(op) - len(spec.replace("...", ""))
                        for spec, op in zip(specs, operands) if "..." in spec), default=0)
    ell = "".join(free[:ellipsis_len])
    expanded = []
    for spec, op in zip(specs, operands):
        if any(c not in string.ascii_letters for c in spec.replace("...", "")):
            raise ValueError(f"einsum: invalid subscript in {spec!r} (letters and '...' only)")
        if "..." in spec:
            k = np.ndim(op) - len(spec.replace("...", ""))
            spec = spec.replace("...", ell[ellipsis_len - k:] if k else "")
        if len(spec) != np.ndim(op):
            raise ValueError(f"einsum: operand of shape {np.shape(op)} has subscripts "
                             f"{spec!r} of a different length")
        expanded.append(spec)
    if explicit:
        output = output.replace("...", ell)
    else:
        counts = {}
        for spec in expanded:
            for c in spec:
                counts[c] = counts.get(c, 0) + 1
        output = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    if len(set(output)) != len(output) or any(c not in "".join(expanded) for c in output):
        raise ValueError(f"einsum: invalid output subscripts {output!r}")
    return expanded, output


def _sizes(specs, operands):
    sizes = {}
    for spec, op in zip(specs, operands):
        for c, n in zip(spec, np.shape(op)):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise ValueError(f"einsum: label {c!r} has sizes {sizes[c]} and {n}")
            if c not in sizes or sizes[c] == 1:   # broadcasting: 1 gives way, also to 0
                sizes[c] = n
    return sizes


# --------------------------------------------------------------------------- single operands

def _take_diagonals(value, spec):
    """Distinct labels: a repeated label keeps only the diagonal of its axes."""
    while len(set(spec)) != len(spec):
        c = next(c for c in spec if spec.count(c) > 1)
        i = spec.index(c)
        j = spec.index(c, i + 1)
        rest = [k for k in range(len(spec)) if k not in (i, j)]
        n = np.shape(value)[i]
        planes = sh.transpose(value, rest + [i, j])
        flat = sh.reshape(planes, np.shape(planes)[:-2] + (n * n,))
        value = sh.gather(flat, np.arange(n, dtype=np.int64) * (n + 1), len(rest))
        spec = "".join(spec[k] for k in rest) + c
    return value, spec


def _sum_out(term, keep):
    axes = tuple(i for i, c in enumerate(term.labels) if c not in keep)
    if not axes:
        return term
    return _Term(red.reduce_sum(term.value, axes),
                 "".join(c for c in term.labels if c in keep))


def _arrange(term, labels):
    perm = [term.labels.index(c) for c in labels]
    return sh.transpose(term.value, perm)


def _broadcast_labels(term, sizes):
    shape = tuple(sizes[c] for c in term.labels)
    if np.shape(term.value) != shape:
        return _Term(sh.broadcast_to(term.value, shape), term.labels)
    return term


# --------------------------------------------------------------------------- pairs

def _contract_pair(a, b, keep, sizes):
    """The product of two terms summed over the labels not in ``keep``."""
    a = _sum_out(a, keep | set(b.labels))
    b = _sum_out(b, keep | set(a.labels))
    batch = [c for c in a.labels if c in b.labels and c in keep]
    summed = [c for c in a.labels if c in b.labels and c not in keep]
    free_a = [c for c in a.labels if c not in b.labels]
    free_b = [c for c in b.labels if c not in a.labels]
    a, b = _broadcast_labels(a, sizes), _broadcast_labels(b, sizes)

    def size(labels):
        return int(np.prod([sizes[c] for c in labels], dtype=np.int64))

    if not summed:  # an outer (or elementwise) product: broadcasting, no matrix product
        out_labels = batch + free_a + free_b
        av = _arrange(a, batch + free_a)
        bv = _arrange(b, batch + free_b)
        av = sh.reshape(av, np.shape(av) + (1,) * len(free_b))
        bv = sh.reshape(bv, tuple(sizes[c] for c in batch) + (1,) * len(free_a) +
                        tuple(sizes[c] for c in free_b))
        return _Term(multiply(av, bv), "".join(out_labels))
    nb, na, nk, nn = size(batch), size(free_a), size(summed), size(free_b)
    av = sh.reshape(_arrange(a, batch + free_a + summed), ((nb,) if batch else ()) + (na, nk))
    bv = sh.reshape(_arrange(b, batch + summed + free_b), ((nb,) if batch else ()) + (nk, nn))
    product = la.matmul(av, bv)
    shape = tuple(sizes[c] for c in batch + free_a + free_b)
    return _Term(sh.reshape(product, shape), "".join(batch + free_a + free_b))


def _path(specs, output, operands):
    if len(operands) <= 2:
        return [tuple(range(len(operands)))]
    dummies = [np.broadcast_to(np.zeros((), np.float64), np.shape(op)) for op in operands]
    path, _ = np.einsum_path(",".join(specs) + "->" + output, *dummies, optimize="greedy")
    return [tuple(step) for step in path[1:]]


def _from_sublists(operands):
    """NumPy's interleaved form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` (integer labels and
    ``...``) as (subscripts, *arrays)."""
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def spec(sublist):
        out = []
        for label in sublist:
            if label is Ellipsis:
                out.append("...")
            elif isinstance(label, (int, np.integer)) and 0 <= label < len(letters):
                out.append(letters[int(label)])
            else:
                raise ValueError(f"einsum: subscript {label!r} in a sublist is not an integer "
                                 f"in [0, {len(letters)}) or Ellipsis")
        return "".join(out)

    arrays = list(operands[0::2])
    sublists = list(operands[1::2])
    output = None
    if len(arrays) > len(sublists):   # an odd count: the last item is the output sublist
        output = arrays.pop()
    subscripts = ",".join(spec(s) for s in sublists)
    if output is not None:
        subscripts += "->" + spec(output)
    return (subscripts, *arrays)


def einsum(*operands, out=None, optimize=True, dtype=None, order="K", casting="safe"):
    if out is not None:
        raise NotImplementedError("np.einsum(..., out=...) cannot write into a traced array")
    if not operands:
        raise TypeError("einsum: no operands")
    if not isinstance(operands[0], str):
        operands = _from_sublists(operands)
    subscripts, arrays = operands[0], [as_operand(x) for x in operands[1:]]
    if not any_tracer(*arrays):
        return np.einsum(subscripts, *arrays, optimize=optimize)
    dtype = np.dtype(dtype) if dtype is not None else result_dtype(*arrays)
    arrays = [cast(x, dtype) for x in arrays]
    specs, output = _parse(subscripts, arrays)
    sizes = _sizes(specs, arrays)
    terms = []
    for value, spec in zip(arrays, specs):
        value, spec = _take_diagonals(value, spec)
        terms.append(_Term(value, spec))
    for step in _path(specs, output, arrays):
        chosen = [terms[i] for i in step]
        for i in sorted(step, reverse=True):
            del terms[i]
        keep = set(output).union(*[t.labels for t in terms])
        result = _sum_out(chosen[0], keep.union(*[t.labels for t in chosen[1:]]))
        for k, other in enumerate(chosen[1:], 2):
            later = keep.union(*[t.labels for t in chosen[k:]])
            result = _contract_pair(result, other, later, sizes)
        terms.append(result)
    (result,) = terms
    result = _broadcast_labels(_sum_out(result, set(output)), sizes)
    return _arrange(result, output)


def tensordot(a, b, axes=2):
    a, b = as_operand(a), as_operand(b)
    if not any_tracer(a, b):
        return np.tensordot(a, b, axes)
    if isinstance(axes, (int, np.integer)):
        axes_a = list(range(a.ndim - int(axes), a.ndim))
        axes_b = list(range(int(axes)))
    else:
        axes_a, axes_b = axes
        axes_a = [axes_a] if isinstance(axes_a, (int, np.integer)) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, (int, np.integer)) else list(axes_b)
    if len(axes_a) != len(axes_b):
        raise ValueError("tensordot: shape-mismatch for sum (axes of different lengths)")
    axes_a = [ax % a.ndim for ax in axes_a]
    axes_b = [ax % b.ndim for ax in axes_b]
    for i, j in zip(axes_a, axes_b):
        if a.shape[i] != b.shape[j]:
            raise ValueError(f"tensordot: shape-mismatch for sum: axis {i} of {a.shape} and "
                             f"axis {j} of {b.shape}")
    letters = iter(string.ascii_letters)
    la_ = [next(letters) for _ in range(a.ndim)]
    lb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(axes_a, axes_b):
        lb[j] = la_[i]
    out = [c for i, c in enumerate(la_) if i not in axes_a] + \
          [c for j, c in enumerate(lb) if j not in axes_b]
    return einsum(f"{''.join(la_)},{''.join(lb)}->{''.join(out)}", a, b)


def kron(a, b):
    a, b = as_operand(a), as_operand(b)
    if not any_tracer(a, b):
        return np.kron(a, b)
    nd = max(a.ndim, b.ndim)
    sa = (1,) * (nd - a.ndim) + a.shape
    sb = (1,) * (nd - b.ndim) + b.shape
    av = reshape(a, tuple(x for n in sa for x in (n, 1)))
    bv = reshape(b, tuple(x for n in sb for x in (1, n)))
    return reshape(multiply(av, bv), tuple(m * n for m, n in zip(sa, sb)))


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    a, b = as_operand(a), as_operand(b)
    if not any_tracer(a, b):
        return np.cross(a, b, axisa, axisb, axisc, axis)
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ValueError("incompatible dimensions for cross product (dimension must be 2 or 3)")

    def comp(v, i):
        if i >= v.shape[-1]:
            return None
        return v[..., i]

    def term(x, y):
        return None if x is None or y is None else multiply(x, y)

    def minus(p, q):
        if p is None:
            return None if q is None else multiply(q, -1.0)
        return p if q is None else subtract(p, q)

    a0, a1, a2 = (comp(a, i) for i in range(3))
    b0, b1, b2 = (comp(b, i) for i in range(3))
    z = minus(term(a0, b1), term(a1, b0))
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return z
    x = minus(term(a1, b2), term(a2, b1))
    y = minus(term(a2, b0), term(a0, b2))
    shape = np.broadcast_shapes(a.shape[:-1], b.shape[:-1])
    parts = [sh.broadcast_to(p, shape) if np.shape(p) != shape else p for p in (x, y, z)]
    from .arrays import stack
    return moveaxis(stack(parts, axis=-1), -1, axisc)
