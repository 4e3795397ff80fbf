"""``constraints=`` of optad.minimize, in scipy's forms, read into one ranged vector function

    lower <= C(x) <= upper

on the flat vector x, where C stacks the outputs of every constraint in the order given.

Accepted forms (a single one, or a list/tuple of them, mixed freely):

- a dict ``{"type": "eq" | "ineq", "fun": c}`` with optional ``"args"`` (a tuple passed to c
  after x) and ``"jac"``: ``c(x, *args) = 0`` for "eq", ``c(x, *args) >= 0`` for "ineq"
  (scipy's SLSQP/COBYLA convention);
- ``scipy.optimize.NonlinearConstraint(c, lb, ub)``: ``lb <= c(x) <= ub``, entries with
  ``lb == ub`` being equalities and infinite sides absent;
- ``scipy.optimize.LinearConstraint(A, lb, ub)``: ``lb <= A x <= ub`` on the flat x.

``c`` receives x in x0's structure (an array, or a pytree like x0) and returns a number or a
1-d array; it is written in NumPy like ``fun`` and optad differentiates it (a ``jac`` given
with it is not needed, and is not used: optad warns once).  Each constraint is evaluated once
at x0 here, so a wrong output shape, a wrong dict key or type string, or ``lb``/``ub`` that do
not fit the output is an error naming the constraint before anything is traced.
"""
from __future__ import annotations

import warnings
from typing import Callable, NamedTuple

import numpy as np

from .options import OptimizeWarning

# warn() <- _piece <- parse_constraints <- minimize <- user code
_USER_STACKLEVEL = 4
DICT_KEYS = {"type", "fun", "jac", "args"}
TYPES = ("eq", "ineq")


class Piece(NamedTuple):
    """One constraint: ``lower <= fun(x, *args) <= upper``, ``size`` outputs, flat as 1-d."""
    fun: Callable        # fun(x in x0's structure, *args) -> number or 1-d array
    args: tuple
    lower: np.ndarray    # (size,)
    upper: np.ndarray    # (size,)
    size: int
    scalar: bool         # fun returns a number (its multiplier is reported as one entry)
    label: str           # "constraints[2] (dict, 'ineq')", for messages


class Constraints(NamedTuple):
    """Every constraint, stacked: C(x) = concatenate of the pieces' outputs."""
    pieces: tuple
    lower: np.ndarray    # (m,)
    upper: np.ndarray    # (m,)

    @property
    def size(self) -> int:
        return int(self.lower.size)

    def split(self, vector):
        """``vector`` of length m cut into one array per constraint (scipy's ``v`` layout)."""
        out, offset = [], 0
        for piece in self.pieces:
            out.append(np.array(vector[offset:offset + piece.size]))
            offset += piece.size
        return out


def none(x_flat) -> Constraints:
    return Constraints((), np.zeros(0, x_flat.dtype), np.zeros(0, x_flat.dtype))


def is_given(constraints) -> bool:
    """Whether ``constraints`` names at least one constraint (None, () and [] name none)."""
    if constraints is None:
        return False
    if isinstance(constraints, (list, tuple)):
        return len(constraints) > 0
    return True


def parse_constraints(constraints, x_flat, unravel) -> Constraints:
    """The :class:`Constraints` ``constraints`` describes, checked by one evaluation of each
    at the start x_flat (of structure ``unravel``)."""
    if not is_given(constraints):
        return none(x_flat)
    items = list(constraints) if isinstance(constraints, (list, tuple)) else [constraints]
    single = not isinstance(constraints, (list, tuple))
    x = unravel(x_flat)
    pieces = tuple(_piece(item, "constraints" if single else f"constraints[{k}]", x)
                   for k, item in enumerate(items))
    lower = np.concatenate([p.lower for p in pieces]) if pieces else np.zeros(0)
    upper = np.concatenate([p.upper for p in pieces]) if pieces else np.zeros(0)
    return Constraints(pieces, lower, upper)


def _piece(item, where, x) -> Piece:
    if isinstance(item, dict):
        return _from_dict(item, where, x)
    if hasattr(item, "A") and hasattr(item, "lb") and hasattr(item, "ub"):
        return _from_linear(item, where, x)
    if hasattr(item, "fun") and hasattr(item, "lb") and hasattr(item, "ub"):
        label = f"{where} (NonlinearConstraint)"
        _warn_jac(getattr(item, "jac", None), label)
        size, scalar = _output_size(item.fun, (), x, label)
        lower = _side(item.lb, size, f"{label}.lb", -np.inf)
        upper = _side(item.ub, size, f"{label}.ub", np.inf)
        return _checked(Piece(item.fun, (), lower, upper, size, scalar, label))
    raise TypeError(f"{where} must be a dict {{'type': 'eq' or 'ineq', 'fun': c}}, a "
                    f"NonlinearConstraint or a LinearConstraint (or a list of them); got "
                    f"{type(item).__name__}")


