"""reroll: a plain Python loop, traced, becomes a ``scan`` again.

Tracing unrolls ``for W in Ws: h = np.tanh(W @ h)`` into the same few equations once per
iteration.  This pass finds a run of n consecutive blocks of P equations that record the same
primitives, parameters, shapes and dtypes -- except the start of a slice, which may move with
the iteration (``xs[t]``), and, in a first search, the values of literals (``t * dt``; a carry
that starts as ``loss = 0.0``) -- and rolls it into one scan equation whose body is one block
(reroll_roll.py says which operand patterns roll; reroll_slices.py how moving slices become
the scan's xs; reroll_restack.py tidies the rows one loop hands the next).  A loop whose first
or last iterations differ from the rest in what they compute (a carry that starts as
``np.zeros(n)``, whose first product NumPy computed while tracing) is rolled without them:
they stay before or after the scan, unrolled.  Results equal the unrolled program's to
rounding; trace-and-compile cost then follows the body, not the trip count.

``OPTAD_REROLL=0`` keeps traced loops unrolled; ``OPTAD_REROLL=explain`` prints, for every
traced program, which loops were rolled and which were not and why (reroll_explain.py, also
``optad.explain_rerolls``).  A long loop that cannot be rolled is named in a RerollWarning.
"""
from __future__ import annotations

import weakref

import numpy as np

from ..ir.program import Lit, Program, freeze_params
from ..primitives.shape import slice_p
from . import reroll_explain as explain
from .reroll_emit import frozen_params, written
from .reroll_restack import restack
from .reroll_roll import Refusal, roll

MIN_ITERATIONS = 3
MIN_EQUATIONS = 12
MAX_PERIOD = 400
MAX_PEELED = 4          # iterations peeled off the ends of one run, in all
MAX_REFUSED = 32        # runs refused before a search stops
MAX_SHIFTS = 8          # other starts tried for a run with equations to spare,
SHIFT_BUDGET = 100_000  # ... while they look at no more equations than this in all


def enabled() -> bool:
    return explain.mode() != "off"


_SIGNATURES = (weakref.WeakKeyDictionary(), weakref.WeakKeyDictionary())


def _code(eqn, numbers):
    """The signature of ``eqn``, computed once per equation."""
    table = _SIGNATURES[numbers]
    sig = table.get(eqn)
    if sig is None:
        sig = table[eqn] = _signature(eqn, numbers)
    return sig


def _signature(eqn, numbers=True):
    """What two equations of a repeated run share; with ``numbers`` False, a literal matches
    any scalar of its dtype (reroll_roll decides whether a literal that changes can be a
    value per iteration, and a literal in the first iteration only the start of a carry)."""
    params = eqn.params
    if eqn.primitive is slice_p:   # the start may move with the iteration (roll checks how)
        params = {k: v for k, v in params.items() if k != "starts"}
    return (eqn.primitive.name, frozen_params(eqn) if params is eqn.params else
            freeze_params(params),
            tuple((a.aval.shape, a.aval.dtype.str,
                   a.key() if numbers and isinstance(a, Lit) else None)
                  for a in eqn.inputs),
            tuple((v.aval.shape, v.aval.dtype.str) for v in eqn.outputs))


def reroll(program: Program) -> Program:
    """``program`` with its repeated runs of equations turned into scans (outermost first).
    What was rolled and what was not is reported as reroll_explain describes."""
    if not enabled():
        return program
    rolled, refused = [], []
    # first runs alike but for their numbers (``loss = 0.0`` then ``loss + ...``; ``t * dt``),
    # then, in what is left, runs alike to their numbers (a run of the first kind refused for
    # a changing exponent, say, may hold runs of the second)
    for numbers in (False, True):
        tried, refused_before = set(), len(refused)
        while len(refused) - refused_before < MAX_REFUSED:
            candidate = _best_run(program, tried, numbers)
            if candidate is None:
                break
            outcome = _roll_peeling(program, *candidate, tried)
            if isinstance(outcome, explain.Refused):
                refused.append(outcome)
            else:
                program, loop = outcome
                rolled.append(loop)
    program = restack(program)
    explain.announce(program, rolled, refused)
    return program


def _roll_peeling(program, start, period, count, slack, tried):
    """Roll the run; returns (program, Rolled) or a Refused for the whole run.

    A run with ``slack`` equations to spare can start at several places (the block is then a
    rotation of the loop body): the start whose scan takes the fewest operands wins.  If no
    start rolls, iterations are peeled off the run's ends while the one that breaks the
    pattern is the first or the last."""
    best, first_refusal = None, None
    shifts = min(slack, MAX_SHIFTS, SHIFT_BUDGET // (period * count))
    for shift in range(shifts + 1):
        tried.add((start + shift, period, count))
        try:
            outcome = roll(program, start + shift, period, count)
        except Refusal as refusal:
            first_refusal = first_refusal or refusal
            continue
        if best is None or len(outcome[1].inputs) < len(best[1][1].inputs):
            best = (start + shift, outcome)
    if best is not None:
        lo, (rolled, scan, stacked) = best
        return rolled, explain.rolled_loop(program, lo, period, count, scan, stacked)
    refusal, lo, n = first_refusal, start, count
    for _ in range(MAX_PEELED):
        if n - 1 < MIN_ITERATIONS or period * (n - 1) < MIN_EQUATIONS:
            break
        if refusal.block == 0:
            lo, n = lo + period, n - 1
        elif refusal.block == n - 1:
            n -= 1
        else:
            break
        tried.add((lo, period, n))
        try:
            rolled, scan, stacked = roll(program, lo, period, n)
        except Refusal as again:
            refusal = again
            continue
        return rolled, explain.rolled_loop(program, lo, period, n, scan, stacked)
    return explain.Refused(program.eqns[start:start + period * count], period, count,
                           first_refusal.reason, first_refusal.quiet)


_CODES = (weakref.WeakKeyDictionary(), weakref.WeakKeyDictionary())


def _codes(program, numbers):
    """One integer per equation, equal for equal signatures (the equations reroll wrote
    itself get codes of their own), kept while the program is searched again."""
    sig = _CODES[numbers].get(program)
    if sig is None:
        codes = {}
        sig = np.array([-1 - i if written(e) else codes.setdefault(_code(e, numbers), len(codes))
                        for i, e in enumerate(program.eqns)], dtype=np.int64)
        _CODES[numbers][program] = sig
    return sig


def _best_run(program, tried, numbers=True):
    """(start, period, count, slack) of the longest repeated run not yet tried (slack: the
    equations the run covers beyond its whole blocks), or None."""
    eqns = program.eqns
    n = len(eqns)
    if n < MIN_EQUATIONS:
        return None
    sig = _codes(program, numbers)
    best = None
    for period in range(1, min(MAX_PERIOD, n // MIN_ITERATIONS) + 1):
        same = sig[:-period] == sig[period:]
        # runs of True in ``same``: [i, j) with same[i:j] all True covers eqns [i, j + period)
        padded = np.concatenate(([False], same, [False]))
        edges = np.flatnonzero(padded[1:] != padded[:-1])
        for begin, end in zip(edges[::2], edges[1::2]):
            count = (end - begin + period) // period
            covered = count * period
            if count < MIN_ITERATIONS or covered < MIN_EQUATIONS:
                continue
            key = (int(begin), period, int(count))
            if key in tried:
                continue
            if best is None or covered > best[1] * best[2]:
                best = key + (int(end - begin + period - covered),)
    return best
