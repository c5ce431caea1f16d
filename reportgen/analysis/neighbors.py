"""The one kNN graph of a build, in the original dimensions."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from reportgen.engine import LOCAL, Engine
from reportgen.engine.local import PAIR_SHARE
from reportgen.errors import AnalysisError
from reportgen.validation import SEED, Choices, Interval, validate_params


@dataclass(frozen=True)
class KnnGraph:
    """Each point's nearest neighbours in the original space, nearest first.

    Attributes:
        indices: int32 (N, k): row i lists i's neighbours; never i itself; ties broken
            by the smaller index.
        distances: float32 (N, k): distance in ``metric`` (cosine: 1 - cosine similarity;
            euclidean: L2), non-decreasing along each row.
        similarities: float32 (N, k): cosine similarity of i and each neighbour, whatever
            the metric (the inspector shows it with its angle). A zero vector has
            similarity 0 to everything (as scikit-learn's ``cosine_similarity`` gives).
        metric: "cosine" or "euclidean".
        method: "exact" (blocked matrix products) or "nndescent" (pynndescent).
    """

    indices: np.ndarray
    distances: np.ndarray
    similarities: np.ndarray
    metric: str
    method: str

    @property
    def k(self) -> int:
        """Number of neighbours stored per point."""
        return int(self.indices.shape[1])

    @property
    def n(self) -> int:
        """Number of points."""
        return int(self.indices.shape[0])


METRICS = ("cosine", "euclidean")

# compute_knn_graph's parameters; the [neighbors] options point at the same constraints.
GRAPH_PARAMETERS = {
    "k": (Interval(int, 1),),
    "metric": (Choices(METRICS),),
    "exact_max_n": (Interval(int, 3),),
    "seed": SEED,
}

# pynndescent finds far fewer true neighbours when asked for few (kNN recall 0.87 at k = 10 on
# 20,000 x 384 clustered vectors, 0.999 when built with 31 and cut to 10): build with at least
# this many, then keep the first k.
_NNDESCENT_MIN_NEIGHBORS = 31


def compute_knn_graph(
    vectors: np.ndarray,
    k: int,
    *,
    metric: str = "cosine",
    exact_max_n: int = 20_000,
    seed: int = 0,
    engine: Engine = LOCAL,
) -> KnnGraph:
    """Each point's ``k`` nearest neighbours in the original space (never the point itself).

    Up to ``exact_max_n`` points the graph is exact: the engine's blocked float32 matrix
    products (``Engine.nearest``), the k smallest per row, ties to the smaller index. Above it,
    pynndescent's approximate graph (``random_state=seed``). Either way the distances and cosine
    similarities are then computed from the vectors for each (point, neighbour) pair, in the
    same way for both methods, and each row is sorted by (distance, index).

    Args:
        vectors: float32 (N, D), C order; may be a read-only memory map (it is never written,
            and never copied whole as float64).
        k: neighbours per point, 1 <= k <= N - 1 (see ``graph_width``).
        metric: "cosine" (1 - cosine similarity; a zero vector is at distance 1 from
            everything, itself included) or "euclidean".
        exact_max_n: largest N for the exact graph.
        seed: pynndescent's random state (the exact graph uses no randomness).
        engine: runs the passes over the rows (norms, the exact search, the pairs' values).

    Returns:
        A ``KnnGraph`` with int32 indices and float32 distances and similarities, (N, k).

    Raises:
        AnalysisError: ``vectors`` is not 2-D or has fewer than 2 rows, ``k`` is out of range,
            or ``metric`` is unknown.
    """
    vectors = _as_vectors(vectors)
    n = vectors.shape[0]
    validate_params(
        "", GRAPH_PARAMETERS, {"k": k, "metric": metric, "exact_max_n": exact_max_n, "seed": seed}
    )
    _check_k(k, n)
    method = graph_method(n, exact_max_n)
    if method == "exact":
        indices = engine.nearest(engine.prepare_space(vectors, metric), np.arange(n), k)
    else:
        indices = _nndescent_indices(vectors, k, metric, seed, engine)
    distances, similarities = _pair_values(vectors, indices, metric, engine)
    order = np.lexsort((indices, distances), axis=-1)
    return KnnGraph(
        indices=np.take_along_axis(indices, order, axis=1).astype(np.int32),
        distances=np.take_along_axis(distances, order, axis=1),
        similarities=np.take_along_axis(similarities, order, axis=1),
        metric=metric,
        method=method,
    )


def graph_method(n: int, exact_max_n: int) -> str:
    """How ``compute_knn_graph`` builds the graph of ``n`` points: "exact" up to
    ``exact_max_n`` points, else "nndescent" (the only one that uses the seed)."""
    return "exact" if n <= exact_max_n else "nndescent"


def graph_width(n: int, inspector_k: int, umap_n_neighbors: int, tsne_perplexity: float) -> int:
    """The k the one graph needs so that every consumer can slice its columns.

    max(inspector_k, umap_n_neighbors - 1, ceil(3 * tsne_perplexity)), at least 1, at most
    n - 1. UMAP takes the point itself as its first column plus n_neighbors - 1 others;
    openTSNE takes int(3 * perplexity) neighbours. Pass 0 for a consumer that is off.

    Raises:
        AnalysisError: n < 2 or a negative parameter.
    """
    if n < 2:
        raise AnalysisError(f"a kNN graph needs at least 2 points, got n_samples={n}")
    for name, value in (
        ("inspector_k", inspector_k),
        ("umap_n_neighbors", umap_n_neighbors),
        ("tsne_perplexity", tsne_perplexity),
    ):
        if value < 0:
            raise AnalysisError(f"{name}={value} must be >= 0 (0 when that consumer is off)")
    wanted = max(1, inspector_k, umap_n_neighbors - 1, math.ceil(3 * tsne_perplexity))
    return int(min(wanted, n - 1))


def umap_knn(graph: KnnGraph, n_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
    """The graph as umap-learn's ``precomputed_knn=(indices, distances)`` expects it.

    Returns:
        indices int64 (N, n_neighbors) with the point itself in column 0, then its first
        n_neighbors - 1 neighbours; distances float32 (N, n_neighbors), 0 in column 0.
        Exactly n_neighbors columns: umap-learn does not trim a wider graph below N = 4096.

    Raises:
        AnalysisError: n_neighbors < 2 or n_neighbors - 1 > graph.k.
    """
    if n_neighbors < 2:
        raise AnalysisError(f"UMAP n_neighbors={n_neighbors} must be >= 2")
    if n_neighbors - 1 > graph.k:
        raise AnalysisError(
            f"UMAP n_neighbors={n_neighbors} needs a kNN graph of k >= {n_neighbors - 1}, "
            f"got k={graph.k}"
        )
    indices = np.empty((graph.n, n_neighbors), dtype=np.int64)
    indices[:, 0] = np.arange(graph.n)
    indices[:, 1:] = graph.indices[:, : n_neighbors - 1]
    distances = np.zeros((graph.n, n_neighbors), dtype=np.float32)
    distances[:, 1:] = graph.distances[:, : n_neighbors - 1]
    return indices, distances


def tsne_knn(graph: KnnGraph, perplexity: float) -> tuple[np.ndarray, np.ndarray]:
    """The graph as openTSNE's ``PrecomputedNeighbors(indices, distances)`` expects it.

    Returns:
        indices int64 and distances float32, (N, min(graph.k, int(3 * perplexity))), the
        point itself excluded. openTSNE lowers the perplexity to width / 3 only when the
        perplexity exceeds the width, so a narrower graph still runs (with fewer neighbours).

    Raises:
        AnalysisError: perplexity < 1/3 (no column to take).
    """
    # The epsilon: a perplexity of width / 3 must give back width (3 * (10 / 3) may not).
    width = min(graph.k, int(3 * perplexity + 1e-9))
    if width < 1:
        raise AnalysisError(f"t-SNE perplexity={perplexity} must be >= 1/3")
    indices = np.ascontiguousarray(graph.indices[:, :width], dtype=np.int64)
    distances = np.ascontiguousarray(graph.distances[:, :width], dtype=np.float32)
    return indices, distances


def angle_degrees(similarities: np.ndarray) -> np.ndarray:
    """The angle between two vectors, in degrees, from their cosine similarity.

    Any shape; similarities are clipped to [-1, 1] first. Returns float32 of the same shape
    (as the Embedding Projector shows it: similarity 0.674 is 47.6 degrees).
    """
    clipped = np.clip(np.asarray(similarities, dtype=np.float64), -1.0, 1.0)
    return np.degrees(np.arccos(clipped)).astype(np.float32)


def _pair_values(
    vectors: np.ndarray, indices: np.ndarray, metric: str, engine: Engine
) -> tuple[np.ndarray, ...]:
    """Distance and cosine similarity of each (i, indices[i, j]) pair, float32 (N, k) each.

    Each value depends only on the two vectors (not on the block, the method or the order of
    the pair): a float32 product summed along D, the same way for a dot product and a squared
    norm, so a duplicate has similarity exactly 1 and distance exactly 0. A pair with a zero
    vector has similarity 0 (cosine distance 1).
    """
    n, k = indices.shape
    dim = vectors.shape[1]
    sq_norms = np.empty(n, dtype=np.float32)
    distances = np.empty((n, k), dtype=np.float32)
    similarities = np.empty((n, k), dtype=np.float32)
    # Blocks of gathered neighbour vectors, float32 (B, k, D).
    blocks = engine.row_blocks(n, 4 * k * dim, PAIR_SHARE)
    for rows in blocks:
        block = np.asarray(vectors[rows])
        sq_norms[rows] = (block * block).sum(axis=1)
    for rows in blocks:
        block = np.asarray(vectors[rows])[:, None, :]
        neighbours = np.asarray(vectors[indices[rows]])
        dots = (block * neighbours).sum(axis=2).astype(np.float64)
        norms = np.sqrt(sq_norms[rows, None].astype(np.float64) * sq_norms[indices[rows]])
        cosine = np.zeros_like(dots)
        np.divide(dots, norms, out=cosine, where=norms > 0)
        similarities[rows] = np.clip(cosine, -1.0, 1.0)
        if metric == "cosine":
            distances[rows] = np.float32(1.0) - similarities[rows]
        else:
            difference = neighbours - block
            distances[rows] = np.sqrt((difference * difference).sum(axis=2))
    return distances, similarities


def _nndescent_indices(
    vectors: np.ndarray, k: int, metric: str, seed: int, engine: Engine
) -> np.ndarray:
    """pynndescent's k neighbours of each point, self removed: int64 (N, k), rows unordered.

    Rows pynndescent leaves incomplete (-1) or repeats a neighbour in are recomputed exactly;
    a zero vector under cosine is equally far (1) from everything, so its neighbours are the
    k smallest other indices, as the exact graph gives.
    """
    from pynndescent import NNDescent  # heavy import (numba): only when the graph needs it

    n = vectors.shape[0]
    width = min(n, max(k + 1, _NNDESCENT_MIN_NEIGHBORS))
    index = NNDescent(vectors, metric=metric, n_neighbors=width, random_state=seed)
    raw = np.asarray(index.neighbor_graph[0], dtype=np.int64)
    # Keep the first k columns that are neither the point itself nor padding (-1).
    keep = (raw != np.arange(n)[:, None]) & (raw >= 0)
    keep &= np.cumsum(keep, axis=1) <= k
    short = keep.sum(axis=1) < k
    keep[short] = False
    keep[short, :k] = True  # placeholder columns, recomputed exactly below
    indices = raw[keep].reshape(n, k)

    ordered = np.sort(indices, axis=1)
    bad = short | (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
    if metric == "cosine":
        zero = np.flatnonzero(engine.row_norms(vectors, squared=True) == 0)
        if zero.size:
            first = np.arange(k + 1)
            for row in zero:
                indices[row] = first[first != row][:k]
            bad[zero] = False
    bad_rows = np.flatnonzero(bad)
    if bad_rows.size:
        indices[bad_rows] = engine.nearest(engine.prepare_space(vectors, metric), bad_rows, k)
    return indices


def _as_vectors(vectors: np.ndarray) -> np.ndarray:
    """``vectors`` as a 2-D float32 array (no copy when it already is one, memory maps too)."""
    if getattr(vectors, "ndim", None) != 2:
        shape = getattr(vectors, "shape", None)
        raise AnalysisError(f"vectors must be a 2-D array (N, D), got shape {shape}")
    if vectors.dtype != np.float32:
        vectors = np.asarray(vectors, dtype=np.float32)
    if not vectors.flags.c_contiguous:
        vectors = np.ascontiguousarray(vectors)
    n, dim = vectors.shape
    if n < 2 or dim < 1:
        raise AnalysisError(f"a kNN graph needs at least 2 points of 1 dimension, got {n} x {dim}")
    return vectors


def _check_k(k: int, n: int) -> None:
    if k < 1:
        raise AnalysisError(f"k={k} must be >= 1")
    if k >= n:
        raise AnalysisError(f"k={k} must be < n_samples={n}")
