"""Experiment configs: YAML (``yaml.safe_load`` only) validated into typed dataclasses.

A config names a problem with its parameters (and optionally bounds on its unknowns and
constraints from the problem's own table), an
optional sweep over one problem parameter, a list of methods with their options, seeds, a budget
and the plots to draw::

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
refused, so a small file cannot expand into a huge document.

One job per file: ``schema.py`` (the records), ``errors.py`` (ConfigError and the collector),
``checks.py`` (single values, through minimize's option kinds), ``bounds.py``
(``problem.bounds``), ``constraints.py`` (``problem.constraints``), ``validate.py`` (the
sections), ``load.py`` (the YAML file).
"""
from .bounds import minimize_bounds, optimum_in_box
from .constraints import minimize_constraints, optimum_feasible
from .checks import check_kind
from .errors import ConfigError, did_you_mean
from .load import load_config
from .schema import (DEFAULT_MAXITER, DEFAULT_SEEDS, PLOT_KINDS, TOP_KEYS, XSCALES, Budget,
                     Config, MethodSpec, ProblemSpec, SweepSpec)
from .validate import validate

__all__ = ["Config", "ConfigError", "load_config", "validate", "check_kind", "did_you_mean",
           "minimize_bounds", "optimum_in_box", "minimize_constraints", "optimum_feasible",
           "Budget", "MethodSpec", "ProblemSpec",
           "SweepSpec", "PLOT_KINDS", "TOP_KEYS", "XSCALES", "DEFAULT_MAXITER", "DEFAULT_SEEDS"]
