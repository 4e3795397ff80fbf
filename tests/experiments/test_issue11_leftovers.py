"""Issue 11's leftovers (items 16 and 20), and the index of its regression tests.

Item -> regression test(s) (path::test; checked by test_index_names_existing_tests):
 1 bounds-checked gathers/scatters: tests/backends/test_index_bounds.py::test_out_of_bounds_gather_raises,
   tests/backends/test_index_bounds.py::test_out_of_bounds_scatter_in_gradient_raises
 2 compiled entries check shapes: tests/experiments/test_issue11_leftovers.py::test_hvp_with_a_wrong_shape_direction_is_refused
 3 run folders inside --out, unique history files:
   tests/experiments/test_config_and_cli_misuse.py::test_run_folder_stays_inside_out,
   tests/experiments/test_config_and_cli_misuse.py::test_labels_that_clean_to_one_name_keep_separate_histories
 4 cache folders writable by others refused: tests/backends/test_cache_key_and_folder.py::test_folder_writable_by_others_is_refused_and_compiles_in_memory
 5 YAML aliases refused: tests/experiments/test_config_and_cli_misuse.py::test_yaml_alias_bomb_is_refused_quickly
 6 IEEE-exact simplify: tests/core/test_simplify_ieee.py::test_compiled_functions_keep_nan_and_inf
 7 complex refused alike: tests/core/test_trace_dtypes_and_constants.py::test_complex_constants_are_refused_on_every_backend
 8 closures by value: tests/core/test_trace_dtypes_and_constants.py::test_closed_over_array_is_captured_by_value
 9 no NaN gradients at zero: tests/core/test_numpy_extra_api.py::test_no_nan_gradient_at_zero
10 float32 sums, empty max: tests/backends/test_float32_sums_and_empty_reductions.py::test_float32_sum_of_a_million_tenths,
   tests/backends/test_float32_sums_and_empty_reductions.py::test_max_and_min_of_empty_arrays_raise_like_numpy,
   tests/core/test_numpy_extra_api.py::test_integer_to_negative_power_raises_like_numpy
11 argnums errors instead of StopIteration: none yet (not fixed)
12 Ctrl-C in compiled loops: tests/optimize/test_interrupt.py::test_sigint_stops_a_compiled_loop_with_the_best_point,
   tests/experiments/test_experiments_run.py::test_ctrl_c_keeps_finished_jobs
13 bounded in-process caches: tests/core/test_memory_caches.py::test_in_process_caches_never_exceed_the_bound_and_evicted_entries_still_work,
   tests/core/test_memory_caches.py::test_recently_used_transforms_are_kept
   (the memory Numba and LLVM keep per compiled kernel is measured by
   benchmarks/bench_kernel_memory.py and documented: optad cannot release it)
 Ctrl-C after a Dask run (found unchanged; SIGINT ignored in a test worker came from a
   background job's start): tests/experiments/test_experiments_distributed.py::test_a_local_cluster_run_leaves_the_callers_signal_handlers_alone
14 BLAS threads: tests/backends/test_blas_threads.py::test_kernel_blas_gets_the_requested_threads_and_numpy_keeps_its_own
15 cache keyed on the program: tests/backends/test_cache_key_and_folder.py::test_renamed_and_edited_script_compiles_nothing_new
16 unusable cache, CLI one-line errors, dtypes refused:
   tests/backends/test_cache_key_and_folder.py::test_unusable_cache_falls_back_to_memory_with_one_warning,
   tests/experiments/test_config_and_cli_misuse.py::test_out_that_is_a_file_is_a_one_line_error,
   tests/experiments/test_issue11_leftovers.py::test_out_on_a_read_only_folder_is_a_one_line_error,
   tests/experiments/test_config_and_cli_misuse.py::test_full_disk_under_out_is_a_one_line_error,
   tests/experiments/test_config_and_cli_misuse.py::test_binary_config_is_a_one_line_error,
   tests/experiments/test_issue11_leftovers.py::test_binary_config_given_to_run_is_a_one_line_error,
   tests/experiments/test_config_and_cli_misuse.py::test_bad_scheduler_address_is_a_one_line_error,
   tests/experiments/test_issue11_leftovers.py::test_any_failure_to_connect_to_a_scheduler_is_one_line,
   tests/core/test_trace_dtypes_and_constants.py::test_unsupported_input_dtypes_are_refused_up_front
17 float32 gd/zo-gd results, dtype-scaled gtol: none yet (not fixed)
18 config problems reported at once: tests/experiments/test_config_and_cli_misuse.py::test_every_problem_is_reported_at_once_with_did_you_mean,
   tests/experiments/test_config_and_cli_misuse.py::test_a_missing_key_does_not_hide_a_misspelt_one
19 no pinned iteration counts: tests/optimize/test_minimize.py::test_newton_cg_rosenbrock_matches_scipy
20 umask, test cache folder, progress labels, overlay labels, CLI options documented, clone:
   tests/backends/test_cache_key_and_folder.py::test_new_files_respect_the_umask_and_the_folder_is_private,
   tests/experiments/test_issue11_leftovers.py::test_run_files_respect_the_umask,
   tests/experiments/test_issue11_leftovers.py::test_test_sessions_leave_no_cache_folder_behind,
   tests/experiments/test_progress_labels.py::test_progress_line_labels_its_times,
   tests/experiments/test_issue11_leftovers.py::test_overlaid_runs_of_one_config_have_distinct_labels,
   tests/experiments/test_issue11_leftovers.py::test_readme_documents_the_cli_options_and_backend_variable,
   tests/experiments/test_issue11_leftovers.py::test_an_editable_install_is_found_before_a_checkout_named_optad,
   tests/experiments/test_issue11_leftovers.py::test_python_m_optad_from_above_a_checkout_named_optad_says_what_is_wrong
   (a clone named optad: the editable install is now a path entry, which the clone cannot
   shadow; `python -m optad` above the clone runs the root __main__.py, which says what is
   wrong; `import optad` of the bare clone, with no install, is a namespace package that runs
   no code, so it is explained in the README - a root __init__.py would run, but pytest imports
   it as the package named after the checkout folder, with the folder above first on
   sys.path, and it would shadow a normal install too)
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from optad.cli import main
from optad.experiments import plots, rundir

ROOT = Path(__file__).resolve().parents[2]
QUAD = ("problem: {name: quadratic}\nmethods: [{method: gd, options: {step: 0.1}}]\n"
        "budget: {maxiter: 2}\nbackend: numpy\n")


def _config(tmp_path, text=QUAD, name="c.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_index_names_existing_tests():
    """Every test named in the index above exists (renaming one must update the index)."""
    named = re.findall(r"(tests/[\w/]+\.py)::(\w+)", __doc__)
    assert len(named) > 20
    missing = [f"{path}::{name}" for path, name in named
               if not re.search(rf"^def {name}\(", (ROOT / path).read_text(), re.MULTILINE)]
    assert not missing, f"the issue-11 index names tests that do not exist: {missing}"


@pytest.mark.parametrize("backend", ["numpy", pytest.param("numba", marks=pytest.mark.slow)])
def test_hvp_with_a_wrong_shape_direction_is_refused(backend):
    """A v of the wrong shape once read past its buffer; every compiled entry checks it."""
    import numpy as np

    import optad
    hvp = optad.hvp(lambda x: np.sum(x ** 3), backend=backend)
    at = hvp.at(np.ones(3))
    np.testing.assert_allclose(at(np.ones(3)), [6.0, 6.0, 6.0])
    for v in (np.ones(4), np.ones((3, 1))):
        with pytest.raises(ValueError, match=r"v has (a leaf of )?shape \(.*\) where x has \(3,\)"):
            at(v)
    with pytest.raises(ValueError, match=r"v has (a leaf of )?shape \(2,\) where x has \(3,\)"):
        hvp(np.ones(3), np.ones(2))


def test_out_on_a_read_only_folder_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    if os.geteuid() == 0:   # root ignores the mode bits: refuse as the kernel would for a user
        real_mkdir = Path.mkdir

        def mkdir(self, *args, **kwargs):
            if locked in Path(self).parents:
                raise PermissionError(13, "Permission denied", str(self))
            return real_mkdir(self, *args, **kwargs)
        monkeypatch.setattr(Path, "mkdir", mkdir)
    try:
        assert main(["run", str(_config(tmp_path)), "--out", str(locked / "runs"),
                     "--no-plots"]) == 2
    finally:
        locked.chmod(0o755)
    err = capsys.readouterr().err.strip()
    assert err.startswith("optad run: error: cannot write the run folder under --out")
    assert "Permission denied" in err and "\n" not in err


def test_binary_config_given_to_run_is_a_one_line_error(tmp_path, capsys):
    path = tmp_path / "c.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    assert main(["run", str(path), "--out", str(tmp_path / "runs")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("optad run: error:") and "not a text file" in err and "\n" not in err
    assert not (tmp_path / "runs").exists()


def test_any_failure_to_connect_to_a_scheduler_is_one_line(tmp_path, capsys, monkeypatch):
    """Dask fails in assorted ways (on a loaded machine an AssertionError from its event loop
    after the connect timeout); each is one line naming --scheduler, and no run folder."""
    from optad.experiments import distributed

    def broken(scheduler):
        raise AssertionError("loop thread")
    monkeypatch.setattr(distributed, "connect", broken)
    assert main(["run", str(_config(tmp_path)), "--out", str(tmp_path / "runs"),
                 "--scheduler", "tcp://host:1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("optad run: error: --scheduler 'tcp://host:1': cannot connect")
    assert "AssertionError" in err and "\n" not in err
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_run_files_respect_the_umask(tmp_path, monkeypatch, umask, mode):
    monkeypatch.setattr(rundir, "_UMASK", [])
    old = os.umask(umask)
    try:
        assert main(["run", str(_config(tmp_path)), "--out", str(tmp_path / "runs"),
                     "--no-plots"]) == 0
    finally:
        os.umask(old)
    (run_dir,) = (tmp_path / "runs").iterdir()
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert len(files) >= 4   # config, summary, environment, a history
    for path in files:
        assert path.stat().st_mode & 0o777 == mode, (path.name, oct(path.stat().st_mode))


def test_overlaid_runs_of_one_config_have_distinct_labels(tmp_path, monkeypatch):
    config = _config(tmp_path)
    for _ in range(2):
        assert main(["run", str(config), "--out", str(tmp_path / "runs"), "--no-plots"]) == 0
    run_dirs = sorted((tmp_path / "runs").iterdir())
    assert len(run_dirs) == 2
    figures = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: figures.append(fig) or path)
    plots.draw_runs(run_dirs, tmp_path / "compare")
    (figure,) = figures
    labels = [text.get_text() for legend in figure.legends for text in legend.get_texts()]
    assert len(labels) == 2 and labels[0] != labels[1], labels
    for run_dir, label in zip(run_dirs, labels):
        assert run_dir.name in label
    assert run_dirs[0].name in figure._suptitle.get_text()


def test_run_tags_fall_back_to_numbers_when_folder_names_agree(tmp_path):
    runs = [plots.Run(tmp_path / "a" / "x-1", "x", {}, {}), plots.Run(tmp_path / "b" / "x-1",
                                                                        "x", {}, {}),
            plots.Run(tmp_path / "y-1", "y", {}, {})]
    assert plots.run_tags(runs) == ["x-1 #1", "x-1 #2", "y"]


def test_readme_documents_the_cli_options_and_backend_variable():
    readme = (ROOT / "README.md").read_text()
    for needle in ["--budget-scale", "OPTAD_BUDGET_SCALE", "optad check", "OPTAD_BACKEND",
                   "--no-plots", "optad cache info",
                   "module 'optad' has no attribute"]:   # the shadowing clone, explained
        assert needle in readme, needle


@pytest.mark.slow
def test_test_sessions_leave_no_cache_folder_behind(tmp_path):
    """A test session's kernel cache folder is removed when it ends, and folders of killed
    sessions (their process gone) are removed when the next one starts; a running session's
    folder is left alone."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = tmp_path / f"optad-test-cache-{gone.pid}-killed"
    alive = tmp_path / f"optad-test-cache-{os.getpid()}-running"
    for folder in (stale, alive):
        folder.mkdir()
        (folder / "optad_0.py").write_text("")
    env = {k: v for k, v in os.environ.items() if k != "OPTAD_CACHE_DIR"}
    env.update(TMPDIR=str(tmp_path), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/experiments/test_progress_labels.py"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in tmp_path.glob("optad-test-cache-*")) == [alive.name]


def _without_pythonpath():
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_python_m_optad_from_above_a_checkout_named_optad_says_what_is_wrong(tmp_path):
    """``python -m optad`` started in the folder holding a checkout named ``optad`` imports the
    checkout as a namespace package (no ``__init__.py``, so none of optad's code can run); the
    checkout's root ``__main__.py`` is then what Python runs, and it says what is wrong.
    ``-S``: no site-packages, so no installed optad takes precedence (as with no install, or
    with an editable install made by an import hook)."""
    checkout = tmp_path / "optad"
    (checkout / "optad").mkdir(parents=True)
    (checkout / "optad" / "__init__.py").write_text("raise SystemExit('the package ran')\n")
    (checkout / "__main__.py").write_text((ROOT / "__main__.py").read_text())
    done = subprocess.run([sys.executable, "-S", "-m", "optad", "run", "c.yaml"], cwd=tmp_path,
                          env=_without_pythonpath(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    message = done.stderr.strip()
    assert "\n" not in message
    assert f"source checkout folder {checkout} instead of the optad package" in message
    assert f"cd {checkout}" in message and "rename the checkout folder" in message


_FIND = """
import importlib.machinery, importlib.util, sys
root = sys.argv[1]
if sys.argv[2] == "path-entry":      # what `pip install -e .` installs with package-dir ""
    sys.path.append(root)
else:                                 # setuptools' editable import hook for flat layouts
    class Hook:
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name == "optad":
                return importlib.util.spec_from_file_location(
                    name, root + "/optad/__init__.py")
    sys.meta_path.append(Hook)
spec = importlib.util.find_spec("optad")
print(spec.origin)
"""


@pytest.mark.parametrize("install", ["path-entry", "import-hook"])
def test_an_editable_install_is_found_before_a_checkout_named_optad(tmp_path, install):
    """With the editable install as a path entry (pyproject: package-dir ``""``), a regular
    package anywhere on sys.path takes precedence over the namespace portion a checkout folder
    named ``optad`` in the current folder makes; with an import hook (setuptools' choice for a
    flat layout without package-dir) the namespace portion won and ``optad.grad`` was an
    AttributeError."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^\[tool\.setuptools\]\n(#.*\n)*package-dir = \{"" = "\."\}$', pyproject,
                     re.MULTILINE)
    (tmp_path / "optad").mkdir()      # the shadowing checkout; its contents do not matter
    done = subprocess.run([sys.executable, "-S", "-c", _FIND, str(ROOT), install],
                          cwd=tmp_path, env=_without_pythonpath(), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    found = done.stdout.strip()
    if install == "path-entry":
        assert found == str(ROOT / "optad" / "__init__.py")
    else:
        assert found == "None"        # a namespace package: nothing of optad runs
