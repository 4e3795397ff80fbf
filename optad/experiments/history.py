"""Turn an OptimizeResult's history into the columns the run folder stores.

The contract (DESIGN.md §2) gives per-iteration f, gradient norm, cumulative nfev/njev/nhev and
elapsed seconds. This module accepts the history as a mapping of sequences or a sequence of
per-iteration mappings/records and adds the derived columns: the gap f - f* and the
evaluation count nfev + njev (a gradient costs one f and one gradient; HVPs stay separate).
"""
from __future__ import annotations

import math

import numpy as np

from .rundir import HISTORY_COLUMNS

# Our column -> names an optimiser may use for it, in order of preference.
ALIASES = {
    "f": ("f", "fun", "loss", "value"),
    "grad_norm": ("grad_norm", "gnorm", "gradient_norm", "jac_norm"),
    "nfev": ("nfev",),
    "njev": ("njev", "ngev"),
    "nhev": ("nhev",),
    "time_s": ("time", "elapsed", "seconds", "wall_time", "time_s", "t"),
    "iteration": ("iteration", "nit", "k", "iter"),
}


def _as_columns(history) -> dict:
    if history is None:
        raise ValueError("the optimiser returned no history")
    if isinstance(history, dict):
        return {key: list(np.asarray(value).ravel()) if np.ndim(value) else [value]
                for key, value in history.items()}
    rows = list(history)
    if not rows:
        return {}
    first = rows[0]
    keys = first.keys() if isinstance(first, dict) else getattr(first, "_fields", None) \
        or [k for k in vars(first) if not k.startswith("_")]
    get = (lambda row, key: row[key]) if isinstance(first, dict) else getattr
    return {key: [get(row, key) for row in rows] for key in keys}


def _pick(columns: dict, ours: str):
    for name in ALIASES[ours]:
        if name in columns:
            return columns[name]
    return None


def normalise_history(history, f_star: float | None) -> dict:
    """Columns of HISTORY_COLUMNS (lists of equal length) from an optimiser's history."""
    columns = _as_columns(history)
    f = _pick(columns, "f")
    if f is None:
        raise ValueError(f"history has no objective values; its fields are {sorted(columns)}")
    length = len(f)

    def column(ours, default):
        values = _pick(columns, ours)
        if values is None:
            return [default(i) for i in range(length)]
        if len(values) != length:
            raise ValueError(f"history field for {ours!r} has {len(values)} entries, "
                             f"f has {length}")
        return values

    out = {
        "iteration": [int(v) for v in column("iteration", lambda i: i)],
        "f": [float(v) for v in f],
        "grad_norm": [float(v) for v in column("grad_norm", lambda i: math.nan)],
        "nfev": [int(v) for v in column("nfev", lambda i: 0)],
        "njev": [int(v) for v in column("njev", lambda i: 0)],
        "nhev": [int(v) for v in column("nhev", lambda i: 0)],
        "time_s": [float(v) for v in column("time_s", lambda i: math.nan)],
    }
    out["gap"] = [v - f_star if f_star is not None else v for v in out["f"]]
    out["evaluations"] = [a + b for a, b in zip(out["nfev"], out["njev"])]
    assert set(out) == set(HISTORY_COLUMNS)
    return out


def first_reaching(history: dict, target: float | None, column: str):
    """The value of ``column`` at the first row whose gap is <= target (None if never)."""
    if target is None:
        return None
    for gap, value in zip(history["gap"], history[column]):
        if gap <= target:
            return value
    return None
