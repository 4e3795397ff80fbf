"""Issue 11.3, 11.5, 11.16, 11.18, 11.15: configs cannot write outside --out, history files of
labels that clean to one name stay apart, YAML alias bombs are refused, every config problem is
reported at once (with "did you mean"), seeds and budget have defaults, and the CLI's errors a
user can fix are one line, not a traceback."""
import json
import resource
from pathlib import Path

import pytest

from optad.cli import main
from optad.experiments.config import DEFAULT_MAXITER, ConfigError, load_config, validate
from optad.experiments.rundir import safe_name

QUAD = ("problem: {name: quadratic}\nmethods: [{method: gd, options: {step: 0.1}}]\n"
        "budget: {maxiter: 2}\nbackend: numpy\n")


def _write(tmp_path, text, name="c.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_seeds_and_budget_have_defaults():
    config = validate({"problem": {"name": "quadratic"}, "methods": [{"method": "gd"}]})
    assert config.seeds == (0,) and config.budget.maxiter == DEFAULT_MAXITER


def test_every_problem_is_reported_at_once_with_did_you_mean():
    raw = {"problem": {"name": "mds", "params": {"N": 4, "seeed": 1}},
           "methods": [{"method": "gdd"}, {"method": "gd", "options": {"stpe": 1, "momentum": 3}}],
           "plots": ["iteration"], "seeds": [0, -1], "budgett": {"maxiter": 3}}
    with pytest.raises(ConfigError) as info:
        validate(raw)
    message = str(info.value)
    assert message.startswith("7 problems:")
    for fragment in ["problem.params.seeed", "did you mean 'seed'", "methods[0].method",
                     "did you mean 'gd'", "methods[1].options.stpe", "did you mean 'step'",
                     "methods[1].options.momentum", "seeds[1]", "plots[0]",
                     "did you mean 'iterations'", "<top level>.budgett", "did you mean 'budget'"]:
        assert fragment in message, (fragment, message)


def test_a_missing_key_does_not_hide_a_misspelt_one():
    with pytest.raises(ConfigError) as info:
        validate({"problem": {"name": "quadratic"}, "method": [{"method": "gd"}]})
    message = str(info.value)
    assert "<top level>.method: unknown key" in message and "did you mean 'methods'" in message
    assert "<top level>.methods: missing" in message


def test_yaml_alias_bomb_is_refused_quickly(tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = _write(tmp_path, "\n".join(lines) + "\nproblem: *i\n")   # 9**9 strings if expanded
    assert path.stat().st_size < 1024
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ConfigError, match=r"aliases \(\*a\) are not accepted"):
        load_config(path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000   # KB


def test_binary_config_is_a_one_line_error(tmp_path, capsys):
    path = tmp_path / "c.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "not a text file" in err and "\n" not in err


@pytest.mark.parametrize("name", ["../../escaped", "/tmp/absolute", ".."])
def test_run_folder_stays_inside_out(tmp_path, name):
    out = tmp_path / "a" / "b" / "runs"
    path = _write(tmp_path, QUAD + f"name: {json.dumps(name)}\n")
    assert main(["run", str(path), "--out", str(out), "--no-plots"]) == 0
    (run_dir,) = [p for p in out.iterdir()]
    assert run_dir.resolve().parent == out.resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "c.yaml"]


def test_labels_that_clean_to_one_name_keep_separate_histories(tmp_path):
    path = _write(tmp_path, "problem: {name: quadratic}\nbudget: {maxiter: 2}\nbackend: numpy\n"
                  "methods:\n  - {label: 'GD/a', method: gd, options: {step: 0.1}}\n"
                  "  - {label: 'GD?a', method: gd, options: {step: 0.2}}\n"
                  "  - {label: GD-a, method: gd, options: {step: 0.3}}\n")
    assert main(["run", str(path), "--out", str(tmp_path / "runs"), "--no-plots"]) == 0
    (run_dir,) = (tmp_path / "runs").iterdir()
    summary = json.loads((run_dir / "summary.json").read_text())
    files = [job["history_file"] for job in summary["jobs"]]
    assert len(set(files)) == 3 and all((run_dir / f).is_file() for f in files)
    assert safe_name("GD-a") == "GD-a"


def test_out_that_is_a_file_is_a_one_line_error(tmp_path, capsys):
    path = _write(tmp_path, QUAD)
    (tmp_path / "afile").write_text("")
    for out in ("afile", "afile/below"):
        assert main(["run", str(path), "--out", str(tmp_path / out), "--no-plots"]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("optad run: error: cannot write the run folder under --out")
        assert "\n" not in err


def test_full_disk_under_out_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    from optad.experiments import rundir

    def full(path, data):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(rundir, "atomic_write_bytes", full)
    path = _write(tmp_path, QUAD)
    assert main(["run", str(path), "--out", str(tmp_path / "runs"), "--no-plots"]) == 2
    err = capsys.readouterr().err.strip()
    assert "No space left on device" in err and "\n" not in err


@pytest.mark.parametrize("address", ["nonsense", "http://host:1"])
def test_bad_scheduler_address_is_a_one_line_error(tmp_path, capsys, address):
    path = _write(tmp_path, QUAD)
    assert main(["run", str(path), "--out", str(tmp_path / "runs"), "--scheduler", address]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("optad run: error:") and "\n" not in err and "--scheduler" in err
    assert not (tmp_path / "runs").exists()


def test_cache_info_and_clear(tmp_path, monkeypatch, capsys):
    import numpy as np

    import optad
    monkeypatch.setenv("OPTAD_CACHE_DIR", str(tmp_path / "kernels"))
    optad.jit(lambda x: np.sum(np.cos(x) * 3.0625))(np.ones(2))
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "kernels") in out and "kernels: 1 " in out and "usable" in out
    assert main(["cache", "clear"]) == 0
    assert "removed 1 kernels" in capsys.readouterr().out
    assert not list((tmp_path / "kernels").glob("optad_*"))
