"""Run folders: unique creation, atomic file writes, history CSVs and environment information."""
from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

HISTORY_COLUMNS = ("iteration", "f", "gap", "grad_norm", "nfev", "njev", "nhev", "evaluations",
                   "time_s")


def safe_name(text: str) -> str:
    """``text`` as one file name: characters other than letters, digits and ``=._+-`` become
    ``-``; when that changed anything, a short hash of the original keeps two different texts
    (``GD/a`` and ``GD?a``) two different names."""
    cleaned = re.sub(r"[^A-Za-z0-9=._+-]+", "-", text).lstrip(".-") or "-"
    if cleaned != text:
        cleaned += "-" + hashlib.sha256(text.encode()).hexdigest()[:6]
    return cleaned


def create_unique_dir(parent, stem: str) -> Path:
    """Make a new folder ``parent/stem-YYYYmmdd-HHMMSS[-k]``; never reuses an existing one.
    ``stem`` is made a plain file name first, so the folder is always directly inside
    ``parent`` (a config named ``../../x`` or ``/tmp/x`` cannot write elsewhere)."""
    parent = Path(parent)
    if parent.exists() and not parent.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "it is a file, not a folder", str(parent))
    parent.mkdir(parents=True, exist_ok=True)
    base = f"{safe_name(stem)}-{time.strftime('%Y%m%d-%H%M%S')}"
    for attempt in range(1, 10_000):
        candidate = parent / (base if attempt == 1 else f"{base}-{attempt}")
        try:
            candidate.mkdir()  # atomic: fails if another process made it first
        except FileExistsError:
            continue
        if candidate.resolve().parent != parent.resolve():   # cannot happen with a safe name
            raise RuntimeError(f"run folder {candidate} is not inside {parent}")
        return candidate
    raise RuntimeError(f"could not create a new run folder under {parent}")


_UMASK = []


def new_file_mode() -> int:
    """The mode an ordinary new file gets (0666 less the process umask, read once): the
    temporary files of atomic writes are made 0600 and are given this mode before the rename,
    so run folders can be shared as the user's umask says."""
    if not _UMASK:
        mask = os.umask(0o022)
        os.umask(mask)
        _UMASK.append(mask)
    return 0o666 & ~_UMASK[0]


def atomic_write_bytes(path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            os.fchmod(out.fileno(), new_file_mode())
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def atomic_write_text(path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path, payload) -> None:
    atomic_write_text(path, json.dumps(payload, indent=2, sort_keys=False, default=_jsonable) + "\n")


def _jsonable(value):
    try:
        import numpy as np
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def write_history_csv(path, history: dict) -> None:
    """``history`` maps each name in HISTORY_COLUMNS to an equal-length sequence."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HISTORY_COLUMNS)
    for row in zip(*(history[name] for name in HISTORY_COLUMNS)):
        writer.writerow([repr(float(v)) if isinstance(v, float) else v for v in row])
    atomic_write_text(path, buffer.getvalue())


def read_history_csv(path) -> dict:
    """The columns of a history CSV as lists of floats."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        columns = {name: [] for name in header}
        for row in reader:
            for name, value in zip(header, row):
                columns[name].append(float(value) if value != "" else float("nan"))
    return columns


def environment_info() -> dict:
    """Versions and machine facts that affect the numbers and timings of a run."""
    info = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "argv": sys.argv,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "packages": {},
        "environment": {k: v for k, v in os.environ.items()
                        if k.startswith(("OPTAD_", "NUMBA_", "OMP_", "MKL_", "OPENBLAS_"))},
    }
    for name in ("optad", "numpy", "scipy", "numba", "matplotlib", "yaml", "dask", "distributed"):
        module = sys.modules.get(name)
        if module is None:
            try:
                module = __import__(name)
            except Exception:  # noqa: BLE001 - an optional package may fail in many ways
                continue
        info["packages"][name] = getattr(module, "__version__", "unknown")
    return info
