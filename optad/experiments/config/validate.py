"""The validator: a parsed YAML document in, a :class:`Config` out, or one ConfigError naming
every problem at once (key path, bad value, what is accepted, "did you mean" for a near miss).
Validation builds each problem (cheap) to check its parameters, bounds and constraints; nothing
is run."""
from __future__ import annotations

from typing import Any

from ...problems import PROBLEMS
from ..methods import BACKENDS, METHOD_OPTIONS
from .bounds import check_bounds, check_bounds_fit
from .checks import check_kind, check_mapping, check_string, constructor_kinds
from .constraints import check_constraints, check_constraints_fit, check_methods_take_constraints
from .errors import ConfigError, ErrorCollector, did_you_mean, fail
from .schema import (DEFAULT_MAXITER, DEFAULT_SEEDS, PLOT_KINDS, TOP_KEYS, XSCALES, Budget,
                     Config, MethodSpec, ProblemSpec, SweepSpec)


def _problem_param_kinds(name: str) -> dict:
    """Parameter name -> kind, read from the constructor's defaults."""
    return constructor_kinds(PROBLEMS[name])


def _check_problem_value(path, value, kind):
    return value if kind == "any" else check_kind(path, value, kind)


def _problem(raw) -> ProblemSpec:
    check_mapping("problem", raw, ("name", "params", "bounds", "constraints"),
                  required=("name",))
    name = raw["name"]
    if name not in PROBLEMS:
        fail("problem.name", name, "one of " + ", ".join(sorted(PROBLEMS)), PROBLEMS)
    kinds = _problem_param_kinds(name)
    params = raw.get("params") or {}
    problems = ErrorCollector()
    problems.check(check_mapping, "problem.params", params, tuple(kinds))
    checked = {}
    for key, value in (params.items() if isinstance(params, dict) else ()):
        if key in kinds:
            checked[key] = problems.check(_check_problem_value, f"problem.params.{key}", value,
                                          kinds[key])
    bounds = problems.check(check_bounds, raw.get("bounds"))
    constraints = problems.check(check_constraints, raw.get("constraints"), name)
    problems.raise_if_any()
    return ProblemSpec(name, checked, bounds, constraints)


def _sweep(raw, problem: ProblemSpec):
    if raw is None:
        return None
    check_mapping("sweep", raw, ("param", "values"), required=("param", "values"))
    kinds = _problem_param_kinds(problem.name)
    param = raw["param"]
    if param not in kinds:
        fail("sweep.param", param, f"a parameter of problem {problem.name!r}: "
             + ", ".join(kinds), kinds)
    if param in problem.params:
        raise ConfigError(f"sweep.param: {param!r} is also set in problem.params; "
                          f"set it in one place only")
    values = raw["values"]
    if not isinstance(values, list) or not values:
        fail("sweep.values", values, "a non-empty list")
    checked = tuple(_check_problem_value(f"sweep.values[{i}]", v, kinds[param])
                    for i, v in enumerate(values))
    if len(set(checked)) != len(checked):
        fail("sweep.values", values, "distinct values")
    return SweepSpec(param, checked)


def _sweep_options(path, raw, accepted, sweep):
    if raw is None:
        return {}
    if sweep is None:
        raise ConfigError(f"{path}: needs a sweep section (one value per sweep point)")
    if not isinstance(raw, dict):
        fail(path, raw, "a mapping of option names to lists, one value per sweep point")
    checked = {}
    for key, values in raw.items():
        if key not in accepted:
            raise ConfigError(f"{path}.{key}: unknown option {key!r}; accepted: "
                              + ", ".join(accepted))
        if not isinstance(values, list) or len(values) != len(sweep.values):
            fail(f"{path}.{key}", values, f"a list of {len(sweep.values)} values, one per "
                 f"sweep value {list(sweep.values)}")
        checked[key] = [check_kind(f"{path}.{key}[{j}]", v, accepted[key].kind)
                        for j, v in enumerate(values)]
    return checked


