"""What the reroll pass did with the loops of a traced program, in words.

Every traced program's reroll ends in ``announce``: each rolled loop and each repeated run of
equations that could not be rolled becomes a ``LoopReport`` (the loop's first source line,
iterations, equations per iteration, what stayed unrolled, and for a refusal the reason).
They are

- shown by the IR printer, as a comment line above the loop's scan or above the first
  equation of the run that stayed unrolled;
- printed to stderr when ``OPTAD_REROLL=explain``;
- returned by ``optad.explain_rerolls(f, *args)`` (``collecting`` gathers them);
- warned about (``RerollWarning``) when loops that could not be rolled leave a long program,
  whose compile would otherwise take minutes without a word.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import warnings
from dataclasses import dataclass, field

from ..ir.program import annotate

LONG_UNROLLED = 200     # equations left unrolled by refused loops that earn a warning


class RerollWarning(UserWarning):
    """A Python loop stayed unrolled and makes the traced program long."""


def mode() -> str:
    """'off', 'on' or 'explain', from the environment variable OPTAD_REROLL."""
    value = os.environ.get("OPTAD_REROLL", "1").strip().lower()
    if value in ("0", "false", "no", "off"):
        return "off"
    return "explain" if value == "explain" else "on"


@dataclass
class LoopReport:
    """One loop of a traced program: rolled into a scan, or left unrolled (``reason``)."""

    rerolled: bool
    where: str                 # the loop's first source line, 'file:line: code'
    iterations: int            # rolled into the scan, or repeats left unrolled
    equations: int             # per iteration
    before: int = 0            # equations just before it from the same lines (unrolled)
    after: int = 0             # ... and just after it
    stacked_slices: int = 0    # arrays the loop reads at a moving position (xs[t])
    stacked_values: int = 0    # per-iteration values stacked into xs (W of a list Ws)
    reason: str | None = None
    source: tuple = ("<unknown>", 0)   # (file, line) of ``where``, for warnings

    def __str__(self):
        if not self.rerolled:
            return (f"not rerolled: loop at {self.where}: {self.iterations} repeats of "
                    f"{self.equations} equations stay unrolled, because {self.reason}")
        text = (f"rerolled: loop at {self.where}: {self.iterations} iterations of "
                f"{self.equations} equations as one scan")
        reads = []
        if self.stacked_slices:
            reads.append(f"{self.stacked_slices} moving slice(s) of arrays (xs[t])")
        if self.stacked_values:
            reads.append(f"{self.stacked_values} per-iteration value(s)")
        if reads:
            text += ", reading " + " and ".join(reads) + " as its xs"
        if self.before or self.after:
            text += (f"; {self.before} equation(s) before it and {self.after} after it from "
                     "the same lines stay unrolled (the iterations, or parts of them, that "
                     "differ from the rest, e.g. where a carry starts as a NumPy constant)")
        return text

    def note(self):
        """The comment the IR printer shows above the loop."""
        line = self.where.split(": ", 1)[0]
        if not self.rerolled:
            return (f"not rerolled: {self.iterations} repeats of {self.equations} equations "
                    f"(loop at {line}): {self.reason}")
        text = (f"rerolled: {self.iterations} iterations of {self.equations} equations "
                f"(loop at {line})")
        if self.before or self.after:
            text += (f"; unrolled from the same lines: {self.before} equations before, "
                     f"{self.after} after")
        return text


class RerollReport(list):
    """The LoopReports of the programs traced while it was collecting, in order."""

    def __str__(self):
        if mode() == "off":
            return "rerolling is off (OPTAD_REROLL=0)"
        if not self:
            return "no repeated loop found"
        return "\n".join(str(r) for r in self)

    @property
    def rerolled(self):
        return [r for r in self if r.rerolled]

    @property
    def not_rerolled(self):
        return [r for r in self if not r.rerolled]


_collectors = threading.local()


@contextlib.contextmanager
def collecting():
    """Gather the LoopReports of every program traced inside the ``with`` (this thread)."""
    stack = _collectors.__dict__.setdefault("stack", [])
    report = RerollReport()
    stack.append(report)
    try:
        yield report
    finally:
        stack.remove(report)


@dataclass
class Refused:
    """A repeated run that could not be rolled."""

    eqns: tuple
    period: int
    count: int
    reason: str
    quiet: bool = False     # not a loop worth naming (data movement only)


@dataclass
class Rolled:
    report: LoopReport
    scan: object = field(repr=False)


_WHERE = re.compile(r"^(.*):(\d+): ")


def short_where(where: str) -> str:
    """'file.py:12: code' of an equation's source note 'path/to/file.py:12: code'."""
    m = _WHERE.match(where or "")
    if not m:
        return where or "<unknown line>"
    return os.path.basename(m.group(1)) + where[len(m.group(1)):]


