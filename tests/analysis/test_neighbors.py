import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity, pairwise_distances
from sklearn.neighbors import NearestNeighbors

from reportgen.analysis.neighbors import (
    KnnGraph,
    angle_degrees,
    compute_knn_graph,
    describe_graph,
    graph_method,
    graph_recall,
    graph_width,
    sample_knn_graph,
    search_sample,
    tsne_knn,
    umap_knn,
)
from reportgen.analysis.scale import row_keys
from reportgen.engine import LocalEngine
from reportgen.errors import AnalysisError

METRICS = ["cosine", "euclidean"]


def _blobs(rng: np.random.Generator, n: int, dim: int, centers: int = 5) -> np.ndarray:
    middles = rng.normal(size=(centers, dim)) * 3
    rows = middles[rng.integers(0, centers, n)] + rng.normal(size=(n, dim))
    return rows.astype(np.float32)


@pytest.fixture
def vectors(rng: np.random.Generator) -> np.ndarray:
    """300 x 12 float32 in 5 blobs, with a duplicate pair and a zero vector."""
    rows = _blobs(rng, 300, 12)
    rows[17] = rows[4]
    rows[250] = 0
    return rows


def _assert_valid_rows(graph: KnnGraph) -> None:
    n, k = graph.indices.shape
    assert graph.indices.dtype == np.int32
    assert graph.distances.dtype == graph.similarities.dtype == np.float32
    assert graph.distances.shape == graph.similarities.shape == (n, k)
    assert not (graph.indices == np.arange(n)[:, None]).any(), "a point is its own neighbour"
    assert all(len(set(row)) == k for row in graph.indices), "a neighbour listed twice"
    assert np.isfinite(graph.distances).all() and np.isfinite(graph.similarities).all()
    steps = np.diff(graph.distances, axis=1)
    assert (steps >= 0).all(), "rows not sorted by distance"
    assert (np.diff(graph.indices, axis=1)[steps == 0] > 0).all(), "ties not by index"
    assert (graph.similarities >= -1).all() and (graph.similarities <= 1).all()


@pytest.mark.parametrize("metric", METRICS)
def test_exact_graph_matches_brute_force(vectors, metric):
    k = 8
    graph = compute_knn_graph(vectors, k, metric=metric)
    assert (graph.method, graph.metric, graph.k, graph.n) == ("exact", metric, k, 300)
    _assert_valid_rows(graph)

    data = vectors.astype(np.float64)
    brute = NearestNeighbors(metric=metric, algorithm="brute").fit(data)
    distances, indices = brute.kneighbors(n_neighbors=k)
    np.testing.assert_allclose(graph.distances, distances, atol=2e-6)
    # Indices may differ only between neighbours at the same distance: each chosen point is
    # truly as far as the brute force's point in that place.
    true = pairwise_distances(data, metric=metric)[np.arange(300)[:, None], graph.indices]
    np.testing.assert_allclose(true, distances, atol=2e-6)
    assert (graph.indices != indices).mean() < 0.05

    expected = cosine_similarity(data)[np.arange(300)[:, None], graph.indices]
    np.testing.assert_allclose(graph.similarities, expected, atol=2e-6)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("block_bytes", [1, 300 * 7])  # one row per block; 7 distance rows
def test_graph_is_computed_in_blocks(monkeypatch, vectors, metric, block_bytes):
    whole = compute_knn_graph(vectors, 6, metric=metric)
    assert len(LocalEngine().row_blocks(300, 4 * 300, 4)) == 1  # the default: one block
    monkeypatch.setattr("reportgen.engine.local._PARTITION_ROWS", 3)
    engine = LocalEngine(block_bytes=block_bytes)
    blocked = compute_knn_graph(vectors, 6, metric=metric, engine=engine)
    np.testing.assert_array_equal(blocked.indices, whole.indices)
    # The pairs' values are computed per pair, whatever the blocks.
    np.testing.assert_array_equal(blocked.distances, whole.distances)
    np.testing.assert_array_equal(blocked.similarities, whole.similarities)


