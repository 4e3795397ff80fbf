"""Config validation: every committed config loads; bad ones fail with a message that names the
key path, the bad value and what is accepted."""
import copy
from pathlib import Path

import pytest

from optad.cli import main
from optad.experiments.config import ConfigError, load_config, validate

CONFIGS = sorted((Path(__file__).resolve().parents[2] / "configs").glob("*.yaml"))

GOOD = {
    "name": "t",
    "problem": {"name": "mds", "params": {"N": 5}},
    "sweep": {"param": "d", "values": [1, 2]},
    "methods": [{"label": "GD", "method": "gd", "options": {"step": 0.01}},
                {"label": "ZO", "method": "zo-gd", "sweep_options": {"step": [0.01, 0.005]}}],
    "seeds": [0, 1],
    "budget": {"maxiter": 10},
    "target": 1e-3,
    "plots": ["iterations", "sweep"],
}


def _bad(path, value):
    raw = copy.deepcopy(GOOD)
    node = raw
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if key.isdigit() else node[key]
    last = keys[-1]
    if value is KeyError:
        del node[last]
    elif last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return raw


def test_committed_configs_are_valid():
    assert {p.stem for p in CONFIGS} >= {"quickstart", "mds", "least_squares", "wine_mlp",
                                         "zero_order_rate"}
    for path in CONFIGS:
        config, text = load_config(path)
        assert config.name and config.methods and text.strip()


def test_good_config_fields():
    config = validate(GOOD)
    assert config.sweep.values == (1, 2)
    assert config.methods[1].sweep_options == {"step": [0.01, 0.005]}
    assert config.method_options(config.methods[1], 2) == {"step": 0.005}
    assert config.backend == "numba" and config.budget.maxiter == 10


@pytest.mark.parametrize("path, value, expected", [
    ("colour", "red", ["colour", "unknown key", "accepted keys"]),
    ("problem.name", "mdss", ["problem.name", "'mdss'", "least_squares", "wine_mlp"]),
    ("problem.params.N", "five", ["problem.params.N", "'five'", "non-negative integer"]),
    ("problem.params.M", 3, ["problem.params.M", "unknown key", "N, d, seed"]),
    ("problem.params.N", 0, ["N", "positive integer"]),
    ("sweep.param", "h", ["sweep.param", "'h'", "parameter of problem 'mds'"]),
    ("sweep.values", [], ["sweep.values", "non-empty list"]),
    ("methods.0.method", "adagrad", ["methods[0].method", "'adagrad'", "gd, zo-gd, newton-cg"]),
    ("methods.0.options", {"stpe": 0.1}, ["methods[0].options.stpe", "unknown option",
                                          "step"]),
    ("methods.0.options", {"step": -1}, ["methods[0].options.step", "-1",
                                         "a positive number"]),
    ("methods.0.options", {"step": "fast"}, ["methods[0].options.step", "'fast'"]),
    ("methods.0.options", {"nesterov": "yes"}, ["methods[0].options.nesterov", "true or false"]),
    ("methods.0.options", {"momentum": 1.5}, ["methods[0].options.momentum", "[0, 1)"]),
    ("methods.0.label", "ZO", ["methods[1].label", "'ZO'", "used twice"]),
    ("methods.1.sweep_options", {"step": [0.1]}, ["methods[1].sweep_options.step",
                                                  "a list of 2 values"]),
    ("methods.1.options", {"estimator": "normal"}, ["methods[1].options.estimator",
                                                    "'sphere', 'gaussian', 'coordinate'"]),
    ("seeds", [0, 0], ["seeds", "distinct"]),
    ("seeds", [], ["seeds", "non-empty list"]),
    ("seeds.1", -3, ["seeds[1]", "-3", "non-negative integer"]),
    ("budget.maxiter", 0, ["budget.maxiter", "0", "positive integer"]),
    ("budget.maxiter", 2.5, ["budget.maxiter", "2.5", "positive integer"]),
    ("budget.hours", 1, ["budget.hours", "unknown key", "maxiter, seconds, stop_at_target"]),
    ("backend", "gpu", ["backend", "'gpu'", "numba, numpy, cuda"]),
    ("plots.0", "histogram", ["plots[0]", "'histogram'", "iterations, evaluations, time"]),
    ("target", KeyError, ["plots", "'sweep' needs", "target"]),
    ("methods", [], ["methods", "non-empty list"]),
    ("xscale", "loglog", ["xscale", "'loglog'", "'linear', 'log'"]),
])
def test_bad_values_are_named(path, value, expected):
    with pytest.raises(ConfigError) as info:
        validate(_bad(path, value))
    message = str(info.value)
    for fragment in expected:
        assert fragment in message, (fragment, message)


def test_sweep_options_need_a_sweep():
    raw = copy.deepcopy(GOOD)
    del raw["sweep"]
    raw["plots"] = ["iterations"]
    with pytest.raises(ConfigError, match=r"methods\[1\]\.sweep_options: needs a sweep"):
        validate(raw)


def test_stop_at_target_needs_target():
    raw = copy.deepcopy(GOOD)
    raw.update(target=None, plots=["iterations"], budget={"maxiter": 5, "stop_at_target": True})
    with pytest.raises(ConfigError, match="stop_at_target"):
        validate(raw)


def test_yaml_exponent_without_dot_is_a_number(tmp_path):
    # PyYAML reads 1e-4 as a string; the config layer accepts it as the number it means.
    path = tmp_path / "c.yaml"
    path.write_text("problem: {name: quadratic}\nmethods: [{method: gd, options: {step: 1e-4}}]\n"
                    "seeds: [0]\nbudget: {maxiter: 3}\n")
    config, _ = load_config(path)
    assert config.methods[0].options["step"] == 1e-4 and config.name == "c"


def test_unreadable_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("problem: {name: mds\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    listing = tmp_path / "list.yaml"
    listing.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="<top level>"):
        load_config(listing)


def test_unsafe_yaml_tags_are_refused(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("problem: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)


def test_budget_scale_shrinks_iterations_only():
    config = validate(GOOD)
    small = config.scaled(0.05)
    assert small.budget.maxiter == 1 and small.budget_scale == 0.05
    assert small.methods[0].options == {"step": 0.01}
    with pytest.raises(ConfigError, match="budget scale"):
        config.scaled(-1)


def test_cli_check_reports_errors_and_runs_nothing(tmp_path, capsys):
    path = tmp_path / "c.yaml"
    path.write_text("problem: {name: mds}\nmethods: [{method: gd, options: {step: fast}}]\n"
                    "seeds: [0]\nbudget: {maxiter: 3}\n")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "methods[0].options.step" in err and "'fast'" in err and "positive number" in err
    assert main(["run", str(path), "--out", str(tmp_path / "runs")]) == 2
    assert not (tmp_path / "runs").exists()
    assert main(["check", str(CONFIGS[0])]) == 0
