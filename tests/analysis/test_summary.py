import numpy as np
import pytest

from reportgen.analysis.summary import compute_norms, count_labels, summarize
from reportgen.engine import LocalEngine


def test_norms_match_numpy(tiny_vectors):
    expected = np.linalg.norm(tiny_vectors.astype(np.float64), axis=1)
    np.testing.assert_allclose(compute_norms(tiny_vectors), expected, rtol=1e-12)


def test_norms_are_scanned_in_blocks(tiny_vectors):
    engine = LocalEngine(block_bytes=8 * 6 * 7)  # 7 rows of 6 float64 per block
    expected = np.linalg.norm(tiny_vectors.astype(np.float64), axis=1)
    np.testing.assert_allclose(compute_norms(tiny_vectors, engine=engine), expected, rtol=1e-12)
    np.testing.assert_array_equal(
        compute_norms(tiny_vectors, engine=engine), compute_norms(tiny_vectors)
    )


def test_summary_counts_zero_vectors_and_stats(tiny_vectors):
    vectors = tiny_vectors.copy()
    vectors[[3, 8]] = 0
    summary = summarize(vectors, None)
    norms = np.linalg.norm(vectors.astype(np.float64), axis=1)
    assert summary.norms.zero_vectors == 2
    assert summary.norms.min == 0.0
    assert summary.norms.median == pytest.approx(np.median(norms))
    assert summary.norms.std == pytest.approx(norms.std())
    assert summary.label_counts is None
    assert (summary.n, summary.dim) == (40, 6)


def test_label_counts_sorted_by_count_then_label():
    counts = count_labels(["b", "a", "c", "a", "b", "d"])
    assert counts.labels == ("a", "b", "c", "d")
    assert counts.counts == (2, 2, 1, 1)
    assert counts.chart_labels == counts.labels
    assert counts.other_labels == 0


def test_many_labels_are_cut_to_top_plus_other():
    labels = [f"l{i:03d}" for i in range(50) for _ in range(50 - i)]
    counts = count_labels(labels, top=5)
    assert counts.chart_labels[:5] == ("l000", "l001", "l002", "l003", "l004")
    assert counts.chart_labels[5] == "other (45 labels)"
    assert sum(counts.chart_counts) == len(labels)
    assert counts.other_labels == 45
    assert len(counts.labels) == 50


def test_one_label_past_the_cut_is_shown_not_summed():
    counts = count_labels(["a", "b", "c"], top=2)
    assert counts.chart_labels == ("a", "b", "c")
    assert counts.other_labels == 0
