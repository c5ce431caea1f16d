"""How far a 2D or 3D projection can be trusted: kNN recall and trustworthiness."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from reportgen.analysis.neighbors import METRICS, KnnGraph, _as_vectors
from reportgen.engine import LOCAL, Engine, Space
from reportgen.engine.local import DISTANCE_SHARE, squared_norms_block
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

    r(i, j) is j's rank among all other points by original distance to i (1 = nearest;
    ties to the smaller index): cosine distance, or squared euclidean, in float64 from the
    float32 rows the kNN search uses (``_prepared_rows``), clipped at 0 as scikit-learn's
    pairwise distances are (near-duplicates tie).

    One pass over all N rows in parts, which the engine runs where the rows are (on the
    workers for Dask), ranks every layout's neighbours at once, with no copy of all N (3 GB
    at 1M x 768). A part computes the queries' distances to its rows as one float32 product
    and, per (query, neighbour j), counts the rows certainly nearer than j: those whose
    float32 distance is below j's by more than the product's rounding can move it (a proven
    bound, ``rank_part``); the few within that margin get their float64 distance and are
    compared exactly. So the counts do not depend on the parts, and each part returns only
    its counts.
    """
    n = vectors.shape[0]
    dim = vectors.shape[1]
    center = None
    if metric == "euclidean":
        center = (engine.column_sums(vectors) / n).astype(np.float32)
    prepared = _prepared_rows(np.asarray(vectors[queries]), metric, center)
    targets = np.concatenate(lows, axis=1).astype(np.int64)  # (Q, T): every layout's j
    exact = _target_distances(vectors, metric, center, prepared, targets, engine)
    compiled = float(queries.size) * n > COMPILED_ABOVE
    shared = (prepared, np.asarray(queries, np.int64), targets, exact, metric, center, compiled)
    parts = engine.map_rows(
        rank_part,
        vectors,
        np.arange(n, dtype=np.int64),
        4 * (queries.size + dim),
        DISTANCE_SHARE,
        shared=shared,
        with_rows=True,
    )
    nearer = np.zeros(targets.shape, dtype=np.int64)
    for part in parts:
        nearer += part
    excess = np.maximum(nearer + 1 - k, 0)
    return [excess[:, i * k : (i + 1) * k].sum(axis=1) for i in range(len(lows))]


_UNIT_ROUNDOFF = 2.0**-24  # float32's


def _prepared_rows(block: np.ndarray, metric: str, center: np.ndarray | None) -> np.ndarray:
    """float32 (B, D): rows as the distance space holds them (``Space.prepare``: unit rows
    for cosine, minus the mean of all rows for euclidean), the same for every part."""
    empty = np.empty(0, dtype=np.float32)
    return Space(metric, empty, empty, empty if center is None else center).prepare(block)


# Pairs of rows whose float64 distance is computed at once.
_PAIR_CHUNK = 4096


