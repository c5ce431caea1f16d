"""Large N: the seeded fit sample chosen by a hash of each row, and placing the other rows.

Above ``[scale] fit_sample`` points, UMAP and t-SNE are fitted on a sample stratified by
label and every other point is placed from its nearest fitted points (issue 11). The sample
must be the same however the rows are split into files or shards, so it is not drawn from a
random generator walking the rows in order: each row gets a 64-bit key from a hash of its
global row index and the seed, and each label keeps the rows with the smallest keys, as many
as its share of the sample. A shard can therefore keep its own best candidates per label
(``sample_candidates``) and the client merges them (``merge_candidates``) into exactly the
sample that ``hash_sample`` picks from the whole array.
"""

from __future__ import annotations

import numpy as np

from reportgen.errors import AnalysisError

__all__ = [
    "hash_sample",
    "label_quotas",
    "merge_candidates",
    "place_points",
    "row_keys",
    "sample_candidates",
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


def place_points(fitted: np.ndarray, neighbors: np.ndarray, similarities: np.ndarray) -> np.ndarray:
    """float32 (N, d) coordinates of points placed from their nearest fitted points.

    Each point's position is the average of its neighbours' fitted coordinates, weighted by
    their similarity clipped at 0 (a point whose neighbours are all at similarity <= 0 gets
    their plain average).

    Args:
        fitted: float (M, d): the fitted points' layout.
        neighbors: int (N, k): each point's nearest fitted points, as rows of ``fitted``.
        similarities: float (N, k): the cosine similarity to each of them.
    """
    fitted = np.asarray(fitted, dtype=np.float64)
    neighbors = np.asarray(neighbors)
    if neighbors.ndim != 2 or neighbors.shape != np.shape(similarities):
        raise AnalysisError(
            f"neighbors {neighbors.shape} and similarities {np.shape(similarities)} must "
            "have the same (N, k) shape"
        )
    if neighbors.size and (neighbors.min() < 0 or neighbors.max() >= len(fitted)):
        raise AnalysisError(f"neighbors must index the {len(fitted)} fitted points")
    weights = np.clip(np.asarray(similarities, dtype=np.float64), 0.0, None)
    empty = weights.sum(axis=1) == 0
    weights[empty] = 1.0
    weights /= weights.sum(axis=1, keepdims=True)
    placed = np.einsum("nk,nkd->nd", weights, fitted[neighbors])
    return np.ascontiguousarray(placed, dtype=np.float32)
