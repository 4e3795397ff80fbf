"""Problems of the Hock-Schittkowski collection (W. Hock and K. Schittkowski, Test Examples for
Nonlinear Programming Codes, Lecture Notes in Economics and Mathematical Systems 187, Springer
1981), written from their published definitions: objective, equality constraints c(x) = 0,
inequality constraints c(x) >= 0, bounds, the standard start x0 and the published optimal value
f*.

Each function uses the module-level name ``np`` only, so ``with_numpy(fun, jax.numpy)`` gives
the same function on JAX (the benchmark feeds scipy JAX's derivatives of the very same text).
Constraint functions return 1-d arrays (``np.stack``).  Problems left out: 13 (its minimum is
not a KKT point, the constraint qualification fails there), 25 (data fitting with 99 terms) and
those whose published values are given to few digits, and 47 (as we read its definition, points
of lower f than the published optimum are feasible).  HS41 starts from (1, 1, 1, 2), the
projection of its published start (2, 2, 2, 2) onto its bounds.
"""
from __future__ import annotations

import math
import types
from typing import Callable, NamedTuple, Optional

import numpy as np

INF = math.inf
SQ2, SQ3 = math.sqrt(2.0), math.sqrt(3.0)


class HS(NamedTuple):
    number: int
    f: Callable
    x0: tuple
    fstar: float
    bounds: Optional[list] = None      # one (lo, hi) per variable, None for no bound
    eq: Optional[Callable] = None      # c(x) = 0, a 1-d array
    ineq: Optional[Callable] = None    # c(x) >= 0, a 1-d array

    @property
    def name(self):
        return f"HS{self.number}"

    @property
    def n(self):
        return len(self.x0)

    @property
    def kind(self):
        """Which constraints it has: 'b' bounds, 'e' equalities, 'i' inequalities."""
        return "".join(k for k, has in (("b", self.bounds), ("e", self.eq), ("i", self.ineq))
                       if has is not None) or "-"


def with_numpy(fun, module):
    """``fun`` with its global ``np`` bound to ``module`` (e.g. jax.numpy)."""
    if fun is None:
        return None
    return types.FunctionType(fun.__code__, {**fun.__globals__, "np": module}, fun.__name__,
                              fun.__defaults__, fun.__closure__)


def rosenbrock(x):
    return 100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2


