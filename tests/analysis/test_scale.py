"""The fit sample is the same however the rows are split; placed points land near their
neighbours."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from reportgen.analysis.scale import (
    hash_sample,
    label_quotas,
    merge_candidates,
    place_points,
    row_keys,
    sample_candidates,
)
from reportgen.errors import AnalysisError


def _codes(n: int = 2000, seed: int = 5) -> np.ndarray:
    # Unbalanced labels: 0 has most rows, 4 only a handful.
    rng = np.random.default_rng(seed)
    return rng.choice(5, size=n, p=[0.55, 0.25, 0.12, 0.07, 0.01])


def test_row_keys_are_stable_and_depend_on_the_seed():
    rows = np.arange(10)
    assert np.array_equal(row_keys(rows, 3), row_keys(rows, 3))
    assert not np.array_equal(row_keys(rows, 3), row_keys(rows, 4))
    assert len(set(row_keys(np.arange(100_000), 0).tolist())) == 100_000
    # Roughly uniform: the top bit is set for about half the rows.
    top = (row_keys(np.arange(100_000), 1) >> np.uint64(63)).astype(int)
    assert 0.48 < top.mean() < 0.52


def test_quotas_are_proportional_and_sum_to_the_size():
    quotas = label_quotas(np.array([550, 250, 120, 70, 10]), 300)
    assert quotas.sum() == 300 and quotas.tolist() == [165, 75, 36, 21, 3]
    assert label_quotas(np.array([1, 1, 1]), 2).tolist() == [1, 1, 0]  # ties: smaller code
    with pytest.raises(AnalysisError, match="between 1 and N = 3"):
        label_quotas(np.array([1, 1, 1]), 4)


def test_the_sample_is_stratified_and_seeded():
    codes = _codes()
    sample = hash_sample(codes, 300, seed=0)
    assert len(sample) == 300 and np.array_equal(sample, np.unique(sample))
    expected = label_quotas(np.bincount(codes), 300)
    assert np.bincount(codes[sample], minlength=5).tolist() == expected.tolist()
    assert np.array_equal(sample, hash_sample(codes, 300, seed=0))
    assert not np.array_equal(sample, hash_sample(codes, 300, seed=1))


@pytest.mark.parametrize("cuts", [[1000], [7, 1500], [333, 334, 1999], [500, 1000, 1500]])
def test_the_sample_is_the_same_however_the_rows_are_split(cuts):
    codes = _codes()
    whole = hash_sample(codes, 300, seed=7)
    quotas = label_quotas(np.bincount(codes), 300)
    bounds = [0, *cuts, len(codes)]
    parts = [
        sample_candidates(codes[start:stop], start, quotas, seed=7)
        for start, stop in itertools.pairwise(bounds)
    ]
    assert np.array_equal(merge_candidates(parts[::-1], quotas), whole)


def test_placed_points_land_among_their_neighbours():
    rng = np.random.default_rng(0)
    fitted = rng.normal(size=(50, 2)).astype(np.float32)
    neighbors = np.array([[0, 1, 2], [3, 3, 3], [4, 5, 6]])
    similarities = np.array([[0.9, 0.9, 0.9], [0.5, 0.2, 0.1], [-0.2, -0.3, -0.1]])
    placed = place_points(fitted, neighbors, similarities)
    assert placed.dtype == np.float32 and placed.shape == (3, 2)
    np.testing.assert_allclose(placed[0], fitted[[0, 1, 2]].mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(placed[1], fitted[3], rtol=1e-6)
    # All neighbours dissimilar: their plain average, not a division by zero.
    np.testing.assert_allclose(placed[2], fitted[[4, 5, 6]].mean(axis=0), rtol=1e-6)
    weighted = place_points(fitted, np.array([[0, 1]]), np.array([[0.75, 0.25]]))
    np.testing.assert_allclose(weighted[0], 0.75 * fitted[0] + 0.25 * fitted[1], rtol=1e-5)


def test_placement_refuses_neighbours_outside_the_fitted_points():
    with pytest.raises(AnalysisError, match="index the 2 fitted points"):
        place_points(np.zeros((2, 2)), np.array([[0, 2]]), np.array([[1.0, 1.0]]))
    with pytest.raises(AnalysisError, match="same"):
        place_points(np.zeros((2, 2)), np.array([[0, 1]]), np.array([1.0, 1.0]))
