"""Things worth telling the reader about a dataset, read off the one kNN graph: how well the
neighbours predict a label, near-duplicates, zero vectors, outliers and hubs.

Every function reuses the graph (never recomputes neighbours). Where a function takes ``k``, it
uses each point's first k neighbours; k is capped at the graph's width, which is itself capped
at N - 1, so a dataset smaller than the configured k still runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from reportgen.analysis.neighbors import KnnGraph
from reportgen.engine import LOCAL, Engine, zero_rows
from reportgen.errors import AnalysisError
from reportgen.validation import Interval, validate_params

# Rows a finding lists (its count says how many there are in all).
MAX_ROWS = 100

# Hubs listed by ``hubness``.
TOP_HUBS = 10

# near_duplicates' parameter; [similarity] near_duplicate_threshold points at it.
NEAR_DUPLICATE_PARAMETERS = {"threshold": (Interval(float, -1.0, 1.0),)}

# Largest (rows, k, k) boolean block when counting votes.
_VOTE_BLOCK = 2**24


@dataclass(frozen=True)
class Finding:
    """How many rows a check flags, and the first ``MAX_ROWS`` of them.

    Attributes:
        count: rows (or pairs) flagged in all.
        rows: at most ``MAX_ROWS`` entries, in the order the check defines: row indices
            (``zero_vectors``), (row, score) tuples (``outliers``) or (i, j, similarity)
            tuples (``near_duplicates``); ints and floats only.
    """

    count: int
    rows: tuple

    def to_json(self) -> dict:
        """{"count": n, "rows": [...]} with lists for tuples."""
        rows = [list(row) if isinstance(row, tuple) else row for row in self.rows[:MAX_ROWS]]
        return {"count": self.count, "rows": rows}


def knn_vote_correct(graph: KnnGraph, labels: list[str], k: int) -> np.ndarray:
    """bool (N,): whether a majority vote of each point's first k neighbours gives its own
    label (leave-one-out: the graph never holds the point itself). A tie goes to the tied
    label of the nearest neighbour (the earliest in the row). ``k`` is capped at
    ``graph.k``; AnalysisError for k < 1 or ``labels`` not of length N."""
    k = _graph_k(graph, k)
    if len(labels) != graph.n:
        raise AnalysisError(f"labels has {len(labels)} values, the graph {graph.n} points")
    _, codes = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
    codes = codes.reshape(-1)
    votes = codes[graph.indices[:, :k]]
    predicted = np.empty(graph.n, dtype=codes.dtype)
    step = max(1, _VOTE_BLOCK // (k * k))
    for start in range(0, graph.n, step):
        block = votes[start : start + step]
        # How many of the row's votes share each position's label; the first position that
        # reaches the maximum is the earliest neighbour among the tied labels.
        support = (block[:, :, None] == block[:, None, :]).sum(axis=2)
        winner = np.argmax(support == support.max(axis=1, keepdims=True), axis=1)
        predicted[start : start + len(block)] = block[np.arange(len(block)), winner]
    return predicted == codes


def knn_label_accuracy(graph: KnnGraph, labels: list[str], k: int) -> dict:
    """Leave-one-out accuracy of a majority vote of each point's first k neighbours
    (``knn_vote_correct``), overall and per label.

    Args:
        graph: the build's kNN graph (N points).
        labels: (N,) the label of each point.
        k: neighbours voting, >= 1; capped at ``graph.k``.

    Returns:
        {"k": k used, "overall": fraction correct, "per_label": {label: fraction of that
        label's points predicted correctly}} with per_label sorted by label.

    Raises:
        AnalysisError: k < 1 or ``labels`` not of length N.
    """
    return vote_accuracy(knn_vote_correct(graph, labels, k), labels, _graph_k(graph, k))


def vote_accuracy(correct: np.ndarray, labels: list[str], k: int) -> dict:
    """``knn_label_accuracy``'s result from each point's vote (``knn_vote_correct``)."""
    names, codes = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
    codes = codes.reshape(-1)
    per_label = {str(name): float(correct[codes == code].mean()) for code, name in enumerate(names)}
    return {"k": k, "overall": float(correct.mean()), "per_label": per_label}


def near_duplicates(graph: KnnGraph, threshold: float = 0.99) -> Finding:
    """Pairs (i < j) of neighbours with cosine similarity >= ``threshold``.

    Found among all the graph's edges, each unordered pair once; sorted by similarity
    (highest first), then (i, j). A point with more than k duplicates lists only k of them,
    so in a group of more than k + 1 duplicates some pairs may be missing: the count is a lower
    bound there.

    Returns:
        A ``Finding`` of (i, j, similarity) tuples.

    Raises:
        AnalysisError: threshold outside [-1, 1].
    """
    validate_params("", NEAR_DUPLICATE_PARAMETERS, {"threshold": threshold})
    rows, columns = np.nonzero(graph.similarities >= threshold)
    neighbours = graph.indices[rows, columns].astype(np.int64)
    low = np.minimum(rows, neighbours)
    high = np.maximum(rows, neighbours)
    keys, first = np.unique(low * graph.n + high, return_index=True)
    similarity = graph.similarities[rows[first], columns[first]]
    i, j = keys // graph.n, keys % graph.n
    order = np.lexsort((j, i, -similarity.astype(np.float64)))[:MAX_ROWS]
    pairs = tuple(
        (int(a), int(b), float(s))
        for a, b, s in zip(i[order], j[order], similarity[order], strict=True)
    )
    return Finding(count=int(keys.size), rows=pairs)


def zero_vectors(vectors: np.ndarray, *, engine: Engine = LOCAL) -> Finding:
    """Rows whose every value is 0 (norm 0), in row order; scanned by the engine.

    Args:
        vectors: (N, D); may be a read-only memory map.
        engine: runs the scan.

    Returns:
        A ``Finding`` of row indices.

    Raises:
        AnalysisError: ``vectors`` is not 2-D.
    """
    if getattr(vectors, "ndim", None) != 2:
        raise AnalysisError(
            f"vectors must be a 2-D array (N, D), got shape {getattr(vectors, 'shape', None)}"
        )
    zero = engine.select_rows(vectors, zero_rows)
    return Finding(count=int(zero.size), rows=tuple(int(row) for row in zero[:MAX_ROWS]))


def outliers(graph: KnnGraph, k: int, *, fraction: float = 0.01, top: int = MAX_ROWS) -> Finding:
    """The points least similar to their neighbours.

    A point's score is its mean cosine similarity to its first k neighbours. The rule: the
    ceil(fraction * N) lowest scores (the points below the ``fraction`` quantile; 1 % by
    default), at most ``top``, sorted by score ascending, ties by row index. A zero vector has
    score 0.

    Returns:
        A ``Finding`` of (row, score) tuples.

    Raises:
        AnalysisError: k < 1, fraction outside (0, 1], or top < 1.
    """
    k = _graph_k(graph, k)
    if not 0.0 < fraction <= 1.0:
        raise AnalysisError(f"fraction={fraction} must be in (0, 1]")
    if top < 1:
        raise AnalysisError(f"top={top} must be >= 1")
    score = graph.similarities[:, :k].astype(np.float64).mean(axis=1)
    count = min(int(top), math.ceil(fraction * graph.n))
    order = np.lexsort((np.arange(graph.n), score))[:count]
    rows = tuple((int(row), float(score[row])) for row in order[:MAX_ROWS])
    return Finding(count=count, rows=rows)


def hubness(graph: KnnGraph, k: int, *, among: np.ndarray | None = None) -> dict:
    """How unevenly points appear among the others' first k neighbours.

    ``among``: the rows the graph's neighbours were searched among (``KnnGraph.among``),
    whose counts alone are compared (no other row can occur); None: every row.

    Returns:
        {"k": k used, "skewness": scipy's skew of the k-occurrence counts (0.0 when every
        point occurs equally often), "top_hubs": up to ``TOP_HUBS`` {"row", "occurrences"},
        most occurrences first, ties by row}.

    Raises:
        AnalysisError: k < 1.
    """
    k = _graph_k(graph, k)
    counts = np.bincount(graph.indices[:, :k].ravel(), minlength=graph.n)
    rows = np.arange(graph.n) if among is None else np.asarray(among, dtype=np.int64)
    counts = counts[rows]
    from scipy.stats import skew  # here: importing scipy.stats costs about a second

    # skew divides by the spread: a constant count has none, and no skew.
    skewness = float(skew(counts)) if counts.min() != counts.max() else 0.0
    order = np.lexsort((rows, -counts))[:TOP_HUBS]
    hubs = [{"row": int(rows[i]), "occurrences": int(counts[i])} for i in order]
    return {"k": k, "skewness": skewness, "top_hubs": hubs}


def _graph_k(graph: KnnGraph, k: int) -> int:
    """``k`` checked (>= 1) and capped at the graph's width."""
    if k < 1:
        raise AnalysisError(f"k={k} must be >= 1")
    return min(int(k), graph.k)
