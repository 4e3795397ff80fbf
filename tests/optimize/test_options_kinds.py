"""The option kinds of optimize/options.py are the one description of what an option accepts:
minimize's options and the experiment configs accept and refuse the same values, and both say
what is accepted in the kind's own words."""
import numpy as np
import pytest

from optad.experiments.config import ConfigError, check_kind
from optad.optimize.options import KINDS, Choice, Option, checked, kind_of

CHOICE = ("sphere", "gaussian")

# kind, value, normalised value (or None: refused)
CASES = [
    ("int+", 3, 3), ("int+", np.int64(4), 4), ("int+", 5.0, 5), ("int+", "1e3", 1000),
    ("int+", 0, None), ("int+", 2.5, None), ("int+", True, None), ("int+", "many", None),
    ("int+", float("inf"), None),
    ("int0", 0, 0), ("int0", -1, None), ("int0", 2 ** 63 + 1, 2 ** 63 + 1),
    ("int0", np.uint64(2 ** 64 - 1), 2 ** 64 - 1), ("int0", np.bool_(True), None),
    ("float+", 0.5, 0.5), ("float+", "1e-4", 1e-4), ("float+", np.float32(2.0), 2.0),
    ("float+", np.array(0.25), 0.25),
    ("float+", 0, None), ("float+", -1.0, None), ("float+", float("nan"), None),
    ("float+", float("inf"), None), ("float+", False, None), ("float+", [1.0], None),
    ("float0", 0, 0.0), ("float0", -1e-9, None),
    ("fraction", 0.0, 0.0), ("fraction", 0.9, 0.9), ("fraction", 1.0, None),
    ("fraction", -0.1, None), ("fraction", "x", None),
    ("fractions2", [0.9, 0.999], (0.9, 0.999)), ("fractions2", (0, 0.5), (0.0, 0.5)),
    ("fractions2", [0.9], None), ("fractions2", [0.9, 1.5], None), ("fractions2", 0.9, None),
    ("bool", True, True), ("bool", np.bool_(False), False), ("bool", 0, False),
    ("bool", 1, True), ("bool", 2, None), ("bool", "yes", None), ("bool", 1.0, None),
    (CHOICE, "sphere", "sphere"), (CHOICE, "normal", None), (CHOICE, 1, None),
]


@pytest.mark.parametrize("kind, value, expected", CASES)
def test_minimize_and_configs_accept_the_same_values(kind, value, expected):
    if expected is None:
        with pytest.raises((ValueError, TypeError)) as python_error:
            checked("opt", value, kind)
        assert "option 'opt'" in str(python_error.value)
        with pytest.raises(ConfigError) as config_error:
            check_kind("methods[0].options.opt", value, kind)
        message = str(config_error.value)
        assert message.startswith("methods[0].options.opt")
        assert "expected" in message
    else:
        python_value = checked("opt", value, kind)
        config_value = check_kind("path", value, kind)
        assert python_value == config_value == expected
        assert type(python_value) is type(config_value) is type(expected)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_each_kind_says_what_it_accepts_in_both_messages(name):
    kind = KINDS[name]
    bad = {"bool": "maybe", "fractions2": [0.5, 0.5, 0.5]}.get(name, -5)
    with pytest.raises(ConfigError, match=r"expected " + _escaped(kind.describe())):
        check_kind("p", bad, name)
    with pytest.raises((ValueError, TypeError)) as error:
        checked("opt", bad, name)
    assert str(error.value).startswith("option 'opt' must be")


def _escaped(text):
    import re
    return re.escape(text)


def test_a_bad_entry_of_a_pair_is_named_by_its_position_in_configs():
    with pytest.raises(ConfigError) as error:
        check_kind("methods[0].options.betas", [0.9, 1.5], "fractions2")
    assert str(error.value).startswith("methods[0].options.betas[1]: got 1.5 (float); "
                                       "expected a number in [0, 1)")
    with pytest.raises(ValueError, match=r"'betas' must be a pair of numbers in \[0, 1\)"):
        checked("betas", [0.9, 1.5], "fractions2")


def test_wrong_sort_of_value_is_a_type_error_out_of_range_a_value_error():
    with pytest.raises(TypeError, match="option 'step' must be a number, got 'fast'"):
        checked("step", "fast", "float+")
    with pytest.raises(TypeError, match="must be True or False"):
        checked("disp", "yes", "bool")
    with pytest.raises(ValueError, match="option 'momentum' must be in \\[0, 1\\), got 2"):
        checked("momentum", 2, "fraction")


def test_choices_suggest_a_near_miss_in_configs():
    with pytest.raises(ConfigError, match="did you mean 'gaussian'"):
        check_kind("estimator", "gausian", CHOICE)


def test_option_entries_hold_kind_objects_whatever_names_them():
    assert Option("int+", "h").kind is KINDS["int+"]
    assert isinstance(Option(("a", "b"), "h").kind, Choice)
    assert Option(KINDS["bool"], "h", False).describe() == "true or false: h"
    with pytest.raises(KeyError, match="unknown option kind 'int'"):
        kind_of("int")


def test_every_method_option_has_a_kind_object_that_describes_itself():
    from optad.optimize.methods import METHODS
    for method in METHODS.values():
        for name, option in method.OPTIONS.items():
            assert option.kind.describe(), (method.NAME, name)
            if option.default is not None:   # a default passes its own check
                assert checked(name, option.default, option.kind) == option.default