def _method(path, entry, sweep, labels) -> MethodSpec:
    check_mapping(path, entry, ("label", "method", "options", "sweep_options"),
                  required=("method",))
    method = entry["method"]
    if method not in METHOD_OPTIONS:
        fail(f"{path}.method", method, "one of " + ", ".join(METHOD_OPTIONS), METHOD_OPTIONS)
    problems = ErrorCollector()
    label = problems.check(check_string, f"{path}.label", entry.get("label", method))
    if label in labels:
        problems.add(f"{path}.label: {label!r} is used twice; labels must be unique")
    labels.add(label)
    options = entry.get("options") or {}
    accepted = METHOD_OPTIONS[method]
    if not isinstance(options, dict):
        fail(f"{path}.options", options, "a mapping of option names to values")
    checked = {}
    for key, value in options.items():
        if key not in accepted:
            problems.add(
                f"{path}.options.{key}: unknown option {key!r} for method {method!r}; "
                "accepted: " + ", ".join(accepted) + did_you_mean(key, accepted))
        else:
            checked[key] = problems.check(check_kind, f"{path}.options.{key}", value,
                                          accepted[key].kind)
    per_point = problems.check(_sweep_options, f"{path}.sweep_options",
                               entry.get("sweep_options"), accepted, sweep, default={})
    for key in per_point:
        if key in checked:
            problems.add(f"{path}.sweep_options.{key}: also set in {path}.options; "
                         "set it in one place only")
    problems.raise_if_any()
    return MethodSpec(label, method, checked, per_point)


def _methods(raw, sweep=None) -> tuple:
    if not isinstance(raw, list) or not raw:
        fail("methods", raw, "a non-empty list of {label, method, options}")
    problems, labels = ErrorCollector(), set()
    specs = tuple(problems.check(_method, f"methods[{i}]", entry, sweep, labels)
                  for i, entry in enumerate(raw))
    problems.raise_if_any()
    return specs


def _seeds(raw) -> tuple:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        fail("seeds", raw, "a non-empty list of non-negative integers")
    problems = ErrorCollector()
    seeds = tuple(problems.check(check_kind, f"seeds[{i}]", s, "int0") for i, s in enumerate(raw))
    problems.raise_if_any()
    if len(set(seeds)) != len(seeds):
        fail("seeds", raw, "distinct seeds")
    return seeds


def _budget(raw) -> Budget:
    raw = {} if raw is None else raw
    check_mapping("budget", raw, ("maxiter", "seconds", "stop_at_target"))
    problems = ErrorCollector()
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
        fail("plots", raw, "a non-empty list drawn from " + ", ".join(PLOT_KINDS))
    problems = ErrorCollector()
    for i, kind in enumerate(raw):
        if kind not in PLOT_KINDS:
            problems.check(fail, f"plots[{i}]", kind, "one of " + ", ".join(PLOT_KINDS),
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
            built = PROBLEMS[problem.name](**params)
        except (ValueError, TypeError) as error:
            raise ConfigError(f"{where}: problem {problem.name!r} rejects {params}: {error}") \
                from None
        check_bounds_fit(where, problem.bounds, built)
        check_constraints_fit(where, problem.constraints, built)


def _backend(value):
    if value not in BACKENDS:
        fail("backend", value, "one of " + ", ".join(BACKENDS), BACKENDS)
    return value


def validate(raw: Any, name: str = "config") -> Config:
    """Turn the parsed YAML document into a Config, or raise ConfigError naming every problem."""
    if not isinstance(raw, dict):
        check_mapping("<top level>", raw, TOP_KEYS)
    problems = ErrorCollector()
    problems.check(check_mapping, "<top level>", raw, TOP_KEYS, ("problem", "methods"))
    problem = problems.check(_problem, raw["problem"]) if "problem" in raw else None
    sweep = problems.check(_sweep, raw.get("sweep"), problem) if problem else None
    backend = problems.check(_backend, raw.get("backend", "numba"))
    target = raw.get("target")
    if target is not None:
        target = problems.check(check_kind, "target", target, "float+")
    config_name = problems.check(check_string, "name", raw.get("name", name))
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
        problems.add("budget.stop_at_target: true needs a top-level target")
    if problem is not None and methods is not None:
        problems.check(check_methods_take_constraints, problem.constraints, methods)
    if problem is not None and not problems.messages:
        problems.check(_check_problems_build, problem, sweep)
    problems.raise_if_any()
    return Config(name=config_name, description=str(raw.get("description", "") or ""),
                  problem=problem, sweep=sweep, methods=methods, seeds=seeds, budget=budget,
                  backend=backend, target=target, plots=plots, xscale=xscale)
