"""How far a 2D or 3D projection can be trusted: kNN recall and trustworthiness."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from reportgen.analysis.neighbors import METRICS, KnnGraph, _as_vectors
from reportgen.engine import LOCAL, Engine
from reportgen.engine.local import DISTANCE_SHARE, squared_norms_block, unit_rows_float32
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

    r(i, j) is j's rank among all other points by original float32 distance to i (1 =
    nearest; ties to the smaller index; clipped at 0 as scikit-learn's pairwise distances
    are, so near-duplicates tie). One pass over all N rows, in parts that the engine runs
    where the rows are (on the workers for Dask), ranks every layout's neighbours at once,
    with no prepared copy of all N (3 GB at 1M x 768). A part computes the queries'
    float32 distances to its rows and, per (query, neighbour j), counts the values that are
    certainly smaller than j's distance and returns the few that are not certainly larger
    or smaller (j's own among them): the window is j's distance in float64 from the same
    float32 rows, plus or minus a bound on the float32 product's rounding (``_windows``).
    The counts are those of comparing all the parts' float32 values at once. A value's
    last bit can depend on its part's shape (a BLAS product's rounding does), so the parts
    are a pure function of N, Q, D and the block budget: the same for every engine.
    """
    n, dim = vectors.shape
    center = None
    if metric == "euclidean":
        center = (engine.column_sums(vectors) / n).astype(np.float32)
    prepared = _prepared_rows(np.asarray(vectors[queries]), metric, center)
    targets = np.concatenate(lows, axis=1).astype(np.int64)  # (Q, T): every layout's j
    low, high = _windows(vectors, metric, center, prepared, targets, engine)
    compiled = float(queries.size) * n > COMPILED_ABOVE
    shared = (prepared, np.asarray(queries, np.int64), low, high, metric, center, compiled)
    parts = engine.map_rows(
        rank_part,
        vectors,
        np.arange(n, dtype=np.int64),
        4 * (queries.size + dim),
        DISTANCE_SHARE,
        shared=shared,
        with_rows=True,
    )
    nearer = np.zeros(targets.size, dtype=np.int64)
    window_keys, window_rows, window_values = [], [], []
    for below, keys, rows, values in parts:
        nearer += below.ravel()
        window_keys.append(keys)
        window_rows.append(rows)
        window_values.append(values)
    keys = np.concatenate(window_keys)
    rows = np.concatenate(window_rows)
    values = np.concatenate(window_values)
    wanted = targets.ravel()[keys]
    own = rows == wanted
    if np.bincount(keys[own], minlength=targets.size).min(initial=1) != 1:
        raise AnalysisError("trustworthiness: a neighbour's distance fell outside its bound")
    distance = np.empty(targets.size, dtype=np.float32)
    distance[keys[own]] = values[own]
    others = ~own
    closer = values[others] < distance[keys[others]]
    tied = (values[others] == distance[keys[others]]) & (rows[others] < wanted[others])
    nearer += np.bincount(keys[others][closer | tied], minlength=targets.size)
    excess = np.maximum(nearer.reshape(targets.shape) + 1 - k, 0)
    return [excess[:, i * k : (i + 1) * k].sum(axis=1) for i in range(len(lows))]


_UNIT_ROUNDOFF = 2.0**-24  # float32's


def _prepared_rows(block: np.ndarray, metric: str, center: np.ndarray | None) -> np.ndarray:
    """float32 (B, D): rows as the distance space holds them (unit rows for cosine, minus
    the mean of all rows for euclidean), with the same arithmetic for every part."""
    if metric == "cosine":
        return unit_rows_float32(block)
    return np.subtract(block, center, dtype=np.float32)


