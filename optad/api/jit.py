"""``jit``: the function itself, traced and compiled the same way as its derivatives."""
from __future__ import annotations

from .. import tree
from ..trace.tracer import Tracer
from . import fast_path
from .flat import jit_flat
from .signature import signature_of, traced_values
from .transformed import Transformed, scalarize, transform_for


class Jit(Transformed):
    kind = "jit"

    def signature(self, args):
        return signature_of(args)

    def build(self, program, signature):
        return jit_flat(program)

    def __call__(self, *args):
        return self.call_fast_or_slow(args, self._call_slow)

    def _call_slow(self, args):
        entry = self.entry(args)
        outs = self.call_flat(entry, traced_values(entry.signature, tree.flatten(args)[0]))
        return tree.unflatten(entry.out_tree, [o if isinstance(o, Tracer) else scalarize(o)
                                               for o in outs])

    def make_fast(self, kernel, entry, layout):
        if entry.out_tree == tree.LEAF:
            flat = fast_path.flattener(layout)
            return lambda *args: scalarize(kernel(*flat(args))[0])
        return None


def jit(fun, backend=None):
    """``fun`` itself, traced and compiled the same way as its derivatives."""
    return transform_for(Jit, fun, backend)