@pytest.mark.parametrize("metric", METRICS)
def test_duplicates_and_zero_vectors(vectors, metric):
    rows = vectors.copy()
    rows[[30, 31, 32]] = rows[29]  # 29..32 identical
    rows[[251, 252]] = 0  # 250..252 zero
    graph = compute_knn_graph(rows, 5, metric=metric)
    _assert_valid_rows(graph)
    for point, others in ((29, [30, 31, 32]), (31, [29, 30, 32]), (4, [17])):
        found = graph.indices[point, : len(others)]
        np.testing.assert_array_equal(found, others)  # nearest first, ties by index
        assert (graph.distances[point, : len(others)] == 0).all()
        assert (graph.similarities[point, : len(others)] == 1).all()
    zero = np.isin(np.arange(300), [250, 251, 252])[:, None] | np.isin(
        graph.indices, [250, 251, 252]
    )
    assert (graph.similarities[zero] == 0).all()
    if metric == "cosine":
        # Equally far (1) from everything, itself too: the smallest other indices.
        np.testing.assert_array_equal(graph.indices[250], [0, 1, 2, 3, 4])
        np.testing.assert_array_equal(graph.indices[251], [0, 1, 2, 3, 4])
        assert (graph.distances[250] == 1).all()
        assert (graph.distances[zero] == 1).all()
    else:
        np.testing.assert_array_equal(graph.indices[250, :2], [251, 252])
        assert (graph.distances[250, :2] == 0).all()


@pytest.mark.parametrize("metric", METRICS)
def test_read_only_memory_map_is_accepted(tmp_path, vectors, metric):
    np.save(tmp_path / "v.npy", vectors)
    mapped = np.load(tmp_path / "v.npy", mmap_mode="r")
    graph = compute_knn_graph(mapped, 4, metric=metric)
    expected = compute_knn_graph(vectors, 4, metric=metric)
    np.testing.assert_array_equal(graph.indices, expected.indices)
    np.testing.assert_array_equal(graph.distances, expected.distances)


@pytest.mark.parametrize("method", ["faiss", "nndescent"])
def test_approximate_graph_is_close_to_exact_and_deterministic(rng, method):
    rows = _blobs(rng, 3000, 32, centers=20)
    rows[[10, 11]] = rows[9]
    rows[[2990, 2991]] = 0
    exact = compute_knn_graph(rows, 10)
    approx = compute_knn_graph(rows, 10, method=method, seed=3)
    assert approx.method == method
    _assert_valid_rows(approx)

    pairs = zip(approx.indices, exact.indices, strict=True)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in pairs])
    assert recall >= 0.95
    # The same pair gets the same numbers whichever method found it.
    same = approx.indices == exact.indices
    np.testing.assert_array_equal(approx.distances[same], exact.distances[same])
    np.testing.assert_array_equal(approx.similarities[same], exact.similarities[same])
    # Zero vectors: no NaN, distance 1, the smallest other indices as the exact graph gives.
    np.testing.assert_array_equal(approx.indices[2990], exact.indices[2990])
    assert (approx.distances[2990] == 1).all() and (approx.similarities[2990] == 0).all()
    np.testing.assert_array_equal(approx.indices[9, :2], [10, 11])
    assert (approx.distances[9, :2] == 0).all()

    again = compute_knn_graph(rows, 10, method=method, seed=3)
    np.testing.assert_array_equal(again.indices, approx.indices)
    np.testing.assert_array_equal(again.distances, approx.distances)
    np.testing.assert_array_equal(again.similarities, approx.similarities)
    assert again.recall == approx.recall


def _brute_recall(rows: np.ndarray, graph: KnnGraph, probes: np.ndarray, metric: str) -> float:
    """Recall@k of the graph on the probe rows, recomputed in float64 by brute force: a listed
    neighbour counts when it is no farther than the probe's k-th exact neighbour."""
    data = rows.astype(np.float64)
    distances = pairwise_distances(data[probes], data, metric=metric)
    distances[np.arange(len(probes)), probes] = np.inf
    kth = np.sort(distances, axis=1)[:, graph.k - 1]
    listed = np.take_along_axis(distances, graph.indices[probes].astype(np.int64), axis=1)
    return float(np.mean(listed <= kth[:, None] + 1e-6))


@pytest.mark.parametrize("metric", METRICS)
def test_faiss_recall_is_measured_on_the_seeded_probe_rows(rng, metric):
    rows = _blobs(rng, 2000, 16, centers=8)
    # auto picks faiss above exact_max_n (lowered here, as a test of the switch)
    graph = compute_knn_graph(rows, 15, metric=metric, exact_max_n=500, probe_size=300, seed=5)
    assert (graph.method, graph.probe_size) == ("faiss", 300)
    _assert_valid_rows(graph)
    probes = np.sort(np.argsort(row_keys(np.arange(2000), 5), kind="stable")[:300])
    assert graph.recall == pytest.approx(_brute_recall(rows, graph, probes, metric), abs=1e-9)
    assert 0.9 <= graph.recall <= 1
    assert describe_graph(graph) == (
        f"IVF-Flat on faiss k-means lists, recall {graph.recall:.3f} on 300 probe points"
    )


