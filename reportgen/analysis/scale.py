"""Large N: the seeded fit sample chosen by a hash of each row, and placing the other rows.

Above ``[scale] fit_sample`` points, UMAP and t-SNE are fitted on a sample stratified by
label and every other point is placed next to its nearest fitted point (issue 11). The sample
must be the same however the rows are split into files or shards, so it is not drawn from a
random generator walking the rows in order: each row gets a 64-bit key from a hash of its
global row index and the seed, and each label keeps the rows with the smallest keys, as many
as its share of the sample. A shard can therefore keep its own best candidates per label
(``sample_candidates``) and the client merges them (``merge_candidates``) into exactly the
sample that ``hash_sample`` picks from the whole array.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from reportgen.errors import AnalysisError
from reportgen.validation import Interval

if TYPE_CHECKING:
    from reportgen.analysis.neighbors import KnnGraph
    from reportgen.analysis.projections.base import Projection

# The [scale] options' constraints (the config points at them).
SCALE_PARAMETERS = {
    # UMAP and t-SNE need a few points to fit at all.
    "fit_sample": (Interval(int, 10),),
}

__all__ = [
    "PLACEMENT",
    "PLACE_JITTER",
    "SCALE_PARAMETERS",
    "fitted_neighbors",
    "hash_sample",
    "jitter",
    "label_quotas",
    "layout_spacing",
    "merge_candidates",
    "place_projection",
    "placement_width",
    "row_keys",
    "sample_candidates",
    "search_fitted",
]

_MASK = np.uint64(2**64 - 1)


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


def fitted_neighbors(
    graph_indices: np.ndarray,
    graph_similarities: np.ndarray,
    fitted_rows: np.ndarray,
    k: int,
    *,
    n_rows: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each point's nearest fitted points, read from the build's kNN graph of all N.

    The graph lists every point's nearest neighbours, nearest first; the fitted ones among
    them are its nearest fitted points (as far as the graph reaches), so placement needs no
    second search. A point keeps up to ``k`` of them.

    Args:
        graph_indices: int (N, w): the kNN graph's neighbours of every point.
        graph_similarities: float (N, w): their cosine similarities.
        fitted_rows: sorted int (M,): the rows of the fit sample.
        k: the most fitted neighbours a point keeps.
        n_rows: N, the number of rows the graph indexes (default: its own rows, when
            ``graph_indices`` is the whole graph rather than a block of its rows).

    Returns:
        ``(neighbors, similarities, counts)``: int64 (N, k) positions in ``fitted_rows``
        (padded with 0 where fewer were found), float32 (N, k) similarities (0 where
        padded) and int64 (N,) how many were found per point.
    """
    n = graph_indices.shape[0]
    position = np.full(n if n_rows is None else n_rows, -1, dtype=np.int64)
    position[np.asarray(fitted_rows, dtype=np.int64)] = np.arange(len(fitted_rows))
    found = position[graph_indices]  # (N, w): -1 where the neighbour was not fitted
    is_fitted = found >= 0
    # The first k fitted columns of each row, in the graph's (nearest-first) order.
    rank = np.cumsum(is_fitted, axis=1)
    keep = is_fitted & (rank <= k)
    counts = keep.sum(axis=1).astype(np.int64)
    neighbors = np.zeros((n, k), dtype=np.int64)
    similarities = np.zeros((n, k), dtype=np.float32)
    rows, columns = np.nonzero(keep)
    slots = rank[rows, columns] - 1
    neighbors[rows, slots] = found[rows, columns]
    similarities[rows, slots] = graph_similarities[rows, columns]
    return neighbors, similarities, counts


def search_fitted(
    vectors: np.ndarray,
    queries: np.ndarray,
    fitted_rows: np.ndarray,
    *,
    metric: str = "cosine",
    block_rows: int = 256,
) -> np.ndarray:
    """Exact nearest fitted point of a few query rows the graph left without one.

    Returns int64 (Q,) positions in ``fitted_rows``, ties to the smaller position. For the
    rare point whose whole graph row missed the sample; its cost is Q x M x D.
    """
    fitted_rows = np.asarray(fitted_rows, dtype=np.int64)
    fitted = np.asarray(vectors[fitted_rows], dtype=np.float32)
    if metric == "cosine":
        norms = np.linalg.norm(fitted, axis=1)
        fitted /= np.where(norms > 0, norms, 1.0)[:, None]
    fitted_sq = (fitted * fitted).sum(axis=1)
    nearest = np.zeros(len(queries), dtype=np.int64)
    for start in range(0, len(queries), block_rows):
        part = slice(start, start + block_rows)
        block = np.asarray(vectors[np.asarray(queries[part])], dtype=np.float32)
        if metric == "cosine":
            block_norms = np.linalg.norm(block, axis=1)
            block /= np.where(block_norms > 0, block_norms, 1.0)[:, None]
            # argmax takes the first of equal values: the smaller position.
            nearest[part] = np.argmax(block @ fitted.T, axis=1)
        else:
            nearest[part] = np.argmin(fitted_sq[None, :] - 2.0 * (block @ fitted.T), axis=1)
    return nearest


