"""The on-disk kernel cache.

Each kernel's source is written to ``<cache dir>/optad_<hash>.py`` and imported from there, so
``numba.njit(cache=True)`` keeps the machine code in ``__pycache__`` beside it and a second
process loads it instead of compiling.

- The key is the program alone: the hash is that of the source *without* the provenance notes
  (``  <- file:line: code`` at the end of codegen's comments), and the file holds that text.  So
  renaming the user's script or editing it above the loss does not recompile; ``show_source``
  still shows the notes (``compile_program`` keeps the full text as ``kernel.source``).
- The directory is ``$OPTAD_CACHE_DIR``, or ``~/.cache/optad``, created private (0700).  Numba's
  ``.nbi``/``.nbc`` files are pickles, and loading a pickle can run code, so a folder (or its
  ``__pycache__``) that another user owns or that group or others may write is refused.
- Writes are atomic: a temporary file in the same directory, then ``os.replace``.  Two processes
  writing the same kernel write the same bytes, so both succeed whoever renames last.  Files get
  the usual mode for new files (0666 minus the umask).
- A file is trusted only if its content hashes to its name; a truncated or corrupt file is
  rewritten (and Numba, seeing a new file stamp, compiles again).
- The cache is bounded: after a new kernel is written, the least recently used kernels are
  deleted until the folder is under ``$OPTAD_CACHE_MAX_MB`` (default 1024) megabytes.  Loading a
  kernel sets its file's access time (not its modification time, which Numba checks).
- A cache that cannot be used (read-only, full, a file instead of a folder, refused as above)
  does not stop optad: kernels are compiled in memory (per process) after one warning.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import stat
import sys
import tempfile
import time
import types
import warnings
from pathlib import Path

MODULE_PREFIX = "optad_"
DEFAULT_MAX_MB = 1024
# codegen.comment() ends a comment with "  <- <where>": the user's file, line and code
_PROVENANCE = re.compile(r"(?m)^([ \t]*#[^\n]*?)  <- [^\n]*$")
_state = {"warned": None, "umask": None}


class CacheUnusable(OSError):
    """The cache folder must not be used (see the module docstring)."""


def cache_dir() -> Path:
    path = os.environ.get("OPTAD_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache",
                                                               "optad")
    return Path(path)


def max_bytes() -> int:
    text = os.environ.get("OPTAD_CACHE_MAX_MB", "")
    try:
        megabytes = float(text) if text else DEFAULT_MAX_MB
    except ValueError:
        megabytes = DEFAULT_MAX_MB
    return int(max(megabytes, 1) * 2 ** 20)


def program_text(source: str) -> str:
    """The source without provenance notes: what is hashed and written."""
    return _PROVENANCE.sub(r"\1", source)


def source_digest(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()[:32]


def kernel_path(source: str) -> Path:
    return cache_dir() / f"{MODULE_PREFIX}{source_digest(program_text(source))}.py"


# --------------------------------------------------------------------------- the folder

def _file_mode() -> int:
    if _state["umask"] is None:
        mask = os.umask(0o022)
        os.umask(mask)
        _state["umask"] = mask
    return 0o666 & ~_state["umask"]


def check_private(folder: Path) -> None:
    """Raise CacheUnusable unless ``folder`` is a folder of this user that only they can write."""
    info = os.stat(folder)
    if not stat.S_ISDIR(info.st_mode):
        raise CacheUnusable(f"{folder} is not a folder")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise CacheUnusable(f"{folder} belongs to another user; optad loads pickled machine "
                            "code from its cache, so it uses only a folder of your own")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise CacheUnusable(f"{folder} is writable by other users, and optad loads pickled "
                            "machine code (which can run code) from it; make it private with "
                            f"`chmod go-w {folder}` or set OPTAD_CACHE_DIR to a folder of your own")


def prepare_dir(folder: Path | None = None) -> Path:
    """The cache folder (or ``folder``), created if needed and checked (raises OSError /
    CacheUnusable)."""
    folder = cache_dir() if folder is None else Path(folder)
    if not folder.is_dir():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    check_private(folder)
    machine_code = folder / "__pycache__"
    if not machine_code.is_dir():
        machine_code.mkdir(mode=0o700, exist_ok=True)   # before Numba makes it with the umask
    check_private(machine_code)
    return folder


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
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _mark_used(path: Path):
    try:
        info = os.stat(path)
        os.utime(path, ns=(time.time_ns(), info.st_mtime_ns))
    except OSError:
        pass


# --------------------------------------------------------------------------- loading

def _warn_once(error: OSError):
    if _state["warned"] is None:
        _state["warned"] = str(error)
        warnings.warn(f"optad: the kernel cache {cache_dir()} cannot be used ({error}); kernels "
                      "are compiled in memory for this process only. Set OPTAD_CACHE_DIR to a "
                      "writable folder of your own to keep them.", RuntimeWarning, stacklevel=3)


def _in_memory(name: str, text: str):
    module = types.ModuleType(name)
    module.__file__ = None
    sys.modules[name] = module
    try:
        code = compile(text.replace("cache=True", "cache=False"), f"<optad kernel {name}>",
                       "exec")
        exec(code, vars(module))
    except BaseException:
        del sys.modules[name]
        raise
    return module


def load_module(source: str, folder: Path | None = None):
    """Import the module holding ``source`` (keyed on its text without provenance notes) from
    the cache (or from ``folder``, which is never pruned), writing or repairing the file; in
    memory if the cache cannot be used."""
    text = program_text(source)
    digest = source_digest(text)
    name = f"{MODULE_PREFIX}{digest}"
    path = (cache_dir() if folder is None else Path(folder)) / f"{name}.py"
    module = sys.modules.get(name)
    if module is not None and getattr(module, "__file__", None) in (str(path), None):
        return module
    try:
        prepare_dir(path.parent)
        wrote = not _valid(path, digest)
        if wrote:
            _write_atomic(path, text)
        _mark_used(path)
    except OSError as error:
        _warn_once(error)
        return _in_memory(name, text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    if wrote and folder is None:
        prune(max_bytes(), keep={name})
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


# --------------------------------------------------------------------------- size, info, clear

def entries(folder: Path | None = None) -> list:
    """(kernel name, bytes on disk, last use) per cached kernel, most recently used first."""
    folder = cache_dir() if folder is None else folder
    found = {}
    for path in folder.glob(f"{MODULE_PREFIX}*.py"):
        try:
            info = path.stat()
        except OSError:
            continue
        found[path.stem] = [info.st_size, max(info.st_atime, info.st_mtime)]
    for path in (folder / "__pycache__").glob(f"{MODULE_PREFIX}*"):
        stem = path.name.split(".", 1)[0]
        if stem in found:
            try:
                found[stem][0] += path.stat().st_size
            except OSError:
                pass
    return sorted(((k, v[0], v[1]) for k, v in found.items()), key=lambda e: -e[2])


def remove_entry(folder: Path, name: str) -> None:
    for path in [folder / f"{name}.py", *(folder / "__pycache__").glob(f"{name}.*")]:
        try:
            path.unlink()
        except OSError:
            pass


def prune(limit: int, keep=()) -> int:
    """Delete least recently used kernels (never those loaded in this process, nor ``keep``)
    until the cache holds at most 80% of ``limit`` bytes, once it holds more than ``limit``.
    Returns the number of kernels deleted."""
    folder = cache_dir()
    listing = entries(folder)
    total = sum(size for _, size, _ in listing)
    if total <= limit:
        return 0
    removed = 0
    for name, size, _ in reversed(listing):   # least recently used first
        if total <= 0.8 * limit:
            break
        if name in keep or name in sys.modules:
            continue
        remove_entry(folder, name)
        total -= size
        removed += 1
    return removed


def info() -> dict:
    """What ``optad cache info`` prints."""
    folder = cache_dir()
    listing = entries(folder) if folder.is_dir() else []
    try:
        prepare_dir() if folder.exists() else None
        problem = None
    except OSError as error:
        problem = str(error)
    return {"folder": str(folder), "kernels": len(listing),
            "bytes": sum(size for _, size, _ in listing), "limit_bytes": max_bytes(),
            "usable": problem is None, "problem": problem}


def clear() -> int:
    """Delete every cached kernel (only optad's own files); returns how many."""
    folder = cache_dir()
    if not folder.is_dir():
        return 0
    listing = entries(folder)
    for name, _, _ in listing:
        remove_entry(folder, name)
    for path in folder.glob(f"{MODULE_PREFIX}*.tmp"):
        try:
            path.unlink()
        except OSError:
            pass
    return len(listing)
