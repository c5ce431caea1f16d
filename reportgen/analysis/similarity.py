"""How similar the groups (labels or clusters) are: centroid and point heatmaps, the spread of
within-group against between-group cosine similarity, and the most confusable pairs.

Everything is cosine similarity on unit-normalised vectors. A zero vector stays zero, so it
has similarity 0 to everything, itself included (as scikit-learn's ``cosine_similarity`` and
the kNN graph give). Memory stays bounded whatever N is: the vectors are scanned in blocks and
the only square matrices are L x L (groups) and s x s (the sample).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reportgen.analysis.browser import stratified_sample
from reportgen.analysis.neighbors import KnnGraph
from reportgen.engine import LOCAL, Engine, unit_rows
from reportgen.errors import AnalysisError
from reportgen.validation import SEED, Interval, validate_params

# Histogram of the sample's pair similarities: this many equal bins over [-1, 1].
HIST_BINS = 40

# Pairs listed as most confusable.
TOP_PAIRS = 10

# Largest point heatmap: s x s float32 is 64 MiB at 4,096, and the browser draws every cell.
MAX_SAMPLE = 4096

# compute_similarity's parameters; [similarity] sample_size points at the same constraint.
SIMILARITY_PARAMETERS = {"sample_size": (Interval(int, 1, MAX_SAMPLE),), "seed": SEED}

# Above this many groups, scipy's optimal leaf ordering (O(L^3)) costs more than it is worth.
_OPTIMAL_ORDER_MAX = 200

# Rows of the sample's similarity matrix histogrammed at once.
_HIST_ROWS = 256


@dataclass(frozen=True)
class Similarity:
    """Group-to-group and point-to-point cosine similarity.

    L is the number of groups (``len(group_names)``), s the number of sampled points.

    Attributes:
        group_names: (L,) the names, indexed by group code.
        group_sizes: (L,) points per group, by group code.
        centroid_order: (L,) group codes in heatmap order (average-linkage clustering of the
            centroids, so similar groups sit together).
        ordered_names: (L,) ``group_names`` in ``centroid_order``.
        centroid_similarity: float32 (L, L), rows and columns in ``centroid_order``: cosine
            similarity of the groups' mean unit vectors. Symmetric; diagonal 1, except 0 for a
            group whose centroid is zero (an empty group, or only zero vectors).
        sample_rows: int64 (s,): the sampled rows, sorted by group (in ``centroid_order``),
            then by row index.
        sample_similarity: float32 (s, s): cosine similarity of the sampled rows, symmetric,
            diagonal 1 (0 for a zero vector).
        sample_similarity_u8: uint8 (s, s): round((similarity + 1) / 2 * 255), for the browser.
        bin_edges: (HIST_BINS + 1,) edges over [-1, 1] of the two histograms.
        within_hist: (HIST_BINS,) counts of the sample's pairs (i < j) in the same group.
        between_hist: (HIST_BINS,) counts of the sample's pairs (i < j) in different groups.
        within_mean: mean cosine similarity over ALL pairs of distinct points in the same group
            (exact, not sampled); None when no group has two points.
        between_mean: the same over all pairs in different groups; None with a single group.
        within_mean_per_group: (L,) by group code: each group's within mean, None for a group
            of fewer than 2 points.
        confusable_pairs: up to ``TOP_PAIRS`` dicts {"a", "b", "centroid_similarity"}: the
            pairs of non-empty groups with the most similar centroids, most similar first (ties
            by names); "a" < "b".
    """

    group_names: tuple[str, ...]
    group_sizes: tuple[int, ...]
    centroid_order: tuple[int, ...]
    ordered_names: tuple[str, ...]
    centroid_similarity: np.ndarray
    sample_rows: np.ndarray
    sample_similarity: np.ndarray
    sample_similarity_u8: np.ndarray
    bin_edges: tuple[float, ...]
    within_hist: tuple[int, ...]
    between_hist: tuple[int, ...]
    within_mean: float | None
    between_mean: float | None
    within_mean_per_group: tuple[float | None, ...]
    confusable_pairs: tuple[dict, ...]


def compute_similarity(
    vectors: np.ndarray,
    groups: np.ndarray,
    *,
    group_names: tuple[str, ...],
    sample_size: int = 1000,
    seed: int = 0,
    engine: Engine = LOCAL,
) -> Similarity:
    """Centroid and point heatmaps, within/between similarity and confusable group pairs.

    Within and between means count every pair of distinct points (i != j) over all N points,
    computed exactly from per-group sums of unit vectors, never an N x N matrix: for a group g
    of n_g points with unit-vector sum S_g, of which z_g are nonzero, the mean is
    (|S_g|^2 - z_g) / (n_g (n_g - 1)). A zero vector is a point like any other with similarity
    0 to everything: it counts in n_g (lowering the mean), not in z_g.

    Args:
        vectors: float (N, D), N >= 1; may be a read-only memory map (scanned in blocks).
        groups: int (N,) group codes, each in [0, L).
        group_names: (L,) names of the codes, L >= 1.
        sample_size: points in the point heatmap, 1 <= sample_size <= MAX_SAMPLE (all N when
            N is smaller); drawn by ``stratified_sample(groups, sample_size, seed)``.
        seed: the sample's random seed.
        engine: runs the pass that sums each group's unit vectors.

    Returns:
        A ``Similarity``.

    Raises:
        AnalysisError: bad shapes, group codes out of range, or sample_size out of range.
    """
    group_names = tuple(str(name) for name in group_names)
    groups = _check_inputs(vectors, groups, group_names, sample_size)
    n_groups = len(group_names)

    sums, nonzero = engine.group_sums(vectors, groups, n_groups, unit=True)
    sizes = np.bincount(groups, minlength=n_groups).astype(np.int64)
    centroid_sim = _cosine_matrix(sums)
    order = _centroid_order(centroid_sim)
    within_per_group, within_mean, between_mean = pair_means(sums, sizes, nonzero)

    rank = np.empty(n_groups, dtype=np.int64)
    rank[order] = np.arange(n_groups)
    sample = stratified_sample(groups, sample_size, seed)
    sample = sample[np.lexsort((sample, rank[groups[sample]]))]
    sample_sim = _sample_similarity(vectors, sample)
    edges = np.linspace(-1.0, 1.0, HIST_BINS + 1)
    within_hist, between_hist = _pair_histograms(sample_sim, groups[sample], edges)

    return Similarity(
        group_names=group_names,
        group_sizes=tuple(int(size) for size in sizes),
        centroid_order=tuple(int(g) for g in order),
        ordered_names=tuple(group_names[g] for g in order),
        centroid_similarity=centroid_sim[np.ix_(order, order)].astype(np.float32),
        sample_rows=sample,
        sample_similarity=sample_sim,
        sample_similarity_u8=_quantise(sample_sim),
        bin_edges=tuple(float(edge) for edge in edges),
        within_hist=tuple(int(count) for count in within_hist),
        between_hist=tuple(int(count) for count in between_hist),
        within_mean=within_mean,
        between_mean=between_mean,
        within_mean_per_group=within_per_group,
        confusable_pairs=_confusable_pairs(centroid_sim, sizes, group_names),
    )


def knn_confusion(
    graph: KnnGraph,
    groups: np.ndarray,
    k: int,
    *,
    group_names: tuple[str, ...] | None = None,
) -> list[dict]:
    """The group pairs joined by the most kNN edges: up to ``TOP_PAIRS`` {"a", "b", "edges"}.

    Counts the directed edges i -> j over each point's first k neighbours whose ends are in
    different groups, per unordered pair of groups (a mutual pair of neighbours counts twice).
    Most edges first, ties by names; "a" < "b". Pairs with no edge are not listed.

    Args:
        graph: the build's kNN graph (N points).
        groups: (N,) group of each point: codes into ``group_names`` when given, else the
            values themselves are the names.
        k: neighbours per point, >= 1; capped at ``graph.k`` (a small dataset has a narrow
            graph).
        group_names: names of the codes, or None.

    Raises:
        AnalysisError: k < 1, ``groups`` not of length N, or a code out of range.
    """
    k = _graph_k(graph, k)
    groups = np.asarray(groups)
    if groups.shape != (graph.n,):
        raise AnalysisError(f"groups must have shape ({graph.n},), got {groups.shape}")
    if group_names is None:
        values, codes = np.unique(groups.astype(str), return_inverse=True)
        names = tuple(str(value) for value in values)
    else:
        names = tuple(str(name) for name in group_names)
        codes = _check_codes(groups, len(names))
    source = np.repeat(codes, k)
    target = codes[graph.indices[:, :k].ravel()]
    cross = source != target
    low = np.minimum(source[cross], target[cross]).astype(np.int64)
    high = np.maximum(source[cross], target[cross]).astype(np.int64)
    pairs, counts = np.unique(low * len(names) + high, return_counts=True)
    rows = []
    for pair, count in zip(pairs.tolist(), counts.tolist(), strict=True):
        a, b = sorted((names[pair // len(names)], names[pair % len(names)]))
        rows.append({"a": a, "b": b, "edges": int(count)})
    rows.sort(key=lambda row: (-row["edges"], row["a"], row["b"]))
    return rows[:TOP_PAIRS]


# --- helpers ----------------------------------------------------------------------------------


def _check_inputs(
    vectors: np.ndarray, groups: np.ndarray, group_names: tuple[str, ...], sample_size: int
) -> np.ndarray:
    """Raise on bad parameters (cheap checks first); return the codes as int64 (N,)."""
    if getattr(vectors, "ndim", None) != 2:
        raise AnalysisError(
            f"vectors must be a 2-D array (N, D), got shape {getattr(vectors, 'shape', None)}"
        )
    n, dim = vectors.shape
    if n < 1 or dim < 1:
        raise AnalysisError(f"similarity needs at least 1 point of 1 dimension, got {n} x {dim}")
    if not group_names:
        raise AnalysisError("group_names must name at least 1 group, got none")
    validate_params("", SIMILARITY_PARAMETERS, {"sample_size": sample_size})
    groups = np.asarray(groups)
    if groups.shape != (n,):
        raise AnalysisError(f"groups must have shape ({n},) like the vectors, got {groups.shape}")
    return _check_codes(groups, len(group_names))


def _check_codes(groups: np.ndarray, n_groups: int) -> np.ndarray:
    """``groups`` as int64 codes, checked to lie in [0, n_groups)."""
    if not np.issubdtype(groups.dtype, np.integer):
        raise AnalysisError(f"groups must be integer codes, got dtype {groups.dtype}")
    codes = groups.astype(np.int64)
    bad = np.flatnonzero((codes < 0) | (codes >= n_groups))
    if bad.size:
        raise AnalysisError(
            f"groups: row {bad[0]} has code {codes[bad[0]]}, outside [0, {n_groups}) "
            f"({bad.size} such rows)"
        )
    return codes


def _cosine_matrix(rows: np.ndarray) -> np.ndarray:
    """float64 (R, R) cosine similarity of ``rows``: symmetric, clipped, exact diagonal."""
    unit = unit_rows(rows)
    sim = unit @ unit.T
    sim = np.clip((sim + sim.T) / 2.0, -1.0, 1.0)
    np.fill_diagonal(sim, unit.any(axis=1).astype(np.float64))
    return sim


def _centroid_order(centroid_sim: np.ndarray) -> np.ndarray:
    """Group codes in the leaf order of an average-linkage tree on cosine distance.

    Same as scipy's ``linkage(centroids, "average", metric="cosine")``, but from the
    similarities, so that a zero centroid (distance 1 to everything) does not give NaN.
    """
    n_groups = centroid_sim.shape[0]
    if n_groups < 3:
        return np.arange(n_groups)
    distance = np.clip(1.0 - centroid_sim, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    # Imported here: a rebuild that takes its similarity from the analysis cache skips them.
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    tree = linkage(
        squareform(distance, checks=False),
        method="average",
        optimal_ordering=n_groups <= _OPTIMAL_ORDER_MAX,
    )
    return leaves_list(tree).astype(np.int64)


def pair_means(
    sums: np.ndarray, sizes: np.ndarray, nonzero: np.ndarray
) -> tuple[tuple[float | None, ...], float | None, float | None]:
    """Exact mean cosine similarity of distinct pairs from each group's sum of unit vectors
    (L, D), size and nonzero count (L,): per group, within groups, between groups."""
    squared = np.einsum("ij,ij->i", sums, sums)
    within_sums = squared - nonzero
    within_pairs = sizes * (sizes - 1)
    per_group = tuple(
        float(total / pairs) if pairs > 0 else None
        for total, pairs in zip(within_sums.tolist(), within_pairs.tolist(), strict=True)
    )
    all_pairs = int(within_pairs.sum())
    within = float(within_sums.sum() / all_pairs) if all_pairs else None
    total = sums.sum(axis=0)
    n = int(sizes.sum())
    between_pairs = n * n - int((sizes * sizes).sum())
    between_sum = float(total @ total - squared.sum())
    between = between_sum / between_pairs if between_pairs else None
    return per_group, within, between


def _sample_similarity(vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """float32 (s, s) cosine similarity of the given rows."""
    return _cosine_matrix(np.asarray(vectors[rows], dtype=np.float64)).astype(np.float32)


def _pair_histograms(
    sim: np.ndarray, groups: np.ndarray, edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Histograms of the pairs (i < j) of ``sim`` in the same and in different groups."""
    within = np.zeros(len(edges) - 1, dtype=np.int64)
    between = np.zeros(len(edges) - 1, dtype=np.int64)
    s = sim.shape[0]
    columns = np.arange(s)
    for start in range(0, s, _HIST_ROWS):
        rows = np.arange(start, min(s, start + _HIST_ROWS))
        upper = columns[None, :] > rows[:, None]
        same = groups[rows][:, None] == groups[None, :]
        block = sim[rows]
        within += np.histogram(block[upper & same], bins=edges)[0]
        between += np.histogram(block[upper & ~same], bins=edges)[0]
    return within, between


