"""The measures of what changed between two runs of the same items (``analysis/compare.py``),
against direct computations and their invariants."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ortho_group
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from reportgen.analysis.compare import (
    cluster_agreement,
    label_changes,
    linear_cka,
    match_rows,
    neighbor_overlap,
    overlap_summary,
    shared_neighbors,
)
from reportgen.analysis.findings import knn_label_accuracy
from reportgen.analysis.neighbors import compute_knn_graph
from reportgen.errors import AnalysisError


@pytest.fixture(scope="module")
def run() -> tuple[np.ndarray, list[str]]:
    """Well separated classes (no near-ties among neighbours): 400 x 16."""
    rng = np.random.default_rng(3)
    labels = [f"c{i % 4}" for i in range(400)]
    centres = {name: 8 * rng.normal(size=16) for name in sorted(set(labels))}
    vectors = np.stack([centres[name] + rng.normal(size=16) for name in labels])
    return vectors.astype(np.float32), labels


def test_shared_neighbours_and_overlap_against_sets():
    rng = np.random.default_rng(0)
    a = np.stack([rng.choice(50, size=6, replace=False) for _ in range(30)])
    b = np.stack([rng.choice(50, size=6, replace=False) for _ in range(30)])
    shared = shared_neighbors(a, b)
    expected = [len(set(x) & set(y)) for x, y in zip(a, b, strict=True)]
    assert shared.tolist() == expected
    jaccard = [len(set(x) & set(y)) / len(set(x) | set(y)) for x, y in zip(a, b, strict=True)]
    np.testing.assert_allclose(neighbor_overlap(shared, 6), jaccard, rtol=0, atol=1e-15)
    summary = overlap_summary(shared, 6)
    assert summary["mean"] == pytest.approx(np.mean(jaccard))
    assert summary["p10"] == pytest.approx(np.percentile(jaccard, 10))
    assert summary["kept_half"] == pytest.approx(np.mean([s >= 3 for s in expected]))
    with pytest.raises(AnalysisError, match="same rows and k"):
        shared_neighbors(a, b[:, :5])


def test_a_run_against_itself_or_a_rotated_scaled_copy_is_unchanged(run):
    vectors, _ = run
    rotation = ortho_group.rvs(16, random_state=1)
    moved = (3.0 * vectors.astype(np.float64) @ rotation + 5.0).astype(np.float32)
    assert linear_cka(vectors, vectors) == pytest.approx(1.0, abs=1e-12)
    assert linear_cka(vectors, moved) == pytest.approx(1.0, abs=1e-9)
    # Euclidean neighbours survive a rotation, a scaling and a translation.
    a = compute_knn_graph(vectors, 10, metric="euclidean")
    b = compute_knn_graph(moved, 10, metric="euclidean")
    summary = overlap_summary(shared_neighbors(a.indices, b.indices), 10)
    assert summary["mean"] == 1.0 and summary["p10"] == 1.0 and summary["kept_half"] == 1.0


def test_cka_equals_the_direct_formula_across_dimensions():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(300, 12))
    b = np.tanh(a @ rng.normal(size=(12, 30))) + 0.3 * rng.normal(size=(300, 30))
    ca, cb = a - a.mean(axis=0), b - b.mean(axis=0)
    # HSIC form with linear kernels (Kornblith et al. 2019, eq. 3 and its feature form).
    ka, kb = ca @ ca.T, cb @ cb.T
    direct = np.sum(ka * kb) / (np.linalg.norm(ka) * np.linalg.norm(kb))
    assert linear_cka(a.astype(np.float32), b.astype(np.float32)) == pytest.approx(direct, rel=1e-6)
    assert 0 < direct < 1
    with pytest.raises(AnalysisError, match="all the same"):
        linear_cka(a, np.ones((300, 3)))
    with pytest.raises(AnalysisError, match="matched rows"):
        linear_cka(a, b[:10])


def test_shuffling_one_label_s_vectors_lowers_that_label_only(run):
    vectors, labels = run
    rng = np.random.default_rng(9)
    changed = vectors.copy()
    rows = np.flatnonzero(np.array(labels) == "c2")
    # c2's points move to random places among all classes: its accuracy falls.
    changed[rows] = vectors[rng.choice(len(vectors), size=len(rows))] + rng.normal(
        size=(len(rows), 16)
    ).astype(np.float32)
    graph_a = compute_knn_graph(vectors, 10)
    graph_b = compute_knn_graph(changed, 10)
    rows_by_change = label_changes(
        knn_label_accuracy(graph_a, labels, 10), knn_label_accuracy(graph_b, labels, 10)
    )
    assert rows_by_change[0]["label"] == "c2" and rows_by_change[0]["change"] < -0.3
    assert all(abs(row["change"]) < 0.3 for row in rows_by_change[1:])


def test_rows_match_by_id_in_any_order_and_by_position_without_ids():
    ids_a = ["x", "y", "z", "w"]
    ids_b = ["z", "q", "x", "y"]
    match = match_rows(4, 4, ids_a, ids_b)
    assert match.by == "id"
    assert match.rows_a.tolist() == [0, 1, 2] and match.rows_b.tolist() == [2, 3, 0]
    assert (match.only_in_a, match.listed_only_in_a) == (1, ("w",))
    assert (match.only_in_b, match.listed_only_in_b) == (1, ("q",))
    by_position = match_rows(4, 4)
    assert by_position.by == "position" and by_position.rows_b.tolist() == [0, 1, 2, 3]
    assert match_rows(4, 5) is None  # different items: compared as two sets
    with pytest.raises(AnalysisError, match=r"run B's id 'x' is on rows 0 and 2"):
        match_rows(3, 3, ["x", "y", "z"], ["x", "y", "x"])
    with pytest.raises(AnalysisError, match="only one run has the id column"):
        match_rows(3, 3, ["x", "y", "z"], None)
    with pytest.raises(AnalysisError, match="no id is in both"):
        match_rows(1, 1, ["x"], ["y"])


def test_matching_by_id_in_shuffled_order_gives_the_in_order_result(run):
    vectors, _ = run
    rng = np.random.default_rng(4)
    other = vectors @ ortho_group.rvs(16, random_state=2).astype(np.float32)
    order = rng.permutation(len(vectors))
    ids = [f"item-{i}" for i in range(len(vectors))]
    match = match_rows(len(ids), len(ids), ids, [ids[i] for i in order])
    in_order = linear_cka(vectors, other)
    shuffled = other[order]
    assert linear_cka(vectors[match.rows_a], shuffled[match.rows_b]) == pytest.approx(
        in_order, abs=1e-12
    )


def test_cluster_agreement_equals_scikit_learn():
    rng = np.random.default_rng(6)
    a = rng.integers(0, 4, size=200)
    b = np.where(rng.random(200) < 0.8, a, rng.integers(0, 5, size=200))
    agreement = cluster_agreement(a, b)
    assert agreement["ari"] == adjusted_rand_score(a, b)
    assert agreement["nmi"] == normalized_mutual_info_score(a, b)
    table = np.array(agreement["table"])
    assert table.sum() == 200 and table[1, 1] == np.sum((a == 1) & (b == 1))


def test_confusion_growth_counts_the_edges_between_labels_in_both_runs():
    from reportgen.analysis.compare import confusion_growth

    labels = ["x", "x", "y", "y", "z"]
    # Run A: every item's neighbour has its own label, except 4 (z -> x).
    a = np.array([[1], [0], [3], [2], [0]])
    # Run B: 0 and 1 now point at y, 4 at y: x-y grows by 2, x-z falls, y-z appears.
    b = np.array([[2], [3], [3], [2], [2]])
    rows = confusion_growth(a, b, labels)
    assert rows == [
        {"a": "x", "b": "y", "edges_a": 0, "edges_b": 2, "change": 2},
        {"a": "y", "b": "z", "edges_a": 0, "edges_b": 1, "change": 1},
    ]
    assert confusion_growth(a, a, labels) == []


def test_label_similarity_equals_the_mean_over_pairs():
    from reportgen.analysis.compare import label_similarity

    rng = np.random.default_rng(8)
    vectors = rng.normal(size=(60, 5)).astype(np.float32)
    vectors[7] = 0  # a zero vector: similarity 0 to everything, counted in its label
    labels = [f"g{i % 3}" for i in range(60)]
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-30)
    cosine = unit.astype(np.float64) @ unit.T.astype(np.float64)
    same = np.equal.outer(labels, labels)
    distinct = ~np.eye(60, dtype=bool)
    result = label_similarity(vectors, labels)
    assert result["within"] == pytest.approx(cosine[same & distinct].mean(), abs=1e-9)
    assert result["between"] == pytest.approx(cosine[~same].mean(), abs=1e-9)
    assert result["gap"] == pytest.approx(result["within"] - result["between"], abs=1e-15)


def test_each_item_s_vote_in_both_runs_and_the_maps_sample(run, monkeypatch):
    import reportgen.analysis.compare as compare
    from reportgen.analysis.compare import VOTE_NAMES, compare_runs, vote_changes
    from reportgen.analysis.findings import knn_vote_correct

    right_a = np.array([True, True, False, False])
    right_b = np.array([True, False, True, False])
    codes = vote_changes(right_a, right_b)
    assert [VOTE_NAMES[code] for code in codes] == [
        "right in both", "right only in A", "right only in B", "wrong in both",
    ]  # fmt: skip
    vectors, labels = run
    graph = compute_knn_graph(vectors, 10)
    correct = knn_vote_correct(graph, labels, 10)
    assert correct.mean() == knn_label_accuracy(graph, labels, 10)["overall"]
    # A run with one label's vectors shuffled: its items' votes are lost, the others kept.
    rng = np.random.default_rng(1)
    other = vectors.copy()
    c1 = np.flatnonzero(np.array(labels) == "c1")
    other[c1] = vectors[rng.choice(len(vectors), size=len(c1))]
    graph_b = compute_knn_graph(other, 10)
    match = match_rows(len(vectors), len(other))
    monkeypatch.setattr(compare, "MAP_POINTS", 100)
    items = compare.map_sample(len(vectors), 0)
    assert len(items) == 100 and np.all(np.diff(items) > 0)
    assert np.array_equal(items, compare.map_sample(len(vectors), 0))
    assert np.array_equal(compare.map_sample(80, 0), np.arange(80))
    result = compare_runs(
        match, vectors, other, graph.indices, graph_b.indices, labels=labels,
        clusters_a=None, clusters_b=None, graph_a=graph, graph_b=graph_b,
    )  # fmt: skip
    lost = result.votes == VOTE_NAMES.index("right only in A")
    in_c1 = np.isin(np.arange(len(vectors)), c1)
    # c1's items lost their votes; the few others that did sit where c1's vectors now are.
    assert lost[in_c1].sum() > len(c1) / 2 and lost[~in_c1].sum() < lost[in_c1].sum() / 5
    assert (
        result.item_overlap[c1].mean() < 0.5 < result.item_overlap[~np.isin(range(400), c1)].mean()
    )
    assert result.similarity["a"]["gap"] > result.similarity["b"]["gap"]
