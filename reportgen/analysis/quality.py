"""How far a 2D or 3D projection can be trusted: kNN recall and trustworthiness."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from reportgen.analysis.neighbors import METRICS, KnnGraph, _as_vectors
from reportgen.engine import LOCAL, Engine
from reportgen.errors import AnalysisError
from reportgen.validation import SEED, Choices, Interval, validate_params

# compute_quality's parameters; the [projections] trustworthiness options point at them.
QUALITY_PARAMETERS = {
    "k": (Interval(int, 1),),
    "metric": (Choices(METRICS),),
    "exact_max_n": (Interval(int, 3),),
    "sample_size": (Interval(int, 1),),
    "seed": SEED,
}

# Largest (query rows x k x N) boolean block when ranking the projection's neighbours among all
# points: small, so that the comparisons run in cache (4 MiB is 2 rows at N = 200,000, k = 10).
_RANK_BYTES = 4 * 2**20

# Largest (rows x k x k) boolean block when intersecting neighbour lists.
_MATCH_BYTES = 32 * 2**20


@dataclass(frozen=True)
class PartQuality:
    """The quality of one part of a projection's points: the fitted or the placed ones.

    Attributes:
        name: "fitted" or "placed".
        points: how many points the part has.
        knn_recall: the mean ``preservation`` over the part's points.
        trustworthiness: trustworthiness@k with the part's points as the queries (their
            projection neighbours ranked among all N); its normalisation is the whole
            set's, so a part of perfect points scores 1.
        queries: how many of the part's points were queries (all of them when exact).
    """

    name: str
    points: int
    knn_recall: float
    trustworthiness: float
    queries: int


@dataclass(frozen=True)
class ProjectionQuality:
    """How well a projection keeps each point's neighbourhood.

    Attributes:
        k: neighbours compared per point.
        knn_recall: mean of ``preservation``: the share of high-dimensional k-neighbours that
            are also k-neighbours in the projection (1 is perfect).
        trustworthiness: trustworthiness@k (Venna & Kaski), as
            ``sklearn.manifold.trustworthiness`` computes it: 1 when no point's neighbours in
            the projection are strangers in the original space.
        trustworthiness_sample: None when computed exactly over all points, else the number of
            seeded query points its estimate used.
        preservation: float32 (N,): per point, the share of its k high-dimensional neighbours
            that are among its k nearest neighbours in the projection (usable as a colour).
        parts: for a layout fitted on a sample, the fitted and the placed points' quality;
            empty otherwise.
    """

    k: int
    knn_recall: float
    trustworthiness: float
    trustworthiness_sample: int | None
    preservation: np.ndarray
    parts: tuple[PartQuality, ...] = ()


def compute_quality(
    vectors: np.ndarray,
    graph: KnnGraph,
    coordinates: np.ndarray,
    k: int,
    *,
    metric: str,
    exact_max_n: int = 5000,
    sample_size: int = 2000,
    seed: int = 0,
    engine: Engine = LOCAL,
    fitted_rows: np.ndarray | None = None,
) -> ProjectionQuality:
    """Compare a projection's neighbourhoods with the original space's.

    The high-dimensional neighbours are the first k columns of ``graph`` (never recomputed);
    the projection's are the exact k nearest in ``coordinates`` (euclidean, KD-tree), the
    point itself excluded by index, ties to the smaller index.

    Trustworthiness ranks each projection neighbour j of a query point i among all points by
    their original distance to i (r(i, j) = 1 + the number of points nearer to i, ties counted
    as nearer when their index is smaller), and returns
    ``1 - 2 / (n k (2n - 3k - 1)) * sum_i sum_j max(0, r(i, j) - k)``, which equals scikit-learn's
    ``trustworthiness(vectors, coordinates, n_neighbors=k, metric=metric)`` (its ties are
    arbitrary; a zero vector is at cosine distance 1 from everything). It is exact, by blocks of
    query rows, up to ``exact_max_n`` points (or when ``sample_size`` >= N). Above, the sum runs
    over ``sample_size`` query points drawn without replacement with
    ``np.random.default_rng(seed)`` (sorted) and is scaled by N / sample_size: an unbiased
    estimate of the exact value (2,000 queries were 0.005 off the exact value on 20,000
    clustered points).

    Args:
        vectors: float32 (N, D), as given to ``compute_knn_graph`` (memory maps welcome).
        graph: the build's kNN graph of ``vectors``, k <= graph.k, same metric.
        coordinates: (N, 2) or (N, 3) projection, finite.
        k: neighbours compared per point; 1 <= k < N / 2 (above, the trustworthiness
            normalisation leaves [0, 1], and scikit-learn refuses it).
        metric: "cosine" or "euclidean", the graph's metric.
        exact_max_n: largest N for the exact trustworthiness.
        sample_size: query points of the sampled trustworthiness.
        seed: seed of the query sample.
        engine: runs the blocks of distances from the query rows to all N.
        fitted_rows: the rows a layout was fitted on when the others were placed: the
            result then also reports the fitted and the placed points apart (``parts``),
            from the same queries (with a sample, its queries in each part).

    Returns:
        A ``ProjectionQuality``.

    Raises:
        AnalysisError: a parameter out of range or shapes that do not match.
    """
    qualities = compute_qualities(
        vectors,
        graph,
        {"view": coordinates},
        k,
        metric=metric,
        exact_max_n=exact_max_n,
        sample_size=sample_size,
        seed=seed,
        engine=engine,
        fitted_rows={"view": fitted_rows},
    )
    return qualities["view"]


def compute_qualities(
    vectors: np.ndarray,
    graph: KnnGraph,
    layouts: Mapping[str, np.ndarray],
    k: int,
    *,
    metric: str,
    exact_max_n: int = 5000,
    sample_size: int = 2000,
    seed: int = 0,
    engine: Engine = LOCAL,
    fitted_rows: Mapping[str, np.ndarray | None] | None = None,
    among: np.ndarray | None = None,
) -> dict[str, ProjectionQuality]:
    """``compute_quality`` of several projections of the same points at once, each equal to
    what ``compute_quality`` gives it alone: the query points are the same for all, so each
    block of distances from the queries to all N is computed once and ranks every layout's
    neighbours (at 200,000 x 768 that block pass is most of a view's cost).

    Args:
        layouts: name -> (N, 2) or (N, 3) coordinates.
        fitted_rows: name -> the rows that layout was fitted on, or None (see
            ``compute_quality``); a name left out is None.
        among: the rows the graph's neighbours were searched among (``KnnGraph.among``:
            the fit sample), or None (all N). kNN recall then compares each point's k
            nearest of those rows in the layout with the graph's; trustworthiness still
            ranks each point's k nearest of all N in the layout.
        The other arguments are ``compute_quality``'s.

    Returns:
        name -> ``ProjectionQuality``, in the order of ``layouts``.
    """
    vectors = _as_vectors(vectors)
    n = vectors.shape[0]
    validate_params(
        "",
        QUALITY_PARAMETERS,
        {
            "k": k,
            "metric": metric,
            "exact_max_n": exact_max_n,
            "sample_size": sample_size,
            "seed": seed,
        },
    )
    layouts = {name: np.asarray(coordinates) for name, coordinates in layouts.items()}
    for coordinates in layouts.values():
        _check(vectors, graph, coordinates, k, metric, sample_size)

    if n <= exact_max_n or sample_size >= n:
        queries = np.arange(n)
        sample = None
    else:
        rng = np.random.default_rng(seed)
        queries = np.sort(rng.choice(n, size=sample_size, replace=False))
        sample = sample_size
    if (among is None) != (graph.among == 0) or (among is not None and len(among) != graph.among):
        raise AnalysisError(f"the kNN graph lists neighbours among {graph.among or 'all'} rows")
    if among is None:
        lows = {name: _lowdim_neighbors(points, k) for name, points in layouts.items()}
        asked = [low[queries] for low in lows.values()]
    else:
        # Trustworthiness ranks the query points' neighbours among all N on the map; kNN
        # recall compares every point's nearest fitted points: the first for the queries only.
        asked = [_lowdim_neighbors(points, k, queries=queries) for points in layouts.values()]
        lows = {name: _lowdim_neighbors(points, k, among) for name, points in layouts.items()}
    penalties = _rank_penalties(vectors, metric, queries, asked, k, engine)
    fitted_rows = fitted_rows or {}
    return {
        name: _quality(graph, lows[name], penalty, queries, sample, k, fitted_rows.get(name))
        for name, penalty in zip(lows, penalties, strict=True)
    }


def _quality(
    graph: KnnGraph,
    low: np.ndarray,
    penalties: np.ndarray,
    queries: np.ndarray,
    sample: int | None,
    k: int,
    fitted_rows: np.ndarray | None,
) -> ProjectionQuality:
    """One layout's ``ProjectionQuality`` from its neighbours ``low`` and its queries'
    rank ``penalties``."""
    n = graph.n
    shared = _count_shared(graph.indices[:, :k], low)
    preservation = (shared / k).astype(np.float32)
    scale = k * (2.0 * n - 3.0 * k - 1.0)
    trust = 1.0 - 2.0 * float(penalties.sum()) / (queries.size * scale)
    parts = []
    if fitted_rows is not None:
        is_fitted = np.zeros(n, dtype=bool)
        is_fitted[np.asarray(fitted_rows, dtype=np.int64)] = True
        for name, mask in (("fitted", is_fitted), ("placed", ~is_fitted)):
            in_part = mask[queries]
            if not mask.any() or not in_part.any():
                continue
            part_trust = 1.0 - 2.0 * float(penalties[in_part].sum()) / (int(in_part.sum()) * scale)
            parts.append(
                PartQuality(
                    name=name,
                    points=int(mask.sum()),
                    knn_recall=float(shared[mask].sum()) / (int(mask.sum()) * k),
                    trustworthiness=part_trust,
                    queries=int(in_part.sum()),
                )
            )

    return ProjectionQuality(
        k=k,
        knn_recall=float(shared.sum()) / (n * k),
        trustworthiness=float(trust),
        trustworthiness_sample=sample,
        preservation=preservation,
        parts=tuple(parts),
    )


def _check(
    vectors: np.ndarray,
    graph: KnnGraph,
    coordinates: np.ndarray,
    k: int,
    metric: str,
    sample_size: int,
) -> None:
    n = vectors.shape[0]
    if metric not in METRICS:
        raise AnalysisError(f"metric={metric!r} must be one of {', '.join(METRICS)}")
    if graph.metric != metric:
        raise AnalysisError(f"the kNN graph uses metric={graph.metric!r}, not {metric!r}")
    if graph.n != n:
        raise AnalysisError(f"the kNN graph has {graph.n} rows but vectors has n_samples={n}")
    if coordinates.ndim != 2 or coordinates.shape[0] != n or coordinates.shape[1] < 1:
        raise AnalysisError(
            f"coordinates must have shape ({n}, 2) or ({n}, 3), got {coordinates.shape}"
        )
    if not np.isfinite(coordinates).all():
        raise AnalysisError("coordinates contain NaN or infinity")
    if k < 1:
        raise AnalysisError(f"k={k} must be >= 1")
    if k >= n / 2:
        raise AnalysisError(f"k={k} must be < n_samples / 2 = {n / 2:g} for trustworthiness")
    if k > graph.k:
        raise AnalysisError(f"k={k} must be <= the kNN graph's k={graph.k}")
    if sample_size < 1:
        raise AnalysisError(f"sample_size={sample_size} must be >= 1")


def _lowdim_neighbors(
    coordinates: np.ndarray,
    k: int,
    among: np.ndarray | None = None,
    queries: np.ndarray | None = None,
) -> np.ndarray:
    """Exact k nearest neighbours in the projection: int64 (N, k), nearest first; among the
    rows ``among`` only (sorted int), when given; of the rows ``queries`` only (int (Q,):
    the result is then (Q, k), the same rows as the whole result's), when given.

    The point itself is excluded by index (not by being at distance 0: a duplicate may come
    first); ties go to the smaller index, also at the k-th place (rows tied there are redone
    with a radius query, which returns every tied point). Needs k + 2 <= N (or len(among)).
    """
    points = np.ascontiguousarray(coordinates, dtype=np.float64)
    n = points.shape[0]
    ids = np.arange(n) if among is None else np.asarray(among, dtype=np.int64)
    asked = np.arange(n) if queries is None else np.asarray(queries, dtype=np.int64)
    # scipy's tree, here: a cached rebuild never imports it. It queries in parallel and
    # answers a 60,000-point layout in a tenth of scikit-learn's KDTree's time; the result
    # does not depend on the number of threads.
    from scipy.spatial import cKDTree

    tree = cKDTree(points[ids])
    # k + 2 with the point itself: one more neighbour than needed shows a tie at the k-th place.
    distances, found = tree.query(points[asked], k=k + 2, workers=-1)
    indices = ids[found]
    keep = indices != asked[:, None]
    keep[keep.all(axis=1), -1] = False  # the point itself was crowded out by duplicates
    distances = distances[keep].reshape(len(asked), k + 1)
    indices = indices[keep].reshape(len(asked), k + 1)
    order = np.lexsort((indices, distances), axis=-1)
    distances = np.take_along_axis(distances, order, axis=1)
    indices = np.take_along_axis(indices, order, axis=1)
    tied = np.flatnonzero(distances[:, k] == distances[:, k - 1])
    if tied.size:
        # Every point within the k-th distance (with a slack: the ball query may compute a
        # distance a little differently), ranked again by (distance, index) computed here.
        radius = distances[tied, k - 1] * (1 + 1e-9) + 1e-12
        found = tree.query_ball_point(points[asked[tied]], r=radius)  # positions in ``ids``
        for at, row_i in zip(tied, found, strict=True):
            row = asked[at]
            row_i = np.asarray([i for i in ids[row_i] if i != row], dtype=np.int64)
            if len(row_i) >= k:
                row_d = np.sqrt(((points[row_i] - points[row]) ** 2).sum(axis=1))
                indices[at, :k] = row_i[np.lexsort((row_i, row_d))[:k]]
    return indices[:, :k]


def _count_shared(high: np.ndarray, low: np.ndarray) -> np.ndarray:
    """int64 (N,): per row, how many of ``high``'s k entries are also in ``low``'s row."""
    n, k = high.shape
    shared = np.empty(n, dtype=np.int64)
    step = max(1, _MATCH_BYTES // (k * k))
    for start in range(0, n, step):
        rows = slice(start, start + step)
        shared[rows] = (high[rows, :, None] == low[rows, None, :]).any(axis=2).sum(axis=1)
    return shared


def _rank_penalties(
    vectors: np.ndarray,
    metric: str,
    queries: np.ndarray,
    lows: list[np.ndarray],
    k: int,
    engine: Engine,
) -> list[np.ndarray]:
    """Per layout, int64 (Q,): per query i, the sum over its projection neighbours j (the
    layout's row of ``lows``, (Q, k)) of max(0, r(i, j) - k).

    r(i, j) is j's rank among all other points by original distance to i (1 = nearest; ties
    to the smaller index). Computed by the engine's blocks of query rows (one matrix product
    each, shared by the layouts), then counted by small chunks of rows, which keeps the
    comparisons in cache.
    """
    space = engine.prepare_space(vectors, metric)
    n = space.n
    chunk = max(1, _RANK_BYTES // (k * n))
    compiled = float(queries.size) * n > COMPILED_ABOVE

    def penalties(part: slice, block: np.ndarray) -> list[np.ndarray]:
        rows = queries[part]
        block[np.arange(rows.size), rows] = np.inf
        # Clipped at 0 as scikit-learn's pairwise distances are: near-duplicates tie at 0.
        np.maximum(block, np.float32(0.0), out=block)
        return [_block_penalty(block, low[part], k, chunk, compiled) for low in lows]

    blocks = engine.map_distances(penalties, space, queries)
    return [np.concatenate([block[i] for block in blocks]) for i in range(len(lows))]


# Above this many (query x point) distances the counting of nearer points runs compiled
# (numba, installed with umap-learn; compiling costs about a second once per process): at
# 2,000 queries x 200,000 points it counted a UMAP layout's ranks in 0.5 s instead of 5 s.
COMPILED_ABOVE = 2e8


def _block_penalty(
    block: np.ndarray, block_low: np.ndarray, k: int, chunk: int, compiled: bool = False
) -> np.ndarray:
    """int64 (B,): the rank penalty of each row of a distance ``block`` (B, N) for its
    projection neighbours ``block_low`` (B, k), counted by chunks of ``chunk`` rows in
    numpy, or the whole block at once ``compiled``."""
    targets = np.take_along_axis(block, block_low, axis=1)
    totals = np.zeros(block.shape[0], dtype=np.int64)
    if compiled:
        chunk = block.shape[0]
    for first in range(0, block.shape[0], chunk):
        piece = slice(first, first + chunk)
        if compiled:
            nearer, equal = _count_nearer()(block[piece], np.ascontiguousarray(targets[piece]))
            tied = equal > 1
        else:
            values = block[piece, None, :]
            wanted = targets[piece, :, None]
            nearer = np.count_nonzero(values < wanted, axis=2)
            tied = np.count_nonzero(values == wanted, axis=2) > 1  # j itself is one
        for r, c in zip(*np.nonzero(tied), strict=True):
            # Tied points count as nearer when their index is smaller (duplicates).
            j = block_low[first + r, c]
            nearer[r, c] += np.count_nonzero(block[first + r, :j] == targets[first + r, c])
        totals[piece] = np.maximum(nearer + 1 - k, 0).sum(axis=1)
    return totals


@functools.cache
def _count_nearer() -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """A compiled (numba) function of a distance block (B, N) and its targets (B, k): for
    each target, how many values of its row are smaller, and how many equal (int64 (B, k)
    each). Values above a row's largest target (most of them, for a good layout) cost one
    comparison."""
    import numba  # installed with umap-learn; imported only when it pays

    @numba.njit(parallel=True, nogil=True, cache=False)
    def count(block: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows, n = block.shape
        k = targets.shape[1]
        nearer = np.zeros((rows, k), dtype=np.int64)
        equal = np.zeros((rows, k), dtype=np.int64)
        for r in numba.prange(rows):
            top = targets[r].max()
            for x in range(n):
                value = block[r, x]
                if value <= top:
                    for c in range(k):
                        if value < targets[r, c]:
                            nearer[r, c] += 1
                        elif value == targets[r, c]:
                            equal[r, c] += 1
        return nearer, equal

    return count
