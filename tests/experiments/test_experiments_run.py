"""`optad run` end to end at a tiny budget on the NumPy backend: every committed config makes a
complete run folder; runs never overwrite each other; Ctrl-C keeps finished jobs."""
import csv
import json
from pathlib import Path

import pytest

from optad.cli import main
from optad.experiments import jobs as jobs_module
from optad.experiments import runner as runner_module
from optad.experiments.config import load_config
from optad.experiments.jobs import job_list
from optad.experiments.rundir import HISTORY_COLUMNS, create_unique_dir

CONFIGS = sorted((Path(__file__).resolve().parents[2] / "configs").glob("*.yaml"))
TINY = "0.003"  # budget scale: a few iterations per job


def _run(config_path, out, *extra):
    code = main(["run", str(config_path), "--out", str(out), "--backend", "numpy",
                 "--budget-scale", TINY, *extra])
    assert code == 0
    (run_dir,) = [p for p in Path(out).iterdir() if p.is_dir()]
    return run_dir


@pytest.mark.slow
@pytest.mark.parametrize("config_path", CONFIGS, ids=lambda p: p.stem)
def test_every_config_runs_at_reduced_budget(config_path, tmp_path, capsys):
    run_dir = _run(config_path, tmp_path)
    config, text = load_config(config_path)
    assert (run_dir / "config.yaml").read_text() == text
    resolved = json.loads((run_dir / "config.json").read_text())
    assert resolved["backend"] == "numpy" and resolved["budget_scale"] == float(TINY)
    env = json.loads((run_dir / "environment.json").read_text())
    assert "numpy" in env["packages"] and env["scheduler"] == "in-process"
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "complete"
    assert summary["jobs_finished"] == summary["jobs_total"] == len(job_list(config))
    for job in summary["jobs"]:
        assert job["backend"] == "numpy"
        with open(run_dir / job["history_file"]) as handle:
            rows = list(csv.reader(handle))
        assert tuple(rows[0]) == HISTORY_COLUMNS and len(rows) >= 2
        f_column = [float(r[1]) for r in rows[1:]]
        assert f_column[-1] <= f_column[0] * 1.001 or job["method"] == "zo-gd"
    figures = sorted(p.name for p in (run_dir / "figures").glob("*.png"))
    assert "convergence.png" in figures
    if "sweep" in config.plots:
        assert "sweep.png" in figures
    assert not list(run_dir.rglob("*.tmp")), "temporary files left behind"
    assert str(run_dir) in capsys.readouterr().out


@pytest.mark.slow
def test_history_matches_summary_and_budget(tmp_path):
    run_dir = _run(CONFIGS[0], tmp_path)
    summary = json.loads((run_dir / "summary.json").read_text())
    for job in summary["jobs"]:
        with open(run_dir / job["history_file"]) as handle:
            rows = list(csv.DictReader(handle))
        last = rows[-1]
        assert int(last["nfev"]) <= job["nfev"] and int(last["nhev"]) <= job["nhev"]
        assert int(last["evaluations"]) == int(last["nfev"]) + int(last["njev"])
        assert job["nit"] <= job["options"]["maxiter"]
        if job["f_star"] is not None:
            assert float(last["gap"]) == pytest.approx(float(last["f"]) - job["f_star"])


@pytest.mark.slow
def test_runs_never_overwrite(tmp_path):
    first = _run(CONFIGS[0], tmp_path / "a")
    second_parent = tmp_path / "a"
    main(["run", str(CONFIGS[0]), "--out", str(second_parent), "--backend", "numpy",
          "--budget-scale", TINY, "--no-plots"])
    runs = sorted(p for p in second_parent.iterdir() if p.is_dir())
    assert len(runs) == 2 and first in runs
    assert all((r / "summary.json").is_file() for r in runs)


def test_unique_dir_adds_a_suffix(tmp_path):
    names = {create_unique_dir(tmp_path, "x").name for _ in range(3)}
    assert len(names) == 3


def test_ctrl_c_keeps_finished_jobs(tmp_path, monkeypatch):
    real = runner_module.run_job
    calls = {"n": 0}

    def interrupt_on_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(runner_module, "run_job", interrupt_on_third)
    code = main(["run", str(CONFIGS[0]), "--out", str(tmp_path), "--backend", "numpy",
                 "--budget-scale", TINY])
    assert code == 130
    (run_dir,) = list(tmp_path.iterdir())
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "interrupted" and summary["jobs_finished"] == 2
    assert len(list((run_dir / "histories").glob("*.csv"))) == 2
    assert (run_dir / "figures" / "convergence.png").is_file()


def test_numba_not_implemented_falls_back_to_numpy(tmp_path, monkeypatch):
    real = jobs_module._minimize

    def no_numba(fun, x0, method, args, options, callback, backend, bounds=None,
                 constraints=()):
        if backend == "numba":
            raise NotImplementedError("test: no numba kernel")
        return real(fun, x0, method, args, options, callback, backend, bounds, constraints)

    monkeypatch.setattr(jobs_module, "_minimize", no_numba)
    with pytest.warns(RuntimeWarning, match="using backend 'numpy'"):
        main(["run", str(CONFIGS[0]), "--out", str(tmp_path), "--budget-scale", TINY,
              "--no-plots"])
    (run_dir,) = list(tmp_path.iterdir())
    summary = json.loads((run_dir / "summary.json").read_text())
    assert {job["backend"] for job in summary["jobs"]} == {"numpy"}


@pytest.mark.slow
def test_plot_redraws_and_overlays(tmp_path, capsys):
    a = _run(CONFIGS[0], tmp_path / "a")
    b = _run(CONFIGS[0], tmp_path / "b")
    (a / "figures" / "convergence.png").unlink()
    assert main(["plot", str(a)]) == 0
    assert (a / "figures" / "convergence.png").is_file()
    out = tmp_path / "overlay"
    assert main(["plot", str(a), str(b), "--out", str(out)]) == 0
    assert (out / "convergence.png").stat().st_size > 10_000
    assert main(["plot", str(tmp_path)]) == 2
    assert "not a run folder" in capsys.readouterr().err


def test_budget_scale_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("OPTAD_BUDGET_SCALE", TINY)
    main(["run", str(CONFIGS[0]), "--out", str(tmp_path), "--backend", "numpy", "--no-plots"])
    (run_dir,) = list(tmp_path.iterdir())
    assert json.loads((run_dir / "config.json").read_text())["budget_scale"] == float(TINY)


def test_list_names_problems_methods_and_options(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for word in ("mds", "least_squares", "wine_mlp", "rosenbrock", "quadratic", "gd", "zo-gd",
                 "newton-cg", "estimator", "cg_maxiter", "momentum"):
        assert word in out
