"""The README's "Supported operations" section is rendered from the registry (one source of
truth), and the catalogue it is rendered from names every supported function exactly once."""
from pathlib import Path

import numpy as np

import optad.numpy as onp
from optad.numpy import catalogue
from optad.numpy import dispatch as numpy_dispatch

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_section_is_what_the_catalogue_renders():
    section = catalogue.readme_section(README.read_text())
    assert section == catalogue.render_supported_operations(), (
        "README's supported-operations section is stale: run "
        "`python -m optad.numpy.catalogue --write`")


def test_catalogue_lists_every_supported_function_once():
    listed = [name for _, names, _ in catalogue.FAMILIES for name in names]
    assert len(listed) == len(set(listed))
    assert sorted(listed) == sorted(onp.SUPPORTED)


def test_every_supported_name_reaches_an_optad_function():
    for name in onp.SUPPORTED_UFUNCS:
        assert isinstance(getattr(np, name), np.ufunc), name
        assert numpy_dispatch.UFUNCS[name] is getattr(onp, name)
    for name in onp.SUPPORTED_FUNCTIONS:
        np_obj, onp_obj = np, onp
        for part in name.split("."):
            np_obj, onp_obj = getattr(np_obj, part), getattr(onp_obj, part)
        assert numpy_dispatch.FUNCTIONS[np_obj] is onp_obj, name
