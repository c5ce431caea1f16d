"""The fit sample is the same however the rows are split; placed points land near their
neighbours."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from reportgen.analysis.scale import (
    fitted_neighbors,
    hash_sample,
    jitter,
    label_quotas,
    layout_spacing,
    merge_candidates,
    row_keys,
    sample_candidates,
    search_fitted,
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


def test_jitter_is_seeded_by_row_and_fills_the_ball():
    rows = np.arange(20_000)
    for dims in (2, 3):
        offsets = jitter(rows, seed=3, dims=dims, radius=2.0)
        assert offsets.shape == (20_000, dims)
        radii = np.linalg.norm(offsets, axis=1)
        assert radii.max() <= 2.0
        # Uniform in the ball: the share within half the radius is 0.5 ** dims.
        assert abs((radii < 1.0).mean() - 0.5**dims) < 0.02
        assert np.abs(offsets.mean(axis=0)).max() < 0.05
        # A row's offset depends on the row and the seed, not on the rows beside it.
        np.testing.assert_array_equal(jitter(rows[5:9], 3, dims, 2.0), offsets[5:9])
        assert not np.array_equal(jitter(rows[:9], 4, dims, 2.0), offsets[:9])


def test_layout_spacing_is_the_median_nearest_distance():
    layout = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0], [10.0, 0.0]])
    assert layout_spacing(layout) == 1.5  # nearest distances 1, 1, 2, 7


def _brute_fitted(graph_indices, graph_similarities, fitted_rows, k):
    """The first k fitted neighbours of each row, by a plain loop."""
    position = {row: i for i, row in enumerate(fitted_rows)}
    result = []
    for row_i, row_s in zip(graph_indices, graph_similarities, strict=True):
        found = [(position[j], s) for j, s in zip(row_i, row_s, strict=True) if j in position]
        result.append(found[:k])
    return result


def test_fitted_neighbors_are_the_graphs_fitted_columns_in_order():
    rng = np.random.default_rng(3)
    n, width, k = 200, 12, 4
    indices = np.array([rng.permutation(n)[:width] for _ in range(n)])
    similarities = np.sort(rng.uniform(size=(n, width)), axis=1)[:, ::-1].astype(np.float32)
    fitted_rows = np.sort(rng.choice(n, size=40, replace=False))
    neighbors, sims, counts = fitted_neighbors(indices, similarities, fitted_rows, k)
    expected = _brute_fitted(indices, similarities, fitted_rows, k)
    assert counts.tolist() == [len(found) for found in expected]
    for row, found in enumerate(expected):
        assert neighbors[row, : len(found)].tolist() == [p for p, _ in found]
        np.testing.assert_array_equal(sims[row, : len(found)], [s for _, s in found])
        assert (sims[row, len(found) :] == 0).all()
    # A block of rows of a larger graph: the same answer for those rows.
    block = slice(50, 90)
    got = fitted_neighbors(indices[block], similarities[block], fitted_rows, k, n_rows=n)
    np.testing.assert_array_equal(got[0], neighbors[block])


def test_search_fitted_matches_brute_force():
    rng = np.random.default_rng(4)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    fitted_rows = np.arange(0, 300, 3)
    queries = np.array([1, 2, 4, 299])
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    found = search_fitted(vectors, queries, fitted_rows, block_rows=2)
    expected = np.argmax(unit[queries] @ unit[fitted_rows].T, axis=1)
    assert found.tolist() == expected.tolist()
    found = search_fitted(vectors, queries, fitted_rows, metric="euclidean")
    gaps = ((vectors[queries, None] - vectors[None, fitted_rows]) ** 2).sum(axis=2)
    assert found.tolist() == np.argmin(gaps, axis=1).tolist()
