import json
from collections import Counter

import numpy as np
import pytest
from scipy.stats import skew
from sklearn.neighbors import KNeighborsClassifier

from reportgen.analysis import findings
from reportgen.analysis.findings import (
    Finding,
    hubness,
    knn_label_accuracy,
    near_duplicates,
    outliers,
    zero_vectors,
)
from reportgen.analysis.neighbors import KnnGraph, compute_knn_graph
from reportgen.engine import LocalEngine
from reportgen.errors import AnalysisError


@pytest.fixture
def labelled(rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """150 x 6 float32 in 3 overlapping blobs, labelled by blob."""
    centers = rng.normal(size=(3, 6)) * 1.5
    codes = rng.integers(0, 3, 150)
    vectors = (centers[codes] + rng.normal(size=(150, 6))).astype(np.float32)
    return vectors, [("x", "y", "z")[c] for c in codes]


def _brute_accuracy(indices: np.ndarray, labels: list[str], k: int) -> dict:
    predicted = []
    for row in indices[:, :k]:
        votes = [labels[j] for j in row]
        counts = Counter(votes)
        best = max(counts.values())
        predicted.append(next(v for v in votes if counts[v] == best))
    correct = [p == t for p, t in zip(predicted, labels, strict=True)]
    per_label = {
        name: float(np.mean([c for c, t in zip(correct, labels, strict=True) if t == name]))
        for name in sorted(set(labels))
    }
    return {"k": k, "overall": float(np.mean(correct)), "per_label": per_label}


@pytest.mark.parametrize("k", [1, 2, 4, 7])
def test_label_accuracy_equals_brute_force(labelled, k):
    vectors, labels = labelled
    graph = compute_knn_graph(vectors, 7)
    result = knn_label_accuracy(graph, labels, k)
    assert result == _brute_accuracy(graph.indices, labels, k)
    assert list(result["per_label"]) == sorted(result["per_label"])
    json.dumps(result, allow_nan=False)


def test_label_accuracy_blocked_equals_whole(labelled, monkeypatch):
    vectors, labels = labelled
    graph = compute_knn_graph(vectors, 6)
    whole = knn_label_accuracy(graph, labels, 6)
    monkeypatch.setattr(findings, "_VOTE_BLOCK", 36 * 7)
    assert knn_label_accuracy(graph, labels, 6) == whole


def _graph(indices: list[list[int]]) -> KnnGraph:
    indices = np.array(indices, dtype=np.int32)
    zeros = np.zeros(indices.shape, dtype=np.float32)
    return KnnGraph(indices, zeros, zeros, metric="cosine", method="exact")


def test_label_accuracy_tie_goes_to_nearest_neighbour():
    labels = ["a", "a", "b"]
    # Points 0 and 1 each see one "a" and one "b": the nearest one wins.
    nearest_a = knn_label_accuracy(_graph([[1, 2], [0, 2], [0, 1]]), labels, 2)
    assert nearest_a["per_label"] == {"a": 1.0, "b": 0.0}
    nearest_b = knn_label_accuracy(_graph([[2, 1], [2, 0], [1, 0]]), labels, 2)
    assert nearest_b["per_label"] == {"a": 0.0, "b": 0.0}


def test_label_accuracy_equals_sklearn_without_ties(labelled):
    vectors, labels = labelled
    two = ["x" if label == "x" else "other" for label in labels]  # 2 labels, odd k: no tie
    k = 5
    graph = compute_knn_graph(vectors, k)
    model = KNeighborsClassifier(n_neighbors=k, metric="cosine", algorithm="brute")
    model.fit(vectors.astype(np.float64), two)
    _, neighbours = model.kneighbors()  # the training points, each without itself
    assert (np.sort(neighbours, axis=1) == np.sort(graph.indices, axis=1)).all()
    predicted = model.predict(None)
    expected = float(np.mean(predicted == np.array(two)))
    assert knn_label_accuracy(graph, two, k)["overall"] == pytest.approx(expected)


def test_label_accuracy_checks(labelled):
    vectors, labels = labelled
    graph = compute_knn_graph(vectors, 3)
    with pytest.raises(AnalysisError, match="k=0"):
        knn_label_accuracy(graph, labels, 0)
    with pytest.raises(AnalysisError, match="labels has 2 values"):
        knn_label_accuracy(graph, labels[:2], 3)
    assert knn_label_accuracy(graph, labels, 99)["k"] == 3


def test_near_duplicates_finds_planted_pairs(labelled):
    vectors, _ = labelled
    vectors = vectors.copy()
    vectors[10] = vectors[3]
    vectors[140] = vectors[20] * 2.0  # same direction: cosine 1
    vectors[77] = vectors[5] + 1e-4
    graph = compute_knn_graph(vectors, 5)
    found = near_duplicates(graph, threshold=0.999)
    pairs = {(i, j) for i, j, _ in found.rows}
    assert {(3, 10), (20, 140), (5, 77)} <= pairs
    assert found.count == len(found.rows)
    keys = [(-s, i, j) for i, j, s in found.rows]
    assert keys == sorted(keys)
    assert all(i < j for i, j, _ in found.rows)
    # Brute force over all pairs (the planted duplicates are each other's nearest).
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sim = unit.astype(np.float64) @ unit.T.astype(np.float64)
    i, j = np.triu_indices(len(vectors), k=1)
    assert found.count == int((sim[i, j] >= 0.999).sum())
    json.dumps(found.to_json(), allow_nan=False)


def test_near_duplicates_checks_threshold(labelled):
    graph = compute_knn_graph(labelled[0], 3)
    with pytest.raises(AnalysisError, match=r"threshold=1\.5"):
        near_duplicates(graph, 1.5)


def test_zero_vectors_found_across_blocks(labelled):
    vectors = labelled[0].copy()
    vectors[[0, 33, 149]] = 0
    vectors[50, 1:] = 0  # not zero: one value left
    found = zero_vectors(vectors, engine=LocalEngine(block_bytes=8 * 6 * 7))
    assert found == Finding(count=3, rows=(0, 33, 149))
    assert found.to_json() == {"count": 3, "rows": [0, 33, 149]}
    with pytest.raises(AnalysisError, match="2-D"):
        zero_vectors(vectors[0])


def test_outliers_finds_planted_points(rng):
    center = rng.normal(size=20) * 5
    vectors = center + rng.normal(size=(300, 20))
    planted = [7, 150, 299]
    vectors[planted] = -center + rng.normal(size=(3, 20))  # far from everything, and apart
    vectors[planted[1]] = rng.normal(size=20)
    graph = compute_knn_graph(vectors.astype(np.float32), 10)
    found = outliers(graph, 10)  # 1 % of 300: 3 points
    assert found.count == 3
    assert {row for row, _ in found.rows} == set(planted)
    score = graph.similarities.astype(np.float64).mean(axis=1)
    assert [s for _, s in found.rows] == sorted(score)[:3]
    assert outliers(graph, 10, fraction=1.0, top=5).count == 5


def test_outliers_checks(labelled):
    graph = compute_knn_graph(labelled[0], 3)
    with pytest.raises(AnalysisError, match="fraction=0"):
        outliers(graph, 3, fraction=0)
    with pytest.raises(AnalysisError, match="top=0"):
        outliers(graph, 3, top=0)


def test_hubness_equals_brute_force(labelled):
    vectors, _ = labelled
    graph = compute_knn_graph(vectors, 8)
    result = hubness(graph, 5)
    counts = np.zeros(graph.n, dtype=int)
    for row in graph.indices[:, :5]:
        for j in row:
            counts[j] += 1
    assert result["skewness"] == pytest.approx(float(skew(counts)))
    expected = sorted(range(graph.n), key=lambda r: (-counts[r], r))[:10]
    assert [hub["row"] for hub in result["top_hubs"]] == expected
    assert [hub["occurrences"] for hub in result["top_hubs"]] == [counts[r] for r in expected]
    json.dumps(result, allow_nan=False)


def test_tiny_dataset_smaller_than_k():
    vectors = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32)
    graph = compute_knn_graph(vectors, 2)
    assert knn_label_accuracy(graph, ["a", "b", "a"], 10)["k"] == 2
    assert hubness(graph, 10)["skewness"] == 0.0  # everyone is everyone's neighbour
    assert outliers(graph, 10).count == 1
    assert near_duplicates(graph).count == 0
    assert zero_vectors(vectors).count == 0


def test_finding_json_keeps_first_rows():
    finding = Finding(count=250, rows=tuple((i, i + 1, 0.5) for i in range(100)))
    payload = finding.to_json()
    assert payload["count"] == 250 and len(payload["rows"]) == 100
    assert payload["rows"][0] == [0, 1, 0.5]
