"""The record every problem constructor returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


@dataclass(frozen=True)
class Problem:
    """A minimisation problem ready for ``optad.minimize(problem.f, problem.x0(seed), args=problem.data)``.

    ``f(x, *data)`` is written in plain NumPy so optad can trace it; ``data`` holds the arrays it
    takes besides the variable; ``init(seed)`` draws a starting point; ``f_star`` is the optimal
    value when it is known (``None`` otherwise) and ``x_star`` a minimiser when one is known.
    ``params`` records the constructor arguments that made it.
    """

    name: str
    f: Callable[..., Any]
    data: tuple
    init: Callable[[int], Any]
    f_star: float | None = None
    x_star: Any = None
    params: dict = field(default_factory=dict)
    description: str = ""

    def x0(self, seed: int = 0):
        """A starting point drawn from the problem's own distribution with this seed."""
        return self.init(int(seed))

    def value(self, x) -> float:
        """f(x) evaluated with NumPy (no tracing)."""
        return float(self.f(x, *self.data))

    def dimension(self) -> int:
        """Number of scalar unknowns in x."""
        x = self.x0(0)
        leaves = x if isinstance(x, (tuple, list)) else (x,)
        return int(sum(np.size(leaf) for leaf in leaves))


def check_positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_positive_float(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) \
            or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)
