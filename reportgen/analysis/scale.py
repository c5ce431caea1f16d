"""Large N: the seeded fit sample chosen by a hash of each row, and placing the other rows.

Above 10,000 points, UMAP and t-SNE are fitted on a sample stratified by label (a quarter of
the points, from 5,000 to 15,000, or ``[scale] fit_sample``) and every other point is placed
next to its nearest fitted point (issue 11). The sample
must be the same however the rows are split into files or shards, so it is not drawn from a
random generator walking the rows in order: each row gets a 64-bit key from a hash of its
global row index and the seed, and each label keeps the rows with the smallest keys, as many
as its share of the sample. A shard can therefore keep its own best candidates per label
(``sample_candidates``) and the client merges them (``merge_candidates``) into exactly the
sample that ``hash_sample`` picks from the whole array.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from reportgen.errors import AnalysisError
from reportgen.validation import NONE, Interval

if TYPE_CHECKING:
    from reportgen.analysis.neighbors import KnnGraph
    from reportgen.analysis.projections.base import Projection
    from reportgen.engine import Engine

# The [scale] options' constraints (the config points at them).
SCALE_PARAMETERS = {
    # UMAP and t-SNE need a few points to fit at all.
    "fit_sample": (Interval(int, 10), NONE),
}

# The automatic fit sample: a quarter of N, from 5,000 to 15,000 rows, above 10,000 points.
# Measured on 20,000 real text embeddings (benchmarks/results-scale-text20k*.json): a fit on
# 5,000 took 0.95x one plain UMAP with trustworthiness 0.896 against the plain fit's 0.886;
# 15,000 took 1.46x for 0.877 against 0.876. On 60,000-1,000,000 points 15,000 kept the plain
# fit's trustworthiness (0.991-0.995) at 0.33-0.91x.
AUTO_FIT_ABOVE = 10_000
AUTO_FIT_SHARE = 4
AUTO_FIT_MIN = 5_000
AUTO_FIT_MAX = 15_000

__all__ = [
    "AUTO_FIT_ABOVE",
    "AUTO_FIT_MAX",
    "AUTO_FIT_MIN",
    "AUTO_FIT_SHARE",
    "EXACT_SEARCH_WORK",
    "PLACEMENT",
    "PLACE_JITTER",
    "SCALE_PARAMETERS",
    "FitNearest",
    "fit_sample_size",
    "hash_sample",
    "jitter",
    "label_quotas",
    "layout_spacing",
    "merge_candidates",
    "nearest_fitted",
    "place_projection",
    "row_keys",
    "sample_candidates",
]

_MASK = np.uint64(2**64 - 1)


def fit_sample_size(n: int, configured: int | None) -> int | None:
    """Rows UMAP and t-SNE are fitted on for N = ``n``, or None to fit on all of them.

    ``configured`` is ``[scale] fit_sample``: a size fits on that many rows whenever N is
    larger; None picks a quarter of N, from 5,000 to 15,000 rows, above 10,000 points.
    """
    if configured is not None:
        return configured if n > configured else None
    if n <= AUTO_FIT_ABOVE:
        return None
    return min(AUTO_FIT_MAX, max(AUTO_FIT_MIN, n // AUTO_FIT_SHARE))


def row_keys(rows: np.ndarray, seed: int) -> np.ndarray:
    """uint64 keys of global row indices: splitmix64 of (row, seed), uniform and stable.

    The same row and seed give the same key on every machine and in every shard.
    """
    # uint64 arithmetic wraps around, as splitmix64 means it to.
    with np.errstate(over="ignore"):
        x = np.asarray(rows, dtype=np.uint64) + np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
        x = (x + np.uint64(0x9E3779B97F4A7C15)) & _MASK
        x = ((x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _MASK
        x = ((x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _MASK
        x = x ^ (x >> np.uint64(31))
    return x


def label_quotas(counts: np.ndarray, size: int) -> np.ndarray:
    """Rows of each label in a sample of ``size``: proportional to ``counts``, by largest
    remainder (ties to the smaller label code), never more than a label has.

    Raises AnalysisError when ``size`` is not between 1 and the total count.
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if not 1 <= size <= total:
        raise AnalysisError(f"sample size={size} must be between 1 and N = {total}")
    exact = counts * size / total
    quotas = np.floor(exact).astype(np.int64)
    left = size - int(quotas.sum())
    order = np.lexsort((np.arange(len(counts)), -(exact - quotas)))
    quotas[order[:left]] += 1
    return np.minimum(quotas, counts)


