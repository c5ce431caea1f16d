import numpy as np
import pytest
from sklearn.manifold import trustworthiness
from sklearn.metrics.pairwise import pairwise_distances

from reportgen.analysis import quality
from reportgen.analysis.neighbors import KnnGraph, compute_knn_graph
from reportgen.analysis.quality import ProjectionQuality, compute_qualities, compute_quality
from reportgen.engine import LocalEngine
from reportgen.errors import AnalysisError

METRICS = ["cosine", "euclidean"]


def _blobs(rng: np.random.Generator, n: int, dim: int, centers: int = 5) -> np.ndarray:
    middles = rng.normal(size=(centers, dim)) * 3
    rows = middles[rng.integers(0, centers, n)] + rng.normal(size=(n, dim))
    return rows.astype(np.float32)


def _projection(rng: np.random.Generator, vectors: np.ndarray) -> np.ndarray:
    """A mediocre 2D view: the first two coordinates plus noise."""
    return (vectors[:, :2] + 0.5 * rng.normal(size=(len(vectors), 2))).astype(np.float32)


def _ordered(distances: np.ndarray) -> np.ndarray:
    """Each row's other points, nearest first, ties by index (the diagonal excluded)."""
    distances = distances.copy()
    np.fill_diagonal(distances, np.inf)
    columns = np.broadcast_to(np.arange(len(distances)), distances.shape)
    return np.lexsort((columns, distances), axis=-1)[:, :-1]


def _reference_trustworthiness(vectors, coordinates, k, metric):
    """The formula with ties by index, from float64 distance matrices."""
    n = len(vectors)
    high = np.maximum(pairwise_distances(vectors.astype(np.float64), metric=metric), 0)
    low = _ordered(pairwise_distances(coordinates.astype(np.float64)))[:, :k]
    ranks = np.empty((n, n), dtype=np.int64)
    ranks[np.arange(n)[:, None], _ordered(high)] = np.arange(1, n)
    penalty = np.maximum(ranks[np.arange(n)[:, None], low] - k, 0).sum()
    return 1 - 2 * penalty / (n * k * (2 * n - 3 * k - 1))


@pytest.fixture
def vectors(rng) -> np.ndarray:
    return rng.normal(size=(200, 10)).astype(np.float32)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("k", [5, 10])
def test_trustworthiness_matches_scikit_learn(rng, vectors, metric, k):
    coordinates = _projection(rng, vectors)
    graph = compute_knn_graph(vectors, 10, metric=metric)
    result = compute_quality(vectors, graph, coordinates, k, metric=metric)
    expected = trustworthiness(vectors, coordinates, n_neighbors=k, metric=metric)
    assert result.trustworthiness == pytest.approx(expected, abs=1e-6)
    assert result.trustworthiness_sample is None
    assert 0.5 < result.trustworthiness < 0.95  # a test that could fail both ways


def test_trustworthiness_is_computed_in_blocks(monkeypatch, rng, vectors):
    coordinates = _projection(rng, vectors)
    graph = compute_knn_graph(vectors, 5)
    whole = compute_quality(vectors, graph, coordinates, 5, metric="cosine")
    monkeypatch.setattr(quality, "_MATCH_BYTES", 1)
    engine = LocalEngine(block_bytes=200 * 9)  # 9 query rows of distances per block
    blocked = compute_quality(vectors, graph, coordinates, 5, metric="cosine", engine=engine)
    assert blocked.trustworthiness == whole.trustworthiness
    np.testing.assert_array_equal(blocked.preservation, whole.preservation)


def test_compiled_counting_gives_the_same_figures(monkeypatch, rng, vectors):
    coordinates = _projection(rng, vectors)
    with_duplicate = vectors.copy()
    with_duplicate[7] = with_duplicate[3]  # a tie to break by index
    for points in (vectors, with_duplicate):
        graph = compute_knn_graph(points, 5)
        monkeypatch.setattr(quality, "COMPILED_ABOVE", 1e30)
        numpy_counted = compute_quality(points, graph, coordinates, 5, metric="cosine")
        monkeypatch.setattr(quality, "COMPILED_ABOVE", 0)
        compiled = compute_quality(points, graph, coordinates, 5, metric="cosine")
        assert compiled.trustworthiness == numpy_counted.trustworthiness
    expected = trustworthiness(vectors, coordinates, n_neighbors=5, metric="cosine")
    plain = compute_quality(vectors, compute_knn_graph(vectors, 5), coordinates, 5, metric="cosine")
    assert plain.trustworthiness == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("sample_size", [2000, 50])
