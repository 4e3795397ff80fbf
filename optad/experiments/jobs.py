"""One job = one (sweep value, method, seed) minimisation; ``run_job`` runs it anywhere.

``run_job`` takes and returns plain data (dicts, lists, numbers) so Dask can ship it to another
process unchanged. It is deterministic apart from the timings: the same job gives the same
iterates in this process or on a cluster.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
import time
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..problems import make_problem
from .config import (Config, MethodSpec, minimize_bounds, minimize_constraints, optimum_feasible,
                     optimum_in_box)
from .history import first_reaching, normalise_history
from .rundir import safe_name


@dataclass(frozen=True)
class Job:
    index: int
    sweep_value: Any
    method: MethodSpec
    seed: int


def job_list(config: Config) -> list[Job]:
    jobs = []
    for sweep_value in config.sweep_values():
        for method in config.methods:
            for seed in config.seeds:
                jobs.append(Job(len(jobs), sweep_value, method, seed))
    return jobs


def job_name(config: Config, job: Job) -> str:
    """A file-system-safe name, e.g. ``d=8__GD__seed2``."""
    parts = [] if config.sweep is None else [f"{config.sweep.param}={job.sweep_value}"]
    parts += [safe_name(job.method.label), f"seed{job.seed}"]
    return safe_name("__".join(parts))


def job_title(config: Config, job: Job) -> str:
    where = "" if config.sweep is None else f" {config.sweep.param}={job.sweep_value}"
    return f"{job.method.label}{where} seed={job.seed}"


def method_options(config: Config, job: Job) -> dict:
    """The options passed to optad.minimize: the method's own, plus the budget and seed."""
    options = config.method_options(job.method, job.sweep_value)
    options.setdefault("maxiter", config.budget.maxiter)
    if job.method.method == "zo-gd":
        options.setdefault("seed", job.seed)
    return options


class _BudgetCallback:
    """Stops a run (StopIteration, as scipy's callbacks do) when its wall time is spent or,
    with ``stop_at_target``, once f - f* reaches the target; feeds the progress bar."""

    def __init__(self, seconds, stop_below, progress, f_star):
        self.seconds, self.stop_below = seconds, stop_below
        self.progress, self.f_star = progress, f_star
        self.start = time.perf_counter()
        self.calls = 0

    def __call__(self, intermediate_result=None):
        self.calls += 1
        fun = getattr(intermediate_result, "fun", None)
        gap = None
        if fun is not None and np.ndim(fun) == 0:
            gap = float(fun) - (self.f_star or 0.0)
        if self.progress is not None:
            note = "" if gap is None else \
                f"{'f-f*' if self.f_star is not None else 'f'}={gap:.3e}"
            self.progress.update(getattr(intermediate_result, "nit", self.calls), note)
        if self.seconds is not None and time.perf_counter() - self.start > self.seconds:
            raise StopIteration
        if self.stop_below is not None and gap is not None and gap <= self.stop_below:
            raise StopIteration


def _minimize(fun, x0, method, args, options, callback, backend, bounds=None, constraints=()):
    import optad
    return optad.minimize(fun, x0, method=method, args=args, options=options,
                          callback=callback, backend=backend, bounds=bounds,
                          constraints=constraints)


def _minimize_with_fallback(problem, x0, job, options, callback, backend, bounds=None,
                            constraints=()):
    """Run optad.minimize; a numba backend that is not implemented falls back to numpy."""
    try:
        return _minimize(problem.f, x0, job.method.method, problem.data, options, callback,
                         backend, bounds, constraints), backend
    except NotImplementedError as error:
        if backend != "numba":
            raise
        warnings.warn(f"backend 'numba' is not available for this problem ({error}); "
                      f"using backend 'numpy' instead", RuntimeWarning, stacklevel=2)
        return _minimize(problem.f, x0, job.method.method, problem.data, options, callback,
                         "numpy", bounds, constraints), "numpy"


_COMPILE_HERE = {"lock": threading.Lock(), "depth": 0, "saved": None}


