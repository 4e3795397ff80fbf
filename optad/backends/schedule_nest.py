"""Loop nests as values: the structure between a fusion group (schedule.py) and its source.

A nest is a small tree of frozen dataclasses - ``Loop`` over ``Assign`` / ``Store`` /
``Update`` / ``Comment`` statements - whose expressions keep their parts apart: text, register
names (``Reg``), array loads (``Load``) and loop indices (``Index``).  Passes work on values,
not on source text: ``unroll.py`` writes out short loops (an ``Index`` becomes a number, the
copy's registers get suffixed names) and drops duplicate statements (equal values).  ``render``
turns a nest into source lines, and ``content_hash`` names a nest by what it computes, so two
equal nests can be recognised (and compiled once).

``expression(template, operands)`` builds an ``Expr`` from a backend's string template
(``scalar_templates.py``) by rendering it over marker operands and splitting at the markers: the
operands' structure survives the template.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

INDENT = "    "


@dataclass(frozen=True)
class Index:
    """The index of the loop at ``level`` (0 outermost)."""
    level: int

    def render(self):
        return f"i{self.level}"


@dataclass(frozen=True)
class Reg:
    """A scalar register (a local name of the generated function)."""
    name: str

    def render(self):
        return self.name


@dataclass(frozen=True)
class Load:
    """``array[index]``; ``index`` holds ``Index`` values and integers."""
    array: str
    index: tuple

    def render(self):
        return f"{self.array}[{', '.join(_render(i) for i in self.index)}]"


@dataclass(frozen=True)
class Expr:
    """An expression: its parts in order (text, ``Reg``, ``Load``, ``Index``, ``Expr``)."""
    parts: tuple

    def render(self):
        return "".join(_render(p) for p in self.parts)


def _render(part):
    return part if isinstance(part, str) else str(part) if isinstance(part, int) else \
        part.render()


@dataclass(frozen=True)
class Comment:
    text: str
    recomputed: bool = False   # the comment of a recomputation (goes with it when dropped)

    def render(self):
        return f"# {self.text}"


@dataclass(frozen=True)
class Assign:
    """``target = value`` for a register."""
    target: str
    value: Expr

    def render(self):
        return f"{self.target} = {self.value.render()}"


@dataclass(frozen=True)
class Store:
    """``target[...] = value``: a write into an array element (``target`` is a ``Load``)."""
    target: Load
    value: Expr

    def render(self):
        return f"{self.target.render()} = {self.value.render()}"


@dataclass(frozen=True)
class Update:
    """An accumulation into a register (``target`` a ``Reg``) or an array element (a ``Load``):
    the whole statement is ``statement``, as the backend's reduction template writes it."""
    target: object
    statement: Expr

    def render(self):
        return self.statement.render()


@dataclass(frozen=True)
class Loop:
    """``for i<level> in range(extent):`` over ``body`` (a tuple of statements and loops)."""
    level: int
    extent: int
    body: tuple

    def render(self):
        return f"for {Index(self.level).render()} in range({self.extent}):"


@dataclass(frozen=True)
class Nest:
    """One fused loop nest: a header comment, the array allocations before it (source lines),
    and its statements."""
    header: str
    prelude: tuple
    body: tuple

    def lines(self):
        return [self.header, *self.prelude, *render(self.body)]

    def content_hash(self) -> str:
        return hashlib.sha256("\n".join(self.lines()).encode()).hexdigest()[:16]


def render(body, depth=0) -> list:
    """Source lines of a tuple of statements and loops, indented from ``depth``."""
    lines = []
    for item in body:
        lines.append(INDENT * depth + item.render())
        if isinstance(item, Loop):   # a nest over a zero-size axis may have nothing inside
            lines.extend(render(item.body, depth + 1) or [INDENT * (depth + 1) + "pass"])
    return lines


# --------------------------------------------------------------------------- expressions

_MARK = re.compile("\x00([0-9]+)\x00")


def expression(template, eqn, operands) -> Expr:
    """``template(eqn, *texts)`` with the operands kept as parts of the result."""
    text = template(eqn, *(f"\x00{k}\x00" for k in range(len(operands))))
    return _split(text, operands)


def statement(template, operands) -> Expr:
    """A reduction's update ``template(accumulator, value)`` as an ``Expr``."""
    return _split(template(*(f"\x00{k}\x00" for k in range(len(operands)))), operands)


def _split(text, operands) -> Expr:
    pieces = _MARK.split(text)
    parts = []
    for k, piece in enumerate(pieces):
        if k % 2:
            parts.append(operands[int(piece)])
        elif piece:
            parts.append(piece)
    return Expr(tuple(parts))


# --------------------------------------------------------------------------- reads and renames

def registers_read(part) -> set:
    """Names of the registers an expression (or load) reads."""
    if isinstance(part, Reg):
        return {part.name}
    if isinstance(part, Expr):
        return set().union(*(registers_read(p) for p in part.parts)) if part.parts else set()
    return set()


def arrays_read(part) -> set:
    if isinstance(part, Load):
        return {part.array}
    if isinstance(part, Expr):
        return set().union(*(arrays_read(p) for p in part.parts)) if part.parts else set()
    return set()


def substitute(item, level, value, names):
    """``item`` with the index of loop ``level`` replaced by the integer ``value`` and the
    registers in ``names`` (old -> new) renamed."""
    def sub(part):
        if isinstance(part, Index):
            return value if part.level == level else part
        if isinstance(part, Reg):
            return Reg(names.get(part.name, part.name))
        if isinstance(part, Load):
            return Load(part.array, tuple(sub(i) for i in part.index))
        if isinstance(part, Expr):
            return Expr(tuple(sub(p) for p in part.parts))
        return part

    if isinstance(item, Assign):
        return Assign(names.get(item.target, item.target), sub(item.value))
    if isinstance(item, Store):
        return Store(sub(item.target), sub(item.value))
    if isinstance(item, Update):
        return Update(sub(item.target), sub(item.statement))
    if isinstance(item, Loop):
        return replace(item, body=tuple(substitute(i, level, value, names) for i in item.body))
    return item
