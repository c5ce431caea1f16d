"""The fit sample is the same however the rows are split; placed points land near their
neighbours."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from reportgen.analysis.neighbors import compute_knn_graph, search_sample
from reportgen.analysis.scale import (
    hash_sample,
    jitter,
    label_quotas,
    layout_spacing,
    merge_candidates,
    nearest_fitted,
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


def _brute_nearest(vectors, queries, sample, metric="cosine", k=1):
    """Positions in ``sample`` of each query's k nearest sample rows, by a plain loop."""
    result = []
    for query in queries:
        if metric == "cosine":
            unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
            gaps = 1 - unit[sample] @ unit[query]
        else:
            gaps = ((vectors[sample] - vectors[query]) ** 2).sum(axis=1)
        result.append(np.lexsort((np.arange(len(sample)), gaps))[:k].tolist())
    return result


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_an_exact_sample_search_matches_brute_force(metric):
    rng = np.random.default_rng(4)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    sample = np.arange(0, 300, 3)
    queries = np.array([1, 2, 4, 299])
    found = search_sample(vectors, queries, sample, 3, metric=metric)
    assert found.positions.tolist() == _brute_nearest(vectors, queries, sample, metric, 3)
    assert found.recall is None and found.tune_size == 0


def test_a_faiss_sample_search_finds_nearly_every_nearest_point_and_repeats():
    rng = np.random.default_rng(8)
    centres = rng.normal(size=(20, 32)) * 3
    vectors = (centres[rng.integers(20, size=6000)] + rng.normal(size=(6000, 32))).astype(
        np.float32
    )
    sample = np.sort(rng.choice(6000, size=2000, replace=False))
    queries = np.setdiff1d(np.arange(6000), sample)
    found = search_sample(vectors, queries, sample, metric="cosine", method="faiss", seed=3)
    brute = np.array(_brute_nearest(vectors, queries, sample))[:, 0]
    assert (found.positions[:, 0] == brute).mean() > 0.95
    assert found.recall >= 0.99 and found.tune_size == 500
    again = search_sample(vectors, queries, sample, metric="cosine", method="faiss", seed=3)
    np.testing.assert_array_equal(again.positions, found.positions)


def test_nearest_fitted_reads_the_graph_and_searches_the_rest():
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(400, 12)).astype(np.float32)
    fitted = np.sort(rng.choice(400, size=60, replace=False))
    brute = np.zeros(400, dtype=np.int64)
    others = np.setdiff1d(np.arange(400), fitted)
    brute[others] = np.array(_brute_nearest(vectors, others, fitted))[:, 0]
    brute[fitted] = np.arange(60)
    graph = compute_knn_graph(vectors, 5)
    position = np.full(400, -1)
    position[fitted] = np.arange(60)
    has_fitted = (position[graph.indices[others]] >= 0).any(axis=1)
    for given in (graph, None):
        nearest = nearest_fitted(vectors, fitted, given)
        assert nearest.positions.tolist() == brute.tolist()
        # With the graph, only the rows whose 5 neighbours are all placed are searched.
        expected = int((~has_fitted).sum()) if given is not None else len(others)
        assert nearest.searched == expected and nearest.method == "exact"
        assert nearest.describe() is None
    assert 0 < (~has_fitted).sum() < len(others)


def test_nearest_fitted_switches_to_faiss_for_a_large_search(monkeypatch):
    from reportgen.analysis import scale

    rng = np.random.default_rng(6)
    vectors = rng.normal(size=(3000, 8)).astype(np.float32)
    fitted = np.arange(0, 3000, 4)
    monkeypatch.setattr(scale, "EXACT_SEARCH_WORK", 1000.0)
    nearest = nearest_fitted(vectors, fitted, None, seed=2)
    assert nearest.method == "faiss" and nearest.searched == 2250
    assert "IVF-Flat search of the sample" in nearest.describe()
    assert "2,250 placed points" in nearest.describe()


def test_nearest_fitted_searches_in_the_sample_s_principal_components_when_asked():
    """dims < D: the placed points' search runs in the sample's first components (its
    recall@1 stated); dims >= D is the search in all D."""
    from reportgen.analysis import records

    rng = np.random.default_rng(7)
    vectors = (rng.normal(size=(2000, 6)) @ rng.normal(size=(6, 24))).astype(np.float32)
    vectors += rng.normal(scale=0.2, size=vectors.shape).astype(np.float32)
    fitted = np.arange(0, 2000, 5)
    nearest = nearest_fitted(vectors, fitted, None, dims=6)
    exact = nearest_fitted(vectors, fitted, None)
    assert (nearest.method, nearest.search_dims, nearest.tune_size) == ("pca", 6, 500)
    agree = float(np.mean(nearest.positions == exact.positions))
    assert 0.9 < nearest.recall <= 1.0 and abs(nearest.recall - agree) < 0.05
    assert "first 6 principal components (recall@1" in nearest.describe()
    arrays, value = records.encode_fit_nearest(nearest)
    back = records.decode_fit_nearest(arrays, value, n=2000, m=len(fitted))
    assert (back.method, back.search_dims) == ("pca", 6)
    assert nearest_fitted(vectors, fitted, None, dims=24).method == "exact"


def test_the_nearest_fitted_points_round_trip_through_the_cache_record():
    from reportgen.analysis import records
    from reportgen.analysis.scale import FitNearest

    nearest = FitNearest(np.array([0, 1, 1, 2], dtype=np.int32), 2, "faiss", 0.995, 2)
    arrays, value = records.encode_fit_nearest(nearest)
    back = records.decode_fit_nearest(arrays, value, n=4, m=3)
    np.testing.assert_array_equal(back.positions, nearest.positions)
    assert (back.searched, back.method, back.recall, back.tune_size) == (2, "faiss", 0.995, 2)
    with pytest.raises(ValueError, match="out of range"):
        records.decode_fit_nearest(arrays, value, n=4, m=2)
    with pytest.raises(ValueError, match=r"expected int32 \(5,\)"):
        records.decode_fit_nearest(arrays, value, n=5, m=3)
