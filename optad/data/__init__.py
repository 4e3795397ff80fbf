"""Data sets shipped inside the package (see README.md beside this file for provenance).

``load_wine()`` returns the UCI wine data in the layout of the lecture's MLP example: features
standardised, one column per wine, target ``cultivar - 2``.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent
WINE_PATH = DATA_DIR / "wine.csv"
WINE_SHA256 = "3ce67f610c87c7ad0ca5cd5c50b19fecfc80d0b21916b53a650c49610fd0ba89"
WINE_FEATURES = (
    "alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols",
    "flavanoids", "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue",
    "od280_od315", "proline",
)


class DataChecksumError(RuntimeError):
    """A shipped data file does not have the checksum recorded for it."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_checksum(path: Path, expected: str) -> None:
    """Raise DataChecksumError unless the file's sha256 equals ``expected``."""
    if not path.is_file():
        raise FileNotFoundError(f"data file {path} is missing; reinstall optad")
    actual = sha256_of(path)
    if actual != expected:
        raise DataChecksumError(
            f"{path} has sha256 {actual}, expected {expected}: the file was modified or "
            f"truncated; restore it from the optad source (see {DATA_DIR / 'README.md'})")


def load_wine_raw(path: Path = WINE_PATH, sha256: str = WINE_SHA256):
    """The checked CSV as (features (178, 13) float64, cultivar (178,) int64)."""
    verify_checksum(Path(path), sha256)
    with open(path, encoding="ascii") as handle:
        header = handle.readline().strip().split(",")
    if tuple(header[:-1]) != WINE_FEATURES or header[-1] != "cultivar":
        raise ValueError(f"{path}: unexpected header {header}")
    table = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    return table[:, :-1], table[:, -1].astype(np.int64)


def load_wine(path: Path = WINE_PATH, sha256: str = WINE_SHA256):
    """Standardised wine features and centred cultivar labels.

    Returns ``X`` of shape (13, 178), float64, each row (feature) with mean 0 and population
    standard deviation 1, and ``y`` of shape (178,), float64, equal to ``cultivar - 2`` (so -1, 0
    or 1). The file's sha256 is verified first; a mismatch raises ``DataChecksumError``.
    """
    features, cultivar = load_wine_raw(path, sha256)
    standardised = (features - features.mean(axis=0)) / features.std(axis=0)
    X = np.ascontiguousarray(standardised.T)
    y = (cultivar - 2).astype(np.float64)
    return X, y


__all__ = ["load_wine", "load_wine_raw", "DataChecksumError", "WINE_PATH", "WINE_SHA256",
           "WINE_FEATURES"]
