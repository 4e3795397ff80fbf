"""The gallery's study scripts run (tiny sizes, NumPy backend) and write their PNG and CSV."""
import csv
import subprocess
import sys
from pathlib import Path

import pytest

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"
SCRIPTS = ["jacobian_modes", "gradient_modes", "hutchinson", "checkpointing", "trebuchet"]


@pytest.mark.slow
@pytest.mark.parametrize("name", SCRIPTS)
def test_script_quick_run(name, tmp_path):
    completed = subprocess.run(
        [sys.executable, str(EXPERIMENTS / f"{name}.py"), "--quick", "--backend", "numpy",
         "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert (tmp_path / f"{name}.png").stat().st_size > 10_000
    with open(tmp_path / f"{name}.csv") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) >= 3 and all(len(r) == len(rows[0]) for r in rows)
