import json
from dataclasses import asdict

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity

from reportgen.analysis import similarity
from reportgen.analysis.neighbors import compute_knn_graph
from reportgen.analysis.similarity import HIST_BINS, compute_similarity, knn_confusion
from reportgen.engine import LocalEngine
from reportgen.errors import AnalysisError

NAMES = ("a", "b", "c", "d")


@pytest.fixture
def data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """200 x 8 float32 in 4 groups of unequal size, with a zero vector in group 2."""
    sizes = [80, 60, 40, 20]
    centers = rng.normal(size=(4, 8)) * 2
    groups = np.repeat(np.arange(4), sizes)
    vectors = centers[groups] + rng.normal(size=(200, 8))
    vectors[150] = 0
    order = rng.permutation(200)
    return vectors[order].astype(np.float32), groups[order]


def _brute_means(vectors: np.ndarray, groups: np.ndarray):
    sim = cosine_similarity(vectors.astype(np.float64))
    off = ~np.eye(len(groups), dtype=bool)
    same = groups[:, None] == groups[None, :]
    per_group = []
    for g in range(groups.max() + 1):
        inside = np.flatnonzero(groups == g)
        block = sim[np.ix_(inside, inside)][~np.eye(inside.size, dtype=bool)]
        per_group.append(block.mean() if block.size else None)
    between = sim[off & ~same].mean() if (off & ~same).any() else None
    return per_group, sim[off & same].mean(), between


def test_means_equal_brute_force(data):
    vectors, groups = data
    result = compute_similarity(vectors, groups, group_names=NAMES)
    per_group, within, between = _brute_means(vectors, groups)
    np.testing.assert_allclose(result.within_mean_per_group, per_group, atol=1e-6)
    assert result.within_mean == pytest.approx(within, abs=1e-6)
    assert result.between_mean == pytest.approx(between, abs=1e-6)
    assert result.group_sizes == (80, 60, 40, 20)


def test_centroid_heatmap_is_symmetric_with_unit_diagonal_and_brute_force(data):
    vectors, groups = data
    result = compute_similarity(vectors, groups, group_names=NAMES)
    heat = result.centroid_similarity
    assert heat.dtype == np.float32 and heat.shape == (4, 4)
    np.testing.assert_array_equal(heat, heat.T)
    np.testing.assert_array_equal(np.diag(heat), 1.0)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-30)
    centroids = np.stack([unit[groups == g].mean(axis=0) for g in range(4)])
    order = list(result.centroid_order)
    expected = cosine_similarity(centroids)[np.ix_(order, order)]
    np.testing.assert_allclose(heat, expected, atol=1e-6)
    assert sorted(order) == [0, 1, 2, 3]
    assert result.ordered_names == tuple(NAMES[g] for g in order)


def test_centroid_order_puts_similar_groups_together(rng):
    base = rng.normal(size=(2, 16)) * 3
    # Groups 0 and 2 are A and A + tiny noise, 1 and 3 are B and B + tiny noise.
    centers = np.stack([base[0], base[1], base[0] + 0.01, base[1] + 0.01])
    groups = np.repeat(np.arange(4), 30)
    vectors = (centers[groups] + rng.normal(size=(120, 16)) * 0.5).astype(np.float32)
    order = compute_similarity(vectors, groups, group_names=NAMES).centroid_order
    position = {g: order.index(g) for g in range(4)}
    assert abs(position[0] - position[2]) == 1
    assert abs(position[1] - position[3]) == 1


def test_centroid_order_matches_scipy_on_centroids(data):
    from scipy.cluster.hierarchy import leaves_list, linkage

    vectors, groups = data
    result = compute_similarity(vectors, groups, group_names=NAMES)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-30)
    centroids = np.stack([unit[groups == g].mean(axis=0) for g in range(4)]).astype(np.float64)
    tree = linkage(centroids, method="average", metric="cosine", optimal_ordering=True)
    assert result.centroid_order == tuple(leaves_list(tree).tolist())


def test_sample_heatmap(data):
    vectors, groups = data
    result = compute_similarity(vectors, groups, group_names=NAMES, sample_size=50, seed=3)
    rows = result.sample_rows
    assert rows.dtype == np.int64 and len(rows) == 50 and len(set(rows.tolist())) == 50
    rank = {g: i for i, g in enumerate(result.centroid_order)}
    keys = [(rank[groups[r]], r) for r in rows.tolist()]
    assert keys == sorted(keys), "sample not sorted by group (centroid order), then row"
    sim = result.sample_similarity
    assert sim.dtype == np.float32 and sim.shape == (50, 50)
    np.testing.assert_array_equal(sim, sim.T)
    expected = cosine_similarity(vectors[rows].astype(np.float64))
    np.fill_diagonal(expected, vectors[rows].any(axis=1))
    np.testing.assert_allclose(sim, expected, atol=1e-6)
    u8 = result.sample_similarity_u8
    assert u8.dtype == np.uint8
    np.testing.assert_array_equal(u8, np.round((sim.astype(np.float64) + 1) / 2 * 255))
    again = compute_similarity(vectors, groups, group_names=NAMES, sample_size=50, seed=3)
    np.testing.assert_array_equal(again.sample_rows, rows)


