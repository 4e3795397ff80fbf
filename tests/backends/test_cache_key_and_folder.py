"""Issue 11.15, 11.4, 11.16, 11.20: the kernel cache is keyed on the program alone (renaming
the user's script or adding lines above the loss compiles nothing new), it is bounded, it
refuses folders other users can write, files respect the umask, and an unusable cache folder
falls back to compiling in memory with one warning."""
import json
import os
import stat
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import optad
from optad.backends.numba import cache

ROOT = Path(__file__).resolve().parents[2]

LOSS = textwrap.dedent("""
    import json, sys
    import numpy as np
    import optad

    def loss(w, a):
        return np.sum(np.tanh(a @ w) ** 2) + 0.5 * np.sum(w ** 2)

    a = np.linspace(-1.0, 1.0, 12).reshape(4, 3)
    w = np.linspace(0.1, 0.3, 3)
    value, grad = optad.value_and_grad(loss)(w, a)
    hv = optad.hvp(loss)(w, np.ones(3), a)
    misses = 0
    for name, module in list(sys.modules.items()):
        if name.startswith("optad_"):
            for obj in vars(module).values():
                stats = getattr(obj, "stats", None)
                if stats is not None and hasattr(stats, "cache_misses"):
                    misses += sum(stats.cache_misses.values())
    print(json.dumps({"value": float(value), "hv": hv.tolist(), "misses": misses}))
""")


def _run(script: Path, cache_dir: Path):
    env = dict(os.environ, OPTAD_CACHE_DIR=str(cache_dir),
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _files(folder: Path):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.mark.slow
def test_renamed_and_edited_script_compiles_nothing_new(tmp_path):
    cache_dir = tmp_path / "cache"
    first = tmp_path / "study.py"
    first.write_text(LOSS)
    before = _run(first, cache_dir)
    assert before["misses"] > 0
    files = _files(cache_dir)
    # another name, another folder, lines added above the loss: the same program
    second = tmp_path / "elsewhere" / "renamed_study.py"
    second.parent.mkdir()
    second.write_text("# a new header comment\n\nimport os  # and an import\n\n\n" + LOSS)
    after = _run(second, cache_dir)
    assert after["misses"] == 0
    assert _files(cache_dir) == files
    assert after["value"] == before["value"] and after["hv"] == before["hv"]


def test_provenance_is_shown_but_not_part_of_the_key():
    def loss(x):
        return np.sum(np.exp(x))

    source = optad.show_source(optad.grad(loss), np.ones(3))
    assert "test_cache_key_and_folder.py" in source          # the user's line is shown
    text = cache.program_text(source)
    assert "test_cache_key_and_folder.py" not in text and "<-" not in text
    assert text.count("\n") == source.count("\n")             # same line numbers
    assert cache.kernel_path(source) == cache.kernel_path(text)


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    folder = tmp_path / "kernels"
    monkeypatch.setenv("OPTAD_CACHE_DIR", str(folder))
    monkeypatch.setitem(cache._state, "warned", None)
    return folder


def _new_kernel(k):
    # a program no other test compiles, so a fresh cache folder gets a new file
    return optad.jit(lambda x: np.sum(np.sin(x) * (k + 0.125)))


def test_new_files_respect_the_umask_and_the_folder_is_private(private_cache):
    previous = os.umask(0o027)
    try:
        cache._state["umask"] = None
        _new_kernel(1)(np.ones(2))
    finally:
        os.umask(previous)
        cache._state["umask"] = None
    assert stat.S_IMODE(private_cache.stat().st_mode) == 0o700
    (kernel,) = private_cache.glob("optad_*.py")
    assert stat.S_IMODE(kernel.stat().st_mode) == 0o640


def test_folder_writable_by_others_is_refused_and_compiles_in_memory(private_cache):
    private_cache.mkdir()
    private_cache.chmod(0o777)
    with pytest.warns(RuntimeWarning, match="writable by other users"):
        value = _new_kernel(2)(np.ones(2))
    assert np.isclose(value, 2 * np.sin(1.0) * 2.125)
    assert not list(private_cache.glob("optad_*"))   # nothing written, nothing loaded
    with warnings.catch_warnings():
        warnings.simplefilter("error")                 # one warning per process, not per kernel
        _new_kernel(3)(np.ones(2))


@pytest.mark.parametrize("problem", ["file", "read-only"])
def test_unusable_cache_falls_back_to_memory_with_one_warning(private_cache, problem,
                                                             monkeypatch):
    if problem == "file":
        private_cache.write_text("not a folder")
    else:
        private_cache.mkdir(mode=0o500)
        if os.access(private_cache, os.W_OK):   # root writes anyway: have the write fail
            def read_only(path, text):
                raise PermissionError(13, "Permission denied", str(path))
            monkeypatch.setattr(cache, "_write_atomic", read_only)
    c = {"file": 4.25, "read-only": 4.75}[problem]   # a kernel not yet loaded in this process
    with pytest.warns(RuntimeWarning, match="compiled in memory"):
        grad = optad.grad(lambda x: np.sum(np.cos(x) * c))(np.ones(2))
    np.testing.assert_allclose(grad, -c * np.sin(np.ones(2)))


def test_full_disk_falls_back_to_memory(private_cache, monkeypatch):
    def full(path, text):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache, "_write_atomic", full)
    with pytest.warns(RuntimeWarning, match="No space left"):
        assert np.isclose(_new_kernel(4)(np.ones(1)), np.sin(1.0) * 4.125)


def test_cache_is_bounded_least_recently_used_first(private_cache):
    private_cache.mkdir(mode=0o700)
    (private_cache / "__pycache__").mkdir(mode=0o700)
    for k, name in enumerate(["optad_old", "optad_mid", "optad_new"]):
        path = private_cache / f"{name}.py"
        path.write_bytes(b"#" * 1000)
        (private_cache / "__pycache__" / f"{name}.f-1.py311.nbc").write_bytes(b"x" * 1000)
        os.utime(path, (1000 + k, 1000 + k))
    assert cache.prune(10_000) == 0
    assert cache.prune(5_500) == 1                      # 6000 bytes > 5500: down to <= 4400
    assert sorted(p.name for p in private_cache.glob("*.py")) == ["optad_mid.py",
                                                                  "optad_new.py"]
    assert not list((private_cache / "__pycache__").glob("optad_old*"))
    assert cache.clear() == 2 and not list(private_cache.rglob("optad_*"))