def sample_candidates(
    codes: np.ndarray, first_row: int, quotas: np.ndarray, seed: int
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """One shard's best candidates: label code -> (keys, global rows) of at most its quota
    rows with the smallest keys. ``codes`` are the shard's label codes; its rows are
    ``first_row .. first_row + len(codes) - 1`` of the whole set."""
    codes = np.asarray(codes)
    rows = np.arange(first_row, first_row + len(codes), dtype=np.int64)
    keys = row_keys(rows, seed)
    found = {}
    for code in np.unique(codes):
        quota = int(quotas[code])
        if quota == 0:
            continue
        mine = np.flatnonzero(codes == code)
        best = mine[np.lexsort((rows[mine], keys[mine]))[:quota]]
        found[int(code)] = (keys[best], rows[best])
    return found


def merge_candidates(
    parts: list[dict[int, tuple[np.ndarray, np.ndarray]]], quotas: np.ndarray
) -> np.ndarray:
    """Sorted global rows of the sample from every shard's candidates (in any order)."""
    chosen = []
    for code, quota in enumerate(quotas):
        if quota == 0:
            continue
        pieces = [part[code] for part in parts if code in part]
        keys = np.concatenate([k for k, _ in pieces])
        rows = np.concatenate([r for _, r in pieces])
        chosen.append(rows[np.lexsort((rows, keys))[: int(quota)]])
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)