def test_recall_counts_the_misses_of_a_damaged_graph(rng):
    rows = _blobs(rng, 400, 8)
    graph = compute_knn_graph(rows, 5)
    probes = np.arange(0, 400, 4)
    exact = graph.indices[probes]
    assert graph_recall(rows, exact, probes, exact, "cosine") == 1
    damaged = exact.copy()
    damaged[:, 0] = -1  # a neighbour missing in every row
    damaged[:10, 1] = np.argmin(cosine_similarity(rows[probes[:10]], rows), axis=1)  # the farthest
    # 100 rows x 5 neighbours, 100 + 10 of them wrong
    assert graph_recall(rows, damaged, probes, exact, "cosine") == pytest.approx(390 / 500)


def test_an_exact_graph_has_no_recall(vectors):
    graph = compute_knn_graph(vectors, 5, method="exact")
    assert (graph.recall, graph.probe_size, describe_graph(graph)) == (None, 0, "exact")


def test_auto_is_exact_up_to_exact_max_n():
    assert graph_method(10_000, 10_000) == "exact"
    assert graph_method(10_001, 10_000) == "faiss"
    assert graph_method(50, 10_000, "nndescent") == "nndescent"


@pytest.mark.parametrize(
    ("k", "metric", "message"),
    [
        (80, "cosine", "k=80 must be < n_samples=50"),
        (50, "cosine", "k=50 must be < n_samples=50"),
        (0, "cosine", "k=0 must be >= 1"),
        (5, "manhattan", "metric='manhattan' must be one of cosine, euclidean"),
    ],
)
def test_bad_parameters_are_refused(rng, k, metric, message):
    rows = rng.normal(size=(50, 4)).astype(np.float32)
    with pytest.raises(AnalysisError, match=message):
        compute_knn_graph(rows, k, metric=metric)


def test_one_dimensional_vectors_are_refused():
    with pytest.raises(AnalysisError, match=r"2-D array.*\(7,\)"):
        compute_knn_graph(np.zeros(7, dtype=np.float32), 2)


def test_k_of_n_minus_one_lists_every_other_point(vectors):
    graph = compute_knn_graph(vectors[:20], 19, metric="euclidean")
    for point, row in enumerate(graph.indices):
        assert sorted(row) == [i for i in range(20) if i != point]


@pytest.fixture
def graph(vectors) -> KnnGraph:
    return compute_knn_graph(vectors, 10)


def test_umap_knn_puts_the_point_itself_first(graph):
    indices, distances = umap_knn(graph, 6)
    assert indices.shape == distances.shape == (300, 6)
    assert indices.dtype == np.int64 and distances.dtype == np.float32
    np.testing.assert_array_equal(indices[:, 0], np.arange(300))
    assert (distances[:, 0] == 0).all()
    np.testing.assert_array_equal(indices[:, 1:], graph.indices[:, :5])
    np.testing.assert_array_equal(distances[:, 1:], graph.distances[:, :5])
    assert umap_knn(graph, 11)[0].shape == (300, 11)  # the whole graph plus the point
    with pytest.raises(AnalysisError, match="n_neighbors=12 needs a kNN graph of k >= 11"):
        umap_knn(graph, 12)


def test_tsne_knn_takes_three_times_the_perplexity(graph):
    indices, distances = tsne_knn(graph, 2.5)
    assert indices.shape == distances.shape == (300, 7)  # int(7.5)
    np.testing.assert_array_equal(indices, graph.indices[:, :7])
    assert not (indices == np.arange(300)[:, None]).any()
    assert tsne_knn(graph, 30)[0].shape == (300, 10)  # never wider than the graph
    with pytest.raises(AnalysisError, match=r"perplexity=0\.2 must be >= 1/3"):
        tsne_knn(graph, 0.2)


def test_graph_width_serves_every_consumer():
    assert graph_width(10_000, 10, 15, 30.0) == 90
    assert graph_width(10_000, 10, 15, 10.1) == 31  # ceil(30.3): openTSNE keeps 10.1
    assert graph_width(10_000, 20, 15, 0) == 20
    assert graph_width(10_000, 0, 15, 0) == 14
    assert graph_width(10_000, 0, 0, 0) == 1
    assert graph_width(40, 10, 15, 30.0) == 39
    with pytest.raises(AnalysisError, match="n_samples=1"):
        graph_width(1, 10, 15, 30.0)


