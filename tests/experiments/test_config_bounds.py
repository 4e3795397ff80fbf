"""problem.bounds in experiment configs: validated (naming the key path), checked against the
problem's unknowns by minimize's own bounds parser, and passed to optad.minimize by the jobs."""
import numpy as np
import pytest

import optad
from optad.experiments.config import ConfigError, minimize_bounds, validate
from optad.experiments.jobs import job_list, job_to_dict, run_job
from optad.optimize.options import OptimizeWarning
from optad.problems import quadratic


def _raw(bounds, **params):
    return {"problem": {"name": "quadratic", "params": {"n": 3, **params}, "bounds": bounds},
            "methods": [{"method": "lbfgs"}], "budget": {"maxiter": 200}, "backend": "numpy"}


def test_bounds_are_read_into_the_problem_spec():
    config = validate(_raw({"lower": 0, "upper": float("inf")}))
    assert config.problem.bounds == {"lower": 0.0, "upper": None}
    entries = validate(_raw({"upper": [1, None, 2.5]})).problem.bounds
    assert entries == {"lower": None, "upper": [1.0, None, 2.5]}
    box = minimize_bounds(entries)
    assert box.lb == -np.inf and list(box.ub) == [1.0, np.inf, 2.5]
    assert validate(_raw(None)).problem.bounds is None


@pytest.mark.parametrize("bounds, fragments", [
    ({"lowr": 0}, ["problem.bounds.lowr", "unknown key", "did you mean 'lower'"]),
    ({"lower": "zero"}, ["problem.bounds.lower", "'zero'", "a number, or a list"]),
    ({"lower": [0, "x", 1]}, ["problem.bounds.lower[1]", "'x'", "a number or null"]),
    ({"lower": []}, ["problem.bounds.lower", "one per unknown"]),
    ({"lower": 2, "upper": 1}, ["problem.bounds", "lower 2.0 is above upper 1.0"]),
    ([0, 1], ["problem.bounds", "a mapping with keys lower, upper"]),
    ({"lower": [0, 0]}, ["problem.params", "do not fit problem 'quadratic'", "3 unknowns",
                         "bounds.lb"]),
    ({"lower": [0, 2, 0], "upper": [1, 1, 1]}, ["lower bound > upper bound", "1"]),
])
def test_bad_bounds_are_named(bounds, fragments):
    with pytest.raises(ConfigError) as error:
        validate(_raw(bounds))
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_bounds_that_do_not_fit_one_sweep_point_name_it():
    raw = _raw({"upper": [1, 1, 1]})
    del raw["problem"]["params"]["n"]
    raw["sweep"] = {"param": "n", "values": [3, 4]}
    with pytest.raises(ConfigError, match=r"sweep.values \(=4\).*3 unknowns|sweep.values \(=4\)"):
        validate(raw)


def _run_only_job(config):
    (job,) = job_list(config)
    return run_job(config.to_dict(), job_to_dict(job))


def test_a_job_minimises_inside_the_box_and_drops_an_f_star_outside_it():
    problem = quadratic(n=3)
    lower = float(np.max(problem.x_star)) + 0.5      # the unbounded minimiser is outside
    config = validate(_raw({"lower": lower}))
    record = _run_only_job(config)
    with pytest.warns(OptimizeWarning, match="outside the bounds"):   # x0 is clipped
        expected = optad.minimize(problem.f, problem.x0(0), method="lbfgs", args=problem.data,
                                  bounds=minimize_bounds(config.problem.bounds),
                                  backend="numpy", options={"maxiter": 200})
    assert record["fun"] == pytest.approx(expected.fun, rel=1e-9)
    assert np.all(expected.x >= lower)
    assert record["fun"] > 1e-3 and record["f_star"] is None and record["gap"] is None


def test_a_box_holding_the_minimiser_keeps_f_star():
    problem = quadratic(n=3)
    config = validate(_raw({"lower": float(np.min(problem.x_star)) - 1.0}))
    record = _run_only_job(config)
    assert record["f_star"] == problem.f_star
    assert record["gap"] == pytest.approx(0.0, abs=1e-8)


def test_bounds_read_from_yaml(tmp_path):
    from optad.experiments.config import load_config
    path = tmp_path / "boxed.yaml"
    path.write_text("problem:\n  name: quadratic\n  params: {n: 3}\n"
                    "  bounds: {lower: -.inf, upper: [1e-1, .inf, 2]}\n"
                    "methods: [{method: gd}]\n")
    config, _ = load_config(path)
    assert config.problem.bounds == {"lower": None, "upper": [0.1, None, 2.0]}


def test_bounds_survive_the_round_trip_through_a_run_folder():
    config = validate(_raw({"lower": [0, None, -1], "upper": 3}))
    again = type(config).from_dict(config.to_dict())
    assert again.problem.bounds == config.problem.bounds