def test_several_layouts_at_once_equal_each_alone(rng, vectors, sample_size):
    layouts = {"a": _projection(rng, vectors)}
    layouts["b"] = np.c_[_projection(rng, vectors), rng.normal(size=200)]  # a 3D one
    layouts["c"] = vectors[:, :2] * 3
    graph = compute_knn_graph(vectors, 6)
    options = {"metric": "cosine", "exact_max_n": 100, "sample_size": sample_size, "seed": 4}
    fitted = {"b": np.arange(0, 200, 5)}
    together = compute_qualities(vectors, graph, layouts, 6, fitted_rows=fitted, **options)
    assert list(together) == ["a", "b", "c"]
    for name, coordinates in layouts.items():
        alone = compute_quality(
            vectors, graph, coordinates, 6, fitted_rows=fitted.get(name), **options
        )
        assert together[name].trustworthiness == alone.trustworthiness
        assert together[name].parts == alone.parts
        np.testing.assert_array_equal(together[name].preservation, alone.preservation)
    # Different layouts, different figures: the pass does not mix them up.
    assert len({quality.trustworthiness for quality in together.values()}) == 3
    assert len(together["b"].parts) == 2 and together["a"].parts == ()


@pytest.mark.parametrize("metric", METRICS)
def test_preservation_is_the_share_of_kept_neighbours(rng, vectors, metric):
    coordinates = _projection(rng, vectors)
    graph = compute_knn_graph(vectors, 8, metric=metric)
    result = compute_quality(vectors, graph, coordinates, 6, metric=metric)

    low = _ordered(pairwise_distances(coordinates.astype(np.float64)))[:, :6]
    shared = [len(set(g) & set(p)) for g, p in zip(graph.indices[:, :6], low, strict=True)]
    expected = np.array(shared) / 6
    assert result.preservation.dtype == np.float32 and result.preservation.shape == (200,)
    np.testing.assert_allclose(result.preservation, expected, rtol=1e-6)
    assert result.knn_recall == pytest.approx(expected.mean(), abs=1e-12)
    assert 0 < result.knn_recall < 1
    assert result.k == 6


def test_high_dimensional_neighbours_come_from_the_graph(rng, vectors):
    # A graph that says "your neighbours are the ones the projection shows" gets recall 1:
    # the quality reuses the graph and never recomputes neighbours of its own.
    coordinates = _projection(rng, vectors)
    low = _ordered(pairwise_distances(coordinates.astype(np.float64)))[:, :5]
    fake = KnnGraph(
        indices=low.astype(np.int32),
        distances=np.zeros((200, 5), np.float32),
        similarities=np.zeros((200, 5), np.float32),
        metric="cosine",
        method="exact",
    )
    result = compute_quality(vectors, fake, coordinates, 5, metric="cosine")
    assert result.knn_recall == 1.0
    assert (result.preservation == 1).all()


def test_a_perfect_projection_scores_one(rng):
    points = _blobs(rng, 150, 2)
    graph = compute_knn_graph(points, 7, metric="euclidean")
    result = compute_quality(points, graph, points, 7, metric="euclidean")
    assert result.knn_recall == 1.0
    assert result.trustworthiness == pytest.approx(1.0, abs=1e-12)


def test_sampled_trustworthiness_estimates_the_exact_one(rng):
    points = _blobs(rng, 3000, 16, centers=8)
    coordinates = _projection(rng, points)
    graph = compute_knn_graph(points, 10)
    exact = compute_quality(points, graph, coordinates, 10, metric="cosine")
    sampled = compute_quality(
        points, graph, coordinates, 10, metric="cosine", exact_max_n=1000, sample_size=400
    )
    assert exact.trustworthiness_sample is None
    assert sampled.trustworthiness_sample == 400
    assert abs(sampled.trustworthiness - exact.trustworthiness) < 0.02
    assert sampled.trustworthiness != exact.trustworthiness  # it did sample
    np.testing.assert_array_equal(sampled.preservation, exact.preservation)  # uses all points
    again = compute_quality(
        points, graph, coordinates, 10, metric="cosine", exact_max_n=1000, sample_size=400
    )
    assert again.trustworthiness == sampled.trustworthiness
    other = compute_quality(
        points, graph, coordinates, 10, metric="cosine", exact_max_n=1000, sample_size=400, seed=1
    )
    assert other.trustworthiness != sampled.trustworthiness


@pytest.mark.parametrize("metric", METRICS)
def test_ties_go_to_the_smaller_index(rng, metric):
    # Duplicate and zero vectors tie in the original space; a coarse grid ties in the view.
    vectors = rng.normal(size=(120, 6)).astype(np.float32)
    vectors[[11, 12, 13]] = vectors[10]
    vectors[[40, 41, 42]] = 0
    coordinates = rng.integers(0, 6, size=(120, 2)).astype(np.float32)
    graph = compute_knn_graph(vectors, 9, metric=metric)
    result = compute_quality(vectors, graph, coordinates, 9, metric=metric)
    assert np.isfinite(result.trustworthiness) and np.isfinite(result.preservation).all()
    expected = _reference_trustworthiness(vectors, coordinates, 9, metric)
    assert result.trustworthiness == pytest.approx(expected, abs=1e-12)


