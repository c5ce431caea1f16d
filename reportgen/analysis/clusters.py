"""Clusters of the embedding: k-means with k chosen by silhouette, described for the report."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reportgen.analysis.neighbors import METRICS
from reportgen.analysis.scale import hash_sample
from reportgen.engine import LOCAL, Engine
from reportgen.errors import AnalysisError
from reportgen.validation import NONE, SEED, Choices, Interval, validate_params

# scikit-learn and scipy.sparse are imported inside the functions that use them: a rebuild
# that takes its clusters from the analysis cache never needs them (about a second).

# k-means restarts per fit; the best inertia wins. 3 rather than sklearn's 1 ("auto" with
# k-means++): one unlucky seeding can merge two planted blobs and sink that k's silhouette.
_N_INIT = 3

# Above ``blocked_above`` points the final fit on all N is Lloyd's algorithm over blocks of
# rows through the engine (``blocked_lloyd``): no copy of all N is made, and with the Dask
# engine each block is assigned on the worker that reads it. It starts from a fit on a seeded
# sample of ``blocked_above`` rows, and stops when at most this share of the points changed
# cluster in an iteration, or after BLOCKED_ITERATIONS. Measured on a 200,000 x 384 mixture
# (k = 12): 3 passes, ARI 0.997 against Lloyd run to no change (20 passes); MiniBatchKMeans
# on all N reached 0.971 against scikit-learn's KMeans.
BLOCKED_TOLERANCE = 1e-3
BLOCKED_ITERATIONS = 30

# Rows of the seeded sample on which k is chosen (every candidate k fitted, silhouettes scored);
# above it, only the chosen k is fitted on all N, from the sample fit's centres. Measured on
# 60,000 x 384 clustered data (benchmarks/bench_clusters.py, README): choosing on 5,000 rows
# takes the step from 32 s to 6.4 s; on 10,000 rows KMeans needs many more Lloyd iterations
# per k and the step takes 54-67 s.
CHOOSE_SAMPLE = 5_000

# Lloyd iterations of the final fit on all N when it starts from the sample fit's centres,
# which are already near a fixed point; sklearn stops earlier once the centres settle.
_REFIT_ITERATIONS = 100

# Largest number of rows whose centroid is gathered at once when measuring distances.
_DISTANCE_ROWS = 8192

_KEYWORDS = 5  # TF-IDF terms kept per cluster
_NAME_TERMS = 3  # of which the name shows this many
_MAX_FEATURES = 20_000

# Fewest points clustered: a silhouette needs 2..n-1 clusters (n >= 3), and choosing k needs at
# least two candidates to compare (k = 2 and 3), so n >= 4.
MIN_POINTS = 4

# compute_clusters's parameters; the [clusters] options point at the same constraints.
CLUSTER_PARAMETERS = {
    "k": (Interval(int, 2), NONE),
    "metric": (Choices(METRICS),),
    "k_min": (Interval(int, 2),),
    "k_max": (Interval(int, 2),),
    "silhouette_sample": (Interval(int, MIN_POINTS),),
    "choose_sample": (Interval(int, MIN_POINTS),),
    "blocked_above": (Interval(int, 0),),
    "representatives": (Interval(int, 1),),
    "seed": SEED,
}


# Below this mean silhouette the clusters are called weak: Kaufman and Rousseeuw's scale
# calls anything under 0.25 no substantial structure; under 0.1 there is next to none.
WEAK_SILHOUETTE = 0.1


@dataclass(frozen=True)
class Clustering:
    """A k-means partition of the N points, numbered by size (cluster 0 is the largest).

    Attributes:
        assignments: int32 (N,): each point's cluster, 0..k-1.
        sizes: k member counts, non-increasing (ties: the cluster whose first member comes
            first).
        centroids: float32 (k, D): mean of each cluster's members in the space clustered
            (unit-normalised rows for cosine, so a centroid's norm is below 1; raw rows for
            euclidean). With ``method`` "blocked-lloyd", the centres of the last
            assignment instead: the means of the clusters of the pass before it, which
            differ from the final members' means only by the few points that moved.
        distance_to_centroid: float32 (N,): each point's distance to its own centroid: cosine
            distance (1 - cos) to the normalised centroid, or L2 distance.
        metric: "cosine" or "euclidean".
        method: "kmeans" (scikit-learn's) or "blocked-lloyd" (``blocked_lloyd``).
        k_curve: (k, silhouette) per candidate k tried when k was chosen automatically, in
            increasing k; empty when k was given. Each k is fitted on the choice sample
            (``choice_sample_size`` rows) and scored on the silhouette sample.
        choice_reason: one sentence saying how k was chosen and on how many points, for the
            report.
        choice_sample_size: rows of the seeded sample on which k was chosen (N when every
            point was used; then that fit is the final one); None when k was given.
        silhouette: mean silhouette of the final partition on the silhouette sample, or None
            when the sample does not hold 2..n-1 clusters (only possible when the sample is
            smaller than N).
        silhouette_per_cluster: k values: the mean silhouette of each cluster's sampled
            members, None for a cluster with no sampled member.
        silhouette_sample_size: rows of the seeded silhouette sample, drawn from the choice
            sample (all of it when it is no larger than ``silhouette_sample``).
        representatives: per cluster, up to ``representatives`` member indices nearest its
            centroid, nearest first (ties by index).
        ari, nmi, homogeneity, completeness: agreement of the clusters with the given labels
            (scikit-learn's scores over all points); None without labels.
        contingency: int64 (k, L): points of each cluster carrying each label; None without
            labels.
        label_names: the L distinct labels, most frequent first (ties by text), naming the
            columns of ``contingency``; None without labels.
        keywords: per cluster, up to 5 terms with the highest mean TF-IDF over its members
            (ties by term; terms scoring 0 left out); None without texts or when the texts
            hold no word outside the stop list.
        names: per cluster, its first 3 keywords joined by " · " ("" when it has none); None
            when ``keywords`` is.
    """

    assignments: np.ndarray
    sizes: tuple[int, ...]
    centroids: np.ndarray
    distance_to_centroid: np.ndarray
    metric: str
    method: str
    k_curve: tuple[tuple[int, float], ...]
    choice_reason: str
    choice_sample_size: int | None
    silhouette: float | None
    silhouette_per_cluster: tuple[float | None, ...]
    silhouette_sample_size: int
    representatives: tuple[tuple[int, ...], ...]
    # Filled by describe_clusters (they depend on the labels and texts, not the vectors).
    ari: float | None = None
    nmi: float | None = None
    homogeneity: float | None = None
    completeness: float | None = None
    contingency: np.ndarray | None = None
    label_names: tuple[str, ...] | None = None
    keywords: tuple[tuple[str, ...], ...] | None = None
    names: tuple[str, ...] | None = None

    @property
    def k(self) -> int:
        """Number of clusters."""
        return len(self.sizes)

    @property
    def warnings(self) -> tuple[str, ...]:
        """What a reader of these clusters should know first: an automatic k at the top of
        the range it tried (the silhouette may still rise beyond it), and a silhouette
        below WEAK_SILHOUETTE (no clear cluster structure)."""
        found = []
        if self.k_curve:
            best = max(self.k_curve, key=lambda point: point[1])[0]
            tried = (self.k_curve[0][0], self.k_curve[-1][0])
            if best == tried[1] and tried[1] > tried[0]:
                found.append(
                    f"k reached the top of the range it was chosen from ({tried[0]}..{tried[1]}):"
                    " more clusters may fit better; raise --clusters-k-max"
                )
        if self.silhouette is not None and self.silhouette < WEAK_SILHOUETTE:
            found.append(
                f"silhouette {self.silhouette:.3f}, below {WEAK_SILHOUETTE}: the clusters are "
                "weak (the points show no clear cluster structure), so read them as a "
                "partition of the map rather than as groups the data has"
            )
        return tuple(found)

    @property
    def n(self) -> int:
        """Number of points."""
        return int(self.assignments.shape[0])

    @property
    def silhouette_basis(self) -> str:
        """The points the silhouettes are computed on: "all 240 points" or "a seeded sample
        of 2,000 of 60,000 points"."""
        if self.silhouette_sample_size == self.n:
            return f"all {self.n:,} points"
        return f"a seeded sample of {self.silhouette_sample_size:,} of {self.n:,} points"


def compute_clusters(
    vectors: np.ndarray,
    *,
    k: int | None = None,
    metric: str = "cosine",
    k_min: int = 2,
    k_max: int = 12,
    k_beyond: Sequence[int] = (),
    silhouette_sample: int = 2000,
    choose_sample: int = CHOOSE_SAMPLE,
    blocked_above: int = 50_000,
    labels: list[str] | None = None,
    texts: list[str] | None = None,
    representatives: int = 5,
    seed: int = 0,
    engine: Engine = LOCAL,
) -> Clustering:
    """Partition ``vectors`` with k-means and describe each cluster.

    Cosine clusters the unit-normalised rows (a zero row stays zero); euclidean the raw rows.
    k-means is sklearn's ``KMeans`` (3 restarts, ``random_state=seed``, one OpenMP thread:
    sklearn adds per-thread partial sums in the order the threads finish). Above
    ``blocked_above`` points, the final fit on all N is ``blocked_lloyd`` instead, from the
    centres of a KMeans fit on the choice sample (of the given k, or of the chosen one): no
    copy of all N is made, and the engine runs the blocks (on the workers with Dask).

    When ``k`` is None, k is chosen on the choice sample: the min(``choose_sample``, N) rows
    with the smallest ``scale.row_keys`` for the seed (the same rows however the data is
    split into files). Each k in ``k_min..min(k_max, M - 1, S - 1)`` is fitted on those M
    rows and scored by its mean silhouette on a seeded subsample of S = min(
    ``silhouette_sample``, M) of them; the highest score wins (ties: the smaller k). When
    the sample is all N, that fit is the result; otherwise the chosen k is fitted once on
    all N, starting from the sample fit's centres, and every point is assigned. Clusters are
    then renumbered by size, largest first. Clusters k-means leaves empty (possible only with
    duplicate points) are dropped, so ``k`` may come out smaller.

    Args:
        vectors: float (N, D); never written.
        k: number of clusters, 2 <= k < N; None to choose it by silhouette.
        metric: "cosine" or "euclidean" (for clustering, silhouettes and distances).
        k_min, k_max: the range of automatic k, 2 <= k_min <= k_max.
        k_beyond: more candidates above k_max (``label_k_candidates``), tried after the
            range where the choice sample allows them.
        silhouette_sample: rows of the seeded silhouette sample, at least 4.
        choose_sample: rows of the seeded sample on which k is chosen, at least 4.
        blocked_above: fit all N with ``blocked_lloyd`` when N is larger than this.
        labels: N labels to compare the clusters with (ARI, NMI, contingency), or None.
        texts: N texts to name the clusters by TF-IDF keywords, or None.
        representatives: member indices kept per cluster, nearest the centroid first; >= 1.
        seed: seeds the samples and k-means.
        engine: prepares the unit rows (cosine); runs ``blocked_lloyd``'s blocks.

    Returns:
        A ``Clustering``.

    Raises:
        AnalysisError: ``vectors`` is not 2-D or has fewer than 4 rows, a parameter is out of
            range, ``labels`` or ``texts`` is not N long, or no candidate k can be scored.
    """
    n = _check_vectors(vectors)
    _check_parameters(
        n,
        k,
        metric,
        k_min,
        k_max,
        silhouette_sample,
        choose_sample,
        blocked_above,
        representatives,
    )
    for name, column in (("labels", labels), ("texts", texts)):
        if column is not None and len(column) != n:
            raise AnalysisError(f"{name} has {len(column)} values, expected one per point: N = {n}")

    blocked = n > blocked_above
    chosen_rows = choice_rows(n, choose_sample, seed)
    # The silhouette sample is drawn from the choice sample as if it were the whole set, so
    # that choosing k on M rows is exactly the all-rows procedure run on those M rows.
    scored = _silhouette_rows(len(chosen_rows), silhouette_sample, seed)
    scored_rows = chosen_rows[scored]
    if blocked:
        # Only the choice sample is prepared here; all N are read block by block below.
        space = None
        sample_space = _clustering_space(np.asarray(vectors[chosen_rows]), metric, engine)
    else:
        space = _clustering_space(vectors, metric, engine)
        sample_space = space if len(chosen_rows) == n else space[chosen_rows]
    from sklearn.metrics import pairwise_distances

    sample_distances = pairwise_distances(sample_space[scored].astype(np.float64), metric=metric)

    curve: tuple[tuple[int, float], ...] = ()
    if k is not None:
        reason = f"k = {k}: as configured"
        choice_size = None
        if blocked:
            _, centres = _fit(sample_space, k, seed)
            reason += f", fitted on a seeded sample of {len(chosen_rows):,} of {n:,} points"
        else:
            raw, _ = _fit(space, k, seed)
    else:
        sample_raw, centres, curve, reason = _choose_k(
            sample_space, scored, sample_distances, k_min, k_max, seed, k_beyond
        )
        choice_size = len(chosen_rows)
        reason += _choice_basis(n, choice_size, len(scored), refitted=not blocked)
        if not blocked:
            raw = sample_raw if choice_size == n else _refit(space, centres, seed)[0]

    if blocked:
        # From the choice sample's centres, Lloyd on a larger seeded sample in memory first
        # (scikit-learn's, fast), so that few passes over all N remain.
        refine_rows = choice_rows(n, max(blocked_above, len(chosen_rows)), seed)
        refine_space = _clustering_space(np.asarray(vectors[refine_rows]), metric, engine)
        centres = _refit(refine_space, centres, seed)[1]
        fit = blocked_lloyd(vectors, centres, metric, engine=engine)
        refined = f"refined on a seeded sample of {len(refine_rows):,} points and "
        reason += "; then " + (refined if len(refine_rows) < n else "") + fit.describe(n)
        assignments, sizes, order = _number_by_size(fit.labels)
        centroids = fit.centres[order]
        distances = fit.distances
    else:
        assignments, sizes, _ = _number_by_size(raw)
        centroids = _centroids(space, assignments, len(sizes))
        distances = _distances_to_centroids(space, assignments, centroids, metric)
    method = "blocked-lloyd" if blocked else "kmeans"
    silhouette, per_cluster = _silhouettes(sample_distances, assignments[scored_rows], len(sizes))
    clustering = Clustering(
        assignments=assignments,
        sizes=sizes,
        centroids=centroids,
        distance_to_centroid=distances,
        metric=metric,
        method=method,
        k_curve=curve,
        choice_reason=reason,
        choice_sample_size=choice_size,
        silhouette=silhouette,
        silhouette_per_cluster=per_cluster,
        silhouette_sample_size=len(scored_rows),
        representatives=_representatives(assignments, distances, len(sizes), representatives),
    )
    return describe_clusters(clustering, labels=labels, texts=texts)


def choice_rows(n: int, size: int, seed: int) -> np.ndarray:
    """Sorted int64 rows of the seeded choice sample: all of ``range(n)`` when size >= n,
    else the ``size`` rows with the smallest ``scale.row_keys`` (ties by row), which do not
    depend on how the rows are split into files. k-means knows no labels, so the sample is
    the fit sample's hash with one stratum."""
    if size >= n:
        return np.arange(n, dtype=np.int64)
    return hash_sample(np.zeros(n, dtype=np.int64), size, seed).astype(np.int64)


def describe_clusters(
    clustering: Clustering,
    *,
    labels: list[str] | None = None,
    texts: list[str] | None = None,
) -> Clustering:
    """The clustering compared with ``labels`` (ARI, NMI, homogeneity, completeness,
    contingency) and named by the TF-IDF keywords of ``texts``.

    What depends on the metadata, kept apart from k-means (which does not): the analysis
    cache stores a clustering computed without labels or texts, and a build describes it
    with its current ones. ``compute_clusters`` ends with this call.

    Raises:
        AnalysisError: ``labels`` or ``texts`` is not one value per point.
    """
    n = clustering.n
    for name, column in (("labels", labels), ("texts", texts)):
        if column is not None and len(column) != n:
            raise AnalysisError(f"{name} has {len(column)} values, expected one per point: N = {n}")
    agreement = _agreement(clustering.assignments, labels, clustering.k)
    keywords = (
        _keywords(texts, clustering.assignments, clustering.sizes) if texts is not None else None
    )
    return dataclasses.replace(
        clustering,
        ari=agreement[0],
        nmi=agreement[1],
        homogeneity=agreement[2],
        completeness=agreement[3],
        contingency=agreement[4],
        label_names=agreement[5],
        keywords=keywords,
        names=keyword_names(keywords),
    )


def keyword_names(keywords: tuple[tuple[str, ...], ...] | None) -> tuple[str, ...] | None:
    """Each cluster's name: its first 3 keywords joined by " · " (None without keywords)."""
    if keywords is None:
        return None
    return tuple(" · ".join(terms[:_NAME_TERMS]) for terms in keywords)


# --- checks -----------------------------------------------------------------------------------


def _check_vectors(vectors: np.ndarray) -> int:
    if getattr(vectors, "ndim", None) != 2:
        shape = getattr(vectors, "shape", None)
        raise AnalysisError(f"vectors must be a 2-D array (N, D), got shape {shape}")
    n, dim = vectors.shape
    if n < MIN_POINTS:
        raise AnalysisError(f"clustering needs at least {MIN_POINTS} points, got N = {n}")
    if dim < 1:
        raise AnalysisError(f"clustering needs at least 1 dimension, got D = {dim}")
    return int(n)


def _check_parameters(
    n: int,
    k: int | None,
    metric: str,
    k_min: int,
    k_max: int,
    silhouette_sample: int,
    choose_sample: int,
    blocked_above: int,
    representatives: int,
) -> None:
    validate_params(
        "",
        CLUSTER_PARAMETERS,
        {
            "metric": metric,
            "k_min": k_min,
            "k_max": k_max,
            "silhouette_sample": silhouette_sample,
            "choose_sample": choose_sample,
            "blocked_above": blocked_above,
            "representatives": representatives,
        },
    )
    # Limits that depend on the data (or on two parameters) are checked here.
    if k is not None and not 2 <= k < n:
        raise AnalysisError(f"k={k} must be >= 2 and < N = {n}")
    if k_max < k_min:
        raise AnalysisError(f"k_max={k_max} must be >= k_min={k_min}")
    if k is None:
        m = min(choose_sample, n)
        top = _top_candidate(m, k_max, silhouette_sample)
        if top < k_min:
            raise AnalysisError(
                f"k_min={k_min} leaves no candidate k: at most min(k_max={k_max}, rows k is "
                f"chosen on - 1 = {m - 1}, silhouette sample - 1 = "
                f"{min(silhouette_sample, m) - 1}) = {top}"
            )


# With more labels than k_max, the automatic choice also tries these k up to the number of
# labels (at most the last): a coarse grid, since each k is one more k-means fit.
LABEL_K_GRID = (16, 20, 24, 32, 40, 50)


def label_k_candidates(labels: int, k_max: int) -> tuple[int, ...]:
    """The k above ``k_max`` worth trying for data with ``labels`` distinct labels: the
    grid's values up to the number of labels, and the number itself when it is on the grid's
    scale (none when there are no more labels than k_max)."""
    if labels <= k_max:
        return ()
    top = min(labels, LABEL_K_GRID[-1])
    return tuple(sorted({k for k in LABEL_K_GRID if k_max < k <= top} | {top}))


def _top_candidate(m: int, k_max: int, silhouette_sample: int) -> int:
    # k < the m rows fitted, and a silhouette needs at most n_sample - 1 clusters in the sample.
    return min(k_max, m - 1, min(silhouette_sample, m) - 1)


# --- fitting ----------------------------------------------------------------------------------


def _clustering_space(vectors: np.ndarray, metric: str, engine: Engine) -> np.ndarray:
    """float32 (N, D): unit rows (zero rows stay zero) for cosine, the raw rows for euclidean."""
    vectors = np.asarray(vectors)
    if metric == "cosine":
        return engine.prepare_space(vectors, metric).data
    return np.ascontiguousarray(vectors, dtype=np.float32)


def _silhouette_rows(n: int, size: int, seed: int) -> np.ndarray:
    """Sorted int64 indices of the seeded silhouette sample (all rows when size >= n)."""
    if size >= n:
        return np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=size, replace=False)).astype(np.int64)