@contextlib.contextmanager
def _compiled_in_this_process():
    """``OPTAD_TIERED=0`` while jobs run (restored after; safe for jobs in threads): a study
    times compiled code, so the warm-up compiles here what the timed run uses, rather than
    leaving the kernels or the method's loop to a worker that may or may not have finished
    when the timed run starts."""
    state = _COMPILE_HERE
    with state["lock"]:
        if state["depth"] == 0:
            state["saved"] = os.environ.get("OPTAD_TIERED")
            os.environ["OPTAD_TIERED"] = "0"
        state["depth"] += 1
    try:
        yield
    finally:
        with state["lock"]:
            state["depth"] -= 1
            if state["depth"] == 0:
                if state["saved"] is None:
                    os.environ.pop("OPTAD_TIERED", None)
                else:
                    os.environ["OPTAD_TIERED"] = state["saved"]


def run_job(config_dict: dict, job_dict: dict, progress=None) -> dict:
    """Run one job and return its history columns and summary as plain data."""
    with _compiled_in_this_process():
        return _run_job(config_dict, job_dict, progress)


def _run_job(config_dict: dict, job_dict: dict, progress=None) -> dict:
    config = Config.from_dict(config_dict)
    job = Job(job_dict["index"], job_dict["sweep_value"], MethodSpec(**job_dict["method"]),
              job_dict["seed"])
    problem = make_problem(config.problem.name, **config.problem_params(job.sweep_value))
    bounds = minimize_bounds(config.problem.bounds)
    if bounds is not None:   # f* of the unbounded problem holds only if its minimiser is inside
        problem = dataclasses.replace(problem,
                                      f_star=optimum_in_box(problem, config.problem.bounds))
    constraints = minimize_constraints(config.problem.constraints, problem.name)
    if constraints:          # ... and only if it meets the constraints
        problem = dataclasses.replace(problem, f_star=optimum_feasible(
            problem, config.problem.constraints, problem.f_star))
    options = method_options(config, job)
    x0 = problem.x0(job.seed)

    # Warm-up: one iteration compiles (or loads from the cache) every kernel the method uses,
    # so the timed run below measures optimisation, not compilation.
    warm_start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        _, backend = _minimize_with_fallback(problem, x0, job, {**options, "maxiter": 1},
                                             None, config.backend, bounds, constraints)
    warmup_s = time.perf_counter() - warm_start

    stop_below = config.target if config.budget.stop_at_target else None
    live = progress is not None and progress.live
    # A callback makes every iteration build an intermediate result: pass one only when a
    # budget or a live progress bar needs it, so wall times are not inflated.
    callback = None
    if config.budget.seconds is not None or stop_below is not None or live:
        callback = _BudgetCallback(config.budget.seconds, stop_below,
                                   progress if live else None, problem.f_star)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        result = _minimize(problem.f, x0, job.method.method, problem.data, options, callback,
                           backend, bounds, constraints)
        wall_s = time.perf_counter() - start
    history = normalise_history(result.history, problem.f_star)
    target = config.target
    return {
        "job": job_dict,
        "name": job_name(config, job),
        "label": job.method.label,
        "method": job.method.method,
        "seed": job.seed,
        "sweep_value": job.sweep_value,
        "options": options,
        "backend": backend,
        "f_star": problem.f_star,
        "dimension": problem.dimension(),
        "fun": float(result.fun),
        "gap": float(result.fun) - problem.f_star if problem.f_star is not None else None,
        "nit": int(result.nit),
        "outer_iterations": getattr(result, "outer_iterations", None),   # auglag's
        "nfev": int(result.nfev),
        "njev": int(getattr(result, "njev", 0) or 0),
        "nhev": int(getattr(result, "nhev", 0) or 0),
        "success": bool(result.success),
        "message": str(result.message),
        "warnings": sorted({str(w.message) for w in caught}),
        "wall_s": wall_s,
        "warmup_s": warmup_s,
        "iterations_to_target": first_reaching(history, target, "iteration"),
        "evaluations_to_target": first_reaching(history, target, "evaluations"),
        "history": history,
    }


def job_to_dict(job: Job) -> dict:
    return asdict(job)
