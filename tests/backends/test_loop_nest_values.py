"""Loop nests as values (backends/schedule_nest.py) and the passes on them (numba/unroll.py):
unrolling short coordinate loops, dropping duplicate statements, rendering, content hashes; and
the split of a fusion group that does not fit one nest.  No compiles: these run in the fast
tier."""
import numpy as np
import pytest

import optad
from optad.backends.numba.codegen import generate
from optad.backends.numba.unroll import drop_duplicates, unroll_small_loops
from optad.backends.schedule_nest import (Assign, Comment, Expr, Index, Load, Loop, Nest, Reg,
                                          Store, Update, expression, render, statement)


def diff(k):
    """d = W[i0, k] - W[i1, k] with the coordinate as loop index 2 (k an Index) or a number."""
    return Assign("d", Expr(("(", Load("W", (Index(0), k)), " - ", Load("W", (Index(1), k)),
                             ")")))


def test_expression_keeps_operand_structure_through_a_template():
    template = lambda eqn, x, y: f"sc.maximum({x}, {y})"  # noqa: E731
    e = expression(template, None, [Reg("a"), Load("b", (Index(0), 0))])
    assert e.parts == ("sc.maximum(", Reg("a"), ", ", Load("b", (Index(0), 0)), ")")
    assert e.render() == "sc.maximum(a, b[i0, 0])"
    update = statement(lambda acc, v: f"{acc} = rt.sum_add({acc}, {v})", [Reg("s"), Reg("t")])
    assert update.render() == "s = rt.sum_add(s, t)"


def test_unrolling_a_coordinate_loop_renames_its_registers_and_keeps_accumulators():
    square = Assign("q", Expr((Reg("d"), " * ", Reg("d"))))
    accumulate = Update(Reg("s"), Expr(("s = rt.sum_add(s, ", Reg("q"), ")")))
    inner = Loop(2, 2, (diff(Index(2)), square, accumulate))
    outer = Loop(0, 5, (Loop(1, 5, (Assign("s", Expr(("0.0",))), inner)),))
    body = unroll_small_loops((outer,))
    assert render(body) == [
        "for i0 in range(5):",
        "    for i1 in range(5):",
        "        s = 0.0",
        "        d_0 = (W[i0, 0] - W[i1, 0])",
        "        q_0 = d_0 * d_0",
        "        s = rt.sum_add(s, q_0)",
        "        d_1 = (W[i0, 1] - W[i1, 1])",
        "        q_1 = d_1 * d_1",
        "        s = rt.sum_add(s, q_1)",
    ]


def test_a_loop_of_more_than_four_or_an_outermost_loop_stays_a_loop():
    assert unroll_small_loops((Loop(0, 2, (diff(Index(0)),)),))[0].extent == 2
    kept = unroll_small_loops((Loop(0, 9, (Loop(1, 5, (diff(Index(1)),)),)),))
    assert isinstance(kept[0].body[0], Loop)


def test_duplicates_dropped_only_while_their_inputs_are_unchanged():
    recompute = (Comment("sub (recomputed)", recomputed=True), diff(0))
    body = drop_duplicates((diff(0), Store(Load("g", (Index(0), 0)), Expr((Reg("d"),))),
                            *recompute))
    assert body == (diff(0), Store(Load("g", (Index(0), 0)), Expr((Reg("d"),))))
    # a store into W in between: the recomputation reads W again and stays
    written = Store(Load("W", (Index(0), 0)), Expr(("1.0",)))
    assert drop_duplicates((diff(0), written, *recompute)) == (diff(0), written, *recompute)
    # a loop in between forgets everything
    loop = Loop(1, 3, ())
    assert drop_duplicates((diff(0), loop, diff(0))) == (diff(0), loop, diff(0))


def test_nests_are_values_named_by_their_content():
    a = Nest("# ---- fused loop nest (i0 < 3)", ("g = np.empty((3,), np.float64)",),
             (Loop(0, 3, (diff(0),)),))
    b = Nest(a.header, a.prelude, (Loop(0, 3, (diff(0),)),))
    c = Nest(a.header, a.prelude, (Loop(0, 3, (diff(1),)),))
    assert a == b and hash(a) == hash(b) and a.content_hash() == b.content_hash()
    assert a.content_hash() != c.content_hash()
    assert a.lines()[-1] == "    d = (W[i0, 0] - W[i1, 0])"


def test_a_group_that_does_not_fit_one_nest_is_split_and_stays_correct():
    # the column sums (a reduction over the outer loop) are read by the same elementwise pass
    def f(x):
        return np.sum(x / np.sum(x, axis=0))

    x = np.arange(1.0, 13.0).reshape(4, 3)
    source, _ = generate(optad.make_program(f, x))
    assert source.count("# ---- fused loop nest") == 2


@pytest.mark.slow
def test_the_split_group_computes_what_numpy_computes():
    def f(x):
        return np.sum(x / np.sum(x, axis=0))

    x = np.arange(1.0, 13.0).reshape(4, 3)
    value, g = optad.value_and_grad(f, backend="numba")(x)
    ref_value, ref_g = optad.value_and_grad(f, backend="numpy")(x)
    np.testing.assert_allclose(value, ref_value, rtol=1e-14)
    np.testing.assert_allclose(g, ref_g, rtol=1e-12, atol=1e-15)
