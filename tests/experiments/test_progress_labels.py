"""Issue 11.20: the progress line says what its two times are."""
import io

from optad.experiments.progress import ProgressBar
from optad.experiments.runner import _final_note


def test_progress_line_labels_its_times():
    stream = io.StringIO()
    bar = ProgressBar("[1/1] GD seed=0", 10, stream=stream)
    bar.update(10)
    bar.close(_final_note({"gap": 1e-3, "fun": 2.0, "nfev": 11, "njev": 11, "nhev": 0,
                           "wall_s": 0.25, "warmup_s": 1.5}))
    line = stream.getvalue().strip()
    assert "10/10 it" in line and "s elapsed" in line
    assert "minimize 0.25s" in line and "1.50s compiling or loading kernels" in line