PROBLEMS = [
    HS(1, rosenbrock, (-2.0, 1.0), 0.0, bounds=[(None, None), (-1.5, None)]),
    HS(2, rosenbrock, (-2.0, 1.0), 0.0504261879, bounds=[(None, None), (1.5, None)]),
    HS(3, lambda x: x[1] + 1e-5 * (x[1] - x[0]) ** 2, (10.0, 1.0), 0.0,
       bounds=[(None, None), (0.0, None)]),
    HS(4, lambda x: (x[0] + 1.0) ** 3 / 3.0 + x[1], (1.125, 0.125), 8.0 / 3.0,
       bounds=[(1.0, None), (0.0, None)]),
    HS(5, lambda x: np.sin(x[0] + x[1]) + (x[0] - x[1]) ** 2 - 1.5 * x[0] + 2.5 * x[1] + 1.0,
       (0.0, 0.0), -SQ3 / 2.0 - math.pi / 3.0, bounds=[(-1.5, 4.0), (-3.0, 3.0)]),
    HS(6, lambda x: (1.0 - x[0]) ** 2, (-1.2, 1.0), 0.0,
       eq=lambda x: np.stack([10.0 * (x[1] - x[0] ** 2)])),
    HS(7, lambda x: np.log(1.0 + x[0] ** 2) - x[1], (2.0, 2.0), -SQ3,
       eq=lambda x: np.stack([(1.0 + x[0] ** 2) ** 2 + x[1] ** 2 - 4.0])),
    HS(9, lambda x: np.sin(math.pi * x[0] / 12.0) * np.cos(math.pi * x[1] / 16.0), (0.0, 0.0),
       -0.5, eq=lambda x: np.stack([4.0 * x[0] - 3.0 * x[1]])),
    HS(10, lambda x: x[0] - x[1], (-10.0, 10.0), -1.0,
       ineq=lambda x: np.stack([-3.0 * x[0] ** 2 + 2.0 * x[0] * x[1] - x[1] ** 2 + 1.0])),
    HS(11, lambda x: (x[0] - 5.0) ** 2 + x[1] ** 2 - 25.0, (4.9, 0.1), -8.498464223,
       ineq=lambda x: np.stack([-x[0] ** 2 + x[1]])),
    HS(12, lambda x: 0.5 * x[0] ** 2 + x[1] ** 2 - x[0] * x[1] - 7.0 * x[0] - 7.0 * x[1],
       (0.0, 0.0), -30.0, ineq=lambda x: np.stack([25.0 - 4.0 * x[0] ** 2 - x[1] ** 2])),
    HS(14, lambda x: (x[0] - 2.0) ** 2 + (x[1] - 1.0) ** 2, (2.0, 2.0),
       9.0 - 2.875 * math.sqrt(7.0),
       eq=lambda x: np.stack([x[0] - 2.0 * x[1] + 1.0]),
       ineq=lambda x: np.stack([-x[0] ** 2 / 4.0 - x[1] ** 2 + 1.0])),
    HS(15, rosenbrock, (-2.0, 1.0), 306.5, bounds=[(None, 0.5), (None, None)],
       ineq=lambda x: np.stack([x[0] * x[1] - 1.0, x[0] + x[1] ** 2])),
    HS(16, rosenbrock, (-2.0, 1.0), 0.25, bounds=[(-0.5, 0.5), (None, 1.0)],
       ineq=lambda x: np.stack([x[0] + x[1] ** 2, x[0] ** 2 + x[1]])),
    HS(17, rosenbrock, (-2.0, 1.0), 1.0, bounds=[(-0.5, 0.5), (None, 1.0)],
       ineq=lambda x: np.stack([x[1] ** 2 - x[0], x[0] ** 2 - x[1]])),
    HS(18, lambda x: 0.01 * x[0] ** 2 + x[1] ** 2, (2.0, 2.0), 5.0,
       bounds=[(2.0, 50.0), (0.0, 50.0)],
       ineq=lambda x: np.stack([x[0] * x[1] - 25.0, x[0] ** 2 + x[1] ** 2 - 25.0])),
    HS(19, lambda x: (x[0] - 10.0) ** 3 + (x[1] - 20.0) ** 3, (20.1, 5.84), -6961.81381,
       bounds=[(13.0, 100.0), (0.0, 100.0)],
       ineq=lambda x: np.stack([(x[0] - 5.0) ** 2 + (x[1] - 5.0) ** 2 - 100.0,
                                -(x[1] - 5.0) ** 2 - (x[0] - 6.0) ** 2 + 82.81])),
    HS(20, rosenbrock, (-2.0, 1.0), 81.5 - 25.0 * SQ3, bounds=[(-0.5, 0.5), (None, None)],
       ineq=lambda x: np.stack([x[0] + x[1] ** 2, x[0] ** 2 + x[1],
                                x[0] ** 2 + x[1] ** 2 - 1.0])),
    HS(21, lambda x: 0.01 * x[0] ** 2 + x[1] ** 2 - 100.0, (-1.0, -1.0), -99.96,
       bounds=[(2.0, 50.0), (-50.0, 50.0)],
       ineq=lambda x: np.stack([10.0 * x[0] - x[1] - 10.0])),
    HS(22, lambda x: (x[0] - 2.0) ** 2 + (x[1] - 1.0) ** 2, (2.0, 2.0), 1.0,
       ineq=lambda x: np.stack([-x[0] - x[1] + 2.0, -x[0] ** 2 + x[1]])),
    HS(23, lambda x: x[0] ** 2 + x[1] ** 2, (3.0, 1.0), 2.0, bounds=[(-50.0, 50.0)] * 2,
       ineq=lambda x: np.stack([x[0] + x[1] - 1.0, x[0] ** 2 + x[1] ** 2 - 1.0,
                                9.0 * x[0] ** 2 + x[1] ** 2 - 9.0, x[0] ** 2 - x[1],
                                x[1] ** 2 - x[0]])),
    HS(24, lambda x: ((x[0] - 3.0) ** 2 - 9.0) * x[1] ** 3 / (27.0 * SQ3), (1.0, 0.5), -1.0,
       bounds=[(0.0, None), (0.0, None)],
       ineq=lambda x: np.stack([x[0] / SQ3 - x[1], x[0] + SQ3 * x[1],
                                -x[0] - SQ3 * x[1] + 6.0])),
    HS(26, lambda x: (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 4, (-2.6, 2.0, 2.0), 0.0,
       eq=lambda x: np.stack([(1.0 + x[1] ** 2) * x[0] + x[2] ** 4 - 3.0])),
    HS(27, lambda x: 0.01 * (x[0] - 1.0) ** 2 + (x[1] - x[0] ** 2) ** 2, (2.0, 2.0, 2.0), 0.04,
       eq=lambda x: np.stack([x[0] + x[2] ** 2 + 1.0])),
    HS(28, lambda x: (x[0] + x[1]) ** 2 + (x[1] + x[2]) ** 2, (-4.0, 1.0, 1.0), 0.0,
       eq=lambda x: np.stack([x[0] + 2.0 * x[1] + 3.0 * x[2] - 1.0])),
    HS(29, lambda x: -x[0] * x[1] * x[2], (1.0, 1.0, 1.0), -16.0 * SQ2,
       ineq=lambda x: np.stack([-x[0] ** 2 - 2.0 * x[1] ** 2 - 4.0 * x[2] ** 2 + 48.0])),
    HS(30, lambda x: x[0] ** 2 + x[1] ** 2 + x[2] ** 2, (1.0, 1.0, 1.0), 1.0,
       bounds=[(1.0, 10.0), (-10.0, 10.0), (-10.0, 10.0)],
       ineq=lambda x: np.stack([x[0] ** 2 + x[1] ** 2 - 1.0])),
    HS(31, lambda x: 9.0 * x[0] ** 2 + x[1] ** 2 + 9.0 * x[2] ** 2, (1.0, 1.0, 1.0), 6.0,
       bounds=[(-10.0, 10.0), (1.0, 10.0), (-10.0, 1.0)],
       ineq=lambda x: np.stack([x[0] * x[1] - 1.0])),
    HS(32, lambda x: (x[0] + 3.0 * x[1] + x[2]) ** 2 + 4.0 * (x[0] - x[1]) ** 2, (0.1, 0.7, 0.2),
       1.0, bounds=[(0.0, None)] * 3,
       eq=lambda x: np.stack([1.0 - x[0] - x[1] - x[2]]),
       ineq=lambda x: np.stack([6.0 * x[1] + 4.0 * x[2] - x[0] ** 3 - 3.0])),
    HS(33, lambda x: (x[0] - 1.0) * (x[0] - 2.0) * (x[0] - 3.0) + x[2], (0.0, 0.0, 3.0),
       SQ2 - 6.0, bounds=[(0.0, None), (0.0, None), (0.0, 5.0)],
       ineq=lambda x: np.stack([x[2] ** 2 - x[0] ** 2 - x[1] ** 2,
                                x[0] ** 2 + x[1] ** 2 + x[2] ** 2 - 4.0])),
    HS(34, lambda x: -x[0], (0.0, 1.05, 2.9), -math.log(math.log(10.0)),
       bounds=[(0.0, 100.0), (0.0, 100.0), (0.0, 10.0)],
       ineq=lambda x: np.stack([x[1] - np.exp(x[0]), x[2] - np.exp(x[1])])),
    HS(35, lambda x: (9.0 - 8.0 * x[0] - 6.0 * x[1] - 4.0 * x[2] + 2.0 * x[0] ** 2
                      + 2.0 * x[1] ** 2 + x[2] ** 2 + 2.0 * x[0] * x[1] + 2.0 * x[0] * x[2]),
       (0.5, 0.5, 0.5), 1.0 / 9.0, bounds=[(0.0, None)] * 3,
       ineq=lambda x: np.stack([3.0 - x[0] - x[1] - 2.0 * x[2]])),
    HS(36, lambda x: -x[0] * x[1] * x[2], (10.0, 10.0, 10.0), -3300.0,
       bounds=[(0.0, 20.0), (0.0, 11.0), (0.0, 42.0)],
       ineq=lambda x: np.stack([72.0 - x[0] - 2.0 * x[1] - 2.0 * x[2]])),
    HS(37, lambda x: -x[0] * x[1] * x[2], (10.0, 10.0, 10.0), -3456.0,
       bounds=[(0.0, 42.0)] * 3,
       ineq=lambda x: np.stack([72.0 - x[0] - 2.0 * x[1] - 2.0 * x[2],
                                x[0] + 2.0 * x[1] + 2.0 * x[2]])),
    HS(38, lambda x: (100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2
                      + 90.0 * (x[3] - x[2] ** 2) ** 2 + (1.0 - x[2]) ** 2
                      + 10.1 * ((x[1] - 1.0) ** 2 + (x[3] - 1.0) ** 2)
                      + 19.8 * (x[1] - 1.0) * (x[3] - 1.0)),
       (-3.0, -1.0, -3.0, -1.0), 0.0, bounds=[(-10.0, 10.0)] * 4),
    HS(39, lambda x: -x[0], (2.0, 2.0, 2.0, 2.0), -1.0,
       eq=lambda x: np.stack([x[1] - x[0] ** 3 - x[2] ** 2, x[0] ** 2 - x[1] - x[3] ** 2])),
    HS(40, lambda x: -x[0] * x[1] * x[2] * x[3], (0.8, 0.8, 0.8, 0.8), -0.25,
       eq=lambda x: np.stack([x[0] ** 3 + x[1] ** 2 - 1.0, x[0] ** 2 * x[3] - x[2],
                              x[3] ** 2 - x[1]])),
    HS(41, lambda x: 2.0 - x[0] * x[1] * x[2], (1.0, 1.0, 1.0, 2.0), 52.0 / 27.0,
       bounds=[(0.0, 1.0), (0.0, 1.0), (0.0, 1.0), (0.0, 2.0)],
       eq=lambda x: np.stack([x[0] + 2.0 * x[1] + 2.0 * x[2] - x[3]])),
    HS(42, lambda x: ((x[0] - 1.0) ** 2 + (x[1] - 2.0) ** 2 + (x[2] - 3.0) ** 2
                      + (x[3] - 4.0) ** 2),
       (1.0, 1.0, 1.0, 1.0), 28.0 - 10.0 * SQ2,
       eq=lambda x: np.stack([x[0] - 2.0, x[2] ** 2 + x[3] ** 2 - 2.0])),
    HS(43, lambda x: (x[0] ** 2 + x[1] ** 2 + 2.0 * x[2] ** 2 + x[3] ** 2 - 5.0 * x[0]
                      - 5.0 * x[1] - 21.0 * x[2] + 7.0 * x[3]),
       (0.0, 0.0, 0.0, 0.0), -44.0,
       ineq=lambda x: np.stack([
           8.0 - x[0] ** 2 - x[1] ** 2 - x[2] ** 2 - x[3] ** 2 - x[0] + x[1] - x[2] + x[3],
           10.0 - x[0] ** 2 - 2.0 * x[1] ** 2 - x[2] ** 2 - 2.0 * x[3] ** 2 + x[0] + x[3],
           5.0 - 2.0 * x[0] ** 2 - x[1] ** 2 - x[2] ** 2 - 2.0 * x[0] + x[1] + x[3]])),
    HS(44, lambda x: (x[0] - x[1] - x[2] - x[0] * x[2] + x[0] * x[3] + x[1] * x[2]
                      - x[1] * x[3]),
       (0.0, 0.0, 0.0, 0.0), -15.0, bounds=[(0.0, None)] * 4,
       ineq=lambda x: np.stack([8.0 - x[0] - 2.0 * x[1], 12.0 - 4.0 * x[0] - x[1],
                                12.0 - 3.0 * x[0] - 4.0 * x[1], 8.0 - 2.0 * x[2] - x[3],
                                8.0 - x[2] - 2.0 * x[3], 5.0 - x[2] - x[3]])),
    HS(46, lambda x: ((x[0] - x[1]) ** 2 + (x[2] - 1.0) ** 2 + (x[3] - 1.0) ** 4
                      + (x[4] - 1.0) ** 6),
       (SQ2 / 2.0, 1.75, 0.5, 2.0, 2.0), 0.0,
       eq=lambda x: np.stack([x[0] ** 2 * x[3] + np.sin(x[3] - x[4]) - 1.0,
                              x[1] + x[2] ** 4 * x[3] ** 2 - 2.0])),
    HS(48, lambda x: (x[0] - 1.0) ** 2 + (x[1] - x[2]) ** 2 + (x[3] - x[4]) ** 2,
       (3.0, 5.0, -3.0, 2.0, -2.0), 0.0,
       eq=lambda x: np.stack([x[0] + x[1] + x[2] + x[3] + x[4] - 5.0,
                              x[2] - 2.0 * (x[3] + x[4]) + 3.0])),
    HS(49, lambda x: ((x[0] - x[1]) ** 2 + (x[2] - 1.0) ** 2 + (x[3] - 1.0) ** 4
                      + (x[4] - 1.0) ** 6),
       (10.0, 7.0, 2.0, -3.0, 0.8), 0.0,
       eq=lambda x: np.stack([x[0] + x[1] + x[2] + 4.0 * x[3] - 7.0, x[2] + 5.0 * x[4] - 6.0])),
    HS(50, lambda x: ((x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 2 + (x[2] - x[3]) ** 4
                      + (x[3] - x[4]) ** 2),
       (35.0, -31.0, 11.0, 5.0, -5.0), 0.0,
       eq=lambda x: np.stack([x[0] + 2.0 * x[1] + 3.0 * x[2] - 6.0,
                              x[1] + 2.0 * x[2] + 3.0 * x[3] - 6.0,
                              x[2] + 2.0 * x[3] + 3.0 * x[4] - 6.0])),
    HS(51, lambda x: ((x[0] - x[1]) ** 2 + (x[1] + x[2] - 2.0) ** 2 + (x[3] - 1.0) ** 2
                      + (x[4] - 1.0) ** 2),
       (2.5, 0.5, 2.0, -1.0, 0.5), 0.0,
       eq=lambda x: np.stack([x[0] + 3.0 * x[1] - 4.0, x[2] + x[3] - 2.0 * x[4],
                              x[1] - x[4]])),
    HS(52, lambda x: ((4.0 * x[0] - x[1]) ** 2 + (x[1] + x[2] - 2.0) ** 2 + (x[3] - 1.0) ** 2
                      + (x[4] - 1.0) ** 2),
       (2.0, 2.0, 2.0, 2.0, 2.0), 1859.0 / 349.0,
       eq=lambda x: np.stack([x[0] + 3.0 * x[1], x[2] + x[3] - 2.0 * x[4], x[1] - x[4]])),
    HS(53, lambda x: ((x[0] - x[1]) ** 2 + (x[1] + x[2] - 2.0) ** 2 + (x[3] - 1.0) ** 2
                      + (x[4] - 1.0) ** 2),
       (2.0, 2.0, 2.0, 2.0, 2.0), 176.0 / 43.0, bounds=[(-10.0, 10.0)] * 5,
       eq=lambda x: np.stack([x[0] + 3.0 * x[1], x[2] + x[3] - 2.0 * x[4], x[1] - x[4]])),
    HS(60, lambda x: (x[0] - 1.0) ** 2 + (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 4,
       (2.0, 2.0, 2.0), 0.03256820025, bounds=[(-10.0, 10.0)] * 3,
       eq=lambda x: np.stack([x[0] * (1.0 + x[1] ** 2) + x[2] ** 4 - 4.0 - 3.0 * SQ2])),
    HS(65, lambda x: (x[0] - x[1]) ** 2 + (x[0] + x[1] - 10.0) ** 2 / 9.0 + (x[2] - 5.0) ** 2,
       (-5.0, 5.0, 0.0), 0.9535288567,
       bounds=[(-4.5, 4.5), (-4.5, 4.5), (-5.0, 5.0)],
       ineq=lambda x: np.stack([48.0 - x[0] ** 2 - x[1] ** 2 - x[2] ** 2])),
    HS(71, lambda x: x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2], (1.0, 5.0, 5.0, 1.0),
       17.0140173, bounds=[(1.0, 5.0)] * 4,
       eq=lambda x: np.stack([x[0] ** 2 + x[1] ** 2 + x[2] ** 2 + x[3] ** 2 - 40.0]),
       ineq=lambda x: np.stack([x[0] * x[1] * x[2] * x[3] - 25.0])),
    HS(76, lambda x: (x[0] ** 2 + 0.5 * x[1] ** 2 + x[2] ** 2 + 0.5 * x[3] ** 2 - x[0] * x[2]
                      + x[2] * x[3] - x[0] - 3.0 * x[1] + x[2] - x[3]),
       (0.5, 0.5, 0.5, 0.5), -4.681818181, bounds=[(0.0, None)] * 4,
       ineq=lambda x: np.stack([5.0 - x[0] - 2.0 * x[1] - x[2] - x[3],
                                4.0 - 3.0 * x[0] - x[1] - 2.0 * x[2] + x[3],
                                x[1] + 4.0 * x[2] - 1.5])),
    HS(77, lambda x: ((x[0] - 1.0) ** 2 + (x[0] - x[1]) ** 2 + (x[2] - 1.0) ** 2
                      + (x[3] - 1.0) ** 4 + (x[4] - 1.0) ** 6),
       (2.0, 2.0, 2.0, 2.0, 2.0), 0.24150513,
       eq=lambda x: np.stack([x[0] ** 2 * x[3] + np.sin(x[3] - x[4]) - 2.0 * SQ2,
                              x[1] + x[2] ** 4 * x[3] ** 2 - 8.0 - SQ2])),
    HS(78, lambda x: x[0] * x[1] * x[2] * x[3] * x[4], (-2.0, 1.5, 2.0, -1.0, -1.0), -2.91970041,
       eq=lambda x: np.stack([x[0] ** 2 + x[1] ** 2 + x[2] ** 2 + x[3] ** 2 + x[4] ** 2 - 10.0,
                              x[1] * x[2] - 5.0 * x[3] * x[4], x[0] ** 3 + x[1] ** 3 + 1.0])),
    HS(79, lambda x: ((x[0] - 1.0) ** 2 + (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 2
                      + (x[2] - x[3]) ** 4 + (x[3] - x[4]) ** 4),
       (2.0, 2.0, 2.0, 2.0, 2.0), 0.0787768209,
       eq=lambda x: np.stack([x[0] + x[1] ** 2 + x[2] ** 3 - 2.0 - 3.0 * SQ2,
                              x[1] - x[2] ** 2 + x[3] + 2.0 - 2.0 * SQ2, x[0] * x[4] - 2.0])),
]


def relative_error(f, fstar):
    return abs(f - fstar) / max(1.0, abs(fstar))


def solved(f, violation, problem, ftol=1e-5, ctol=1e-6):
    """|f - f*| <= ftol max(1, |f*|) with every constraint and bound met to ctol."""
    return bool(np.isfinite(f)) and relative_error(f, problem.fstar) <= ftol and \
        violation <= ctol


def violation(problem, x):
    """The largest violation of a bound or constraint at x (plain NumPy)."""
    x = np.asarray(x, dtype=float)
    worst = 0.0
    if problem.bounds is not None:
        lo = np.array([-INF if b[0] is None else b[0] for b in problem.bounds])
        hi = np.array([INF if b[1] is None else b[1] for b in problem.bounds])
        worst = max(worst, float(np.max(np.maximum(lo - x, 0.0))),
                    float(np.max(np.maximum(x - hi, 0.0))))
    if problem.eq is not None:
        worst = max(worst, float(np.max(np.abs(problem.eq(x)))))
    if problem.ineq is not None:
        worst = max(worst, float(np.max(np.maximum(-problem.ineq(x), 0.0))))
    return worst