def loop_source(eqns):
    """(file, line) of the first source line among equations (a rolled block may start
    mid-body), and its note 'file.py:line: code'."""
    best = None
    for e in eqns:
        m = _WHERE.match(e.where or "")
        if m:
            key = (m.group(1), int(m.group(2)))
            if best is None or key < best[0]:
                best = (key, e.where)
    if best is None:
        return ("<unknown>", 0), short_where(eqns[0].where)
    return best[0], short_where(best[1])


def _same_lines(eqns, lines, step):
    """How many equations, walking from one end of ``eqns`` (step 1: from the start, -1: from
    the end), come from ``lines``."""
    n = 0
    seq = eqns if step == 1 else eqns[::-1]
    for e in seq:
        if e.where not in lines:
            break
        n += 1
    return n


def rolled_loop(program, lo, period, n, scan, stacked) -> Rolled:
    """The report of eqns[lo:lo + period * n] of ``program`` rolled into ``scan``."""
    eqns = program.eqns
    block = eqns[lo:lo + period]
    lines = {e.where for e in block}
    source, line = loop_source(block)
    report = LoopReport(True, line, n, period, source=source,
                        before=_same_lines(eqns[:lo], lines, -1),
                        after=_same_lines(eqns[lo + period * n:], lines, 1),
                        stacked_slices=stacked["moving slices"],
                        stacked_values=stacked["per-iteration values"])
    return Rolled(report, scan)


def announce(program, rolled, refused):
    """Report the loops of one traced program (see the module's docstring)."""
    reports = [loop.report for loop in rolled]
    for loop in rolled:
        if loop.scan.outputs:
            annotate(loop.scan.outputs[0], loop.report.note())
    left = set(map(id, program.eqns))
    taken = set()
    for run in sorted(refused, key=lambda r: -len(r.eqns)):
        ids = set(map(id, run.eqns))
        if run.quiet or not ids <= left or ids & taken:
            continue   # rolled after all (a part of it, or within a larger loop)
        taken |= ids
        source, line = loop_source(run.eqns[:run.period])
        report = LoopReport(False, line, run.count, run.period, reason=run.reason,
                            source=source)
        reports.append(report)
        annotate(run.eqns[0].outputs[0], report.note())
    if not reports:
        return
    for collector in getattr(_collectors, "stack", []):
        collector.extend(reports)
    if mode() == "explain":
        print("optad reroll:\n" + "\n".join("  " + str(r) for r in reports), file=sys.stderr)
    unrolled = [r for r in reports if not r.rerolled]
    if sum(r.iterations * r.equations for r in unrolled) >= LONG_UNROLLED:
        worst = max(unrolled, key=lambda r: r.iterations * r.equations)
        warnings.warn_explicit(RerollWarning(
            f"the loop at {worst.where} stays unrolled ({worst.iterations} repeats of "
            f"{worst.equations} equations), because {worst.reason}. The traced program has "
            f"{len(program.eqns)} equations at its top level, and compiling it may take long. "
            "Write the loop with optad.scan or optad.fori_loop, or see "
            "optad.explain_rerolls(f, *args) for every loop."), RerollWarning, *worst.source)
