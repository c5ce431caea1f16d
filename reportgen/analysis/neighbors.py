"""The one kNN graph of a build, in the original dimensions."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from reportgen.analysis.ivf import (
    QUERY_SHARE,
    ListIndex,
    build_list_index,
    search_block,
    search_lists,
)
from reportgen.analysis.scale import row_keys
from reportgen.engine import LOCAL, Engine, LocalEngine, Space
from reportgen.engine.local import DISTANCE_SHARE, PAIR_SHARE, nearest_block, projected_block
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
        method: "exact" (blocked matrix products), "faiss" (an IVF-Flat index on faiss's
            k-means lists), "nndescent" (pynndescent) or, among a sample only, "pca" (exact
            in the sample's first ``search_dims`` principal components, ranked in all D).
        recall: for an approximate graph, its recall@k against exact search on
            ``probe_size`` seeded probe rows (see ``graph_recall``); None for an exact one.
        probe_size: rows the recall was measured on (0 for an exact graph).
        among: 0 when the neighbours are searched among all N points; else the size of the
            seeded sample they were searched among (the fit sample, above ``[neighbors]
            among_sample_above`` points: ``sample_knn_graph``).
        search_dims: the principal components a "pca" graph was searched in, else 0.
    """

    indices: np.ndarray
    distances: np.ndarray
    similarities: np.ndarray
    metric: str
    method: str
    recall: float | None = None
    probe_size: int = 0
    among: int = 0
    search_dims: int = 0

    @property
    def k(self) -> int:
        """Number of neighbours stored per point."""
        return int(self.indices.shape[1])

    @property
    def n(self) -> int:
        """Number of points."""
        return int(self.indices.shape[0])


METRICS = ("cosine", "euclidean")
# "auto": exact up to exact_max_n points, faiss above (faster than pynndescent at every size
# measured, see the README's "Neighbours at scale").
METHODS = ("auto", "exact", "faiss", "nndescent")
# How rows are searched among a sample (``search_sample``): "pca" is exact search in the
# sample's first principal components, its candidates ranked in all D (``--search-dims``).
SAMPLE_METHODS = ("exact", "faiss", "pca")

# compute_knn_graph's parameters; the [neighbors] options point at the same constraints.
GRAPH_PARAMETERS = {
    "k": (Interval(int, 1),),
    "metric": (Choices(METRICS),),
    "method": (Choices(METHODS),),
    "exact_max_n": (Interval(int, 3),),
    "probe_size": (Interval(int, 1),),
    "among_sample_above": (Interval(int, 0),),
    "search_dims": (Interval(int, 0),),
    "seed": SEED,
}

# Above this many points (and with a fit sample), each point's neighbours are searched among
# the fit sample (``sample_knn_graph``), not among all N: at 1,000,000 x 768 the IVF graph of
# all N with the fit sample's graph and the placed points' search took 341 s of a 773 s
# build on this project's 2-core machine, and an IVF graph grows as N^1.5 where a search
# among M sample rows grows as N.
AMONG_SAMPLE_ABOVE = 2_000_000

# The approximate graph's recall is measured on this many seeded rows (exact search of each
# against all N: 2,000 rows cost what 2,000 / N of the exact graph costs).
PROBE_SIZE = 2_000
# faiss's nprobe is tuned on other seeded rows (not the probes, so the recall reported is
# not the one the tuning stopped on): the smallest power of two >= _FIRST_NPROBE whose
# recall on them reaches _TARGET_RECALL.
_TUNE_SIZE = 500
_TARGET_RECALL = 0.99
_FIRST_NPROBE = 8

# pynndescent finds far fewer true neighbours when asked for few (kNN recall 0.87 at k = 10 on
# 20,000 x 384 clustered vectors, 0.999 when built with 31 and cut to 10): build with at least
# this many, then keep the first k.
_NNDESCENT_MIN_NEIGHBORS = 31


