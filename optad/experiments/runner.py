"""Run a validated config: every job, in this process or on Dask, into a new run folder.

Run folder layout::

    runs/NAME-YYYYmmdd-HHMMSS/
        config.yaml        the config file as given
        config.json        the validated config (with the budget scale applied)
        environment.json   versions, machine, relevant environment variables
        histories/*.csv    one per (sweep value, method, seed): iteration, f, gap, grad_norm,
                           nfev, njev, nhev, evaluations, time_s
        summary.json       status, and per job its final numbers and history file
        figures/*.png

Every file is written atomically, the summary after each finished job, so a Ctrl-C (or a
crash) leaves a consistent folder holding exactly the jobs that finished.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from .config import Config
from .jobs import job_list, job_name, job_title, job_to_dict, method_options, run_job
from .progress import ProgressBar
from .rundir import (atomic_write_json, atomic_write_text, create_unique_dir, environment_info,
                     write_history_csv)


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run; ``run_dir`` holds what finished."""

    def __init__(self, run_dir: Path):
        super().__init__(f"interrupted; finished jobs are kept in {run_dir}")
        self.run_dir = run_dir


def _summary(config: Config, records: list, status: str, started: float) -> dict:
    records = sorted(records, key=lambda r: r["job"]["index"])
    return {
        "name": config.name,
        "description": config.description,
        "status": status,
        "problem": {"name": config.problem.name, "params": config.problem.params,
                    "bounds": config.problem.bounds,
                    "constraints": config.problem.constraints},
        "sweep": None if config.sweep is None else
        {"param": config.sweep.param, "values": list(config.sweep.values)},
        "target": config.target,
        "budget_scale": config.budget_scale,
        "jobs_total": len(job_list(config)),
        "jobs_finished": len(records),
        "elapsed_s": time.perf_counter() - started,
        "jobs": [{k: v for k, v in r.items() if k != "history"} for r in records],
    }


def _record(run_dir: Path, record: dict) -> dict:
    history_file = f"histories/{record['name']}.csv"
    write_history_csv(run_dir / history_file, record["history"])
    record = dict(record, history_file=history_file)
    return record


def _local_results(config: Config, jobs, stream):
    config_dict = config.to_dict()
    for number, job in enumerate(jobs, 1):
        title = f"[{number}/{len(jobs)}] {job_title(config, job)}"
        bar = ProgressBar(title, method_options(config, job)["maxiter"], stream=stream)
        record = run_job(config_dict, job_to_dict(job), progress=bar)
        # the budget (maxiter) counts auglag's outer iterations; nit sums its subproblems'
        bar.update(record["nit"] if record.get("outer_iterations") is None
                   else record["outer_iterations"])
        bar.close(_final_note(record))
        yield record


def _final_note(record: dict) -> str:
    value = record["gap"] if record["gap"] is not None else record["fun"]
    what = "f-f*" if record["gap"] is not None else "f"
    return (f"{what}={value:.3e} nfev={record['nfev']} njev={record['njev']} "
            f"nhev={record['nhev']} (minimize {record['wall_s']:.2f}s, after "
            f"{record['warmup_s']:.2f}s compiling or loading kernels)")


def run_config(config: Config, config_text: str, out_dir="runs", scheduler: str | None = None,
               stream=None, draw: bool = True) -> Path:
    """Run every job of ``config``; returns the new run folder.

    ``scheduler`` None runs the jobs one after another here; "local" or a scheduler address
    runs them on Dask (see distributed.py). Raises RunInterrupted on Ctrl-C after saving.
    """
    stream = stream if stream is not None else sys.stderr
    client = None
    if scheduler is not None:
        from .distributed import DistributedUnavailable, connect
        try:
            client = connect(scheduler)  # fail before creating the run folder
        except ValueError as error:   # Dask's words for an address it cannot parse
            raise DistributedUnavailable(
                f"--scheduler {scheduler!r} is not a scheduler address ({error}); use 'local' "
                "or an address such as tcp://host:8786") from None
        except DistributedUnavailable:
            raise
        except Exception as error:  # noqa: BLE001 - seen: Dask's event-loop thread failing an
            # internal assert after its 10 s connect timeout on a loaded machine
            raise DistributedUnavailable(
                f"--scheduler {scheduler!r}: cannot connect ({type(error).__name__}: {error}); "
                "use 'local' or the address of a running scheduler such as tcp://host:8786"
            ) from None
    run_dir = create_unique_dir(out_dir, config.name)
    atomic_write_text(run_dir / "config.yaml", config_text)
    atomic_write_json(run_dir / "config.json", config.to_dict())
    atomic_write_json(run_dir / "environment.json",
                      dict(environment_info(), scheduler=scheduler or "in-process"))
    stream.write(f"optad run {config.name}: {len(job_list(config))} jobs -> {run_dir}\n")

    started = time.perf_counter()
    records: list = []
    jobs = job_list(config)
    try:
        if client is None:
            results = _local_results(config, jobs, stream)
        else:
            from .distributed import dask_results
            results = dask_results(client, config, jobs, stream)
        for record in results:
            records.append(_record(run_dir, record))
            atomic_write_json(run_dir / "summary.json",
                              _summary(config, records, "running", started))
    except KeyboardInterrupt:
        atomic_write_json(run_dir / "summary.json",
                          _summary(config, records, "interrupted", started))
        if draw and records:
            _draw(run_dir, stream)
        raise RunInterrupted(run_dir) from None
    finally:
        if client is not None:
            from .distributed import close
            close(client)
    atomic_write_json(run_dir / "summary.json", _summary(config, records, "complete", started))
    if draw:
        _draw(run_dir, stream)
    return run_dir


def _draw(run_dir: Path, stream) -> None:
    from .plots import draw_run
    for path in draw_run(run_dir):
        stream.write(f"figure: {path}\n")


__all__ = ["run_config", "RunInterrupted", "job_name"]