def hash_sample(codes: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Sorted rows of the seeded fit sample of ``size`` rows, stratified by ``codes``
    (integer label codes, 0..L-1): each label keeps its share of rows with the smallest
    ``row_keys``. The same as merging any split's ``sample_candidates``."""
    codes = np.asarray(codes, dtype=np.int64)
    quotas = label_quotas(np.bincount(codes), size)
    return merge_candidates([sample_candidates(codes, 0, quotas, seed)], quotas)


@dataclass(frozen=True)
class FitNearest:
    """Each point's nearest fitted point in the original space (``nearest_fitted``).

    Attributes:
        positions: int32 (N,): for each row, the position in the fit sample of its nearest
            fitted point (a fitted row: its own position).
        searched: placed points whose nearest fitted point was searched for against the
            sample; the others were read from the kNN graph of all N.
        method: how they were searched: "exact", "faiss" or "pca" ("" when none was).
        recall: for a faiss search, its recall@1 on the rows its nprobe was tuned on; for a
            pca search, on as many of the rows.
        tune_size: how many rows that was (0 otherwise).
        search_dims: the principal components a pca search was made in (0 otherwise).
    """

    positions: np.ndarray
    searched: int
    method: str = ""
    recall: float | None = None
    tune_size: int = 0
    search_dims: int = 0

    def describe(self) -> str | None:
        """A sentence on an approximate search for the page's notes, else None."""
        if self.method not in ("faiss", "pca"):
            return None
        how = (
            "an IVF-Flat search of the sample"
            if self.method == "faiss"
            else f"a search in the sample's first {self.search_dims} principal components"
        )
        return (
            f"the nearest fitted point of {self.searched:,} placed points was found by {how} "
            f"(recall@1 {self.recall:.3f} on {self.tune_size:,} of them)"
        )


# Most multiply-adds (placed points x sample rows x D) of an exact search for the placed
# points' nearest fitted points under "auto": about 2 s of float32 products on this
# project's 2-core machine. Above, faiss searches an IVF index of the sample instead.
EXACT_SEARCH_WORK = 2.5e11


def nearest_fitted(
    vectors: np.ndarray,
    fitted_rows: np.ndarray,
    graph: KnnGraph | None,
    *,
    metric: str = "cosine",
    method: str = "auto",
    seed: int = 0,
    engine: Engine | None = None,
    dims: int = 0,
) -> FitNearest:
    """Each point's nearest fitted point in the original space.

    A placed point whose row of the kNN graph of all N lists a fitted point takes the first
    one (the graph is nearest first, so with an exact graph it is the exact answer, at no
    cost); the others are searched for against the sample (``search_sample``): exactly when
    that costs at most ``EXACT_SEARCH_WORK`` multiply-adds, else with faiss (``method``
    "exact" or "faiss" forces one); with ``dims`` (1 <= dims < D), in the sample's first
    ``dims`` principal components ("pca"). Without a graph (an engine that builds none),
    every placed point is searched for.

    Args:
        vectors: float32 (N, D), may be a memory map.
        fitted_rows: sorted int (M,): the rows of the fit sample.
        graph: the kNN graph of all N, or None.
        metric: the graph's metric.
        method: "auto", "exact", "faiss" (or "nndescent", which searches as "auto" does).
        seed: the faiss search's k-means and tuning rows.
        engine: runs the search's blocks (the local engine by default).
        dims: search in this many principal components of the sample (0: all D).
    """
    from reportgen.analysis.neighbors import search_sample  # neighbors imports this module
    from reportgen.engine import LOCAL

    engine = LOCAL if engine is None else engine
    fitted_rows = np.asarray(fitted_rows, dtype=np.int64)
    n, m = vectors.shape[0], len(fitted_rows)
    position = np.full(n, -1, dtype=np.int64)
    position[fitted_rows] = np.arange(m)
    nearest = position.copy()
    others = np.flatnonzero(position < 0)
    lost = others
    if graph is not None:
        nearest[others] = _first_fitted(graph.indices, others, position)
        lost = others[nearest[others] < 0]
    if lost.size == 0:
        return FitNearest(nearest.astype(np.int32), 0)
    if 0 < dims < vectors.shape[1]:
        method = "pca"
    elif method not in ("exact", "faiss"):
        work = float(lost.size) * m * vectors.shape[1]
        method = "exact" if work <= EXACT_SEARCH_WORK else "faiss"
    search = search_sample(
        vectors,
        lost,
        fitted_rows,
        1,
        metric=metric,
        method=method,
        seed=seed,
        engine=engine,
        dims=dims if method == "pca" else 0,
    )
    nearest[lost] = search.positions[:, 0]
    return FitNearest(
        nearest.astype(np.int32),
        int(lost.size),
        method,
        search.recall,
        search.tune_size,
        dims if method == "pca" else 0,
    )


# Rows of the graph read at once when looking for a fitted neighbour: bounds the
# (rows x width) temporaries.
_GRAPH_BLOCK_ROWS = 65_536


def _first_fitted(indices: np.ndarray, rows: np.ndarray, position: np.ndarray) -> np.ndarray:
    """int64 (R,): the sample position of the first fitted neighbour in each of ``rows`` of
    the graph's ``indices``, -1 where the row lists none."""
    first = np.full(len(rows), -1, dtype=np.int64)
    for start in range(0, len(rows), _GRAPH_BLOCK_ROWS):
        part = slice(start, start + _GRAPH_BLOCK_ROWS)
        found = position[indices[rows[part]]]  # -1 where the neighbour was not fitted
        has = found >= 0
        column = np.argmax(has, axis=1)
        first[part] = np.where(has.any(axis=1), found[np.arange(len(column)), column], -1)
    return first


# How far a placed point may sit from its nearest fitted point, as a share of the fitted
# layout's typical spacing (the median distance from a fitted point to the nearest other).
# Measured on 10,000 real text embeddings (stdlib docstrings, all-MiniLM-L6-v2), UMAP 2D
# fitted on a quarter: a placed point at the similarity-weighted average of its 15 nearest
# fitted points gave kNN recall@10 0.079 and trustworthiness 0.796 over all points, the same
# start refined by 100 epochs of umap-learn's transform optimisation 0.118 / 0.887, the
# nearest fitted point itself 0.282 / 0.927 and with this jitter 0.274 / 0.924, against
# 0.297 / 0.930 for the full fit. An average lands between the neighbourhoods a text's
# neighbours come from; the nearest fitted point lies in one. The jitter keeps the points
# that share a fitted point from hiding one another (0.5: less overlap costs recall:
# 1.0 gave 0.253).
PLACE_JITTER = 0.5

# How the placement is described in a view's parameters (and so in its cache key).
PLACEMENT = f"nearest fitted point, offset within {PLACE_JITTER} x spacing"


# Rows placed at once: bounds the (rows x dims) temporaries.
_PLACE_BLOCK_ROWS = 65_536


def place_projection(
    fitted: Projection,
    rows: np.ndarray,
    nearest: FitNearest,
    seed: int,
    *,
    advance: Callable[[int, int, str], None] | None = None,
) -> Projection:
    """The projection of all N points from a layout fitted on the sample ``rows``.

    The fitted points keep their coordinates; every other point is placed next to its
    nearest fitted point in the original space (``nearest``, from ``nearest_fitted``), at a
    seeded offset within ``PLACE_JITTER`` times the fitted layout's typical spacing
    (``jitter``, a hash of the row and the seed, so it does not depend on how the rows are
    split). The parameters record the sample's size (``fit_sample``) and the placement
    (``PLACEMENT``).

    Args:
        fitted: the method's projection of the M sample rows, in row order.
        rows: sorted int (M,): the sample's rows.
        nearest: every row's nearest fitted point.
        seed: the build's seed (the offsets).
        advance: called with (rows placed, rows to place, "placed rows") after each block.
    """
    rows = np.asarray(rows, dtype=np.int64)
    n, m = len(nearest.positions), len(rows)
    layout = np.asarray(fitted.coordinates, dtype=np.float32)
    if layout.shape[0] != m or m < 2:
        raise AnalysisError(f"the fitted layout has {layout.shape[0]} rows for a sample of {m}")
    is_fitted = np.zeros(n, dtype=bool)
    is_fitted[rows] = True
    coordinates = np.empty((n, fitted.dims), dtype=np.float32)
    coordinates[rows] = layout
    others = np.flatnonzero(~is_fitted)
    spacing = layout_spacing(layout)
    for start in range(0, len(others), _PLACE_BLOCK_ROWS):
        block = others[start : start + _PLACE_BLOCK_ROWS]
        offsets = jitter(block, seed, fitted.dims, PLACE_JITTER * spacing)
        coordinates[block] = (layout[nearest.positions[block]] + offsets).astype(np.float32)
        if advance is not None:
            advance(start + len(block), len(others), "placed rows")
    sentence = nearest.describe()
    return replace(
        fitted,
        coordinates=coordinates,
        parameters={**fitted.parameters, "fit_sample": m, "placement": PLACEMENT},
        notes=fitted.notes if sentence is None else (*fitted.notes, sentence),
    )


def layout_spacing(layout: np.ndarray) -> float:
    """The median distance from a point of ``layout`` to its nearest other point (0 when
    they all coincide): the scale of the placement's offsets."""
    from sklearn.neighbors import KDTree  # only where a layout is placed

    points = np.asarray(layout, dtype=np.float64)
    distances, _ = KDTree(points).query(points, k=2)
    return float(np.median(distances[:, 1]))


def jitter(rows: np.ndarray, seed: int, dims: int, radius: float) -> np.ndarray:
    """float64 (R, dims) offsets, uniform in the ball of ``radius``, from a hash of each
    global row and the seed (the same row always gets the same offset)."""
    rows = np.asarray(rows, dtype=np.int64)

    def uniform(stream: int) -> np.ndarray:
        # 53 random bits of each key as a float in (0, 1).
        # Streams apart from the fit sample's own keys (row_keys(rows, seed)).
        keys = row_keys(rows, (seed << 4) + 1 + stream)
        return ((keys >> np.uint64(11)).astype(np.float64) + 0.5) / 2.0**53

    # A direction from independent normal coordinates (Box-Muller), then a radius whose
    # distribution fills the ball evenly.
    normals = []
    for pair in range((dims + 1) // 2):
        length = np.sqrt(-2.0 * np.log(uniform(2 * pair)))
        angle = 2.0 * np.pi * uniform(2 * pair + 1)
        normals += [length * np.cos(angle), length * np.sin(angle)]
    direction = np.stack(normals[:dims], axis=1)
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    return direction * (radius * uniform(7) ** (1.0 / dims))[:, None]