def pair_distances(
    a: np.ndarray, b: np.ndarray, metric: str, pairs: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """float64 (P,): the clipped cosine (or squared euclidean) distance of each pair of
    prepared float32 rows: ``a[p]`` and ``b[p]`` (P, D), or ``a[pairs[0][p]]`` and
    ``b[pairs[1][p]]`` (gathered a chunk at a time); in float64, each pair's bits
    depending on its two rows only (row-wise sums, not a matrix product)."""
    count = len(a) if pairs is None else len(pairs[0])
    out = np.empty(count)
    for start in range(0, count, _PAIR_CHUNK):
        chunk = slice(start, start + _PAIR_CHUNK)
        if pairs is None:
            left, right = a[chunk].astype(np.float64), b[chunk].astype(np.float64)
        else:
            left = a[pairs[0][chunk]].astype(np.float64)
            right = b[pairs[1][chunk]].astype(np.float64)
        dot = np.multiply(left, right).sum(axis=1)
        if metric == "cosine":
            out[chunk] = 1.0 - dot
        else:
            squares = np.multiply(left, left).sum(axis=1) + np.multiply(right, right).sum(axis=1)
            out[chunk] = squares - 2.0 * dot
    return np.maximum(out, 0.0, out=out)


def _target_distances(
    vectors: np.ndarray,
    metric: str,
    center: np.ndarray | None,
    prepared: np.ndarray,
    targets: np.ndarray,
    engine: Engine,
) -> np.ndarray:
    """float64 (Q, T): each query's ``pair_distances`` to each of its targets, computed
    where the targets' rows are (one pass over those rows through the engine)."""
    flat = targets.ravel()
    order = np.argsort(flat, kind="stable")
    sorted_targets = flat[order]
    sorted_queries = (order // targets.shape[1]).astype(np.int64)
    shared = (prepared, sorted_targets, sorted_queries, metric, center)
    parts = engine.map_rows(
        target_part,
        vectors,
        np.unique(sorted_targets),
        8 * vectors.shape[1],
        shared=shared,
        with_rows=True,
    )
    exact = np.empty(flat.size)
    exact[order] = np.concatenate(parts)
    return exact.reshape(targets.shape)


def target_part(
    rows: np.ndarray,
    block: np.ndarray,
    prepared: np.ndarray,
    sorted_targets: np.ndarray,
    sorted_queries: np.ndarray,
    metric: str,
    center: np.ndarray | None,
) -> np.ndarray:
    """float64: the distance of each (query, target) pair whose target is among ``rows``
    (sorted; ``block`` their vectors), in the pairs' sorted order (``_target_distances``)."""
    first = int(np.searchsorted(sorted_targets, rows[0], side="left"))
    last = int(np.searchsorted(sorted_targets, rows[-1], side="right"))
    own = _prepared_rows(block, metric, center)
    at = np.searchsorted(rows, sorted_targets[first:last])
    return pair_distances(prepared, own, metric, (sorted_queries[first:last], at))


def rounding_margin(prepared: np.ndarray, own: np.ndarray, metric: str) -> np.ndarray:
    """float64 (Q,): for each query row, a bound on how far the float32 distance to any of
    ``own``'s rows (from ``part_distances``) lies from its float64 ``pair_distances``.

    Any float32 dot product of D terms, in any order of summation, is within gamma_D =
    D u / (1 - D u) times sum |a_i b_i| <= |a| |b| of the exact one (u = 2^-24); the few
    roundings around it add a few u times the magnitudes. The bound is doubled, which only
    lets a few more values be computed in float64.
    """
    dim = prepared.shape[1]
    gamma = dim * _UNIT_ROUNDOFF / (1 - dim * _UNIT_ROUNDOFF)
    query_norms = np.sqrt(squared_norms_block(prepared))
    largest = float(np.sqrt(squared_norms_block(own).max(initial=0.0)))
    spread = query_norms * largest
    if metric == "cosine":
        error = gamma * spread + _UNIT_ROUNDOFF * (1.0 + spread * (1 + gamma))
        size = 1.0 + spread
    else:
        squares = query_norms**2 + largest**2
        size = 2.0 * spread * (1 + gamma) + squares * (1 + _UNIT_ROUNDOFF)
        error = 2.0 * gamma * spread + _UNIT_ROUNDOFF * squares + 2.0 * _UNIT_ROUNDOFF * size
    return 2.0 * error + 1e-12 * (1.0 + size)


def rank_part(
    rows: np.ndarray,
    block: np.ndarray,
    prepared: np.ndarray,
    queries: np.ndarray,
    targets: np.ndarray,
    exact: np.ndarray,
    metric: str,
    center: np.ndarray | None,
    compiled: bool,
) -> np.ndarray:
    """One part of ``_rank_penalties``' pass: per (query, target) (Q, T), how many of
    ``rows`` (their vectors ``block``) are nearer to the query than the target (distance
    ``exact``; ties to the smaller row), the query itself and the target excluded. uint16
    when the part has fewer than 65,536 rows (the client holds every part's), else int64.
    """
    own = _prepared_rows(block, metric, center)
    distances = part_distances(own, prepared, metric)
    at = np.minimum(np.searchsorted(rows, queries), len(rows) - 1)
    inside = np.flatnonzero(rows[at] == queries)
    distances[inside, at[inside]] = np.inf
    margin = rounding_margin(prepared, own, metric)[:, None]
    # Float32 bounds rounded outwards: a value below ``low`` is certainly nearer, one above
    # ``high`` certainly not; those between are computed again in float64.
    low = _rounded(np.maximum(exact - margin, 0.0), down=True)
    high = _rounded(exact + margin, down=False)
    if compiled:
        below, query, column, position = _count_window_compiled(distances, low, high)
    else:
        below, query, column, position = _count_window_numpy(distances, low, high)
    found = rows[position]
    wanted = targets[query, column]
    again = pair_distances(prepared, own, metric, (query, position))
    target = exact[query, column]
    nearer = (found != wanted) & ((again < target) | ((again == target) & (found < wanted)))
    np.add.at(below, (query[nearer], column[nearer]), 1)
    return below.astype(np.uint16 if len(rows) < 2**16 else np.int64)


def _rounded(values: np.ndarray, *, down: bool) -> np.ndarray:
    """float32 ``values`` rounded down (or up), so that they keep the float64 bound."""
    rounded = values.astype(np.float32)
    if down:
        return np.where(rounded > values, np.nextafter(rounded, np.float32(-np.inf)), rounded)
    return np.where(rounded < values, np.nextafter(rounded, np.float32(np.inf)), rounded)


def part_distances(own: np.ndarray, prepared: np.ndarray, metric: str) -> np.ndarray:
    """float32 (Q, B): the clipped cosine (or squared euclidean) distances from the
    prepared query rows to a part's prepared rows ``own``, one float32 product (the kNN
    search's arithmetic: ``Space.distances_from``)."""
    squares = np.empty(0, dtype=np.float32)
    if metric == "euclidean":
        squares = squared_norms_block(own).astype(np.float32)
    distances = Space(metric, own, squares).distances_from(prepared)
    return np.maximum(distances, np.float32(0.0), out=distances)


def _count_window_numpy(
    distances: np.ndarray, low: np.ndarray, high: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``_count_window`` in numpy, a query row at a time: each value's place among the row's
    sorted lower bounds (one binary search) counts it below the bounds above it; the window
    values are found among the bounds just under it (for parts too small to pay for
    compiling the kernel)."""
    q, t = low.shape
    below = np.empty((q, t), dtype=np.int64)
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for r in range(q):
        order = np.argsort(low[r], kind="stable")
        lows, highs = low[r][order], high[r][order]
        values = distances[r]
        candidates = np.flatnonzero(values <= highs.max())
        values = values[candidates]
        places = np.searchsorted(lows, values, side="right")
        below[r, order] = np.cumsum(np.bincount(places, minlength=t + 1)[:t])
        # The bounds under a value (lows[place - 1], lows[place - 2], ...) hold it while their
        # low is within the widest window of it; most values need no step at all.
        width = float((highs - lows).max())
        step = 1
        live = np.flatnonzero(places > 0)
        while live.size:
            at = places[live] - step
            near = lows[at] >= values[live] - width
            live, at = live[near], at[near]
            inside = highs[at] >= values[live]
            if inside.any():
                hits = live[inside]
                found.append((np.full(hits.size, r), order[at[inside]], candidates[hits]))
            step += 1
            keep = places[live] - step >= 0
            live = live[keep]
    if not found:
        empty = np.empty(0, dtype=np.int64)
        return below, empty, empty, empty
    query, column, position = (np.concatenate(parts) for parts in zip(*found, strict=True))
    return below, query, column, position


# Above this many (query x point) distances the counting runs compiled (numba, installed
# with umap-learn; compiling costs about a second once per process).
COMPILED_ABOVE = 2e8


def _count_window_compiled(
    distances: np.ndarray, low: np.ndarray, high: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``_count_window`` compiled: each query row is scanned once into room for
    ``_WINDOW_ROOM`` window values per target; the rows that found more are scanned again
    with room for all they found."""
    count = _count_window()
    room = max(1, _WINDOW_ROOM * low.shape[1])
    below, query, column, position, found = count(distances, low, high, room)
    kept = np.arange(room)[None, :] < np.minimum(found, room)[:, None]
    query, column, position = (
        values.reshape(-1, room)[kept] for values in (query, column, position)
    )
    full = np.flatnonzero(found > room)
    if full.size:
        # Their first ``room`` values are dropped above and all of them taken from here.
        keep = ~np.isin(query, full)
        more = count(distances[full], low[full], high[full], int(found[full].max()))
        wide = int(found[full].max())
        kept_more = np.arange(wide)[None, :] < more[4][:, None]
        extra = [values.reshape(-1, wide)[kept_more] for values in more[1:4]]
        query = np.concatenate([query[keep], full[extra[0]]])
        column = np.concatenate([column[keep], extra[1]])
        position = np.concatenate([position[keep], extra[2]])
    return below, query, column, position


# Window values per target that the compiled scan makes room for (about 2.5 a target per
# part of 14,000 rows at 200,000 x 384 with cosine distances).
_WINDOW_ROOM = 4


@functools.cache
def _count_window() -> Callable[..., tuple[np.ndarray, ...]]:
    """A compiled (numba) function of distances (Q, B), bounds low, high (Q, T) and a room
    R: per (query, target), how many of the query's values are below ``low`` (Q, T); and
    the values within [low, high], as (query, target column, position) arrays of Q x R
    (row r's first min(found[r], R) entries from r x R on) and the count per row found (Q,).

    Per value: one comparison when it is above the row's highest bound, else a binary
    search among the row's sorted lower bounds. Not parallel: the engine runs parts at
    once, and numba's default threading layer must not be entered from two threads.
    """
    import numba  # installed with umap-learn; imported only when it pays

    @numba.njit(nogil=True, cache=False)
    def count(distances, low, high, room):
        rows, n = distances.shape
        t = low.shape[1]
        below = np.zeros((rows, t), dtype=np.int64)
        query = np.empty(rows * room, dtype=np.int64)
        column = np.empty(rows * room, dtype=np.int64)
        position = np.empty(rows * room, dtype=np.int64)
        found = np.zeros(rows, dtype=np.int64)
        for r in range(rows):
            order = np.argsort(low[r])
            lows = low[r][order]
            highs = high[r][order]
            top = highs.max()
            width = (highs - lows).max()
            counts = np.zeros(t + 1, dtype=np.int64)
            written = 0
            for x in range(n):
                value = distances[r, x]
                if value > top:
                    continue
                # p = how many lows are <= value: the value is below lows[p:].
                p, end = 0, t
                while p < end:
                    middle = (p + end) >> 1
                    if lows[middle] <= value:
                        p = middle + 1
                    else:
                        end = middle
                counts[p] += 1
                c = p - 1
                while c >= 0 and lows[c] >= value - width:
                    if highs[c] >= value:
                        if written < room:
                            at = r * room + written
                            query[at] = r
                            column[at] = order[c]
                            position[at] = x
                        written += 1
                    c -= 1
            found[r] = written
            running = 0
            for c in range(t):
                running += counts[c]
                below[r, order[c]] = running
        return below, query, column, position, found

    return count
