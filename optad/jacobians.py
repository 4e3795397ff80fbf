"""Jacobians and Hessians, assembled column by column (forward mode, one JVP per input
entry) or row by row (reverse mode, one VJP per output entry).

``jacobian(mode="auto")`` picks forward mode when the inputs are fewer than the outputs and
reverse mode otherwise -- the rule of the lecture notes for f(x) = A x."""
from __future__ import annotations

import numpy as np

from . import numpy as onp
from . import tree
from .api import grad, jit, linear_map
from .api.argnums import check_argnums
from .trace.tracer import Tracer


def _basis(shapes_dtypes, k):
    """The k-th unit vector of the concatenated leaves, split into leaves."""
    out, offset = [], 0
    for shape, dtype in shapes_dtypes:
        size = int(np.prod(shape, dtype=np.int64))
        e = np.zeros(size, dtype)
        if offset <= k < offset + size:
            e[k - offset] = 1
        out.append(e.reshape(shape))
        offset += size
    return out


def _assemble(columns, out_shapes, in_shapes, axis_last):
    """columns[k][j]: derivative of output leaf j w.r.t. flat input entry k -> blocks."""
    blocks = []
    for j, oshape in enumerate(out_shapes):
        per_input, offset = [], 0
        for ishape in in_shapes:
            size = int(np.prod(ishape, dtype=np.int64))
            cols = [columns[k][j] for k in range(offset, offset + size)]
            if any(isinstance(c, Tracer) for c in cols):
                stacked = onp.stack(cols, axis=-1 if axis_last else 0)
            else:
                stacked = np.stack([np.asarray(c) for c in cols], axis=-1 if axis_last else 0)
            if axis_last:
                block = onp.reshape(stacked, tuple(oshape) + tuple(ishape))
            else:
                block = onp.reshape(stacked, tuple(ishape) + tuple(oshape))
                block = onp.transpose(block, tuple(range(len(ishape), len(ishape) + len(oshape)))
                                      + tuple(range(len(ishape))))
            per_input.append(block)
            offset += size
        blocks.append(per_input)
    return blocks


def _jacobian(fun, argnums, backend, mode):
    argnums = check_argnums(argnums, f"jac{mode}")

    def jac(*args):
        lin = linear_map(fun, "jvp" if mode == "fwd" else "vjp", args, argnums, backend)
        diff_leaves = lin.inputs
        if not diff_leaves:
            raise TypeError("jacobian: no floating-point input to differentiate in argnums "
                            f"{argnums}")
        out_avals = lin.outputs
        n_out = len(out_avals)
        in_shapes = [s for s, _ in diff_leaves]
        out_shapes = [a.shape for a in out_avals]

        def sweeps(seed_specs):
            """One JVP (or VJP) per unit seed vector; the derivative outputs of each."""
            n = sum(int(np.prod(shape, dtype=np.int64)) for shape, _ in seed_specs)
            return [lin.apply(_basis(seed_specs, k))[n_out:] for k in range(n)]

        if mode == "fwd":
            blocks = _assemble(sweeps(diff_leaves), out_shapes, in_shapes, axis_last=True)
        else:
            rows = sweeps([(a.shape, a.dtype) for a in out_avals])
            # rows[k][i]: d(flat output k)/d(input leaf i): transpose the roles
            blocks_t = _assemble(rows, in_shapes, out_shapes, axis_last=True)
            blocks = []
            for j, oshape in enumerate(out_shapes):
                row = []
                for i, ishape in enumerate(in_shapes):
                    b = blocks_t[i][j]  # shape ishape + oshape
                    perm = tuple(range(len(ishape), len(ishape) + len(oshape))) + \
                        tuple(range(len(ishape)))
                    row.append(onp.transpose(b, perm))
                blocks.append(row)
        return _restructure(blocks, lin, args, argnums)

    jac.__name__ = f"jac{mode}({getattr(fun, '__name__', 'fun')})"
    return jac


def _restructure(blocks, lin, args, argnums):
    """blocks[out leaf][diff input leaf] -> out pytree of (argnums structure of) arrays."""
    per_out = []
    for row in blocks:
        it = iter(row)
        parts = []
        for a in lin.signature.diff_argnums:
            leaves, treedef = tree.flatten(args[a])
            parts.append(tree.unflatten(treedef, [next(it) for _ in leaves]))
        per_out.append(parts[0] if isinstance(argnums, int) else tuple(parts))
    return tree.unflatten(lin.out_tree, per_out)


def jacfwd(fun, argnums=0, backend=None):
    """The Jacobian by forward mode: one JVP per input entry. Shape: out.shape + in.shape."""
    return _jacobian(fun, argnums, backend, "fwd")


def jacrev(fun, argnums=0, backend=None):
    """The Jacobian by reverse mode: one VJP per output entry. Shape: out.shape + in.shape."""
    return _jacobian(fun, argnums, backend, "rev")


def choose_jacobian_mode(n_inputs: int, n_outputs: int) -> str:
    """'fwd' when there are fewer inputs than outputs, else 'rev'."""
    return "fwd" if n_inputs < n_outputs else "rev"


def jacobian(fun, argnums=0, mode="auto", backend=None):
    """The Jacobian; ``mode`` is "fwd", "rev" or "auto" (picked per input signature; the
    choice made last is in ``.last_mode``)."""
    if mode not in ("auto", "fwd", "rev"):
        raise ValueError(f"jacobian: mode must be 'auto', 'fwd' or 'rev', got {mode!r}")
    argnums = check_argnums(argnums, "jacobian")
    fwd, rev = jacfwd(fun, argnums, backend), jacrev(fun, argnums, backend)

    def jac(*args):
        chosen = mode
        if mode == "auto":
            n_in = sum(int(np.size(leaf)) for a in (argnums if isinstance(argnums, tuple)
                                                    else (argnums,))
                       for leaf in tree.flatten(args[a])[0])
            out = jit(fun, backend).lowered(*args)
            n_out = sum(int(np.prod(o.aval.shape, dtype=np.int64)) for o in out.outputs)
            chosen = choose_jacobian_mode(n_in, n_out)
        jac.last_mode = chosen
        return (fwd if chosen == "fwd" else rev)(*args)

    jac.last_mode = None
    return jac


def hessian(fun, argnums=0, backend=None):
    """The Hessian of a scalar function: forward-mode Jacobian of the reverse-mode gradient."""
    return jacfwd(grad(fun, argnums, backend=backend), argnums, backend)
