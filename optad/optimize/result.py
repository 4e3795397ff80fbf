"""OptimizeResult (scipy-style attribute access) and the per-iteration History."""
from __future__ import annotations

import numpy as np


class OptimizeResult(dict):
    """Result of :func:`optad.minimize`. A dict with attribute access.

    Fields: ``x`` (x0's pytree structure), ``fun``, ``jac`` (gradient, same structure as x; None
    for zero-order methods), ``nit``, ``nfev``, ``njev``, ``nhev``, ``success``, ``status``,
    ``message``, ``history`` (:class:`History`), ``method``.
    """

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    __setattr__ = dict.__setitem__
    __delattr__ = dict.__delitem__

    def __dir__(self):
        return list(self.keys())

    def __repr__(self):
        if not self:
            return f"{type(self).__name__}()"
        width = max(map(len, self.keys())) + 1
        lines = []
        for key, value in self.items():
            text = repr(value) if not isinstance(value, History) else value.summary()
            text = text.replace("\n", "\n" + " " * (width + 2))
            lines.append(f"{key.rjust(width)}: {text}")
        return "\n".join(lines)


HISTORY_FIELDS = ("f", "grad_norm", "nfev", "njev", "nhev", "time")


class History(dict):
    """Per-iteration record, one entry per iterate starting with x0: ``f``, ``grad_norm``
    (NaN where no gradient is known), cumulative ``nfev``/``njev``/``nhev`` and elapsed ``time``
    in seconds. Values are NumPy arrays of equal length; attribute access like OptimizeResult."""

    def __init__(self, **columns):
        super().__init__()
        for name in HISTORY_FIELDS:
            col = columns.get(name, ())
            self[name] = np.asarray(col, dtype=float if name in ("f", "grad_norm", "time")
                                    else np.int64)

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    def __len__(self):
        return len(self["f"])

    def summary(self):
        return f"History({len(self)} entries: {', '.join(HISTORY_FIELDS)})"


class Rows:
    """The history while a run is in progress: one row per iterate, each (f, grad_norm, nfev,
    njev, nhev, time); a method's ``finish`` may revise the last row."""

    def __init__(self, rows=None):
        self.rows = [] if rows is None else [list(row) for row in rows]

    def append(self, f, grad_norm, nfev, njev, nhev, time):
        self.rows.append([f, grad_norm, nfev, njev, nhev, time])

    def revise_last(self, f=None, nfev=0):
        """Set the last row's f; add ``nfev`` evaluations to its count."""
        if f is not None:
            self.rows[-1][0] = f
        self.rows[-1][2] += nfev

    def history(self):
        columns = list(zip(*self.rows)) if self.rows else [()] * len(HISTORY_FIELDS)
        return History(**dict(zip(HISTORY_FIELDS, columns)))