def compute_knn_graph(
    vectors: np.ndarray,
    k: int,
    *,
    metric: str = "cosine",
    method: str = "auto",
    exact_max_n: int = 40_000,
    probe_size: int = PROBE_SIZE,
    seed: int = 0,
    engine: Engine = LOCAL,
) -> KnnGraph:
    """Each point's ``k`` nearest neighbours in the original space (never the point itself).

    "exact": the engine's blocked float32 matrix products (``Engine.nearest``), the k
    smallest per row, ties to the smaller index. "faiss": an IVF-Flat index on faiss's
    k-means lists (see ``_faiss_indices``). "nndescent": pynndescent's graph
    (``random_state=seed``). "auto": exact up to ``exact_max_n`` points, faiss above.
    Whatever the method, the distances and cosine similarities are then computed from the
    vectors for each (point, neighbour) pair, in the same way, and each row is sorted by
    (distance, index). An approximate graph's recall is measured on ``probe_size`` seeded
    rows (``graph_recall``).

    Args:
        vectors: float32 (N, D), C order; may be a read-only memory map (it is never written,
            and never copied whole as float64).
        k: neighbours per point, 1 <= k <= N - 1 (see ``graph_width``).
        metric: "cosine" (1 - cosine similarity; a zero vector is at distance 1 from
            everything, itself included) or "euclidean".
        method: "auto", "exact", "faiss" or "nndescent".
        exact_max_n: largest N for the exact graph under "auto".
        probe_size: rows an approximate graph's recall is measured on (at most N).
        seed: the probe rows, faiss's k-means and pynndescent's random state (the exact
            graph uses no randomness).
        engine: runs the passes over the rows (norms, the exact search, the pairs' values).

    Returns:
        A ``KnnGraph`` with int32 indices and float32 distances and similarities, (N, k).

    Raises:
        AnalysisError: ``vectors`` is not 2-D or has fewer than 2 rows, ``k`` is out of range,
            or ``metric`` or ``method`` is unknown.
    """
    vectors = _as_vectors(vectors)
    n = vectors.shape[0]
    validate_params(
        "",
        GRAPH_PARAMETERS,
        {
            "k": k,
            "metric": metric,
            "method": method,
            "exact_max_n": exact_max_n,
            "probe_size": probe_size,
            "seed": seed,
        },
    )
    _check_k(k, n)
    method = graph_method(n, exact_max_n, method)
    if method == "exact":
        indices = engine.nearest(engine.prepare_space(vectors, metric), np.arange(n), k)
        return _sorted_graph(vectors, indices, metric, method, engine)

    probes, tune = _probe_rows(n, min(probe_size, n), _TUNE_SIZE, seed)
    checked = np.concatenate([probes, tune])
    exact = engine.nearest(engine.prepare_space(vectors, metric), checked, k)
    if method == "faiss":
        indices = _faiss_indices(vectors, k, metric, seed, engine, tune, exact[len(probes) :])
    else:
        indices = _nndescent_indices(vectors, k, metric, seed, engine)
    indices = _fix_rows(vectors, indices, metric, engine)
    graph = _sorted_graph(vectors, indices, metric, method, engine)
    recall = graph_recall(vectors, graph.indices[probes], probes, exact[: len(probes)], metric)
    return dataclasses.replace(graph, recall=recall, probe_size=len(probes))


def graph_recall(
    vectors: np.ndarray,
    found: np.ndarray,
    rows: np.ndarray,
    exact: np.ndarray,
    metric: str,
    engine: Engine = LOCAL,
) -> float:
    """Recall@k of ``found`` neighbours against the ``exact`` ones, over ``rows``.

    A neighbour found counts when its distance is at most the largest distance among the
    exact k (so a tie that the two searches broke differently is no miss); both distances
    are computed by the same pairwise function as the graph's (``_pair_values``). A missing
    neighbour (-1) counts as a miss. The recall is the mean over rows of the share of the k
    counted: 1.0 when every row lists its exact neighbours.

    Args:
        vectors: float32 (N, D).
        found: int (R, k): the graph's neighbours of ``rows``.
        rows: int (R,): the rows, indices into ``vectors``.
        exact: int (R, k): their exact k nearest neighbours (``Engine.nearest``).
        metric: "cosine" or "euclidean".
    """
    if len(rows) == 0:
        raise AnalysisError("the recall needs at least one probe row")
    found = np.asarray(found)
    present = found >= 0
    placeholders = np.where(present, found, 0)
    found_distances = _row_pair_values(vectors, rows, placeholders, metric, engine)[0]
    exact_distances = _row_pair_values(vectors, rows, exact, metric, engine)[0]
    bound = exact_distances.max(axis=1, keepdims=True)
    return float(np.mean(present & (found_distances <= bound)))


def _sorted_graph(
    vectors: np.ndarray, indices: np.ndarray, metric: str, method: str, engine: Engine
) -> KnnGraph:
    """The graph of ``indices`` (N, k), with its pairs' values, rows by (distance, index)."""
    distances, similarities = _pair_values(vectors, indices, metric, engine)
    order = np.lexsort((indices, distances), axis=-1)
    return KnnGraph(
        indices=np.take_along_axis(indices, order, axis=1).astype(np.int32),
        distances=np.take_along_axis(distances, order, axis=1),
        similarities=np.take_along_axis(similarities, order, axis=1),
        metric=metric,
        method=method,
    )


