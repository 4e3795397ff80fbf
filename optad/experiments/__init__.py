"""Experiments: YAML configs -> jobs (problem x method x seed x sweep point) -> run folders with
histories, a summary and figures. Used by the ``optad`` command (optad/cli.py).

    from optad.experiments import load_config, run_config
    config, text = load_config("configs/quickstart.yaml")
    run_dir = run_config(config, text)
"""
from .config import Config, ConfigError, load_config, validate
from .plots import draw_run, draw_runs, load_run
from .runner import RunInterrupted, run_config

__all__ = ["Config", "ConfigError", "load_config", "validate", "run_config", "RunInterrupted",
           "draw_run", "draw_runs", "load_run"]