def test_angle_degrees():
    angles = angle_degrees(np.array([1.0, 0.674, 0.0, -1.0, 1.0000001], dtype=np.float32))
    assert angles.dtype == np.float32
    np.testing.assert_allclose(angles, [0.0, 47.62, 90.0, 180.0, 0.0], atol=0.01)


def test_the_cache_record_keeps_the_recall(rng):
    from reportgen.analysis import records

    rows = _blobs(rng, 600, 8)
    graph = compute_knn_graph(rows, 6, method="faiss", probe_size=100, seed=2)
    arrays, value = records.encode_graph(graph)
    back = records.decode_graph(arrays, value, n=600, k=6, metric="cosine")
    assert (back.method, back.recall, back.probe_size) == ("faiss", graph.recall, 100)
    np.testing.assert_array_equal(back.indices, graph.indices)
    with pytest.raises(ValueError, match="recall"):
        records.decode_graph(arrays, {**value, "recall": None}, n=600, k=6, metric="cosine")


@pytest.mark.parametrize("metric", METRICS)
def test_a_graph_among_the_sample_matches_brute_force(vectors, metric):
    """Every point's k nearest sample rows, itself left out, in brute force's order, with
    the values the graph of all N gives the same pairs (a duplicate pair and a zero vector
    in the data)."""
    sample = np.sort(np.concatenate([np.arange(0, 300, 4), [17, 250]]))
    k = 6
    graph = sample_knn_graph(vectors, sample, k, metric=metric, engine=LocalEngine(4 * 12 * 9))
    _assert_valid_rows(graph)
    assert (graph.among, graph.method, graph.recall) == (len(sample), "exact", None)
    assert np.isin(graph.indices, sample).all()
    data = vectors.astype(np.float64)
    gaps = pairwise_distances(data, data[sample], metric=metric)
    gaps[sample, np.arange(len(sample))] = np.inf  # never itself
    for row in range(len(vectors)):
        nearest = np.lexsort((sample, np.round(gaps[row], 5)))[:k]
        assert set(graph.indices[row]) == set(sample[nearest]), row
    full = compute_knn_graph(vectors, 299, metric=metric)
    for row in (3, 4, 17, 250):
        values = zip(full.distances[row], full.similarities[row], strict=True)
        listed = dict(zip(full.indices[row], values, strict=True))
        for j, distance, similarity in zip(
            graph.indices[row], graph.distances[row], graph.similarities[row], strict=True
        ):
            assert distance == pytest.approx(listed[j][0], abs=1e-5)
            assert similarity == pytest.approx(listed[j][1], abs=1e-5)
    assert describe_graph(graph) == f"among the {len(sample)} points of the fit sample, exact"


def test_a_faiss_graph_among_the_sample_states_its_recall(rng):
    vectors = _blobs(rng, 4000, 16, centers=20)
    sample = np.sort(rng.choice(4000, size=1500, replace=False))
    graph = sample_knn_graph(vectors, sample, 5, method="faiss", seed=2)
    exact = sample_knn_graph(vectors, sample, 5)
    _assert_valid_rows(graph)
    assert graph.method == "faiss" and graph.recall >= 0.99 and graph.probe_size == 500
    found = np.mean(
        [len(set(a) & set(b)) / 5 for a, b in zip(graph.indices, exact.indices, strict=True)]
    )
    assert found > 0.97
    assert describe_graph(graph).startswith("among the 1,500 points of the fit sample, IVF-Flat")


def _low_rank(rng: np.random.Generator, n: int, dim: int, rank: int) -> np.ndarray:
    """n x dim float32 rows in ``rank`` blobs' span: a random rank-``rank`` map of blobs."""
    return (_blobs(rng, n, rank, centers=8) @ rng.normal(size=(rank, dim))).astype(np.float32)