def test_projection_neighbours_break_ties_by_index(rng):
    coordinates = rng.integers(0, 4, size=(200, 2)).astype(np.float32)  # ~12 per grid cell
    for k in (1, 5, 20):
        found = quality._lowdim_neighbors(coordinates, k)
        expected = _ordered(pairwise_distances(coordinates.astype(np.float64)))[:, :k]
        np.testing.assert_array_equal(found, expected)


@pytest.fixture
def setup(rng, vectors):
    return vectors, compute_knn_graph(vectors, 5), _projection(rng, vectors)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"k": 0}, "k=0 must be >= 1"),
        ({"k": 6}, "k=6 must be <= the kNN graph's k=5"),
        ({"metric": "euclidean"}, "the kNN graph uses metric='cosine', not 'euclidean'"),
        ({"coordinates": np.zeros((199, 2))}, r"coordinates must have shape \(200, 2\)"),
        ({"sample_size": 0}, "sample_size=0 must be >= 1"),
    ],
)
def test_bad_parameters_are_refused(setup, change, message):
    vectors, graph, coordinates = setup
    arguments = {"coordinates": coordinates, "k": 5, "metric": "cosine", **change}
    with pytest.raises(AnalysisError, match=message):
        compute_quality(vectors, graph, arguments.pop("coordinates"), **arguments)


def test_k_must_be_below_half_of_n(rng):
    vectors = rng.normal(size=(12, 4)).astype(np.float32)
    graph = compute_knn_graph(vectors, 8)
    with pytest.raises(AnalysisError, match="k=6 must be < n_samples / 2 = 6"):
        compute_quality(vectors, graph, vectors[:, :2], 6, metric="cosine")
    assert isinstance(
        compute_quality(vectors, graph, vectors[:, :2], 5, metric="cosine"), ProjectionQuality
    )


def test_graph_of_other_vectors_is_refused(setup):
    vectors, graph, coordinates = setup
    with pytest.raises(AnalysisError, match="kNN graph has 200 rows but vectors has n_samples=100"):
        compute_quality(vectors[:100], graph, coordinates[:100], 5, metric="cosine")


def test_duplicated_projection_points_tied_at_the_kth_place():
    # regression: a radius query missed points exactly on the k-th distance, so a row of
    # duplicated projected points got fewer than k neighbours and the build crashed
    from reportgen.analysis.quality import _lowdim_neighbors

    points = np.array([[0.0, 0.0]] * 4 + [[0.1 * i, 0.3] for i in range(1, 12)])
    neighbours = _lowdim_neighbors(points, 5)
    assert neighbours.shape == (15, 5)
    assert neighbours[0, :3].tolist() == [1, 2, 3]
    assert not np.any(neighbours == np.arange(15)[:, None])


def test_projection_neighbours_of_chosen_rows_are_those_rows_of_the_whole(rng):
    """Trustworthiness above among_sample_above asks for its query rows only: the same rows,
    ties at the k-th place included (a coarse grid), among all points or among a sample."""
    coordinates = rng.integers(0, 8, size=(300, 2)).astype(np.float32)
    queries = np.sort(rng.choice(300, size=40, replace=False))
    among = np.sort(rng.choice(300, size=120, replace=False))
    for rows in (None, among):
        whole = quality._lowdim_neighbors(coordinates, 6, rows)
        chosen = quality._lowdim_neighbors(coordinates, 6, rows, queries=queries)
        np.testing.assert_array_equal(chosen, whole[queries])


def _counted_penalties(distances, queries, low, k):
    """The rank penalties from whole rows of float32 distances to all N, counted plainly."""
    block = distances.copy()
    block[np.arange(len(queries)), queries] = np.inf
    target = np.take_along_axis(block, low, axis=1)
    nearer = (block[:, None, :] < target[:, :, None]).sum(axis=2)
    columns = np.arange(block.shape[1])[None, None, :]
    tied = (block[:, None, :] == target[:, :, None]) & (columns < low[:, :, None])
    return np.maximum(nearer + tied.sum(axis=2) + 1 - k, 0).sum(axis=1)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("compiled, room", [(False, 4), (True, 4), (True, 0)])
