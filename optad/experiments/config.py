"""Experiment configs: YAML (``yaml.safe_load`` only) validated into typed dataclasses.

A config names a problem with its parameters, an optional sweep over one problem parameter, a
list of methods with their options, seeds, a budget and the plots to draw::

    name: mds
    problem: {name: mds, params: {N: 20, d: 2}}
    sweep: {param: d, values: [2, 8, 32]}
    methods:
      - {label: GD, method: gd, options: {step: 1.0e-4}}
    seeds: [0, 1, 2]
    budget: {maxiter: 500}
    plots: [iterations, evaluations, time]

Every bad key, type or value is reported - all of them at once, in one ``ConfigError`` - naming
the key path, the bad value and what is accepted (with "did you mean" for a near miss).
``seeds`` defaults to ``[0]`` and ``budget`` to ``{maxiter: 500}``.  YAML aliases (``*name``) are
refused, so a small file cannot expand into a huge document.  Validation constructs each problem
(cheap) to check its parameters; nothing is run.
"""
from __future__ import annotations

import dataclasses
import difflib
import inspect
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..problems import PROBLEMS
from .methods import BACKENDS, METHOD_OPTIONS, describe_kind

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


class ConfigError(ValueError):
    """A config file is not valid; the message names the key path and what is accepted."""


class _Problems:
    """Collects the ConfigErrors of independent checks, to report them all at once."""

    def __init__(self):
        self.messages = []

    def check(self, function, *args, default=None):
        try:
            return function(*args)
        except ConfigError as error:
            self.messages.extend(getattr(error, "messages", None) or str(error).split("\n"))
            return default

    def raise_if_any(self):
        if not self.messages:
            return
        error = ConfigError(self.messages[0] if len(self.messages) == 1 else
                            f"{len(self.messages)} problems:\n" + "\n".join(
                                "  " + m for m in self.messages))
        error.messages = list(self.messages)
        raise error


def did_you_mean(value, choices) -> str:
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


@dataclass(frozen=True)
class ProblemSpec:
    name: str
    params: dict = field(default_factory=dict)


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


# --------------------------------------------------------------------------- value checks

def _fail(path: str, value, accepted: str, choices=()):
    raise ConfigError(f"{path}: got {value!r} ({type(value).__name__}); expected {accepted}"
                      + did_you_mean(value, choices))


def _number(path, value, accepted):
    # PyYAML reads 1e-4 (no dot) as a string; accept any string that is a plain float literal.
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            _fail(path, value, accepted)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        _fail(path, value, accepted)
    return value


def check_kind(path: str, value, kind):
    """Validate ``value`` against an option kind from methods.py; return the normalised value."""
    accepted = describe_kind(kind)
    if isinstance(kind, tuple):
        if value not in kind:
            _fail(path, value, accepted, kind)
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            _fail(path, value, accepted)
        return value
    if kind in ("int+", "int0"):
        if isinstance(value, bool) or not isinstance(value, int) or value < (kind == "int+"):
            _fail(path, value, accepted)
        return value
    if kind == "fractions2":
        if not (isinstance(value, (list, tuple)) and len(value) == 2):
            _fail(path, value, accepted)
        return tuple(check_kind(f"{path}[{i}]", v, "fraction") for i, v in enumerate(value))
    number = float(_number(path, value, accepted))
    if (kind == "float+" and number <= 0) or (kind == "float0" and number < 0) \
            or (kind == "fraction" and not 0 <= number < 1):
        _fail(path, value, accepted)
    return number


def _mapping(path, value, allowed, required=()):
    """Check the keys of a mapping: every unknown and every missing key in one error."""
    if not isinstance(value, dict):
        _fail(path, value, "a mapping with keys " + ", ".join(allowed))
    messages = [f"{path}.{key}: unknown key {key!r}; accepted keys at {path}: "
                + ", ".join(allowed) + did_you_mean(key, allowed)
                for key in value if key not in allowed]
    messages += [f"{path}.{key}: missing; {path} needs " + ", ".join(required)
                 for key in required if key not in value]
    if messages:
        raise ConfigError("\n".join(messages))
    return value


def _string(path, value, accepted="a string"):
    if not isinstance(value, str) or not value.strip():
        _fail(path, value, accepted)
    return value


# --------------------------------------------------------------------------- sections

def _problem_param_kinds(name: str) -> dict:
    """Parameter name -> kind, read from the constructor's defaults."""
    kinds = {}
    for param in inspect.signature(PROBLEMS[name]).parameters.values():
        default = param.default
        kinds[param.name] = "int0" if isinstance(default, int) and not isinstance(default, bool) \
            else "float+" if isinstance(default, float) else "any"
    return kinds


def _check_problem_value(path, value, kind):
    return value if kind == "any" else check_kind(path, value, kind)