def _quantise(sim: np.ndarray) -> np.ndarray:
    """uint8 round((sim + 1) / 2 * 255), sim clipped to [-1, 1]."""
    scaled = (np.clip(sim.astype(np.float64), -1.0, 1.0) + 1.0) / 2.0 * 255.0
    return np.round(scaled).astype(np.uint8)


def _confusable_pairs(
    centroid_sim: np.ndarray, sizes: np.ndarray, names: tuple[str, ...]
) -> tuple[dict, ...]:
    """The ``TOP_PAIRS`` pairs of non-empty groups with the most similar centroids."""
    present = np.flatnonzero(sizes > 0)
    first, second = np.triu_indices(len(present), k=1)
    a, b = present[first], present[second]
    values = centroid_sim[a, b]
    if values.size > TOP_PAIRS:
        # Only pairs at least as similar as the TOP_PAIRS-th can be listed (ties included).
        keep = values >= np.partition(values, values.size - TOP_PAIRS)[values.size - TOP_PAIRS]
        a, b, values = a[keep], b[keep], values[keep]
    rows = []
    for left, right, value in zip(a.tolist(), b.tolist(), values.tolist(), strict=True):
        low, high = sorted((names[left], names[right]))
        rows.append({"a": low, "b": high, "centroid_similarity": float(value)})
    rows.sort(key=lambda row: (-row["centroid_similarity"], row["a"], row["b"]))
    return tuple(rows[:TOP_PAIRS])


def _graph_k(graph: KnnGraph, k: int) -> int:
    """``k`` checked (>= 1) and capped at the graph's width."""
    if k < 1:
        raise AnalysisError(f"k={k} must be >= 1")
    return min(int(k), graph.k)