def test_ranks_by_parts_equal_the_whole_float32_comparison(
    monkeypatch, rng, metric, compiled, room
):
    # Near-ties everywhere: duplicates (distance 0 after clipping), rows a rounding apart,
    # and rows scaled (the same cosine distance), in parts of 7 rows.
    vectors = _blobs(rng, 300, 24, centers=3)
    vectors[10:20] = vectors[0]
    vectors[20:40] = vectors[40:60] * np.float32(3.0)
    vectors[60:70] = vectors[70:80] + np.float32(1e-6)
    queries = np.sort(rng.choice(300, 80, replace=False))
    queries[:3] = [0, 10, 40]
    lows = [
        np.argsort(_projection(rng, vectors) @ rng.normal(size=(2, 300)), axis=1)[queries, :6]
        for _ in range(2)
    ]
    lows = [np.where(low == queries[:, None], (low + 1) % 300, low) for low in lows]
    monkeypatch.setattr(quality, "COMPILED_ABOVE", 0 if compiled else 1e30)
    monkeypatch.setattr(quality, "_WINDOW_ROOM", room)  # 0: room for 1, most rows scanned again
    engine = LocalEngine(block_bytes=7 * 4 * (80 + 24) // 4)  # parts of 7 rows
    parts = quality._rank_penalties(vectors, metric, queries, lows, 6, engine)
    alone = quality._rank_penalties(vectors, metric, queries, lows, 6, LocalEngine())

    # The definition: float64 distances of the prepared float32 rows, counted plainly.
    center = (
        None if metric == "cosine" else (vectors.sum(0, dtype=np.float64) / 300).astype(np.float32)
    )
    prepared = quality._prepared_rows(vectors, metric, center)
    pairs = np.array(np.meshgrid(queries, np.arange(300), indexing="ij")).reshape(2, -1)
    distances = quality.pair_distances(prepared[pairs[0]], prepared[pairs[1]], metric)
    distances = distances.reshape(len(queries), 300)
    # And whole rows of the space's float32 distances: they round some near-ties otherwise.
    space = LocalEngine().prepare_space(vectors, metric)
    whole = np.maximum(space.distance_block(queries), np.float32(0))
    assert len(engine.row_blocks(300, 4 * (80 + 24), quality.DISTANCE_SHARE)) == 43
    for low, by_parts, in_one in zip(lows, parts, alone, strict=True):
        expected = _counted_penalties(distances, queries, low, 6)
        np.testing.assert_array_equal(by_parts, expected)
        np.testing.assert_array_equal(in_one, expected)
        assert expected.sum() > 0
        nearly = _counted_penalties(whole, queries, low, 6)
        assert np.abs(by_parts - nearly).sum() <= 0.001 * nearly.sum()


def test_a_pairs_distance_depends_on_its_rows_only(rng):
    rows = quality._prepared_rows(_blobs(rng, 500, 384), "cosine", None)
    every = quality.pair_distances(rows[:-1], rows[1:], "cosine")
    for start, stop in ((0, 1), (3, 10), (7, 499)):
        some = quality.pair_distances(rows[start:stop], rows[start + 1 : stop + 1], "cosine")
        assert some.tobytes() == every[start:stop].tobytes()


def test_a_part_counts_its_rows_nearer_than_each_target(rng):
    vectors = _blobs(rng, 2000, 64)
    vectors[5:9] = vectors[4]  # duplicates: ties to break by row
    queries = np.arange(0, 2000, 20)
    prepared = quality._prepared_rows(vectors[queries], "cosine", None)
    targets = rng.integers(0, 2000, size=(100, 5))
    targets[0] = [5, 6, 7, 8, 9]
    exact = quality._target_distances(vectors, "cosine", None, prepared, targets, LocalEngine())
    rows = np.arange(1000, 2000)
    counted = quality.rank_part(
        rows, vectors[rows], prepared, queries, targets, exact, "cosine", None, False
    )
    assert counted.dtype == np.uint16 and counted.shape == (100, 5)
    whole = quality._prepared_rows(vectors, "cosine", None)
    for q in range(0, 100, 9):
        distance = quality.pair_distances(
            np.repeat(prepared[q : q + 1], 1000, 0), whole[rows], "cosine"
        )
        for c in range(5):
            j = targets[q, c]
            mine = (rows != queries[q]) & (rows != j)
            nearer = (distance < exact[q, c]) | ((distance == exact[q, c]) & (rows < j))
            assert counted[q, c] == np.count_nonzero(nearer & mine)
    first = quality.rank_part(
        np.arange(1000), vectors[:1000], prepared, queries, targets, exact, "cosine", None, False
    )
    # Rows 5-8 tie with each other (and with row 4): nearer by row, one rank apart.
    ranks = first[0, :4].astype(int) + counted[0, :4]
    assert list(ranks - ranks[0]) == [0, 1, 2, 3] and ranks[0] > 100
