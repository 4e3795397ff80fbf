"""The transformations on flat programs, one function each: a traced Program (flat inputs, flat
outputs) and a mask of the inputs to differentiate in, the transformed Program out.  The
callables of ``optad.grad`` and friends (derivatives.py, linear_maps.py) wrap these with
pytrees, argnums and per-signature caches."""
from __future__ import annotations

from ..ir.program import Program
from ..primitives.shape import reshape
from ..trace.tracer import Trace
from ..transforms import grad_program, jvp_program, simplify, vjp_program
from ..transforms.evaluate import eval_program
from ..transforms.select import select_outputs


def jit_flat(program: Program) -> Program:
    """The function itself."""
    return program


def jvp_flat(program: Program, wrt) -> Program:
    """(primals..., tangents of the ``wrt`` inputs...) -> (outputs..., output tangents...)."""
    return jvp_program(program, wrt)


def vjp_flat(program: Program, wrt) -> Program:
    """(primals..., output cotangents...) -> (outputs..., cotangents of the ``wrt`` inputs...)."""
    return vjp_program(program, wrt)


def value_and_grad_flat(program: Program, wrt, what="grad") -> Program:
    """primals -> (value, gradients of the ``wrt`` inputs...) of a function with one
    floating-point output of size 1.  An output of shape (1,) or (1, 1) is the scalar it is
    (JAX refuses it): differentiated as a scalar, its value keeps its shape."""
    shape = scalar_output_shape(program, what)
    if shape == ():
        return grad_program(program, wrt)
    gradient = grad_program(map_outputs(program, lambda outs: [reshape(outs[0], ())]), wrt)
    return map_outputs(gradient, lambda outs: [reshape(outs[0], shape)] + outs[1:])


def hvp_flat(program: Program, wrt) -> Program:
    """(primals..., v for the ``wrt`` inputs...) -> H v: forward mode over the reverse-mode
    gradient, the Hessian never formed."""
    n_grads = sum(wrt)
    gradient = value_and_grad_flat(program, wrt, "hvp")
    gradient = simplify(select_outputs(gradient, range(1, 1 + n_grads)))
    return select_outputs(jvp_program(gradient, wrt), range(n_grads, 2 * n_grads))


def scalar_output_shape(program: Program, what: str) -> tuple:
    """The shape of the program's one floating-point output of size 1, or a clear error."""
    shapes = [o.aval.shape for o in program.outputs]
    if len(shapes) != 1 or program.outputs[0].aval.size != 1:
        returned = (f"an array of shape {shapes[0]}" if len(shapes) == 1 else
                    f"{len(shapes)} arrays with shapes {shapes}")
        raise TypeError(f"{what} requires the function to return a scalar (shape (), or one "
                        f"element of shape (1,) or (1, 1)), but it returned {returned}. Reduce "
                        "it (e.g. np.sum) or use optad.jacobian / optad.vjp for vector outputs.")
    if program.outputs[0].aval.dtype.kind != "f":
        raise TypeError(f"{what} requires a floating-point scalar output, got "
                        f"{program.outputs[0].aval.dtype}")
    return tuple(shapes[0])


def map_outputs(program: Program, change) -> Program:
    """The program with ``change(outputs)`` (traced ops on its outputs) as its outputs."""
    with Trace() as trace:
        inputs = [trace.new_input(v.aval) for v in program.inputs]
        return trace.to_program(change(eval_program(program, inputs)))