def graph_method(n: int, exact_max_n: int, method: str = "auto") -> str:
    """How ``compute_knn_graph`` builds the graph of ``n`` points: ``method`` itself unless it
    is "auto", then "exact" up to ``exact_max_n`` points, else "faiss"."""
    if method != "auto":
        return method
    return "exact" if n <= exact_max_n else "faiss"


def describe_graph(graph: KnnGraph) -> str:
    """How the page names the graph's method and its measured recall: "exact", or
    "IVF-Flat on faiss k-means lists, recall 0.993 on 2,000 probe points", after "among the
    15,000 points of the fit sample, " when the neighbours were searched among those."""
    among = f"among the {graph.among:,} points of the fit sample, " if graph.among else ""
    if graph.recall is None:
        return among + graph.method
    name = {
        "faiss": "IVF-Flat on faiss k-means lists",
        "nndescent": "pynndescent",
        "pca": f"exact in the sample's first {graph.search_dims} principal components, "
        "ranked in all dimensions",
    }.get(graph.method, graph.method)
    return f"{among}{name}, recall {graph.recall:.3f} on {graph.probe_size:,} probe points"


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
    # Blocks of gathered neighbour vectors, float32 (B, k, D).
    blocks = engine.row_blocks(n, 4 * k * dim, PAIR_SHARE)
    for rows in blocks:
        block = np.asarray(vectors[rows])
        sq_norms[rows] = (block * block).sum(axis=1)
    return _values_of_pairs(vectors, np.arange(n), indices, sq_norms, metric, engine)


def _row_pair_values(
    vectors: np.ndarray, rows: np.ndarray, indices: np.ndarray, metric: str, engine: Engine
) -> tuple[np.ndarray, ...]:
    """``_pair_values`` of the pairs (rows[i], indices[i, j]) only: float32 (R, k) each,
    equal to the full graph's values of the same pairs."""
    needed = np.unique(np.concatenate([np.asarray(rows).ravel(), np.asarray(indices).ravel()]))
    sq_norms = np.zeros(vectors.shape[0], dtype=np.float32)
    block = np.asarray(vectors[needed])
    sq_norms[needed] = (block * block).sum(axis=1)
    return _values_of_pairs(vectors, np.asarray(rows), indices, sq_norms, metric, engine)


def _values_of_pairs(
    vectors: np.ndarray,
    points: np.ndarray,
    indices: np.ndarray,
    sq_norms: np.ndarray,
    metric: str,
    engine: Engine,
) -> tuple[np.ndarray, ...]:
    """Distance and similarity of each (points[i], indices[i, j]), float32 (R, k) each;
    ``sq_norms`` (N,) holds the squared norms of every row involved."""
    r, k = indices.shape
    dim = vectors.shape[1]
    distances = np.empty((r, k), dtype=np.float32)
    similarities = np.empty((r, k), dtype=np.float32)
    for rows in engine.row_blocks(r, 4 * k * dim, PAIR_SHARE):
        own = points[rows]
        block = np.asarray(vectors[own])[:, None, :]
        neighbours = np.asarray(vectors[indices[rows]])
        dots = (block * neighbours).sum(axis=2).astype(np.float64)
        norms = np.sqrt(sq_norms[own, None].astype(np.float64) * sq_norms[indices[rows]])
        cosine = np.zeros_like(dots)
        np.divide(dots, norms, out=cosine, where=norms > 0)
        similarities[rows] = np.clip(cosine, -1.0, 1.0)
        if metric == "cosine":
            distances[rows] = np.float32(1.0) - similarities[rows]
        else:
            difference = neighbours - block
            distances[rows] = np.sqrt((difference * difference).sum(axis=2))
    return distances, similarities


def _probe_rows(n: int, probe_size: int, tune_size: int, seed: int) -> tuple[np.ndarray, ...]:
    """The seeded probe rows (``probe_size``, sorted) and, after them in key order, the rows
    that tune faiss (at most ``tune_size``, sorted, none of them a probe): the rows with the
    smallest ``row_keys`` (a hash of the row index and the seed, the same on every split)."""
    order = np.argsort(row_keys(np.arange(n), seed), kind="stable")
    probes = np.sort(order[:probe_size])
    tune = np.sort(order[probe_size : probe_size + tune_size])
    return probes, tune


