"""The on-disk kernel cache.

Each kernel's source is written to ``<cache dir>/optad_<hash>.py``, where the hash is that of the
source itself, and imported from there, so ``numba.njit(cache=True)`` keeps the machine code in
``__pycache__`` beside it and a second process loads it instead of compiling.

- The directory is ``$OPTAD_CACHE_DIR``, or ``~/.cache/optad``.
- Writes are atomic: a temporary file in the same directory, then ``os.replace``.  Two processes
  writing the same kernel write the same bytes, so both succeed whoever renames last.
- A file is trusted only if its content hashes to its name; a truncated or corrupt file is
  rewritten (and Numba, seeing a new file stamp, compiles again).
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

MODULE_PREFIX = "optad_"


def cache_dir() -> Path:
    path = os.environ.get("OPTAD_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache",
                                                               "optad")
    return Path(path)


def source_digest(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()[:32]


def _valid(path: Path, digest: str) -> bool:
    try:
        return source_digest(path.read_text()) == digest
    except (OSError, UnicodeDecodeError):
        return False


def _write_atomic(path: Path, text: str):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def kernel_path(source: str) -> Path:
    return cache_dir() / f"{MODULE_PREFIX}{source_digest(source)}.py"


def load_module(source: str):
    """Import the module holding ``source`` from the cache, writing or repairing the file."""
    digest = source_digest(source)
    name = f"{MODULE_PREFIX}{digest}"
    path = cache_dir() / f"{name}.py"
    module = sys.modules.get(name)
    if module is not None and getattr(module, "__file__", None) == str(path):
        return module
    path.parent.mkdir(parents=True, exist_ok=True)
    if not _valid(path, digest):
        _write_atomic(path, source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def recover_from_corrupt_cache(dispatcher, error):
    """Called by a kernel when a segment raised on its first call.  If the error came from
    reading Numba's cached machine code (a truncated or corrupt ``.nbi``/``.nbc`` file), drop
    that cache entry so the next call compiles afresh; otherwise re-raise."""
    import traceback
    frames = traceback.extract_tb(error.__traceback__)
    if not any(os.path.join("numba", "core", "caching") in f.filename for f in frames):
        raise error
    dispatcher._cache.flush()   # an empty index: the next call misses, compiles and saves
