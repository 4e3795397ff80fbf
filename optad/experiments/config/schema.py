"""What a validated config holds: typed, frozen records, and the accepted top-level keys, plots
and defaults.  ``Config.to_dict``/``from_dict`` round-trip through a run folder's config.json
(and through Dask to another process)."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from .errors import ConfigError

PLOT_KINDS = {
    "iterations": "f - f* (or loss) against iterations",
    "evaluations": "against function + gradient evaluations (HVPs shown in the legend)",
    "time": "against wall-clock seconds",
    "sweep": "iterations and evaluations to reach `target` against the sweep parameter",
}
TOP_KEYS = ("name", "description", "problem", "sweep", "methods", "seeds", "budget", "backend",
            "target", "plots", "xscale")
XSCALES = ("linear", "log")


DEFAULT_SEEDS = (0,)
DEFAULT_MAXITER = 500


@dataclass(frozen=True)
class ProblemSpec:
    """``bounds`` is None or {"lower": ..., "upper": ...}, each None (no bound), a number for
    every unknown, or a list of one number (or None) per unknown in flat order (bounds.py);
    ``constraints`` None or a list of {"name": ..., "params": {...}} naming the problem's own
    constraints (constraints.py)."""
    name: str
    params: dict = field(default_factory=dict)
    bounds: dict | None = None
    constraints: list | None = None


@dataclass(frozen=True)
class SweepSpec:
    param: str
    values: tuple


@dataclass(frozen=True)
class MethodSpec:
    """``sweep_options`` maps an option name to one value per sweep point (e.g. a zero-order
    step that must shrink like 1/n as the dimension n grows)."""
    label: str
    method: str
    options: dict = field(default_factory=dict)
    sweep_options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Budget:
    """``maxiter`` per run (a method's own ``maxiter`` option overrides it); ``seconds`` of wall
    time per run; ``stop_at_target`` ends a run once f - f* (or f) <= the config's target."""
    maxiter: int
    seconds: float | None = None
    stop_at_target: bool = False


@dataclass(frozen=True)
class Config:
    name: str
    problem: ProblemSpec
    methods: tuple
    seeds: tuple
    budget: Budget
    description: str = ""
    sweep: SweepSpec | None = None
    backend: str = "numba"
    target: float | None = None
    plots: tuple = ("iterations", "evaluations", "time")
    xscale: str = "linear"
    budget_scale: float = 1.0

    def sweep_values(self) -> tuple:
        """The sweep's values, or a single None when the config has no sweep."""
        return self.sweep.values if self.sweep else (None,)

    def method_options(self, method: MethodSpec, sweep_value=None) -> dict:
        """The method's options at this sweep point (sweep_options filled in)."""
        options = dict(method.options)
        if method.sweep_options:
            position = self.sweep.values.index(sweep_value)
            options.update({key: values[position]
                            for key, values in method.sweep_options.items()})
        return options

    def problem_params(self, sweep_value=None) -> dict:
        params = dict(self.problem.params)
        if self.sweep is not None:
            params[self.sweep.param] = sweep_value
        return params

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Config":
        """Rebuild a Config from ``to_dict()`` output (as stored in a run folder)."""
        return cls(
            name=data["name"], description=data.get("description", ""),
            problem=ProblemSpec(**data["problem"]),
            methods=tuple(MethodSpec(**m) for m in data["methods"]),
            seeds=tuple(data["seeds"]), budget=Budget(**data["budget"]),
            sweep=SweepSpec(data["sweep"]["param"], tuple(data["sweep"]["values"]))
            if data.get("sweep") else None,
            backend=data.get("backend", "numba"), target=data.get("target"),
            plots=tuple(data.get("plots", ())), xscale=data.get("xscale", "linear"),
            budget_scale=data.get("budget_scale", 1.0))

    def scaled(self, factor: float) -> "Config":
        """The same study with iteration, evaluation and time budgets multiplied by ``factor``."""
        if not (isinstance(factor, (int, float)) and math.isfinite(factor) and factor > 0):
            raise ConfigError(f"budget scale: expected a positive number, got {factor!r}")
        if factor == 1:
            return self

        def shrink(count):
            return None if count is None else max(1, int(math.ceil(count * factor)))

        budget = dataclasses.replace(
            self.budget, maxiter=shrink(self.budget.maxiter),
            seconds=None if self.budget.seconds is None else self.budget.seconds * factor)
        methods = []
        for spec in self.methods:
            options = dict(spec.options)
            sweep_options = dict(spec.sweep_options)
            for key in ("maxiter", "max_nfev"):
                if key in options:
                    options[key] = shrink(options[key])
                if key in sweep_options:
                    sweep_options[key] = [shrink(v) for v in sweep_options[key]]
            methods.append(dataclasses.replace(spec, options=options,
                                               sweep_options=sweep_options))
        return dataclasses.replace(self, budget=budget, methods=tuple(methods),
                                   budget_scale=self.budget_scale * factor)
