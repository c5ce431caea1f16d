"""An inverted-file (IVF) index searched list by list with matrix products.

faiss's ``IndexIVFFlat`` scans each query's ``nprobe`` lists one stored vector at a time. At
768 dimensions that scan is bound by memory bandwidth: on this project's 2-core machine,
20,000 queries at nprobe 8 of 894 lists over 200,000 rows took 5.2 s (5.3 billion
multiply-adds a second), so the graph of 200,000 rows took 55 s and that of 1,000,000 would
take half an hour. The same comparisons made list by list (the queries of a block of rows
that probe list l, against l's members, in one float32 matrix product) run at the speed of
the matrix product instead: the same candidates, the same recall, several times faster.

The lists are still faiss's: a seeded k-means of faiss on the rows with the smallest
``row_keys``. Each row of the reference joins the list of its nearest centroid; each query
probes its ``nprobe`` nearest centroids. The result depends on the rows and the seed only:
blocks are searched in row order and each block's lists in list order.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from reportgen.analysis.scale import row_keys
from reportgen.engine import Engine

# Lists: about 2 sqrt(M) (between sqrt(M) and 16 sqrt(M) is faiss's advice; fewer, larger
# lists train faster and need a smaller nprobe), each trained on TRAIN_PER_LIST rows (faiss
# warns below 39) in KMEANS_ITERATIONS iterations: the lists need only to group near rows,
# nprobe makes up for a rough quantizer.
LISTS_PER_SQRT_M = 2
TRAIN_PER_LIST = 40
KMEANS_ITERATIONS = 10

# Query blocks hold this many budgets of float32 query rows (``Engine.block_bytes``).
QUERY_SHARE = 4


@dataclass(frozen=True)
class ListIndex:
    """The reference rows, prepared and grouped by list.

    Attributes:
        metric: "cosine" (rows are unit vectors; nearest = largest inner product) or
            "euclidean".
        centroids: float32 (L, D): the lists' centroids.
        data: float32 (M, D): the prepared reference rows, list after list.
        sq_norms: float32 (M,): their squared norms (euclidean; empty for cosine).
        positions: int64 (M,): each row of ``data``'s position in the reference.
        slot: int64 (M,): the inverse of ``positions``: where a reference position sits in
            ``data``.
        starts: int64 (L + 1,): list l is ``data[starts[l]:starts[l + 1]]``.
    """

    metric: str
    centroids: np.ndarray
    data: np.ndarray
    sq_norms: np.ndarray
    positions: np.ndarray
    slot: np.ndarray
    starts: np.ndarray

    @property
    def nlist(self) -> int:
        """Number of lists."""
        return int(self.centroids.shape[0])


def build_list_index(
    rows: np.ndarray,
    prepare: Callable[[np.ndarray], np.ndarray],
    metric: str,
    seed: int,
    engine: Engine,
) -> ListIndex:
    """The ``ListIndex`` of the reference ``rows`` (sorted int (M,)).

    ``prepare`` maps rows to their float32 prepared vectors (unit rows for cosine, centred
    rows for euclidean), as ``Engine.prepare_space`` prepares them. Two passes over the rows
    by blocks: one assigns each to its nearest centroid (ties to the smaller list), one
    writes it into its list's place; only the index's own copy of the rows is held.
    """
    import faiss  # a large library: only when an approximate search needs it

    rows = np.asarray(rows, dtype=np.int64)
    m = len(rows)
    dim = prepare(rows[:1]).shape[1]
    nlist = int(min(max(1, round(LISTS_PER_SQRT_M * np.sqrt(m))), m))
    train_size = min(m, TRAIN_PER_LIST * nlist)
    train = rows[np.sort(np.argsort(row_keys(rows, seed), kind="stable")[:train_size])]
    kmeans = faiss.Kmeans(
        dim,
        nlist,
        niter=KMEANS_ITERATIONS,
        seed=seed,
        spherical=metric == "cosine",
        # The train size is chosen here (below 39 rows per list only when M is small).
        min_points_per_centroid=1,
        verbose=False,
    )
    kmeans.train(np.ascontiguousarray(prepare(train)))
    centroids = np.ascontiguousarray(kmeans.centroids, dtype=np.float32)
    blocks = engine.row_blocks(m, 4 * (dim + nlist))
    assign = np.empty(m, dtype=np.int64)
    for block in blocks:
        assign[block] = nearest_lists(prepare(rows[block]), centroids, metric, 1)[:, 0]
    positions = np.argsort(assign, kind="stable")
    slot = np.empty(m, dtype=np.int64)
    slot[positions] = np.arange(m)
    data = np.empty((m, dim), dtype=np.float32)
    for block in blocks:
        data[slot[block]] = prepare(rows[block])
    sq_norms = np.empty(0, dtype=np.float32)
    if metric == "euclidean":
        sq_norms = np.einsum("ij,ij->i", data, data)
    starts = np.searchsorted(assign[positions], np.arange(nlist + 1)).astype(np.int64)
    return ListIndex(metric, centroids, data, sq_norms, positions, slot, starts)


def nearest_lists(
    queries: np.ndarray, centroids: np.ndarray, metric: str, nprobe: int
) -> np.ndarray:
    """int64 (B, nprobe): each prepared query's ``nprobe`` nearest centroids, nearest first
    (ties to the smaller list)."""
    scores = queries @ centroids.T
    if metric == "euclidean":
        # Nearest = smallest |c|^2 - 2 q.c (|q|^2 is the same for every centroid).
        scores = np.einsum("ij,ij->i", centroids, centroids)[None, :] - 2 * scores
    else:
        scores = -scores
    nprobe = min(nprobe, scores.shape[1])
    if nprobe < scores.shape[1]:
        part = np.argpartition(scores, nprobe - 1, axis=1)[:, :nprobe]
    else:
        part = np.broadcast_to(np.arange(scores.shape[1]), scores.shape).copy()
    values = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, values), axis=-1)
    return np.take_along_axis(part, order, axis=1)


def search_lists(
    index: ListIndex,
    queries: np.ndarray,
    prepare: Callable[[np.ndarray], np.ndarray],
    k: int,
    nprobe: int,
    engine: Engine,
    *,
    own: np.ndarray | None = None,
) -> np.ndarray:
    """The k nearest reference rows of each query among the members of its ``nprobe``
    nearest lists: int64 (Q, k) reference positions, in no particular order, -1 where the
    probed lists held fewer than k.

    Args:
        index: the ``ListIndex``.
        queries: int (Q,): the query rows (prepared by ``prepare``, block by block).
        k: neighbours per query.
        nprobe: lists probed per query.
        own: int (Q,): each query's own reference position, excluded from its result
            (a graph of the reference itself), or -1; None: nothing is excluded.
    """
    queries = np.asarray(queries, dtype=np.int64)
    dim = index.data.shape[1]
    result = np.full((len(queries), k), -1, dtype=np.int64)
    for block in engine.row_blocks(len(queries), 4 * dim, QUERY_SHARE):
        block_own = None if own is None else np.asarray(own[block], dtype=np.int64)
        result[block] = search_block(index, prepare(queries[block]), k, nprobe, engine, block_own)
    return result


def search_block(
    index: ListIndex,
    vectors: np.ndarray,
    k: int,
    nprobe: int,
    engine: Engine,
    own: np.ndarray | None,
) -> np.ndarray:
    """``search_lists`` of one block of prepared query rows (B, D): int64 (B, k) reference
    positions, -1 where the probed lists held too few (``own``: as in ``search_lists``)."""
    b = vectors.shape[0]
    probes = np.concatenate(
        [
            nearest_lists(vectors[part], index.centroids, index.metric, nprobe)
            for part in engine.row_blocks(b, 4 * index.nlist)
        ]
    )
    best_d = np.full((b, k), np.inf, dtype=np.float32)
    best_i = np.full((b, k), -1, dtype=np.int64)
    flat = probes.ravel()
    owner = np.repeat(np.arange(b), probes.shape[1])
    order = np.argsort(flat, kind="stable")
    flat, owner = flat[order], owner[order]
    bounds = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1], True])
    own_slot = None if own is None else np.where(own >= 0, index.slot[np.maximum(own, 0)], -1)
    query_sq = None
    if index.metric == "euclidean":
        query_sq = np.einsum("ij,ij->i", vectors, vectors)
    for first, stop in itertools.pairwise(bounds):
        lst = int(flat[first])
        begin, end = int(index.starts[lst]), int(index.starts[lst + 1])
        if end == begin:
            continue
        asking = owner[first:stop]
        members = index.data[begin:end]
        distances = vectors[asking] @ members.T
        if index.metric == "cosine":
            np.negative(distances, out=distances)  # nearest = smallest
        else:
            distances *= np.float32(-2.0)
            distances += index.sq_norms[None, begin:end]
            distances += query_sq[asking, None]
        if own_slot is not None:
            inside = own_slot[asking]
            mine = np.flatnonzero((inside >= begin) & (inside < end))
            distances[mine, inside[mine] - begin] = np.inf
        # Only members nearer than a query's k-th best so far can enter its list: after
        # its first lists, few do, and those few are found by one comparison each.
        bound = best_d[asking].max(axis=1)
        hit = distances < bound[:, None]
        counts = np.count_nonzero(hit, axis=1)
        many = np.flatnonzero(counts > k)
        few = np.flatnonzero((counts > 0) & (counts <= k))
        found_d = np.full((len(asking), k), np.inf, dtype=np.float32)
        found_c = np.zeros((len(asking), k), dtype=np.int64)
        if many.size:
            top = np.argpartition(distances[many], k - 1, axis=1)[:, :k]
            found_c[many] = top
            found_d[many] = np.take_along_axis(distances[many], top, axis=1)
        if few.size:
            rows, columns = np.nonzero(hit[few])
            first_of_row = np.r_[0, np.cumsum(counts[few])[:-1]]
            slots = np.arange(rows.size) - np.repeat(first_of_row, counts[few])
            found_c[few[rows], slots] = columns
            found_d[few[rows], slots] = distances[few[rows], columns]
        changed = np.flatnonzero(counts > 0)
        if changed.size == 0:
            continue
        targets = asking[changed]
        merged_d = np.concatenate([best_d[targets], found_d[changed]], axis=1)
        merged_i = np.concatenate(
            [best_i[targets], index.positions[begin + found_c[changed]]], axis=1
        )
        keep = np.argpartition(merged_d, k - 1, axis=1)[:, :k]
        best_d[targets] = np.take_along_axis(merged_d, keep, axis=1)
        best_i[targets] = np.take_along_axis(merged_i, keep, axis=1)
    best_i[~np.isfinite(best_d)] = -1  # padding, and a query's own row
    return best_i