def _first_k_others(raw: np.ndarray, k: int, rows: np.ndarray | None = None) -> np.ndarray:
    """int64 (R, k): the first k entries of each row of ``raw`` (R, w) that are neither the
    point itself (``rows[i]``; by default row i) nor padding (-1); a row with fewer than k
    such gets -1 in the columns it lacks."""
    points = np.arange(raw.shape[0]) if rows is None else np.asarray(rows)
    keep = (raw != points[:, None]) & (raw >= 0)
    keep &= np.cumsum(keep, axis=1) <= k
    indices = np.full((raw.shape[0], k), -1, dtype=np.int64)
    columns = np.cumsum(keep, axis=1) - 1
    where = np.broadcast_to(np.arange(raw.shape[0])[:, None], raw.shape)
    indices[where[keep], columns[keep]] = raw[keep]
    return indices


def _fix_rows(vectors: np.ndarray, indices: np.ndarray, metric: str, engine: Engine) -> np.ndarray:
    """An approximate graph's rows made whole: int64 (N, k).

    Rows with padding (-1) or a neighbour listed twice are recomputed exactly; a zero vector
    under cosine is equally far (1) from everything, so its neighbours are the k smallest
    other indices, as the exact graph gives.
    """
    k = indices.shape[1]
    indices = np.array(indices, dtype=np.int64)
    ordered = np.sort(indices, axis=1)
    bad = (indices < 0).any(axis=1) | (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
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


def _nndescent_indices(
    vectors: np.ndarray, k: int, metric: str, seed: int, engine: Engine
) -> np.ndarray:
    """pynndescent's k neighbours of each point, self removed: int64 (N, k), rows unordered,
    -1 where pynndescent found too few (``_fix_rows`` completes them)."""
    from pynndescent import NNDescent  # heavy import (numba): only when the graph needs it

    n = vectors.shape[0]
    width = min(n, max(k + 1, _NNDESCENT_MIN_NEIGHBORS))
    index = NNDescent(vectors, metric=metric, n_neighbors=width, random_state=seed)
    return _first_k_others(np.asarray(index.neighbor_graph[0], dtype=np.int64), k)


def _faiss_indices(
    vectors: np.ndarray,
    k: int,
    metric: str,
    seed: int,
    engine: Engine,
    tune: np.ndarray,
    tune_exact: np.ndarray,
) -> np.ndarray:
    """The k neighbours of each point from an IVF index of all N on faiss's k-means lists,
    searched list by list (``reportgen.analysis.ivf``): int64 (N, k), self removed, -1 where
    the probed lists held too few points (``_fix_rows`` completes them). ``nprobe`` is tuned
    on the ``tune`` rows, whose exact neighbours are ``tune_exact`` (``_tune_nprobe``)."""
    n = vectors.shape[0]
    prepare = _row_preparer(vectors, metric, engine)
    rows = np.arange(n)
    index = build_list_index(rows, prepare, metric, seed, engine)

    def search(queries: np.ndarray, nprobe: int) -> np.ndarray:
        return search_lists(index, queries, prepare, k, nprobe, engine, own=queries)

    nprobe, _ = _tune_nprobe(search, index.nlist, vectors, tune, tune_exact, metric, engine)
    return search(rows, nprobe)


@dataclass(frozen=True)
class SampleSearch:
    """What ``search_sample`` found.

    Attributes:
        positions: int64 (Q, k): each query's nearest sample rows, as positions in the
            sample, nearest first.
        recall: a faiss search's recall@k on the queries its nprobe was tuned on, or a
            "pca" search's on as many of the queries (None for an exact search).
        tune_size: how many queries that was (0 for an exact search).
        distances, similarities: float32 (Q, k): the ``KnnGraph`` values of each (query,
            found row) pair, when asked for (``values=True``), else None.
    """

    positions: np.ndarray
    recall: float | None = None
    tune_size: int = 0
    distances: np.ndarray | None = None
    similarities: np.ndarray | None = None


def search_sample(
    vectors: np.ndarray,
    queries: np.ndarray,
    sample: np.ndarray,
    k: int = 1,
    *,
    metric: str = "cosine",
    method: str = "exact",
    seed: int = 0,
    engine: Engine = LOCAL,
    values: bool = False,
    dims: int = 0,
) -> SampleSearch:
    """Each query row's ``k`` nearest rows of the ``sample``, nearest first (ties to the
    smaller position), as positions in ``sample`` (``SampleSearch``).

    "exact": blocked products of the queries with the sample, Q x M x D. "faiss": an
    IVF-Flat index of the M sample rows only, built as the graph's is (``build_list_index``),
    its ``nprobe`` tuned to recall 0.99 on up to 500 of the queries (those with the smallest
    ``row_keys``) against exact search; a query it finds fewer than k rows for is searched
    exactly. "pca": exact search in the sample's first ``dims`` principal components
    (``sample_reduction``: Q x M x dims), for ``candidates(k)`` rows per query, which are
    then ranked by their distance in all D; its recall is measured against exact search on
    as many tuning queries as faiss's. Either way the queries are searched, and their k found
    rows ordered, by ``sample_rows_block`` in the engine's parts of the queries (on the
    workers that read them with the Dask engine). A query that is itself a sample row finds
    itself (nothing is excluded).

    Args:
        vectors: float32 (N, D); may be a memory map.
        queries: int (Q,): the rows to search for.
        sample: sorted int (M,): the rows searched among, k <= M.
        metric: "cosine" or "euclidean".
        method: "exact", "faiss" or "pca".
        seed: faiss's k-means and the tuning rows.
        engine: runs the blocks.
        values: also return each pair's distance and cosine similarity.
        dims: "pca" only: the principal components searched in, 1 <= dims < D.
    """
    vectors = _as_vectors(vectors)
    queries = np.asarray(queries, dtype=np.int64)
    sample = np.asarray(sample, dtype=np.int64)
    if method not in SAMPLE_METHODS:
        raise AnalysisError(f"method={method!r} must be exact, faiss or pca for a sample search")
    if not 1 <= k <= len(sample):
        raise AnalysisError(f"k={k} must be between 1 and the sample's {len(sample)} rows")
    space = engine.prepare_space(np.ascontiguousarray(vectors[sample]), metric)
    recall, tune_size, index, nprobe, reduction = None, 0, None, 0, None
    dim = space.data.shape[1]
    if method == "pca":
        if not 1 <= dims < dim:
            raise AnalysisError(f"dims={dims} must be between 1 and D - 1 = {dim - 1}")
        reduction = sample_reduction(space, dims, candidates(k, len(sample)), engine, seed)
    if method == "faiss" and len(queries):
        # Rows prepared as the sample's space prepares them (the exact search's arithmetic):
        # no pass over all N for their norms or mean.
        def prepare(rows: np.ndarray) -> np.ndarray:
            return space.prepare(vectors[rows])

        index = build_list_index(sample, prepare, metric, seed, engine)

        def search(rows: np.ndarray, probes: int) -> np.ndarray:
            # The blocks of search_lists, each searched where the engine reads its rows.
            shared = (index, space, k, probes, LocalEngine(engine.block_bytes, threads=1))
            parts = engine.map_rows(
                sample_lists_block, vectors, rows, 4 * dim, QUERY_SHARE, shared=shared
            )
            return np.concatenate(parts) if parts else np.empty((0, k), dtype=np.int64)

        order = np.argsort(row_keys(queries, seed), kind="stable")
        tune = np.sort(queries[order[:_TUNE_SIZE]])
        tune_exact = engine.nearest_to(space, vectors, tune, k)

        def global_rows(found: np.ndarray) -> np.ndarray:
            return np.where(found >= 0, sample[np.maximum(found, 0)], -1)

        nprobe, recall = _tune_nprobe(
            lambda rows, probes: global_rows(search(rows, probes)),
            index.nlist,
            vectors,
            tune,
            sample[tune_exact],
            metric,
            engine,
        )
        tune_size = len(tune)
    # A part is as large as the search wants it (its rows' distances to the sample, or
    # enough queries per list for the list-by-list products); the found rows' values are
    # computed in smaller pieces inside it (``sample_rows_block``).
    if index is None:
        row_bytes, share = 4 * len(sample), DISTANCE_SHARE
    else:
        row_bytes, share = 4 * dim, QUERY_SHARE
    one_thread = LocalEngine(engine.block_bytes, threads=1)
    shared = (space, k, index, nprobe, one_thread, reduction)
    parts = engine.map_rows(sample_rows_block, vectors, queries, row_bytes, share, shared)
    found = [np.concatenate([part[i] for part in parts]) for i in range(3)] if parts else None
    if found is None:
        empty = np.empty((0, k), dtype=np.float32)
        found = [np.empty((0, k), dtype=np.int64), empty, empty]
    positions, distances, similarities = found
    if reduction is not None and len(queries):
        recall, tune_size = _reduced_recall(
            vectors, queries, sample, space, positions, metric, seed, engine
        )
    if not values:
        distances = similarities = None
    return SampleSearch(positions, recall, tune_size, distances, similarities)


def sample_lists_block(
    block: np.ndarray, index: ListIndex, space: Space, k: int, nprobe: int, engine: Engine
) -> np.ndarray:
    """int64 (B, k): ``search_block`` of rows from all N (``block``, not yet prepared) in the
    IVF index of the sample, prepared as the sample's ``space`` prepares its rows."""
    return search_block(index, space.prepare(block), k, nprobe, engine, None)


def sample_rows_block(
    block: np.ndarray,
    space: Space,
    k: int,
    index: ListIndex | None,
    nprobe: int,
    engine: Engine,
    reduction: Reduction | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One part of ``search_sample``: for each row of ``block`` (rows from all N, not yet
    prepared), its k nearest rows of the sample's ``space`` as int64 (B, k) positions,
    exactly (``index`` and ``reduction`` None), in the sample's IVF index with ``nprobe``
    lists (a row with fewer than k found searched exactly), or among the ``reduction``'s
    candidates (exact in its principal components), sorted by (distance, position); and
    each pair's float32 distance and cosine similarity, computed in float64 from the
    prepared rows (``KnnGraph``'s meaning: 1 - cos or L2; a zero row has similarity 0)."""
    prepared = space.prepare(block)
    if reduction is not None:
        positions = _nearest_candidates(
            space, prepared, reduction.candidates_of(prepared), k, engine
        )
    elif index is None:
        positions = nearest_block(block, space, k)
    else:
        positions = search_block(index, prepared, k, nprobe, engine, None)
        short = np.flatnonzero((positions < 0).any(axis=1))
        if short.size:
            positions[short] = nearest_block(block[short], space, k)
    distances = np.empty(positions.shape, dtype=np.float32)
    similarities = np.empty(positions.shape, dtype=np.float32)
    # Each pair's values alone (no product across pairs), in pieces of rows that bound the
    # float64 copy of their k found rows: the same bits whatever the pieces.
    for piece in engine.row_blocks(len(block), 8 * k * prepared.shape[1], PAIR_SHARE):
        distances[piece], similarities[piece] = _pair_values_in_space(
            space, prepared[piece], positions[piece]
        )
    order = np.lexsort((positions, distances), axis=-1)
    return (
        np.take_along_axis(positions, order, axis=1).astype(np.int64),
        np.take_along_axis(distances, order, axis=1),
        np.take_along_axis(similarities, order, axis=1),
    )


# The "pca" search keeps CANDIDATE_FACTOR x k candidates per row (at least MIN_CANDIDATES)
# from the principal components, then ranks them in all D: enough that the k nearest in all
# D are almost always among them (its recall is measured and stated).
CANDIDATE_FACTOR = 4
MIN_CANDIDATES = 32


def candidates(k: int, m: int) -> int:
    """Candidates per row of a "pca" search for ``k`` neighbours among ``m`` sample rows."""
    return min(m, max(CANDIDATE_FACTOR * k, MIN_CANDIDATES))


@dataclass(frozen=True)
class Reduction:
    """The sample's first principal components, to search in (``search_sample``'s "pca").

    Attributes:
        directions: float64 (D, r): the components of the sample's prepared rows (unit rows
            for cosine, centred; ``sample_reduction``), largest first, each one's largest
            loading positive.
        space: the sample's prepared rows projected onto them (float32 (M, r)), prepared for
            euclidean distances.
        candidates: rows kept per query from the reduced search.
    """

    directions: np.ndarray
    space: Space
    candidates: int

    def candidates_of(self, prepared: np.ndarray) -> np.ndarray:
        """int64 (B, candidates): the sample positions nearest each prepared row (B, D) in
        the principal components, in no particular order, ties to the smaller position."""
        origin = np.zeros(self.directions.shape[0])
        return nearest_block(
            projected_block(prepared, origin, self.directions), self.space, self.candidates
        )


# The reduction's subspace: randomized subspace iteration (Halko, Martinsson and Tropp
# 2011) with this many extra directions and power iterations, seeded. The exact way, the
# sample's D x D covariance (M D^2 flops) and a full eigensolver (7.0 s alone at D = 4,096
# on this project's 2-core machine), would cost more than the whole search in 64
# components of 30,000 rows (8.2 s); a round of the iteration costs 4 M D (dims +
# oversample) flops. The subspace only proposes candidates, and the recall says how well.
_OVERSAMPLE = 16
_POWER_ITERATIONS = 4


def sample_reduction(
    space: Space, dims: int, candidates: int, engine: Engine, seed: int = 0
) -> Reduction:
    """The sample's first ``dims`` principal components, approximately: the sample's
    prepared rows (``space``), centred, by seeded randomized subspace iteration (their
    top components to within what the power iterations leave), then the sample projected
    onto them. Computed here, in this process (with either engine), from the sample alone."""
    data = space.data
    dim = data.shape[1]
    mean = data.mean(axis=0, dtype=np.float64).astype(np.float32)
    width = min(dims + _OVERSAMPLE, dim)
    basis = np.random.default_rng(seed).standard_normal((dim, width)).astype(np.float32)

    def centred_times(matrix: np.ndarray) -> np.ndarray:  # (data - mean) @ matrix
        return data @ matrix - mean @ matrix

    for _ in range(_POWER_ITERATIONS):
        projected = centred_times(basis)
        spread = data.T @ projected - np.outer(mean, projected.sum(axis=0))
        basis = np.linalg.qr(spread.astype(np.float64))[0].astype(np.float32)
    projected = centred_times(basis).astype(np.float64)
    _, rotation = np.linalg.eigh(projected.T @ projected)
    directions = basis.astype(np.float64) @ rotation[:, ::-1][:, :dims]
    pivots = np.argmax(np.abs(directions), axis=0)
    signs = np.sign(directions[pivots, np.arange(dims)])
    directions = np.ascontiguousarray(directions * np.where(signs == 0, 1.0, signs))
    reduced = engine.project(data, np.zeros(dim), directions)
    return Reduction(directions, engine.prepare_space(reduced, "euclidean"), candidates)


def _nearest_candidates(
    space: Space, prepared: np.ndarray, found: np.ndarray, k: int, engine: Engine
) -> np.ndarray:
    """int64 (B, k): of each prepared row's candidate positions (``found``, (B, C)), the k
    nearest in all D, ties to the smaller position. Ranked by float32 products of each
    pair alone (their float64 values are computed for the k kept only), in pieces that
    bound the (piece, C, D) copy of the candidates' rows."""
    out = np.empty((len(prepared), k), dtype=np.int64)
    width = found.shape[1]
    for piece in engine.row_blocks(len(prepared), 4 * width * prepared.shape[1], PAIR_SHARE):
        rows = found[piece]
        dots = np.einsum("bd,bcd->bc", prepared[piece], space.data[rows])
        # cosine: 1 - dot; euclidean: |y|^2 - 2 x.y (|x|^2 is the same for the whole row)
        gaps = 1.0 - dots if space.metric == "cosine" else space.sq_norms[rows] - 2.0 * dots
        order = np.lexsort((rows, gaps), axis=-1)[:, :k]
        out[piece] = np.take_along_axis(rows, order, axis=1)
    return out


def _reduced_recall(
    vectors: np.ndarray,
    queries: np.ndarray,
    sample: np.ndarray,
    space: Space,
    positions: np.ndarray,
    metric: str,
    seed: int,
    engine: Engine,
) -> tuple[float, int]:
    """A "pca" search's recall@k (``graph_recall``) on up to ``_TUNE_SIZE`` of its queries
    (those with the smallest ``row_keys``) against exact search in all D, and their count."""
    k = positions.shape[1]
    order = np.argsort(row_keys(queries, seed), kind="stable")[:_TUNE_SIZE]
    tune = queries[order]
    exact = engine.nearest_to(space, vectors, tune, k)
    recall = graph_recall(vectors, sample[positions[order]], tune, sample[exact], metric, engine)
    return recall, len(tune)


def _pair_values_in_space(
    space: Space, prepared: np.ndarray, positions: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """float32 (B, k) distance and cosine similarity of each prepared row with the space's
    rows at ``positions``, in float64 (``sample_rows_block``'s values)."""
    rows = prepared.astype(np.float64)
    found = space.data[positions].astype(np.float64)  # (B, k, D)
    if space.metric == "cosine":  # unit rows (a zero row stays zero): the dot is the cosine
        similarities = np.clip(np.einsum("bd,bkd->bk", rows, found), -1.0, 1.0)
        distances = 1.0 - similarities
    else:  # centred rows: the same differences; the cosine from the rows themselves
        difference = found - rows[:, None, :]
        distances = np.sqrt(np.einsum("bkd,bkd->bk", difference, difference))
        rows += space.center
        found += space.center
        dots = np.einsum("bd,bkd->bk", rows, found)
        lengths = np.sqrt(np.einsum("bd,bd->b", rows, rows))[:, None] * np.sqrt(
            np.einsum("bkd,bkd->bk", found, found)
        )
        similarities = np.zeros_like(dots)
        np.divide(dots, lengths, out=similarities, where=lengths > 0)
        similarities = np.clip(similarities, -1.0, 1.0)
    return distances.astype(np.float32), similarities.astype(np.float32)


def sample_knn_graph(
    vectors: np.ndarray,
    sample: np.ndarray,
    k: int,
    *,
    metric: str = "cosine",
    method: str = "exact",
    seed: int = 0,
    engine: Engine = LOCAL,
    dims: int = 0,
) -> KnnGraph:
    """Each point's ``k`` nearest points among the ``sample`` (never the point itself), as
    a ``KnnGraph`` of all N with ``among`` = M: the graph above ``[neighbors]
    among_sample_above`` points, where a graph of all N would cost N^2 D (exact) or grow
    as N^1.5 (IVF), and a sample of M rows costs N M D at most.

    ``search_sample`` of every row for its k + 1 nearest sample rows, with their values;
    a sample row's own entry is then dropped (any other row drops its farthest), so ties
    still go to the smaller index. A faiss or pca search's recall is measured as
    ``search_sample`` measures it (``recall``, on ``probe_size`` tuning rows).

    Args:
        vectors: float32 (N, D); may be a memory map.
        sample: sorted int (M,): the rows searched among, k < M.
        k: neighbours per point.
        metric: "cosine" or "euclidean".
        method: "exact", "faiss" or "pca".
        seed: faiss's k-means and the tuning rows.
        engine: runs the blocks (on the workers with the Dask engine).
        dims: "pca" only: the sample's principal components searched in.
    """
    vectors = _as_vectors(vectors)
    n = vectors.shape[0]
    sample = np.asarray(sample, dtype=np.int64)
    if not 1 <= k < len(sample):
        raise AnalysisError(f"k={k} must be between 1 and the sample's {len(sample)} rows - 1")
    every = np.arange(n, dtype=np.int64)
    found = search_sample(
        vectors,
        every,
        sample,
        k + 1,
        metric=metric,
        method=method,
        seed=seed,
        engine=engine,
        values=True,
        dims=dims,
    )
    rows = sample[found.positions]
    own = rows == every[:, None]
    dropped = np.where(own.any(axis=1), own.argmax(axis=1), k)
    keep = np.ones(rows.shape, dtype=bool)
    keep[every, dropped] = False
    return KnnGraph(
        indices=rows[keep].reshape(n, k).astype(np.int32),
        distances=found.distances[keep].reshape(n, k),
        similarities=found.similarities[keep].reshape(n, k),
        metric=metric,
        method=method,
        recall=found.recall,
        probe_size=found.tune_size,
        among=len(sample),
        search_dims=dims if method == "pca" else 0,
    )


def _tune_nprobe(
    search: Callable[[np.ndarray, int], np.ndarray],
    nlist: int,
    vectors: np.ndarray,
    tune: np.ndarray,
    tune_exact: np.ndarray,
    metric: str,
    engine: Engine,
) -> tuple[int, float]:
    """The smallest power of two from 8 whose recall (``graph_recall`` of
    ``search(tune, nprobe)``, rows of ``vectors``, against ``tune_exact``) reaches 0.99, at
    most every list (an exhaustive scan, recall 1), and that recall."""
    nprobe = min(_FIRST_NPROBE, nlist)
    while len(tune) and nprobe < nlist:
        recall = graph_recall(vectors, search(tune, nprobe), tune, tune_exact, metric, engine)
        if recall >= _TARGET_RECALL:
            return nprobe, recall
        nprobe = min(2 * nprobe, nlist)
    return nprobe, 1.0


def _row_preparer(
    vectors: np.ndarray, metric: str, engine: Engine
) -> Callable[[np.ndarray], np.ndarray]:
    """A function of rows (int (R,)) -> their float32 (R, D) rows as ``Engine.prepare_space``
    gives them (unit rows for cosine, centred rows for euclidean), C order."""
    if metric == "cosine":
        norms = np.sqrt(engine.row_norms(vectors, squared=True))
        scale = np.zeros_like(norms)
        np.divide(1.0, norms, out=scale, where=norms > 0)
        scale = scale.astype(np.float32)
        return lambda rows: engine.transform_rows(vectors[rows], scale=scale[rows])
    mean = (engine.column_sums(vectors) / vectors.shape[0]).astype(np.float32)
    return lambda rows: engine.transform_rows(vectors[rows], shift=mean)


def _as_vectors(vectors: np.ndarray) -> np.ndarray:
    """``vectors`` as a 2-D float32 array (no copy when it already is one, memory maps too)."""
    if getattr(vectors, "ndim", None) != 2:
        shape = getattr(vectors, "shape", None)
        raise AnalysisError(f"vectors must be a 2-D array (N, D), got shape {shape}")
    if not isinstance(vectors, np.ndarray) and hasattr(vectors, "take"):
        # Rows that stay in their shards (reportgen.io.shards.ShardedRows), float32, read
        # a block or a sample at a time.
        return vectors
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