def test_histograms_equal_brute_force(data):
    vectors, groups = data
    result = compute_similarity(vectors, groups, group_names=NAMES, sample_size=120)
    rows = result.sample_rows
    sim = result.sample_similarity
    i, j = np.triu_indices(len(rows), k=1)
    same = groups[rows][i] == groups[rows][j]
    edges = np.linspace(-1, 1, HIST_BINS + 1)
    assert result.bin_edges == tuple(edges.tolist())
    assert result.within_hist == tuple(np.histogram(sim[i, j][same], bins=edges)[0].tolist())
    assert result.between_hist == tuple(np.histogram(sim[i, j][~same], bins=edges)[0].tolist())
    assert sum(result.within_hist) + sum(result.between_hist) == len(i)


def test_blocked_histograms_match_one_block(data, monkeypatch):
    vectors, groups = data
    whole = compute_similarity(vectors, groups, group_names=NAMES)
    monkeypatch.setattr(similarity, "_HIST_ROWS", 7)
    engine = LocalEngine(block_bytes=8 * 8 * 13)  # 13 rows of 8 dimensions per block
    blocked = compute_similarity(vectors, groups, group_names=NAMES, engine=engine)
    assert blocked.within_hist == whole.within_hist
    assert blocked.between_hist == whole.between_hist
    assert blocked.within_mean == pytest.approx(whole.within_mean, abs=1e-12)


def test_confusable_pairs(data):
    vectors, groups = data
    result = compute_similarity(vectors, groups, group_names=NAMES)
    pairs = result.confusable_pairs
    assert len(pairs) == 6
    values = [p["centroid_similarity"] for p in pairs]
    assert values == sorted(values, reverse=True)
    position = {g: i for i, g in enumerate(result.centroid_order)}
    for pair in pairs:
        assert pair["a"] < pair["b"]
        a, b = NAMES.index(pair["a"]), NAMES.index(pair["b"])
        heat = result.centroid_similarity[position[a], position[b]]
        assert pair["centroid_similarity"] == pytest.approx(float(heat), abs=1e-6)


def test_result_scalars_are_json(data):
    vectors, groups = data
    result = compute_similarity(vectors, groups, group_names=NAMES)
    fields = {k: v for k, v in asdict(result).items() if not isinstance(v, np.ndarray)}
    json.dumps(fields, allow_nan=False)


def test_single_group():
    vectors = np.random.default_rng(0).normal(size=(10, 4)).astype(np.float32)
    result = compute_similarity(vectors, np.zeros(10, dtype=int), group_names=("only",))
    assert result.centroid_similarity.shape == (1, 1)
    assert result.centroid_similarity[0, 0] == 1.0
    assert result.between_mean is None and result.within_mean is not None
    assert result.confusable_pairs == () and sum(result.between_hist) == 0
    graph = compute_knn_graph(vectors, 3)
    assert knn_confusion(graph, np.zeros(10, dtype=int), 3, group_names=("only",)) == []


def test_single_point_and_empty_group():
    vectors = np.ones((1, 3), dtype=np.float32)
    result = compute_similarity(vectors, np.array([1]), group_names=("empty", "one"))
    assert result.within_mean is None and result.between_mean is None
    assert result.within_mean_per_group == (None, None)
    assert result.group_sizes == (0, 1)
    np.testing.assert_array_equal(np.diag(result.centroid_similarity), sorted([0.0, 1.0]))


def test_many_groups_order_without_optimal_ordering(rng):
    groups = np.arange(230)
    vectors = rng.normal(size=(230, 5)).astype(np.float32)
    names = tuple(f"g{i}" for i in range(230))
    result = compute_similarity(vectors, groups, group_names=names, sample_size=10)
    assert sorted(result.centroid_order) == list(range(230))
    assert len(result.confusable_pairs) == 10


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sample_size": 0}, "sample_size=0"),
        ({"sample_size": 10**6}, "sample_size=1000000"),
        ({"group_names": ("a",)}, "row .* has code"),
        ({"group_names": ()}, "at least 1 group"),
        ({"groups": np.zeros(3, dtype=int)}, r"shape \(200,\)"),
        ({"groups": np.array(["x"] * 200)}, "integer codes"),
        ({"vectors": np.zeros(5)}, "2-D"),
    ],
)
def test_bad_parameters(data, kwargs, match):
    vectors, groups = data
    arguments = {"vectors": vectors, "groups": groups, "group_names": NAMES, **kwargs}
    with pytest.raises(AnalysisError, match=match):
        compute_similarity(arguments.pop("vectors"), arguments.pop("groups"), **arguments)


def test_knn_confusion_equals_brute_force(data):
    vectors, groups = data
    k = 5
    graph = compute_knn_graph(vectors, 8)
    counts: dict[tuple[str, str], int] = {}
    for i in range(graph.n):
        for j in graph.indices[i, :k]:
            if groups[i] != groups[j]:
                key = tuple(sorted((NAMES[groups[i]], NAMES[groups[j]])))
                counts[key] = counts.get(key, 0) + 1
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    got = knn_confusion(graph, groups, k, group_names=NAMES)
    assert [((r["a"], r["b"]), r["edges"]) for r in got] == expected
    by_value = knn_confusion(graph, np.array(NAMES)[groups], k)
    assert by_value == got


def test_knn_confusion_caps_k_and_checks(data):
    vectors, groups = data
    graph = compute_knn_graph(vectors, 3)
    assert knn_confusion(graph, groups, 50, group_names=NAMES) == knn_confusion(
        graph, groups, 3, group_names=NAMES
    )
    with pytest.raises(AnalysisError, match="k=0"):
        knn_confusion(graph, groups, 0, group_names=NAMES)
    with pytest.raises(AnalysisError, match="shape"):
        knn_confusion(graph, groups[:5], 3, group_names=NAMES)
