"""How far apart two different sets of items are (``analysis/drift.py``), against direct
computations and the cases whose answer is known: two halves of one set, two separated sets."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics.pairwise import rbf_kernel

from reportgen.analysis.density import compute_density
from reportgen.analysis.drift import (
    Drift,
    domain_classifier_auc,
    drift_numbers,
    label_drift,
    mmd_rbf,
    set_sample,
)
from reportgen.errors import AnalysisError


@pytest.fixture(scope="module")
def one_set() -> np.ndarray:
    """1,200 points of one distribution: eight clusters in 24 dimensions."""
    rng = np.random.default_rng(11)
    centres = 4 * rng.normal(size=(8, 24))
    return (centres[rng.integers(0, 8, 1200)] + rng.normal(size=(1200, 24))).astype(np.float32)


def test_two_halves_of_one_set_cannot_be_told_apart(one_set):
    drift = drift_numbers(one_set[:600], one_set[600:], metric="euclidean", seed=0)
    assert 0.4 < drift.auc < 0.6
    assert drift.mmd["p_value"] > 0.05
    assert drift.auc_points == 600 and drift.mmd["points"] == 600


def test_two_separated_sets_are_told_apart(one_set):
    shifted = one_set[600:] + np.float32(3.0)
    drift = drift_numbers(one_set[:600], shifted, metric="euclidean", seed=0)
    assert drift.auc > 0.99
    # No permutation reaches the observed MMD²: the smallest p-value the test can give.
    assert drift.mmd["p_value"] == pytest.approx(1 / (1 + drift.mmd["permutations"]))
    assert drift.centroid["euclidean"] == pytest.approx(3.0 * np.sqrt(24), rel=0.05)
    assert drift.centroid["beyond_chance"] > 10


def test_the_chance_distance_is_what_random_splits_of_one_set_give(one_set):
    # E |m_a - m_b|² = tr(Σ) (1/n_a + 1/n_b) for two samples of one distribution: over many
    # random splits the mean squared ratio is 1.
    same = ["all"] * len(one_set)
    ratios = []
    for seed in range(100):
        order = np.random.default_rng(seed).permutation(len(one_set))
        a, b = one_set[order[:500]], one_set[order[500:]]
        (row,) = label_drift(a, same[:500], b, same[500:], "euclidean")
        ratios.append(row["beyond_chance"])
    assert np.mean(np.square(ratios)) == pytest.approx(1.0, abs=0.2)


def test_mmd_equals_the_unbiased_estimator_computed_directly():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(40, 5)), rng.normal(size=(30, 5)) + 0.5
    result = mmd_rbf(a, b, permutations=50, seed=1)
    pooled = np.vstack([a, b])
    distances = np.sqrt(((pooled[:, None, :] - pooled[None, :, :]) ** 2).sum(axis=2))
    bandwidth = np.median(distances[np.triu_indices(len(pooled), k=1)])
    assert result["bandwidth"] == pytest.approx(bandwidth, rel=1e-9)
    gamma = 1 / (2 * bandwidth**2)
    k_aa, k_bb, k_ab = (
        rbf_kernel(a, a, gamma=gamma),
        rbf_kernel(b, b, gamma=gamma),
        rbf_kernel(a, b, gamma=gamma),
    )
    direct = (
        (k_aa.sum() - np.trace(k_aa)) / (40 * 39)
        + (k_bb.sum() - np.trace(k_bb)) / (30 * 29)
        - 2 * k_ab.mean()
    )
    assert result["mmd2"] == pytest.approx(direct, rel=1e-9, abs=1e-12)
    assert 0 < result["p_value"] <= 1


def test_the_classifier_auc_is_seeded_and_says_each_fold():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(200, 8)), rng.normal(size=(200, 8)) + 0.3
    first, folds = domain_classifier_auc(a, b, seed=3)
    assert (first, folds) == domain_classifier_auc(a, b, seed=3)
    assert len(folds) == 5 and all(0 <= value <= 1 for value in folds)
    with pytest.raises(AnalysisError, match="at least 5 rows in each set"):
        domain_classifier_auc(a[:3], b)


def test_centroid_distances_and_the_labels_that_moved_most(one_set):
    rng = np.random.default_rng(5)
    labels_a = [f"l{i % 3}" for i in range(600)]
    labels_b = [f"l{i % 3}" for i in range(500)] + ["only-b"] * 100
    b = one_set[600:].copy()
    moved = np.flatnonzero(np.array(labels_b) == "l1")
    b[moved] += rng.normal(size=24).astype(np.float32) * 2
    rows = label_drift(one_set[:600], labels_a, b, labels_b, "euclidean")
    assert rows[0]["label"] == "l1" and len(rows) == 3
    l1 = rows[0]
    mean_a = one_set[:600][np.array(labels_a) == "l1"].astype(np.float64).mean(axis=0)
    mean_b = b[moved].astype(np.float64).mean(axis=0)
    assert l1["centroid_distance"] == pytest.approx(np.linalg.norm(mean_a - mean_b), rel=1e-9)
    cosine = 1 - mean_a @ mean_b / (np.linalg.norm(mean_a) * np.linalg.norm(mean_b))
    assert l1["centroid_cosine_distance"] == pytest.approx(cosine, rel=1e-9)
    assert (l1["items_a"], l1["items_b"]) == (200, len(moved))
    # By chance: the pooled mean squared distance to each side's centroid, over the sizes.
    spread = sum(
        ((side - side.mean(axis=0)) ** 2).sum()
        for side in (
            one_set[:600][np.array(labels_a) == "l1"].astype(np.float64),
            b[moved].astype(np.float64),
        )
    ) / (200 + len(moved))
    chance = np.sqrt(spread * (1 / 200 + 1 / len(moved)))
    assert l1["chance_distance"] == pytest.approx(chance, rel=1e-9)
    assert l1["beyond_chance"] == pytest.approx(l1["centroid_distance"] / chance, rel=1e-12)
    assert all(0.5 < row["beyond_chance"] < 2 for row in rows[1:])
    drift = drift_numbers(one_set[:600], b, labels_a=labels_a, labels_b=labels_b, seed=0)
    assert (drift.labels_only_a, drift.labels_only_b) == (0, 1)
    # The cosine metric reads unit rows: the whole sets' centroids of unit vectors.
    unit_a = one_set[:600] / np.linalg.norm(one_set[:600], axis=1, keepdims=True)
    unit_b = b / np.linalg.norm(b, axis=1, keepdims=True)
    direct = np.linalg.norm(unit_a.astype(np.float64).mean(0) - unit_b.astype(np.float64).mean(0))
    assert drift.centroid["euclidean"] == pytest.approx(direct, rel=1e-6)


def test_sets_of_other_dimensions_are_refused_and_the_json_round_trips(one_set):
    with pytest.raises(AnalysisError, match="24 dimensions and the other 12"):
        drift_numbers(one_set, one_set[:, :12])
    drift = drift_numbers(one_set[:300], one_set[300:700], seed=2)
    assert Drift.from_json(drift.to_json()) == drift
    assert drift.to_json()["mode"] == "drift"


def test_set_samples_are_the_same_rows_for_the_same_seed():
    assert set_sample(10, 20, 0).tolist() == list(range(10))
    rows = set_sample(10_000, 500, 7)
    assert len(rows) == 500 and np.all(np.diff(rows) > 0)
    assert np.array_equal(rows, set_sample(10_000, 500, 7))
    assert not np.array_equal(rows, set_sample(10_000, 500, 8))


def test_a_density_over_a_given_range_counts_outside_points_at_the_edges():
    points = np.array([[0.0, 0.0], [1.0, 1.0], [5.0, -3.0]])
    density = compute_density("a", points, 4, (0.0, 2.0), (0.0, 2.0))
    assert density.x_range == (0.0, 2.0) and density.n == 3
    assert density.counts[0, 0] == 1 and density.counts[2, 2] == 1
    assert density.counts[0, 3] == 1  # (5, -3): clipped into the bottom right cell
