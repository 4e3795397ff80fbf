"""Dask execution: a clear message without Dask; identical results with a LocalCluster."""
import json
import signal
import sys
from pathlib import Path

import pytest

from optad.cli import main
from optad.experiments.rundir import read_history_csv

QUICKSTART = Path(__file__).resolve().parents[2] / "configs" / "quickstart.yaml"


def test_missing_dask_says_how_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    code = main(["run", str(QUICKSTART), "--out", str(tmp_path), "--scheduler", "local"])
    assert code == 2
    assert "pip install optad[distributed]" in capsys.readouterr().err
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


@pytest.mark.slow
def test_local_cluster_gives_identical_results(tmp_path):
    pytest.importorskip("dask.distributed")
    common = ["--backend", "numpy", "--budget-scale", "0.02", "--no-plots"]
    assert main(["run", str(QUICKSTART), "--out", str(tmp_path / "here"), *common]) == 0
    assert main(["run", str(QUICKSTART), "--out", str(tmp_path / "dask"), "--scheduler",
                 "local", *common]) == 0
    (here,) = list((tmp_path / "here").iterdir())
    (there,) = list((tmp_path / "dask").iterdir())
    a = json.loads((here / "summary.json").read_text())
    b = json.loads((there / "summary.json").read_text())
    assert b["status"] == "complete" and len(a["jobs"]) == len(b["jobs"])
    for job_a, job_b in zip(a["jobs"], b["jobs"]):
        for key in ("name", "fun", "nit", "nfev", "njev", "nhev", "message"):
            assert job_a[key] == job_b[key], key
        ha = read_history_csv(here / job_a["history_file"])
        hb = read_history_csv(there / job_b["history_file"])
        for column in ("f", "grad_norm", "nfev", "njev", "nhev"):
            assert ha[column] == pytest.approx(hb[column], nan_ok=True, rel=0, abs=0), column
    environment = json.loads((there / "environment.json").read_text())
    assert environment["scheduler"] == "local"


def _signal_state():
    catchable = [s for s in signal.Signals if s not in (signal.SIGKILL, signal.SIGSTOP)]
    return ({s.name: signal.getsignal(s) for s in catchable},
            signal.pthread_sigmask(signal.SIG_BLOCK, []))


@pytest.mark.slow
def test_a_local_cluster_run_leaves_the_callers_signal_handlers_alone(tmp_path):
    """After ``optad run --scheduler local`` returns, the calling process has the handlers and
    signal mask it had before (Ctrl-C still works).  A SIGINT ignored in a test worker comes
    from how the worker was started: a background job of a non-interactive shell starts with
    SIGINT and SIGQUIT ignored, Dask or not."""
    pytest.importorskip("dask.distributed")
    own = signal.signal(signal.SIGINT, lambda signum, frame: None)   # a handler to keep
    try:
        before = _signal_state()
        assert main(["run", str(QUICKSTART), "--out", str(tmp_path), "--scheduler", "local",
                     "--backend", "numpy", "--budget-scale", "0.02", "--no-plots"]) == 0
        assert _signal_state() == before
    finally:
        signal.signal(signal.SIGINT, own)
