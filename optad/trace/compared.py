"""``float(x)`` / ``int(x)`` of a traced value used only in a comparison: ``if float(s) > 0.5:``.

float() and int() must return a real Python number, so a traced value cannot stay traced
through them.  But when the calling code does nothing with the number except compare it, right
away, with a plain Python number, the comparison *is* a decision on ``s``, and can be guarded
like ``if s > 0.5:`` (``if int(s) > 2:`` like ``if trunc(s) > 2:``).  This module recognises
exactly that from the caller's bytecode:

    LOAD_GLOBAL float / int     (the builtin, not shadowed)
    LOAD_FAST / LOAD_DEREF s    (one name: the traced value itself)
    [PRECALL 1]                 (Python 3.11)
    CALL 1                      <- the frame is here while float() runs
    LOAD_CONST c / LOAD_FAST c / LOAD_DEREF c / LOAD_GLOBAL c   (an int, float or bool)
    COMPARE_OP op

Anything else (``float(x[0]) > c``, ``int(s) + 1 > c``, ``c < float(s)``, chained comparisons, the number stored
or computed with) is not recognised and stays the error naming the line.  Integers beyond
2**53 are refused, so Python's comparison and float64's agree.
"""
from __future__ import annotations

import builtins
import dis
import sys

import numpy as np

OPS = ("<", "<=", "==", "!=", ">", ">=")
_NAME_LOADS = ("LOAD_FAST", "LOAD_DEREF")
_OPERAND_LOADS = ("LOAD_CONST", "LOAD_FAST", "LOAD_DEREF", "LOAD_GLOBAL")
_instructions: dict = {}


def _listing(code):
    listing = _instructions.get(code)
    if listing is None:
        listing = list(dis.get_instructions(code))
        if len(_instructions) > 256:
            _instructions.clear()
        _instructions[code] = listing
    return listing


def _lookup(frame, instruction):
    """The value an operand-loading instruction will push, or raise LookupError."""
    name = instruction.argval
    if instruction.opname == "LOAD_CONST":
        return name
    if instruction.opname == "LOAD_GLOBAL":
        if name in frame.f_globals:
            return frame.f_globals[name]
        return frame.f_builtins[name]
    return frame.f_locals[name]


def _plain_number(value) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return True
    if isinstance(value, (int, np.integer)):
        return abs(int(value)) <= 2 ** 53
    return isinstance(value, (float, np.floating)) and not isinstance(value, np.ndarray)


def float_compared(frame, value):
    """(op, number) when the code of ``frame`` is running ``float(name)``, ``name`` holding
    ``value``, whose result it compares next with the Python number ``number``; else None."""
    return number_compared(frame, value, builtins.float)


def number_compared(frame, value, kind):
    """(op, number) when the code of ``frame`` is running ``kind(name)`` (``kind`` the builtin
    float or int), ``name`` holding ``value``, whose result it compares next with the Python
    number ``number``; else None."""
    if sys.version_info < (3, 11) or sys.version_info >= (3, 13):
        return None   # the bytecode pattern is checked on these versions only
    listing = _listing(frame.f_code)
    at = next((k for k, ins in enumerate(listing) if ins.offset == frame.f_lasti), None)
    if at is None or at < 2 or at + 2 >= len(listing):
        return None
    call = listing[at]
    if call.opname != "CALL" or call.arg != 1:
        return None
    before = at - 1
    if listing[before].opname == "PRECALL":
        before -= 1
    argument, callee = listing[before], listing[before - 1]
    name = kind.__name__
    if argument.opname not in _NAME_LOADS or callee.opname != "LOAD_GLOBAL" or \
            callee.argval != name:
        return None
    if frame.f_globals.get(name, frame.f_builtins.get(name)) is not kind:
        return None
    if frame.f_locals.get(argument.argval) is not value:
        return None
    load, compare = listing[at + 1], listing[at + 2]
    if load.opname not in _OPERAND_LOADS or compare.opname != "COMPARE_OP" or \
            compare.argval not in OPS:
        return None
    try:
        number = _lookup(frame, load)
    except LookupError:
        return None
    if not _plain_number(number):
        return None
    return compare.argval, float(number)
