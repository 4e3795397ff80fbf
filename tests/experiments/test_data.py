"""The shipped wine data: checksum, shapes, standardisation and targets."""
import hashlib

import numpy as np
import pytest

from optad.data import (WINE_PATH, WINE_SHA256, DataChecksumError, load_wine, load_wine_raw)


def test_shipped_file_matches_recorded_checksum():
    assert hashlib.sha256(WINE_PATH.read_bytes()).hexdigest() == WINE_SHA256


def test_readme_records_the_same_checksum():
    readme = (WINE_PATH.parent / "README.md").read_text()
    assert WINE_SHA256 in readme


def test_shapes_and_dtypes():
    X, y = load_wine()
    assert X.shape == (13, 178) and X.dtype == np.float64
    assert y.shape == (178,) and y.dtype == np.float64
    assert X.flags.c_contiguous


def test_features_are_standardised_per_feature():
    X, _ = load_wine()
    np.testing.assert_allclose(X.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=1), 1.0, rtol=1e-12)


def test_standardisation_matches_raw_columns():
    features, _ = load_wine_raw()
    X, _ = load_wine()
    alcohol = features[:, 0]
    np.testing.assert_allclose(X[0], (alcohol - alcohol.mean()) / alcohol.std())
    assert features[0, 0] == pytest.approx(14.23) and features[0, -1] == pytest.approx(1065)


def test_target_is_cultivar_minus_two():
    _, cultivar = load_wine_raw()
    _, y = load_wine()
    np.testing.assert_array_equal(y, cultivar - 2)
    values, counts = np.unique(y, return_counts=True)
    np.testing.assert_array_equal(values, [-1, 0, 1])
    np.testing.assert_array_equal(counts, [59, 71, 48])


def test_modified_file_is_refused(tmp_path):
    data = bytearray(WINE_PATH.read_bytes())
    data[200] = ord("9") if data[200] != ord("9") else ord("8")
    changed = tmp_path / "wine.csv"
    changed.write_bytes(bytes(data))
    with pytest.raises(DataChecksumError, match="sha256"):
        load_wine(path=changed)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing"):
        load_wine(path=tmp_path / "nope.csv")