# The share of placed points allowed to find no fitted point among their graph neighbours
# (they are searched for against the sample, at Q x M x D).
_SEARCHED_SHARE = 0.01


def placement_width(n: int, m: int) -> int:
    """The kNN graph width at which about 99 % of the N - M placed points find a fitted point
    among their neighbours, when M of the N points are fitted: (1 - M / N) ** width <= 1 %.
    At most 100: beyond, more points are searched for against the sample instead (at
    1,000,000 points and a sample of 15,000, about 22 % of them, Q x M x D: seconds)."""
    share = m / n
    if share >= 1:
        return 1
    return int(min(100, max(1, math.ceil(math.log(_SEARCHED_SHARE) / math.log1p(-share)))))


# Rows of the graph handled at once when placing: bounds the (rows x width) temporaries.
_PLACE_BLOCK_ROWS = 65_536

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


def place_projection(
    fitted: Projection,
    rows: np.ndarray,
    graph: KnnGraph,
    vectors: np.ndarray,
    seed: int,
    *,
    advance: Callable[[int, int, str], None] | None = None,
) -> Projection:
    """The projection of all N points from a layout fitted on the sample ``rows``.

    The fitted points keep their coordinates; every other point is placed next to its
    nearest fitted point in the original space (the first fitted one in its row of the kNN
    graph of all N, ``fitted_neighbors``; searched for against the sample when its row has
    none, ``search_fitted``), at a seeded offset within ``PLACE_JITTER`` times the fitted
    layout's typical spacing (``jitter``, a hash of the row and the seed, so it does not
    depend on how the rows are split). The parameters record the sample's size
    (``fit_sample``) and the placement (``PLACEMENT``).

    Args:
        fitted: the method's projection of the M sample rows, in row order.
        rows: sorted int (M,): the sample's rows.
        graph: the kNN graph of all N points.
        vectors: float32 (N, D): all the vectors (read only for the rare searched point).
        seed: the build's seed (the offsets).
        advance: called with (rows placed, rows to place, "placed rows") after each block.
    """
    rows = np.asarray(rows, dtype=np.int64)
    n, m = graph.n, len(rows)
    layout = np.asarray(fitted.coordinates, dtype=np.float32)
    if layout.shape[0] != m or m < 2:
        raise AnalysisError(f"the fitted layout has {layout.shape[0]} rows for a sample of {m}")
    is_fitted = np.zeros(n, dtype=bool)
    is_fitted[rows] = True
    coordinates = np.empty((n, fitted.dims), dtype=np.float32)
    coordinates[rows] = layout
    others = np.flatnonzero(~is_fitted)
    spacing = layout_spacing(layout)
    searched = 0
    for start in range(0, len(others), _PLACE_BLOCK_ROWS):
        block = others[start : start + _PLACE_BLOCK_ROWS]
        nearest, _, counts = fitted_neighbors(
            graph.indices[block], graph.similarities[block], rows, 1, n_rows=n
        )
        nearest = nearest[:, 0]
        lost = np.flatnonzero(counts == 0)
        if lost.size:
            nearest[lost] = search_fitted(vectors, block[lost], rows, metric=graph.metric)
            searched += lost.size
        offsets = jitter(block, seed, fitted.dims, PLACE_JITTER * spacing)
        coordinates[block] = (layout[nearest] + offsets).astype(np.float32)
        if advance is not None:
            advance(start + len(block), len(others), "placed rows")
    notes = fitted.notes
    if searched:
        notes = (
            *notes,
            f"{searched:,} placed points had no fitted point among their {graph.k} graph "
            "neighbours: their nearest fitted point was searched for",
        )
    return replace(
        fitted,
        coordinates=coordinates,
        parameters={**fitted.parameters, "fit_sample": m, "placement": PLACEMENT},
        notes=notes,
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