@pytest.mark.parametrize("metric", METRICS)
def test_a_pca_graph_among_the_sample_ranks_its_candidates_in_all_dimensions(rng, metric):
    """Searched in 6 of 48 dimensions, the graph lists sample rows with the values of
    those pairs in all 48 (what the exact graph gives for the same pairs), nearest first,
    and states a recall that is graph_recall's on its 500 tuning rows, near the overlap
    with the exact graph."""
    vectors = _low_rank(rng, 3000, 48, 12) + rng.normal(scale=0.3, size=(3000, 48)).astype(
        np.float32
    )
    sample = np.sort(rng.choice(3000, size=1000, replace=False))
    graph = sample_knn_graph(vectors, sample, 5, metric=metric, method="pca", dims=6, seed=1)
    exact = sample_knn_graph(vectors, sample, 5, metric=metric)
    _assert_valid_rows(graph)
    assert (graph.method, graph.search_dims, graph.probe_size) == ("pca", 6, 500)
    assert np.isin(graph.indices, sample).all()
    overlap = np.mean(
        [len(set(a) & set(b)) / 5 for a, b in zip(graph.indices, exact.indices, strict=True)]
    )
    assert 0.8 < graph.recall < 1.0
    assert abs(graph.recall - overlap) < 0.05
    # The pairs' values are those of all D (the exact graph's, where it lists the pair).
    for row in range(0, 3000, 97):
        listed = dict(zip(exact.indices[row], exact.distances[row], strict=True))
        for j, distance in zip(graph.indices[row], graph.distances[row], strict=True):
            if j in listed:
                assert distance == listed[j]
    text = describe_graph(graph)
    assert "first 6 principal components" in text and "recall" in text


def test_a_pca_search_in_the_data_s_own_span_finds_the_exact_neighbours(rng):
    """Rows that span 5 dimensions lose nothing in the sample's first 5 components: the
    search finds the exact answer, and says recall 1."""
    vectors = _low_rank(rng, 2000, 32, 5)
    sample = np.sort(rng.choice(2000, size=600, replace=False))
    queries = np.setdiff1d(np.arange(2000), sample)
    reduced = search_sample(vectors, queries, sample, 3, method="pca", dims=5, metric="euclidean")
    exact = search_sample(vectors, queries, sample, 3, metric="euclidean")
    assert reduced.recall == 1.0 and reduced.tune_size == 500
    same = np.mean(np.sort(reduced.positions, axis=1) == np.sort(exact.positions, axis=1))
    assert same > 0.999  # (only float32 ties may order differently)


def test_a_pca_search_needs_fewer_dimensions_than_the_data(vectors):
    with pytest.raises(AnalysisError, match="dims=12 must be between 1 and D - 1 = 11"):
        search_sample(vectors, np.arange(5), np.arange(10, 40), 2, method="pca", dims=12)
    with pytest.raises(AnalysisError, match="exact, faiss or pca"):
        search_sample(vectors, np.arange(5), np.arange(10, 40), 2, method="nndescent")


def test_a_pca_graph_keeps_its_dimensions_through_the_cache(rng):
    from reportgen.analysis import records

    vectors = _low_rank(rng, 400, 16, 6)
    sample = np.arange(0, 400, 3)
    graph = sample_knn_graph(vectors, sample, 4, method="pca", dims=3)
    arrays, value = records.encode_graph(graph)
    back = records.decode_graph(arrays, value, n=400, k=4, metric="cosine", among=len(sample))
    assert (back.method, back.search_dims, back.recall) == ("pca", 3, graph.recall)
    with pytest.raises(ValueError, match="search dims"):
        records.decode_graph(
            arrays, {**value, "search_dims": 0}, n=400, k=4, metric="cosine", among=len(sample)
        )


def test_the_reduction_finds_the_sample_s_principal_components(rng):
    """The randomized subspace iteration gives scikit-learn's PCA components of the
    sample's unit rows (up to sign) where the spectrum has a gap, and the sample's rows
    projected onto them."""
    from sklearn.decomposition import PCA

    from reportgen.analysis.neighbors import sample_reduction

    scales = np.array([9.0, 7.0, 5.0, 4.0, 3.0])
    rows = rng.normal(size=(1500, 5)) * scales @ np.linalg.qr(rng.normal(size=(40, 5)))[0].T
    rows += rng.normal(scale=0.05, size=rows.shape) + 3.0
    space = LocalEngine().prepare_space(rows.astype(np.float32), "cosine")
    reduction = sample_reduction(space, 3, 12, LocalEngine())
    expected = PCA(n_components=3, svd_solver="full").fit(space.data.astype(np.float64))
    cosines = np.sum(reduction.directions * expected.components_.T, axis=0)
    assert np.all(np.abs(cosines) > 0.999)
    projected = space.data.astype(np.float64) @ reduction.directions
    assert reduction.space.n == 1500 and reduction.candidates == 12
    np.testing.assert_allclose(reduction.space.data + reduction.space.center, projected, atol=1e-4)