def _fit(space: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """k-means labels (N,) as sklearn numbers them, and the float32 (k, D) centres."""
    from sklearn.cluster import KMeans

    return _run(KMeans(n_clusters=k, n_init=_N_INIT, random_state=seed), space)


def _refit(space: np.ndarray, centres: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels (N,) and float32 (k, D) centres of one k-means fit on the rows of ``space``
    that starts from ``centres`` (k, D)."""
    from sklearn.cluster import KMeans

    model = KMeans(
        n_clusters=len(centres),
        init=centres,
        n_init=1,
        max_iter=_REFIT_ITERATIONS,
        random_state=seed,
    )
    return _run(model, space)


@dataclass(frozen=True)
class BlockedFit:
    """What ``blocked_lloyd`` found.

    Attributes:
        labels: int32 (N,): each point's nearest centre (in ``centres``' order).
        distances: float32 (N,): each point's distance to that centre, as
            ``Clustering.distance_to_centroid`` measures it.
        centres: float32 (k, D): the centres the points were last assigned to: the means of
            the previous iteration's clusters (of the unit rows for cosine).
        iterations: assignment passes over all N.
        changed: points that changed cluster in the last pass.
    """

    labels: np.ndarray
    distances: np.ndarray
    centres: np.ndarray
    iterations: int
    changed: int

    def describe(self, n: int) -> str:
        """The sentence for the page, after the choice of k."""
        settled = (
            "no point changed cluster in the last"
            if self.changed == 0
            else f"{self.changed:,} of {n:,} points changed cluster in the last"
        )
        passes = f"{self.iterations} Lloyd iteration{'s' if self.iterations > 1 else ''}"
        return f"fitted on all {n:,} points by {passes} in blocks ({settled})"


def blocked_lloyd(
    vectors: np.ndarray,
    centres: np.ndarray,
    metric: str,
    *,
    tolerance: float = BLOCKED_TOLERANCE,
    iterations: int = BLOCKED_ITERATIONS,
    engine: Engine = LOCAL,
) -> BlockedFit:
    """Lloyd's k-means over all N rows, from ``centres``, one engine pass per iteration.

    Each pass reads every row once: it is assigned to its nearest centre in the clustered
    space (unit rows for cosine), and each cluster's rows are summed in float64
    (``lloyd_block``, per engine block, folded in block order); the new centres are the
    means (a cluster left empty keeps its centre). It stops when at most ``tolerance`` x N
    points changed cluster, or after ``iterations`` passes; the result is the last
    assignment. The same blocks and the same order on any engine, so the same bits.

    Args:
        vectors: float (N, D), may be a memory map (or the Dask engine's array of all N).
        centres: float32 (k, D): the starting centres, in the clustered space.
        metric: "cosine" or "euclidean".
    """
    n, dim = vectors.shape
    centres = np.ascontiguousarray(centres, dtype=np.float32)
    k = len(centres)
    every_row = np.arange(n, dtype=np.int64)
    labels = np.full(n, -1, dtype=np.int32)
    passes = 0
    while True:
        parts = engine.map_rows(
            lloyd_block, vectors, every_row, 8 * dim + 8 * k, shared=(centres, metric)
        )
        fresh = np.concatenate([part[0] for part in parts])
        distances = np.concatenate([part[1] for part in parts])
        changed = int(np.count_nonzero(fresh != labels))
        labels = fresh
        passes += 1
        if changed <= tolerance * n or passes >= iterations:
            break
        sums = np.zeros((k, dim), dtype=np.float64)
        counts = np.zeros(k, dtype=np.int64)
        for part in parts:
            sums += part[2]
            counts += part[3]
        means = sums / np.maximum(counts, 1)[:, None]
        centres = np.where(counts[:, None] > 0, means, centres).astype(np.float32)
    return BlockedFit(labels, distances, centres, passes, changed)


def lloyd_block(
    block: np.ndarray, centres: np.ndarray, metric: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One block's part of a Lloyd pass: each row's nearest centre, int32 (B,) (squared L2
    in the clustered space, ties to the smaller); its float32 (B,) distance to it (1 - cos
    to the normalised centre for cosine, a zero centre at similarity 0; else L2); and per
    centre the float64 (k, D) sum and int64 (k,) count of the rows assigned to it.

    One float32 product of the rows with the centres gives both the assignment and the
    cosine distance; the sums are float64, each cluster's rows added in row order: each
    pass costs little more than reading the rows, and its bits do not depend on threads.
    """
    rows = np.asarray(block, dtype=np.float32)
    if metric == "cosine":
        # Norms in float32 (not the space's float64 ones): twice as fast, and the unit rows
        # are only assigned and summed here.
        lengths = np.sqrt(np.einsum("ij,ij->i", rows, rows))
        scale = np.divide(np.float32(1.0), lengths, out=np.zeros_like(lengths), where=lengths > 0)
        rows = rows * scale[:, None]
    dots = rows @ centres.T
    squares = np.einsum("ij,ij->i", centres, centres)
    labels = np.argmin(squares[None, :] - np.float32(2.0) * dots, axis=1).astype(np.int32)
    every = np.arange(len(labels))
    if metric == "cosine":
        lengths = np.sqrt(squares.astype(np.float64))[labels]
        own = np.divide(dots[every, labels], lengths, out=np.zeros(len(labels)), where=lengths > 0)
        distances = 1.0 - own
    else:
        difference = rows - centres[labels]
        distances = np.sqrt(np.einsum("ij,ij->i", difference, difference))
    # Each cluster's rows summed in row order (not a BLAS product with the assignment matrix:
    # its sums over many rows change with the number of BLAS threads, and the Dask workers
    # run one while this process may run more).
    counts = np.bincount(labels, minlength=len(centres)).astype(np.int64)
    order = np.argsort(labels, kind="stable")
    ends = np.cumsum(counts)
    sums = np.zeros((len(centres), rows.shape[1]), dtype=np.float64)
    for cluster in np.flatnonzero(counts):
        members = order[ends[cluster] - counts[cluster] : ends[cluster]]
        sums[cluster] = rows[members].sum(axis=0, dtype=np.float64)
    return labels, distances.astype(np.float32), sums, counts


def _run(model: object, space: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fit ``model`` on one OpenMP thread: sklearn's Lloyd step adds each thread's partial
    centre sums under a lock in the order the threads finish, so more threads could change
    the last bits of a centre and, through them, an assignment."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="openmp"):
        labels = model.fit_predict(space)  # type: ignore[attr-defined]
    return labels, model.cluster_centers_.astype(np.float32)  # type: ignore[attr-defined]


def _choose_k(
    space: np.ndarray,
    scored: np.ndarray,
    sample_distances: np.ndarray,
    k_min: int,
    k_max: int,
    seed: int,
    k_beyond: Sequence[int] = (),
) -> tuple[np.ndarray, np.ndarray, tuple[tuple[int, float], ...], str]:
    """Over the rows of ``space`` (the choice sample): the labels and centres of the k with
    the highest silhouette on the rows ``scored``, the curve, and why."""
    m = space.shape[0]
    top = _top_candidate(m, k_max, len(scored))
    limit = _top_candidate(m, max([k_max, *k_beyond]), len(scored))
    beyond = sorted({k for k in k_beyond if top < k <= limit})
    curve: list[tuple[int, float]] = []
    best: tuple[float, int, np.ndarray, np.ndarray] | None = None
    for candidate in [*range(k_min, top + 1), *beyond]:
        raw, centres = _fit(space, candidate, seed)
        score, _ = _silhouettes(sample_distances, raw[scored], candidate)
        if score is None:  # the sample holds too few clusters (duplicate points)
            continue
        curve.append((candidate, score))
        if best is None or score > best[0]:  # strictly: ties keep the smaller k
            best = (score, candidate, raw, centres)
    if best is None:
        raise AnalysisError(
            f"no k in {k_min}..{top} gives a silhouette: k-means found fewer than 2 distinct "
            "clusters in the sample (are the points all duplicates?)"
        )
    score, chosen, raw, centres = best
    tried = f"{k_min}..{top}" + "".join(f", {k}" for k in beyond)
    reason = f"k = {chosen}: the highest silhouette ({score:.3f}) of k = {tried}"
    return raw, centres, tuple(curve), reason


def _choice_basis(n: int, chosen: int, scored: int, *, refitted: bool = True) -> str:
    """How many points k was chosen on and scored on, and (``refitted``: by KMeans) that
    it was then fitted on all points."""
    if chosen == n:
        if scored == n:
            return f" on all {n:,} points"
        return f" on a seeded sample of {scored:,} of {n:,} points"
    of_them = "all of them" if scored == chosen else f"{scored:,} of them"
    basis = (
        f", each fitted on a seeded sample of {chosen:,} of {n:,} points and scored on {of_them}"
    )
    return basis + (f"; then fitted on all {n:,} points" if refitted else "")


def _number_by_size(raw: np.ndarray) -> tuple[np.ndarray, tuple[int, ...], np.ndarray]:
    """Relabel clusters 0.. by size, largest first, ties by first member; drop empty ones.
    Also returns the old number of each new cluster (int (k,))."""
    present, first, counts = np.unique(raw, return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))
    lookup = np.empty(int(present.max()) + 1, dtype=np.int32)
    lookup[present[order]] = np.arange(len(present), dtype=np.int32)
    return lookup[raw], tuple(int(c) for c in counts[order]), present[order]


def _centroids(space: np.ndarray, assignments: np.ndarray, k: int) -> np.ndarray:
    """float32 (k, D): each cluster's mean, summed in float64."""
    sums = np.zeros((k, space.shape[1]), dtype=np.float64)
    np.add.at(sums, assignments, space)
    counts = np.bincount(assignments, minlength=k)
    return (sums / counts[:, None]).astype(np.float32)


def _distances_to_centroids(
    space: np.ndarray, assignments: np.ndarray, centroids: np.ndarray, metric: str
) -> np.ndarray:
    """float32 (N,): 1 - cos to the normalised centroid (cosine) or L2 distance."""
    targets = centroids.astype(np.float64)
    if metric == "cosine":
        norms = np.linalg.norm(targets, axis=1, keepdims=True)
        # A zero centroid (members cancelling out) is like a zero vector: similarity 0.
        targets = np.divide(targets, norms, out=np.zeros_like(targets), where=norms > 0)
    result = np.empty(space.shape[0], dtype=np.float32)
    for start in range(0, space.shape[0], _DISTANCE_ROWS):
        rows = slice(start, start + _DISTANCE_ROWS)
        block = space[rows].astype(np.float64)
        own = targets[assignments[rows]]
        if metric == "cosine":
            result[rows] = 1.0 - np.einsum("ij,ij->i", block, own)
        else:
            result[rows] = np.linalg.norm(block - own, axis=1)
    return result


# --- description ------------------------------------------------------------------------------


def _silhouettes(
    distances: np.ndarray, sample_labels: np.ndarray, k: int
) -> tuple[float | None, tuple[float | None, ...]]:
    """Overall and per-cluster mean silhouette of the sample (None where undefined)."""
    present = np.unique(sample_labels)
    if not 2 <= len(present) <= len(sample_labels) - 1:
        return None, (None,) * k
    from sklearn.metrics import silhouette_samples

    values = silhouette_samples(distances, sample_labels, metric="precomputed")
    sums = np.bincount(sample_labels, weights=values, minlength=k)
    counts = np.bincount(sample_labels, minlength=k)
    per_cluster = tuple(
        float(s / c) if c else None for s, c in zip(sums.tolist(), counts.tolist(), strict=True)
    )
    return float(values.mean()), per_cluster


def _representatives(
    assignments: np.ndarray, distances: np.ndarray, k: int, count: int
) -> tuple[tuple[int, ...], ...]:
    """Per cluster, the ``count`` members nearest its centroid (ties by index)."""
    order = np.lexsort((np.arange(len(assignments)), distances, assignments))
    starts = np.searchsorted(assignments[order], np.arange(k))
    return tuple(tuple(int(i) for i in order[s : s + count]) for s in starts)


def _agreement(assignments: np.ndarray, labels: list[str] | None, k: int) -> tuple:
    """(ari, nmi, homogeneity, completeness, contingency, label_names), all None without labels."""
    if labels is None:
        return (None,) * 6
    from sklearn.metrics import (
        adjusted_rand_score,
        completeness_score,
        homogeneity_score,
        normalized_mutual_info_score,
    )

    names = tuple(v for v, _ in sorted(Counter(labels).items(), key=lambda kv: (-kv[1], kv[0])))
    lookup = {name: code for code, name in enumerate(names)}
    codes = np.fromiter((lookup[v] for v in labels), dtype=np.int64, count=len(labels))
    contingency = np.bincount(
        assignments.astype(np.int64) * len(names) + codes, minlength=k * len(names)
    ).reshape(k, len(names))
    return (
        float(adjusted_rand_score(codes, assignments)),
        float(normalized_mutual_info_score(codes, assignments)),
        float(homogeneity_score(codes, assignments)),
        float(completeness_score(codes, assignments)),
        contingency.astype(np.int64),
        names,
    )


def _keywords(
    texts: list[str], assignments: np.ndarray, sizes: tuple[int, ...]
) -> tuple[tuple[str, ...], ...] | None:
    """Per cluster, the top TF-IDF terms by mean over its members; None for no vocabulary."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(stop_words="english", max_features=_MAX_FEATURES)
    try:
        tfidf = vectorizer.fit_transform(texts)
    except ValueError as error:
        if "empty vocabulary" not in str(error):
            raise
        return None
    terms = vectorizer.get_feature_names_out()  # sorted, so ties by index are ties by term
    k, n = len(sizes), len(texts)
    weights = 1.0 / np.asarray(sizes, dtype=np.float64)[assignments]
    means = sp.csr_matrix((weights, (assignments, np.arange(n))), shape=(k, n)) @ tfidf
    means = means.toarray()
    result = []
    for row in means:
        positive = np.flatnonzero(row > 0)
        top = positive[np.lexsort((positive, -row[positive]))[:_KEYWORDS]]
        result.append(tuple(str(terms[i]) for i in top))
    return tuple(result)