def _windows(
    vectors: np.ndarray,
    metric: str,
    center: np.ndarray | None,
    prepared: np.ndarray,
    targets: np.ndarray,
    engine: Engine,
) -> tuple[np.ndarray, np.ndarray]:
    """float32 (Q, T) each: bounds that hold the clipped float32 distance of each query to
    each of its targets, however the float32 product that computes it rounds.

    The distance is computed in float64 from the same float32 rows, where the rows are
    (a pass over the targets' rows through the engine); any float32 dot product of D terms
    is within gamma_D = D u / (1 - D u) times sum |a_i b_i| of the exact one (u = 2^-24,
    any order of summation), plus the rounding of the few operations around it; the bound
    is doubled for safety, which only lets a few more values into the window.
    """
    flat = targets.ravel()
    order = np.argsort(flat, kind="stable")
    sorted_targets = flat[order]
    sorted_queries = (order // targets.shape[1]).astype(np.int64)
    unique_rows = np.unique(sorted_targets)
    shared = (prepared, sorted_targets, sorted_queries, metric, center)
    parts = engine.map_rows(
        window_part, vectors, unique_rows, 8 * vectors.shape[1], shared=shared, with_rows=True
    )
    exact = np.empty(flat.size)
    margin = np.empty(flat.size)
    exact[order] = np.concatenate([part[0] for part in parts])
    margin[order] = np.concatenate([part[1] for part in parts])
    low = np.maximum(exact - margin, 0.0)
    high = np.maximum(exact + margin, 0.0)
    # Rounded outwards to float32, so that the float32 comparisons keep the bounds.
    low32 = low.astype(np.float32)
    low32 = np.where(low32 > low, np.nextafter(low32, np.float32(-np.inf)), low32)
    high32 = high.astype(np.float32)
    high32 = np.where(high32 < high, np.nextafter(high32, np.float32(np.inf)), high32)
    return low32.reshape(targets.shape), high32.reshape(targets.shape)


# Pairs of (query, target) rows computed at once in float64 by ``window_part``.
_PAIR_CHUNK = 4096


def window_part(
    rows: np.ndarray,
    block: np.ndarray,
    prepared: np.ndarray,
    sorted_targets: np.ndarray,
    sorted_queries: np.ndarray,
    metric: str,
    center: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """float64 distance and rounding margin of each (query, target) pair whose target is
    among ``rows`` (sorted; ``block`` their vectors), in the pairs' sorted order (see
    ``_windows``)."""
    first = int(np.searchsorted(sorted_targets, rows[0], side="left"))
    last = int(np.searchsorted(sorted_targets, rows[-1], side="right"))
    own = _prepared_rows(block, metric, center)
    dim = own.shape[1]
    gamma = dim * _UNIT_ROUNDOFF / (1 - dim * _UNIT_ROUNDOFF)
    exact = np.empty(last - first)
    margin = np.empty(last - first)
    for start in range(first, last, _PAIR_CHUNK):
        pairs = slice(start, min(start + _PAIR_CHUNK, last))
        a = prepared[sorted_queries[pairs]].astype(np.float64)
        b = own[np.searchsorted(rows, sorted_targets[pairs])].astype(np.float64)
        dot = np.einsum("ij,ij->i", a, b)
        spread = np.einsum("ij,ij->i", np.abs(a), np.abs(b))
        out = slice(pairs.start - first, pairs.stop - first)
        if metric == "cosine":
            exact[out] = 1.0 - dot
            error = gamma * spread + _UNIT_ROUNDOFF * (np.abs(exact[out]) + gamma * spread)
            slack = 1e-12 * (1.0 + spread)
        else:
            squares_a = np.einsum("ij,ij->i", a, a)
            squares_b = np.einsum("ij,ij->i", b, b)
            exact[out] = squares_a + squares_b - 2.0 * dot
            size = 2.0 * spread * (1 + gamma) + (squares_a + squares_b) * (1 + _UNIT_ROUNDOFF)
            error = (
                2.0 * gamma * spread
                + _UNIT_ROUNDOFF * (squares_a + squares_b)
                + 2.0 * _UNIT_ROUNDOFF * size
            )
            slack = 1e-12 * (1.0 + size)
        margin[out] = 2.0 * error + slack
    return exact, margin


def rank_part(
    rows: np.ndarray,
    block: np.ndarray,
    prepared: np.ndarray,
    queries: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    metric: str,
    center: np.ndarray | None,
    compiled: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One part of ``_rank_penalties``' pass: the queries' clipped float32 distances to
    ``rows`` (their vectors ``block``), the point itself excluded.

    Returns the (Q, T) counts of values below ``low`` (uint16 when the part has fewer than
    65,536 rows: the client holds every part's), and the values within [low, high] as
    flat key (query x T + target column), row and float32 value.
    """
    distances = part_distances(block, prepared, metric, center)
    at = np.minimum(np.searchsorted(rows, queries), len(rows) - 1)
    inside = np.flatnonzero(rows[at] == queries)
    distances[inside, at[inside]] = np.inf
    if compiled:
        below, query, column, position = _count_window()(distances, low, high)
    else:
        below, query, column, position = _count_window_numpy(distances, low, high)
    values = distances[query, position]
    keys = query * low.shape[1] + column
    below = below.astype(np.uint16 if len(rows) < 2**16 else np.int64)
    return below, keys, rows[position], values


def part_distances(
    block: np.ndarray, prepared: np.ndarray, metric: str, center: np.ndarray | None
) -> np.ndarray:
    """float32 (Q, B): the clipped cosine (or squared euclidean) distances from the
    prepared query rows to the rows of ``block``, as one part of the rank pass sees them."""
    own = _prepared_rows(block, metric, center)
    distances = prepared @ own.T
    if metric == "cosine":
        np.subtract(np.float32(1.0), distances, out=distances)
    else:
        distances *= np.float32(-2.0)
        distances += squared_norms_block(prepared).astype(np.float32)[:, None]
        distances += squared_norms_block(own).astype(np.float32)[None, :]
    return np.maximum(distances, np.float32(0.0), out=distances)


def _count_window_numpy(
    distances: np.ndarray, low: np.ndarray, high: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``_count_window`` in numpy, by chunks of query rows that keep the comparisons in
    cache (for small parts, where compiling would cost more than it saves)."""
    q, n = distances.shape
    t = low.shape[1]
    below = np.empty((q, t), dtype=np.int64)
    found = []
    chunk = max(1, _RANK_BYTES // (t * max(1, n)))
    for first in range(0, q, chunk):
        piece = slice(first, first + chunk)
        values = distances[piece, None, :]
        below[piece] = np.count_nonzero(values < low[piece, :, None], axis=2)
        inside = (values >= low[piece, :, None]) & (values <= high[piece, :, None])
        query, column, position = np.nonzero(inside)
        found.append((query + first, column, position))
    query, column, position = (np.concatenate(parts) for parts in zip(*found, strict=True))
    return below, query, column, position


# Above this many (query x point) distances the counting runs compiled (numba, installed
# with umap-learn; compiling costs about a second once per process).
COMPILED_ABOVE = 2e8


@functools.cache
def _count_window() -> Callable[
    [np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
]:
    """A compiled (numba) function of distances (Q, B) and bounds low, high (Q, T): per
    (query, target), how many of the query's values are below ``low``; and every value
    within [low, high], as (query, target column, position) arrays sorted by query.

    Per value: one comparison when it is above the row's highest bound (most values, for
    a good layout), else a binary search among the row's sorted lower bounds."""
    import numba  # installed with umap-learn; imported only when it pays

    @numba.njit(nogil=True, cache=False)
    def scan(distances, low, high, r, below, query, column, position, offset):
        # One query row; counts into below[r] when ``offset`` < 0, else writes its window
        # values from ``offset`` on. Returns how many values the window holds.
        t = low.shape[1]
        order = np.argsort(low[r])
        lows = low[r][order]
        highs = high[r][order]
        top = highs.max()
        width = (highs - lows).max()
        counts = np.zeros(t + 1, dtype=np.int64)
        written = 0
        for x in range(distances.shape[1]):
            value = distances[r, x]
            if value > top:
                continue
            # lows[p:] are above the value: it counts as below each of them.
            p = np.searchsorted(lows, value, side="right")
            counts[p] += 1
            c = p - 1
            while c >= 0 and lows[c] >= value - width:
                if highs[c] >= value:
                    if offset >= 0:
                        query[offset + written] = r
                        column[offset + written] = order[c]
                        position[offset + written] = x
                    written += 1
                c -= 1
        if offset < 0:
            running = 0
            for c in range(t):
                running += counts[c]
                below[r, order[c]] = running
        return written

    # Not parallel: the engine runs parts at once, and numba's default threading layer
    # must not be entered from two threads.
    @numba.njit(nogil=True, cache=False)
    def count(distances, low, high):
        rows = distances.shape[0]
        below = np.zeros((rows, low.shape[1]), dtype=np.int64)
        none = np.empty(0, dtype=np.int64)
        found = np.zeros(rows, dtype=np.int64)
        for r in range(rows):
            found[r] = scan(distances, low, high, r, below, none, none, none, -1)
        offsets = np.zeros(rows + 1, dtype=np.int64)
        offsets[1:] = np.cumsum(found)
        query = np.empty(offsets[-1], dtype=np.int64)
        column = np.empty(offsets[-1], dtype=np.int64)
        position = np.empty(offsets[-1], dtype=np.int64)
        for r in range(rows):
            scan(distances, low, high, r, below, query, column, position, offsets[r])
        return below, query, column, position

    return count
