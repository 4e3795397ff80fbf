"""The Numba backend's version (in every generated kernel's header, so in its cache file name)
follows the shared stages its kernels are generated from and inline: a changed scalar function
(backends/scalar_semantics.py) must not load machine code compiled from the old one."""
from pathlib import Path

import pytest

numba_backend = pytest.importorskip("optad.backends.numba")


@pytest.mark.parametrize("module", ["scalar_semantics.py", "scalar_templates.py", "schedule.py",
                                    "schedule_rewrites.py", "schedule_nest.py",
                                    "numba/elementary.py"])
def test_backend_version_changes_with_each_shared_stage(module, monkeypatch):
    version = numba_backend._backend_version.__wrapped__   # the computation, not its cache
    before = version()
    read_bytes = Path.read_bytes

    def edited(path):
        data = read_bytes(path)
        return data + b"\n# edited\n" if path.as_posix().endswith("backends/" + module) else data

    monkeypatch.setattr(Path, "read_bytes", edited)
    assert version() != before