def _from_dict(item, where, x) -> Piece:
    unknown = set(item) - DICT_KEYS
    if unknown:
        raise ValueError(f"{where} has unknown key(s) {sorted(map(str, unknown))}; a "
                         f"constraint dict takes 'type' ('eq' or 'ineq'), 'fun', and "
                         f"optionally 'args' and 'jac'")
    if "type" not in item or "fun" not in item:
        missing = [key for key in ("type", "fun") if key not in item]
        raise ValueError(f"{where} lacks the key(s) {missing}; write "
                         f"{{'type': 'eq' or 'ineq', 'fun': c}} with c(x) = 0 or c(x) >= 0")
    kind = item["type"]
    if not isinstance(kind, str) or kind.lower() not in TYPES:
        raise ValueError(f"{where} has type {kind!r}; expected 'eq' (c(x) = 0) or 'ineq' "
                         f"(c(x) >= 0)")
    kind = kind.lower()
    fun = item["fun"]
    if not callable(fun):
        raise TypeError(f"{where}['fun'] must be callable, got {type(fun).__name__}")
    args = item.get("args", ())
    args = args if isinstance(args, tuple) else (args,)
    label = f"{where} (dict, {kind!r})"
    _warn_jac(item.get("jac"), label)
    size, scalar = _output_size(fun, args, x, label)
    lower = np.zeros(size)
    upper = np.zeros(size) if kind == "eq" else np.full(size, np.inf)
    return Piece(fun, args, lower, upper, size, scalar, label)


def _from_linear(item, where, x) -> Piece:
    label = f"{where} (LinearConstraint)"
    try:
        A = np.array(item.A, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{label}.A must be a matrix of numbers (a sparse matrix: pass "
                        f"A.toarray())") from None
    n = sum(int(np.size(leaf)) for leaf in _leaves(x))
    if A.ndim == 1:
        A = A[None, :]
    if A.ndim != 2 or A.shape[1] != n:
        raise ValueError(f"{label}.A has shape {A.shape}; expected (m, {n}), one column per "
                         f"entry of x0")
    lower = _side(item.lb, A.shape[0], f"{label}.lb", -np.inf)
    upper = _side(item.ub, A.shape[0], f"{label}.ub", np.inf)
    return _checked(Piece(_LinearMap(A), (), lower, upper, A.shape[0], False, label))


class _LinearMap:
    """x -> A x on x's flat entries (x an array or a pytree, flattened in ravel order)."""

    def __init__(self, A):
        self.A = A
        self._key = (A.shape, A.tobytes())

    def __eq__(self, other):   # equal matrices: the same traced function (optimize/auglag)
        return isinstance(other, _LinearMap) and self._key == other._key

    def __hash__(self):
        return hash(self._key)

    def __call__(self, x, *args):
        leaves = _leaves(x)
        flat = leaves[0].reshape(-1) if len(leaves) == 1 else \
            np.concatenate([leaf.reshape(-1) for leaf in leaves])
        return self.A @ flat


def _leaves(x):
    from ..tree import flatten
    return flatten(x)[0]


def _warn_jac(jac, label):
    if callable(jac):
        warnings.warn(f"{label}: the 'jac' given is not used; optad differentiates the "
                      f"constraint function itself", OptimizeWarning, stacklevel=_USER_STACKLEVEL)


def _output_size(fun, args, x, label):
    """(number of outputs, whether fun returns a number) from one call at x0."""
    try:
        out = np.asarray(fun(x, *args), dtype=np.float64)
    except (TypeError, ValueError) as exc:
        if "could not convert" in str(exc) or "float()" in str(exc):
            raise TypeError(f"{label}: the constraint function must return a number or a 1-d "
                            f"array of numbers: {exc}") from None
        raise
    if out.ndim > 1:
        raise ValueError(f"{label}: the constraint function returns shape {out.shape}; it "
                         f"must return a number or a 1-d array (reshape(-1) its result, or "
                         f"return one constraint per entry)")
    if out.ndim == 1 and out.size == 0:
        raise ValueError(f"{label}: the constraint function returns an empty array")
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{label}: the constraint function is NaN or inf at x0")
    return int(out.size), out.ndim == 0


def _side(value, size, name, default):
    if value is None:
        return np.full(size, default)
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers") from None
    try:
        return np.broadcast_to(a.reshape(-1) if a.size == size else a, (size,)).copy()
    except ValueError:
        raise ValueError(f"{name} has shape {a.shape}; the constraint has {size} "
                         f"output(s)") from None


def _checked(piece: Piece) -> Piece:
    if np.any(np.isnan(piece.lower)) or np.any(np.isnan(piece.upper)):
        raise ValueError(f"{piece.label}: lb or ub is NaN")
    bad = np.flatnonzero(piece.lower > piece.upper)
    if bad.size:
        raise ValueError(f"{piece.label}: lb > ub at output(s) {bad[:10].tolist()}")
    bad = np.flatnonzero((piece.lower == np.inf) | (piece.upper == -np.inf))
    if bad.size:
        raise ValueError(f"{piece.label}: no value satisfies lb = +inf or ub = -inf at "
                         f"output(s) {bad[:10].tolist()}")
    return piece

