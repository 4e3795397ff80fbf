"""problem.constraints in experiment configs: validated (naming the key path and what is
accepted), checked against the problem by minimize's own constraints parser, refused for
methods that cannot take them, and passed to optad.minimize by the jobs."""
import numpy as np
import pytest

import optad
from optad.experiments.config import (ConfigError, load_config, minimize_constraints,
                                      optimum_feasible, validate)
from optad.experiments.jobs import job_list, job_to_dict, run_job
from optad.problems import PROBLEM_CONSTRAINTS, quadratic


def _raw(constraints, method="auglag", problem="quadratic", **params):
    params = {"n": 3, **params} if problem == "quadratic" else params
    return {"problem": {"name": problem, "params": params, "constraints": constraints},
            "methods": [{"method": method}], "budget": {"maxiter": 50}, "backend": "numpy"}


def test_constraints_are_read_into_the_problem_spec():
    config = validate(_raw([{"name": "norm_ball", "params": {"radius": 2}}]))
    assert config.problem.constraints == [{"name": "norm_ball", "params": {"radius": 2.0}}]
    (constraint,) = minimize_constraints(config.problem.constraints, "quadratic")
    assert constraint["type"] == "ineq"
    assert constraint["fun"](np.array([1.0, 1.0, 1.0])) == pytest.approx(1.0)   # 4 - 3
    default = validate(_raw([{"name": "norm_ball"}])).problem.constraints
    assert default == [{"name": "norm_ball", "params": {}}]
    assert validate(_raw(None, method="lbfgs")).problem.constraints is None


@pytest.mark.parametrize("constraints, fragments", [
    ([{"name": "norm_bal"}], ["problem.constraints[0].name", "'norm_bal'", "norm_ball",
                              "did you mean 'norm_ball'"]),
    ([{"name": "norm_ball", "params": {"radius": -1}}],
     ["problem.constraints[0].params.radius", "-1"]),
    ([{"name": "norm_ball", "params": {"raduis": 1}}],
     ["problem.constraints[0].params.raduis", "unknown key", "did you mean 'radius'"]),
    ([{"params": {"radius": 1}}], ["problem.constraints[0].name", "missing"]),
    ([{"name": "norm_ball", "type": "eq"}], ["problem.constraints[0].type", "unknown key"]),
    ({"name": "norm_ball"}, ["problem.constraints", "a list of {name, params}"]),
    ([], ["problem.constraints", "a list of {name, params}"]),
    (["norm_ball"], ["problem.constraints[0]", "a mapping with keys name, params"]),
])
def test_bad_constraints_are_named(constraints, fragments):
    with pytest.raises(ConfigError) as error:
        validate(_raw(constraints))
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_a_problem_without_constraints_says_which_have_them():
    raw = _raw([{"name": "norm_ball"}], problem="wine_mlp")
    with pytest.raises(ConfigError, match="problem 'wine_mlp' takes no constraints; the "
                                          "problems that do: least_squares, mds"):
        validate(raw)


def test_methods_that_cannot_take_constraints_are_named():
    raw = _raw([{"name": "norm_ball"}])
    raw["methods"] = [{"method": "auglag"}, {"method": "lbfgs"}, {"method": "gd"}]
    with pytest.raises(ConfigError) as error:
        validate(raw)
    message = str(error.value)
    assert "methods[1].method: 'lbfgs' cannot take constraints" in message
    assert "methods[2].method: 'gd' cannot take constraints" in message
    assert "methods[0]" not in message and "'auglag'" in message


def test_a_constraint_that_does_not_fit_the_problem_is_named(monkeypatch):
    def matrix_valued(radius: float = 1.0):
        return {"type": "eq", "fun": lambda x: np.outer(x, x) - radius}
    monkeypatch.setitem(PROBLEM_CONSTRAINTS, "quadratic", {"outer": matrix_valued})
    with pytest.raises(ConfigError) as error:
        validate(_raw([{"name": "outer"}]))
    message = str(error.value)
    assert "problem.params: problem.constraints do not fit problem 'quadratic'" in message
    assert "3 unknowns" in message and "constraints" in message


def _run_only_job(config):
    (job,) = job_list(config)
    return run_job(config.to_dict(), job_to_dict(job))


def test_a_job_minimises_on_the_constraints_and_drops_an_f_star_off_them():
    problem = quadratic(n=3)
    radius = 0.5 * float(np.linalg.norm(problem.x_star))     # the minimiser is outside
    config = validate(_raw([{"name": "norm_ball", "params": {"radius": radius}}]))
    record = _run_only_job(config)
    expected = optad.minimize(problem.f, problem.x0(0), args=problem.data, backend="numpy",
                              constraints={"type": "ineq", "fun": lambda x: radius ** 2
                                           - np.sum(x * x)}, options={"maxiter": 50})
    assert expected.success and np.linalg.norm(expected.x) <= radius * (1 + 1e-8)
    assert record["success"] and record["method"] == "auglag"
    assert record["fun"] == pytest.approx(expected.fun, rel=1e-9)
    assert record["f_star"] is None and record["gap"] is None


def test_constraints_the_minimiser_meets_keep_f_star():
    problem = quadratic(n=3)
    radius = 2.0 * float(np.linalg.norm(problem.x_star))
    config = validate(_raw([{"name": "norm_ball", "params": {"radius": radius}}]))
    assert optimum_feasible(problem, config.problem.constraints, 0.0) == 0.0
    record = _run_only_job(config)
    assert record["f_star"] == problem.f_star
    assert record["gap"] == pytest.approx(0.0, abs=1e-8)


def test_constraints_read_from_yaml_and_survive_a_run_folder(tmp_path):
    path = tmp_path / "pinned.yaml"
    path.write_text("problem:\n  name: mds\n  params: {N: 5, d: 2}\n"
                    "  constraints:\n    - {name: circle, params: {radius: 1.5}}\n"
                    "methods: [{method: auglag, options: {inner: lbfgs}}]\n")
    config, _ = load_config(path)
    assert config.problem.constraints == [{"name": "circle", "params": {"radius": 1.5}}]
    again = type(config).from_dict(config.to_dict())
    assert again.problem.constraints == config.problem.constraints