def _problem(raw) -> ProblemSpec:
    _mapping("problem", raw, ("name", "params"), required=("name",))
    name = raw["name"]
    if name not in PROBLEMS:
        _fail("problem.name", name, "one of " + ", ".join(sorted(PROBLEMS)), PROBLEMS)
    kinds = _problem_param_kinds(name)
    params = raw.get("params") or {}
    problems = _Problems()
    problems.check(_mapping, "problem.params", params, tuple(kinds))
    checked = {}
    for key, value in (params.items() if isinstance(params, dict) else ()):
        if key in kinds:
            checked[key] = problems.check(_check_problem_value, f"problem.params.{key}", value,
                                          kinds[key])
    problems.raise_if_any()
    return ProblemSpec(name, checked)


def _sweep(raw, problem: ProblemSpec):
    if raw is None:
        return None
    _mapping("sweep", raw, ("param", "values"), required=("param", "values"))
    kinds = _problem_param_kinds(problem.name)
    param = raw["param"]
    if param not in kinds:
        _fail("sweep.param", param, f"a parameter of problem {problem.name!r}: "
              + ", ".join(kinds), kinds)
    if param in problem.params:
        raise ConfigError(f"sweep.param: {param!r} is also set in problem.params; "
                          f"set it in one place only")
    values = raw["values"]
    if not isinstance(values, list) or not values:
        _fail("sweep.values", values, "a non-empty list")
    checked = tuple(_check_problem_value(f"sweep.values[{i}]", v, kinds[param])
                    for i, v in enumerate(values))
    if len(set(checked)) != len(checked):
        _fail("sweep.values", values, "distinct values")
    return SweepSpec(param, checked)


def _sweep_options(path, raw, accepted, sweep):
    if raw is None:
        return {}
    if sweep is None:
        raise ConfigError(f"{path}: needs a sweep section (one value per sweep point)")
    if not isinstance(raw, dict):
        _fail(path, raw, "a mapping of option names to lists, one value per sweep point")
    checked = {}
    for key, values in raw.items():
        if key not in accepted:
            raise ConfigError(f"{path}.{key}: unknown option {key!r}; accepted: "
                              + ", ".join(accepted))
        if not isinstance(values, list) or len(values) != len(sweep.values):
            _fail(f"{path}.{key}", values, f"a list of {len(sweep.values)} values, one per "
                  f"sweep value {list(sweep.values)}")
        checked[key] = [check_kind(f"{path}.{key}[{j}]", v, accepted[key][0])
                        for j, v in enumerate(values)]
    return checked


def _method(path, entry, sweep, labels) -> MethodSpec:
    _mapping(path, entry, ("label", "method", "options", "sweep_options"), required=("method",))
    method = entry["method"]
    if method not in METHOD_OPTIONS:
        _fail(f"{path}.method", method, "one of " + ", ".join(METHOD_OPTIONS), METHOD_OPTIONS)
    problems = _Problems()
    label = problems.check(_string, f"{path}.label", entry.get("label", method))
    if label in labels:
        problems.messages.append(f"{path}.label: {label!r} is used twice; labels must be unique")
    labels.add(label)
    options = entry.get("options") or {}
    accepted = METHOD_OPTIONS[method]
    if not isinstance(options, dict):
        _fail(f"{path}.options", options, "a mapping of option names to values")
    checked = {}
    for key, value in options.items():
        if key not in accepted:
            problems.messages.append(
                f"{path}.options.{key}: unknown option {key!r} for method {method!r}; "
                "accepted: " + ", ".join(accepted) + did_you_mean(key, accepted))
        else:
            checked[key] = problems.check(check_kind, f"{path}.options.{key}", value,
                                          accepted[key][0])
    per_point = problems.check(_sweep_options, f"{path}.sweep_options",
                               entry.get("sweep_options"), accepted, sweep, default={})
    for key in per_point:
        if key in checked:
            problems.messages.append(f"{path}.sweep_options.{key}: also set in {path}.options; "
                                     "set it in one place only")
    problems.raise_if_any()
    return MethodSpec(label, method, checked, per_point)


def _methods(raw, sweep=None) -> tuple:
    if not isinstance(raw, list) or not raw:
        _fail("methods", raw, "a non-empty list of {label, method, options}")
    problems, labels = _Problems(), set()
    specs = tuple(problems.check(_method, f"methods[{i}]", entry, sweep, labels)
                  for i, entry in enumerate(raw))
    problems.raise_if_any()
    return specs


def _seeds(raw) -> tuple:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        _fail("seeds", raw, "a non-empty list of non-negative integers")
    problems = _Problems()
    seeds = tuple(problems.check(check_kind, f"seeds[{i}]", s, "int0") for i, s in enumerate(raw))
    problems.raise_if_any()
    if len(set(seeds)) != len(seeds):
        _fail("seeds", raw, "distinct seeds")
    return seeds


def _budget(raw) -> Budget:
    raw = {} if raw is None else raw
    _mapping("budget", raw, ("maxiter", "seconds", "stop_at_target"))
    problems = _Problems()
    budget = Budget(
        maxiter=problems.check(check_kind, "budget.maxiter", raw.get("maxiter", DEFAULT_MAXITER),
                               "int+"),
        seconds=None if raw.get("seconds") is None
        else problems.check(check_kind, "budget.seconds", raw["seconds"], "float+"),
        stop_at_target=problems.check(check_kind, "budget.stop_at_target",
                                      raw.get("stop_at_target", False), "bool"))
    problems.raise_if_any()
    return budget


def _plots(raw, sweep, target) -> tuple:
    if raw is None:
        return ("iterations", "evaluations", "time")
    if not isinstance(raw, list) or not raw:
        _fail("plots", raw, "a non-empty list drawn from " + ", ".join(PLOT_KINDS))
    problems = _Problems()
    for i, kind in enumerate(raw):
        if kind not in PLOT_KINDS:
            problems.check(_fail, f"plots[{i}]", kind, "one of " + ", ".join(PLOT_KINDS),
                           PLOT_KINDS)
    problems.raise_if_any()
    if "sweep" in raw and (sweep is None or target is None):
        raise ConfigError("plots: 'sweep' needs both a sweep section and a target")
    return tuple(dict.fromkeys(raw))


def _check_problems_build(problem: ProblemSpec, sweep: SweepSpec | None) -> None:
    for value in (sweep.values if sweep else (None,)):
        params = dict(problem.params)
        where = "problem.params"
        if sweep is not None:
            params[sweep.param] = value
            where = f"sweep.values (={value!r})"
        try:
            PROBLEMS[problem.name](**params)
        except (ValueError, TypeError) as error:
            raise ConfigError(f"{where}: problem {problem.name!r} rejects {params}: {error}") \
                from None


def _backend(value):
    if value not in BACKENDS:
        _fail("backend", value, "one of " + ", ".join(BACKENDS), BACKENDS)
    return value


def validate(raw: Any, name: str = "config") -> Config:
    """Turn the parsed YAML document into a Config, or raise ConfigError naming every problem."""
    if not isinstance(raw, dict):
        _mapping("<top level>", raw, TOP_KEYS)
    problems = _Problems()
    problems.check(_mapping, "<top level>", raw, TOP_KEYS, ("problem", "methods"))
    problem = problems.check(_problem, raw["problem"]) if "problem" in raw else None
    sweep = problems.check(_sweep, raw.get("sweep"), problem) if problem else None
    backend = problems.check(_backend, raw.get("backend", "numba"))
    target = raw.get("target")
    if target is not None:
        target = problems.check(check_kind, "target", target, "float+")
    config_name = problems.check(_string, "name", raw.get("name", name))
    methods = problems.check(_methods, raw["methods"], sweep) if "methods" in raw else None
    seeds = problems.check(_seeds, raw.get("seeds", list(DEFAULT_SEEDS)))
    budget = problems.check(_budget, raw.get("budget"))
    if problem is not None and raw.get("sweep") is not None and sweep is None:
        sweep_for_plots = SweepSpec("?", (None,))   # the sweep was reported already
    else:
        sweep_for_plots = sweep
    plots = problems.check(_plots, raw.get("plots"), sweep_for_plots, target)
    xscale = problems.check(check_kind, "xscale", raw.get("xscale", "linear"), XSCALES)
    if budget is not None and budget.stop_at_target and raw.get("target") is None:
        problems.messages.append("budget.stop_at_target: true needs a top-level target")
    if problem is not None and not problems.messages:
        problems.check(_check_problems_build, problem, sweep)
    problems.raise_if_any()
    return Config(name=config_name, description=str(raw.get("description", "") or ""),
                  problem=problem, sweep=sweep, methods=methods, seeds=seeds, budget=budget,
                  backend=backend, target=target, plots=plots, xscale=xscale)


class _NoAliasSafeLoader(yaml.SafeLoader):
    """``yaml.safe_load``'s loader, refusing aliases: a "billion laughs" document of 1 KB whose
    aliases nest ten deep would otherwise expand to gigabytes."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"aliases (*{event.anchor}) are not accepted in optad configs; "
                "write the value out", event.start_mark)
        return super().compose_node(parent, index)


def load_config(path) -> tuple[Config, str]:
    """Read and validate a YAML config; returns (Config, the file's text)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except IsADirectoryError:
        raise ConfigError(f"{path}: cannot read config: it is a folder, not a YAML file") \
            from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read config: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file (a YAML config is UTF-8 text)") from None
    try:
        raw = yaml.load(text, Loader=_NoAliasSafeLoader)   # safe_load, without aliases
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    try:
        return validate(raw, name=path.stem), text
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None
