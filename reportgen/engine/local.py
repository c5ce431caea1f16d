"""The local engine: numpy on this machine, blocked scans that read a memory map block by block.

One setting, ``block_bytes``, bounds every block; each operation derives its rows per block
from it and from what one of its rows holds (see ``LocalEngine``). Every operation maps over
row blocks in row order and folds the partial results in that same order, so the result
depends on the block boundaries only where floating-point sums or BLAS products do, and the
boundaries are a pure function of (N, D, block_bytes).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO, TypeVar

import numpy as np

T = TypeVar("T")
S = TypeVar("S")

# The default budget: one block's float64 copy of the rows it scans (32 MiB).
BLOCK_BYTES = 32 * 2**20

# Shares of the budget for the blocks that hold more than a float64 copy of their rows. A
# block of float32 row-to-all distances gets 4 budgets (128 MiB: 1,677 rows at N = 20,000),
# so that one large matrix product replaces many small ones; the gathered neighbour vectors
# of the kNN pairs get 2 (64 MiB). These keep the block boundaries that the results were
# computed with before the engine existed (a BLAS product's rounding may depend on its shape).
DISTANCE_SHARE = 4
PAIR_SHARE = 2

# A group of the Gram matrix's blocks covers at least this many times the bytes of its part
# (see LocalEngine.gram_groups).
GRAM_PART_RATIO = 8

# The Gram matrix's group parts are added in a fixed tree: at most this many D x D float64
# parts at a node (fewer at large D, see gram_fan_in), so that neither a worker adding a
# node nor the client adding the root holds more than about GRAM_NODE_BYTES of them.
GRAM_FAN_IN = 32
GRAM_NODE_BYTES = 2**30

# Rows per argpartition call: its int64 result is twice the size of the float32 rows it reads.
_PARTITION_ROWS = 256

METRICS = ("cosine", "euclidean")


@dataclass(frozen=True)
class Space:
    """Rows prepared for blocked row-to-all distances (``LocalEngine.prepare_space``).

    Attributes:
        metric: "cosine" or "euclidean".
        data: float32 (N, D): unit rows for cosine (a zero row stays zero, so it has
            similarity 0 to everything); for euclidean the rows minus their mean, which
            loses less precision in |x|^2 + |y|^2 - 2 x.y and changes no distance.
        sq_norms: float32 (N,): squared norms of ``data``'s rows (euclidean only, else empty).
        center: float32 (D,): the mean subtracted from the rows (euclidean only, else empty),
            so that rows from outside the space can be prepared the same way (``prepare``).
    """

    metric: str
    data: np.ndarray
    sq_norms: np.ndarray
    center: np.ndarray = dataclasses.field(default_factory=lambda: np.empty(0, np.float32))

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self.data.shape[0])

    def distance_block(self, rows: np.ndarray) -> np.ndarray:
        """float32 (len(rows), N): cosine distance, or SQUARED euclidean distance, from each
        of ``rows`` (int (R,)) to every row.

        Both are in the order of the true distance, which is all that ranking needs.
        Unclipped: values may stray below 0 by rounding.
        """
        sq_norms = self.sq_norms[rows] if self.metric == "euclidean" else None
        return self._distances(self.data[rows], sq_norms)

    def prepare(self, block: np.ndarray) -> np.ndarray:
        """float32 (B, D): rows from outside the space prepared as its own rows were (unit
        rows for cosine, a zero row staying zero; minus ``center`` for euclidean), with the
        same arithmetic, so a row that is also in the space gets the same bits."""
        if self.metric == "cosine":
            return unit_rows_float32(block)
        return np.subtract(block, self.center, dtype=np.float32)

    def distances_to(self, block: np.ndarray) -> np.ndarray:
        """float32 (B, N): the ``distance_block`` distances from rows outside the space
        (``block`` (B, D), not yet prepared) to every row of the space."""
        return self.distances_from(self.prepare(block))

    def distances_from(self, prepared: np.ndarray) -> np.ndarray:
        """float32 (B, N): ``distances_to``'s distances from rows already ``prepare``d."""
        sq_norms = None
        if self.metric == "euclidean":
            sq_norms = np.einsum("ij,ij->i", prepared, prepared, dtype=np.float64)
        return self._distances(prepared, None if sq_norms is None else sq_norms.astype(np.float32))

    def _distances(self, prepared: np.ndarray, sq_norms: np.ndarray | None) -> np.ndarray:
        block = prepared @ self.data.T
        if self.metric == "cosine":
            np.subtract(np.float32(1.0), block, out=block)
        else:
            block *= np.float32(-2.0)
            block += sq_norms[:, None]
            block += self.sq_norms[None, :]
        return block


@dataclass(frozen=True)
class LocalEngine:
    """numpy on this machine, in blocks of rows (memory maps are read block by block).

    Attributes:
        block_bytes: the memory budget of one block, >= 1. Rows per block =
            max(1, share x block_bytes // row_bytes), where an operation's row_bytes is what
            one row of its block holds: 8 D for a float64 copy of D values (norms, sums,
            Gram, projection, finiteness and zero scans), 4 N for a row of float32
            distances to all N rows (share 4), 4 k D for k gathered neighbour vectors
            (share 2), the row's bytes for hashing, and the caller's estimate when
            streaming encoded rows.

        threads: how many blocks run at once, each with one BLAS thread; None: one per CPU
            this process may use. A BLAS product's last bits change with the number of
            threads it is split over (OpenBLAS 0.3.31 on a Zen CPU: a third of the values
            of a 2,000 x 768 by 768 x 14,000 float32 product), and a Dask worker runs one:
            with one BLAS thread per block, a block gives the same bits on this machine,
            on a worker, and with any ``threads``.

    The engine keeps no state between calls: every operation is a pure function of its
    arguments and ``block_bytes``.
    """

    block_bytes: int = BLOCK_BYTES
    threads: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.block_bytes, bool) or not isinstance(self.block_bytes, int):
            raise TypeError(f"block_bytes={self.block_bytes!r} must be an integer")
        if self.block_bytes < 1:
            raise ValueError(f"block_bytes={self.block_bytes} must be >= 1")
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"threads={self.threads} must be >= 1")

    def each(self, fn: Callable[[S], T], items: Sequence[S]) -> list[T]:
        """[fn(item) for item in items], in order, up to ``threads`` at a time, with one BLAS
        thread each (see the class)."""
        threads = min(self.threads or _usable_cpus(), len(items))
        with one_blas_thread():
            if threads <= 1:
                return [fn(item) for item in items]
            with ThreadPoolExecutor(threads, thread_name_prefix="reportgen-block") as pool:
                return list(pool.map(fn, items))

    # --- blocks -------------------------------------------------------------------------------

    def row_blocks(self, n_rows: int, row_bytes: int, share: int = 1) -> tuple[slice, ...]:
        """The blocks of ``n_rows`` rows, in row order, when one row holds ``row_bytes``.

        Each block is ``slice(start, stop)`` with max(1, share x block_bytes // row_bytes)
        rows (the last may be shorter); they cover range(n_rows) once, in order.
        """
        step = max(1, (share * self.block_bytes) // max(1, int(row_bytes)))
        return tuple(slice(start, min(start + step, n_rows)) for start in range(0, n_rows, step))

    def map_blocks(
        self, fn: Callable[[slice], T], n_rows: int, row_bytes: int, share: int = 1
    ) -> list[T]:
        """[fn(block) for each block of ``row_blocks(n_rows, row_bytes, share)``], in block
        order whatever order the blocks ran in: the partial results to combine."""
        return self.each(fn, self.row_blocks(n_rows, row_bytes, share))

    def map_rows(
        self,
        fn: Callable[..., T],
        vectors: np.ndarray,
        rows: np.ndarray,
        row_bytes: int,
        share: int = 1,
        shared: tuple = (),
        with_rows: bool = False,
    ) -> list[T]:
        """[fn(vectors[rows[part]], *shared) for each part of ``row_blocks(len(rows),
        row_bytes, share)``], in part order: the searches of chosen rows (pass 2).

        ``fn`` sees the block's rows only, so an engine can read them where they are stored
        (and must be able to pickle ``fn``: a module-level function); ``shared`` holds what
        every part reads (an index of the sample, say), sent once per call. ``with_rows``:
        fn(rows[part], vectors[rows[part]], *shared), for a part that needs its row numbers.
        """
        rows = np.asarray(rows, dtype=np.int64)
        parts = self.row_blocks(len(rows), row_bytes, share)
        if with_rows:
            return self.each(lambda part: fn(rows[part], vectors[rows[part]], *shared), parts)
        return self.each(lambda part: fn(vectors[rows[part]], *shared), parts)

    # --- per-row results ----------------------------------------------------------------------

    def row_norms(self, vectors: np.ndarray, *, squared: bool = False) -> np.ndarray:
        """float64 (N,): each row's L2 norm (or its square) of ``vectors`` (N, D), summed in
        float64 along D, one row at a time (independent of the blocks)."""
        n, dim = vectors.shape
        out = np.empty(n, dtype=np.float64)

        def block(rows: slice) -> None:
            out[rows] = squared_norms_block(vectors[rows])

        self.each(block, self.row_blocks(n, 8 * dim))
        return out if squared else np.sqrt(out)

    def select_rows(
        self, vectors: np.ndarray, test: Callable[[np.ndarray], np.ndarray]
    ) -> np.ndarray:
        """int64 (R,): the rows of ``vectors`` (N, D), in row order, for which ``test``
        (a block (B, D) -> bool (B,)) is true; ``test`` must look at each row alone."""
        n, dim = vectors.shape
        found = self.each(
            lambda rows: rows.start + np.flatnonzero(test(vectors[rows])),
            self.row_blocks(n, 8 * max(1, dim)),
        )
        return np.concatenate(found).astype(np.int64) if found else np.empty(0, dtype=np.int64)

    def transform_rows(
        self,
        vectors: np.ndarray,
        *,
        shift: np.ndarray | None = None,
        scale: np.ndarray | None = None,
    ) -> np.ndarray:
        """float32 (N, D): (vectors - shift) * scale[:, None], in float32, a new C-order array.

        Args:
            vectors: (N, D).
            shift: float32 (D,), subtracted from every row, or None.
            scale: float32 (N,), one factor per row, or None.
        """
        n, dim = vectors.shape
        out = np.empty((n, dim), dtype=np.float32)

        def block(rows: slice) -> None:
            # One numpy operation from the input to float32 where there is one, so that a
            # float64 input is rounded once.
            if shift is not None:
                np.subtract(vectors[rows], shift, out=out[rows])
                if scale is not None:
                    np.multiply(out[rows], scale[rows, None], out=out[rows])
            elif scale is not None:
                np.multiply(vectors[rows], scale[rows, None], out=out[rows])
            else:
                out[rows] = vectors[rows]

        self.each(block, self.row_blocks(n, 8 * dim))
        return out

    def project(
        self, vectors: np.ndarray, center: np.ndarray, directions: np.ndarray
    ) -> np.ndarray:
        """float32 (N, m): (vectors - center) @ directions, computed per block in float64.

        Args:
            vectors: (N, D); center: float64 (D,); directions: float64 (D, m).
        """
        n, dim = vectors.shape
        out = np.empty((n, directions.shape[1]), dtype=np.float32)

        def block(rows: slice) -> None:
            out[rows] = projected_block(vectors[rows], center, directions)

        self.each(block, self.row_blocks(n, 8 * dim))
        return out

    # --- sums ---------------------------------------------------------------------------------

    def column_sums(self, vectors: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """float64 (D,): the sum of the rows of ``vectors`` (N, D) (only those where ``mask``,
        bool (N,), is true), per block in float64, blocks added in row order from 0."""
        n, dim = vectors.shape
        blocks = [rows for rows in self.row_blocks(n, 8 * dim) if mask is None or mask[rows].any()]
        total = np.zeros(dim)
        for part in self.each(
            lambda rows: column_sums_block(vectors[rows], None if mask is None else mask[rows]),
            blocks,
        ):
            total += part
        return total

    def gram(self, vectors: np.ndarray, center: np.ndarray | None = None) -> np.ndarray:
        """float64 (D, D): sum over rows of (x - center)^T (x - center) (center None: 0), per
        block in float64, blocks added in row order from 0. Divided by N - 1 with the
        mean as center, it is the covariance matrix."""
        n, dim = vectors.shape
        groups = self.gram_groups(n, dim)
        tree = FixedTree(len(groups), gram_fan_in(dim), (dim, dim))
        if all(len(group) == 1 for group in groups):
            for part in self.each(lambda group: gram_group(vectors, group, center), groups):
                tree.add(part)
            return tree.total()
        # Groups of several blocks (large D): a group's blocks run at once, a few at a time
        # (each part is D x D), and are added in order, as gram_group adds them.
        at_once = min(self.threads or _usable_cpus(), max(len(group) for group in groups))
        for group in groups:
            group_total = None
            for first in range(0, len(group), at_once):
                for part in self.each(
                    lambda rows: gram_block(vectors[rows], center), group[first : first + at_once]
                ):
                    if group_total is None:
                        group_total = part
                    else:
                        group_total += part
            tree.add(group_total)
        return tree.total()

    def gram_groups(self, n_rows: int, dim: int) -> tuple[tuple[slice, ...], ...]:
        """The Gram matrix's blocks of rows in groups, each group's parts added first.

        A group holds enough blocks that its D x D float64 part is at most 1/GRAM_PART_RATIO
        of the rows it covers (one block for D up to 724 at the default budget), so
        that an engine that adds each group where its rows are read sends the client a
        fraction of what it read, not a D x D matrix per block. A pure function of the
        arguments and ``block_bytes``, like the blocks.
        """
        blocks = self.row_blocks(n_rows, 8 * dim)
        size = max(1, -(-GRAM_PART_RATIO * 8 * dim * dim // self.block_bytes))
        return tuple(blocks[i : i + size] for i in range(0, len(blocks), size))

    def group_sums(
        self, vectors: np.ndarray, groups: np.ndarray, n_groups: int, *, unit: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per group, the float64 sum of its rows (of its unit rows when ``unit``; a zero row
        stays zero) and its count of nonzero rows.

        Args:
            vectors: (N, D); groups: int64 (N,) codes in [0, n_groups).

        Returns:
            float64 (n_groups, D) sums and int64 (n_groups,) nonzero counts; each block's
            per-group sums (rows in row order) are added in row order from 0.
        """
        n, dim = vectors.shape
        sums = np.zeros((n_groups, dim), dtype=np.float64)
        nonzero = np.zeros(n_groups, dtype=np.int64)
        parts = self.each(
            lambda rows: group_sums_block(vectors[rows], groups[rows], n_groups, unit),
            self.row_blocks(n, 8 * dim),
        )
        for present, block_sums, block_nonzero in parts:
            sums[present] += block_sums
            nonzero += block_nonzero
        return sums, nonzero

    # --- neighbours ---------------------------------------------------------------------------

    def prepare_space(self, vectors: np.ndarray, metric: str) -> Space:
        """``vectors`` (N, D) as a float32 ``Space``: unit rows (cosine) or centred (euclidean)."""
        if metric == "cosine":
            norms = np.sqrt(self.row_norms(vectors, squared=True))
            scale = np.zeros_like(norms)
            np.divide(1.0, norms, out=scale, where=norms > 0)
            data = self.transform_rows(vectors, scale=scale.astype(np.float32))
            return Space(metric, data, np.empty(0, dtype=np.float32))
        mean = (self.column_sums(vectors) / vectors.shape[0]).astype(np.float32)
        data = self.transform_rows(vectors, shift=mean)
        return Space(metric, data, self.row_norms(data, squared=True).astype(np.float32), mean)

    def map_distances(
        self, fn: Callable[[slice, np.ndarray], T], space: Space, rows: np.ndarray
    ) -> list[T]:
        """[fn(positions, distances)] over blocks of the query ``rows`` (int (R,)), in order:
        ``positions`` is the block's slice of ``rows`` and ``distances`` its float32
        (len, N) ``space.distance_block`` (``fn`` may overwrite it)."""
        return self.map_blocks(
            lambda part: fn(part, space.distance_block(rows[part])),
            len(rows),
            4 * space.n,
            DISTANCE_SHARE,
        )

    def nearest(self, space: Space, rows: np.ndarray, k: int) -> np.ndarray:
        """The exact k nearest neighbours of ``rows`` (int64 (R,), indices into the space).

        Returns int64 (R, k), each row's set in no particular order; the point itself is
        excluded by index (a duplicate of it at distance 0 is a neighbour like any other),
        ties at the k-th distance go to the smaller index.
        """

        def smallest(part: slice, block: np.ndarray) -> np.ndarray:
            own = rows[part]
            block[np.arange(len(own)), own] = np.inf
            return smallest_k(block, k)

        parts = self.map_distances(smallest, space, rows)
        return np.concatenate(parts) if parts else np.empty((0, k), dtype=np.int64)

    def nearest_to(self, space: Space, vectors: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
        """The exact k nearest rows of ``space`` to each of ``rows`` of ``vectors`` (N, D),
        rows that are not in the space (a search of a sample from all N, for instance).

        Returns int64 (R, k) indices into the space, each row's set in no particular order,
        ties at the k-th distance to the smaller index. Nothing is excluded.
        """
        k = min(k, space.n)
        parts = self.map_rows(
            nearest_block, vectors, rows, 4 * space.n, DISTANCE_SHARE, shared=(space, k)
        )
        return np.concatenate(parts) if parts else np.empty((0, k), dtype=np.int64)

    # --- bytes --------------------------------------------------------------------------------

    def sha256(self, array: np.ndarray, header: bytes = b"") -> str:
        """Hex sha256 of ``header`` followed by ``array``'s C-order bytes (any shape with a
        first axis), fed block by block (the digest does not depend on the blocks)."""
        digest = hashlib.sha256(header)
        row_bytes = array.itemsize * int(np.prod(array.shape[1:]))
        for rows in self.row_blocks(array.shape[0], row_bytes):
            digest.update(np.ascontiguousarray(array[rows]).data)
        return digest.hexdigest()

    def stream(
        self,
        target: BinaryIO,
        n_rows: int,
        encode: Callable[[slice], bytes],
        row_bytes: int,
    ) -> None:
        """Write encode(block) for each block of ``n_rows`` rows to ``target``, in row order.

        ``row_bytes`` is what one row costs while it is encoded (its text and any Python
        objects), so that a block stays within the budget. ``encode`` must encode each row
        alone, so the bytes written do not depend on the blocks.
        """
        for rows in self.row_blocks(n_rows, row_bytes):
            target.write(encode(rows))


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@functools.cache
def _thread_pools() -> object:
    from threadpoolctl import ThreadpoolController  # installed with scikit-learn

    return ThreadpoolController()


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS (and OpenMP) limited to one thread in this process while inside: an engine
    block's products then have the same bits wherever it runs (see ``LocalEngine``)."""
    with _thread_pools().limit(limits=1):  # type: ignore[attr-defined]
        yield


def unit_rows(block: np.ndarray) -> np.ndarray:
    """float64 copy of ``block`` (B, D) with unit rows; a zero row stays zero."""
    unit = np.asarray(block, dtype=np.float64).copy()
    norms = np.sqrt(np.einsum("ij,ij->i", unit, unit))
    np.divide(unit, norms[:, None], out=unit, where=norms[:, None] > 0)
    return unit


def unit_rows_float32(block: np.ndarray) -> np.ndarray:
    """float32 (B, D): ``block``'s rows scaled to unit length (norms in float64, one float32
    product per value; a zero row stays zero), the cosine space's rows bit for bit."""
    wide = np.asarray(block, dtype=np.float64)
    norms = np.sqrt(np.einsum("ij,ij->i", wide, wide))
    scale = np.zeros_like(norms)
    np.divide(1.0, norms, out=scale, where=norms > 0)
    return np.multiply(block, scale.astype(np.float32)[:, None], dtype=np.float32)


def smallest_k(block: np.ndarray, k: int) -> np.ndarray:
    """Columns of the k smallest values of each row, ties to the smaller column: int64 (B, k).

    Row order within the result is arbitrary. Values must be finite except for at most
    one +inf per row (the point itself).
    """
    result = np.empty((block.shape[0], k), dtype=np.int64)
    for start in range(0, block.shape[0], _PARTITION_ROWS):
        rows = slice(start, start + _PARTITION_ROWS)
        result[rows] = _partition_k(block[rows], k)
    # argpartition breaks ties at the k-th value arbitrarily; redo the rows that have one.
    kth = np.take_along_axis(block, result, axis=1).max(axis=1)
    tied = np.flatnonzero(np.count_nonzero(block <= kth[:, None], axis=1) > k)
    for row in tied:
        below = np.flatnonzero(block[row] < kth[row])
        equal = np.flatnonzero(block[row] == kth[row])[: k - below.size]
        result[row] = np.concatenate([below, equal])
    return result


def _partition_k(block: np.ndarray, k: int) -> np.ndarray:
    """Columns of some k smallest values of each row (ties arbitrary): int64 (B, k).

    argpartition over a whole row costs more than the matrix product that made it, so the
    candidates are cut first: the k-th smallest of every 8th column bounds the k-th smallest of
    the row from above, and only the values under that bound (about 8 k a row) are partitioned.
    """
    b, n = block.shape
    stride = max(1, min(8, n // (4 * (k + 1))))
    if stride == 1:
        return np.argpartition(block, k - 1, axis=1)[:, :k]
    # The sample holds at least 4 (k + 1) columns, so at most one +inf: its bound is finite.
    bound = np.partition(block[:, ::stride], k - 1, axis=1)[:, k - 1]
    rows, cols = np.nonzero(block <= bound[:, None])
    counts = np.bincount(rows, minlength=b)
    positions = np.arange(rows.size) - np.repeat(np.cumsum(counts) - counts, counts)
    candidates = np.zeros((b, int(counts.max())), dtype=np.int64)
    values = np.full(candidates.shape, np.inf, dtype=block.dtype)
    candidates[rows, positions] = cols
    values[rows, positions] = block[rows, cols]
    chosen = np.argpartition(values, k - 1, axis=1)[:, :k]
    return np.take_along_axis(candidates, chosen, axis=1)


def nearest_block(block: np.ndarray, space: Space, k: int) -> np.ndarray:
    """int64 (B, k): the exact k nearest rows of ``space`` to each row of ``block`` (rows
    from outside the space), in no particular order, ties to the smaller index."""
    return smallest_k(space.distances_to(block), k)


def nonfinite_rows(block: np.ndarray) -> np.ndarray:
    """bool (B,): the rows of ``block`` that hold a NaN or an Inf (a ``select_rows`` test).

    The cheap check first: a finite float64 sum means no NaN or Inf in the block.
    """
    if np.isfinite(block.sum(dtype=np.float64)):
        return np.zeros(block.shape[0], dtype=bool)
    return ~np.isfinite(block).all(axis=1)


def zero_rows(block: np.ndarray) -> np.ndarray:
    """bool (B,): the rows of ``block`` whose every value is 0 (a ``select_rows`` test)."""
    return ~np.any(np.asarray(block) != 0, axis=1)


# --------------------------------------------------------------------------------------
# One block's part of each reduction: the engines run these and fold the parts in block
# order (LocalEngine here, the Dask engine on its workers), so both give the same bits.


def squared_norms_block(block: np.ndarray) -> np.ndarray:
    """float64 (B,): each row's squared L2 norm, summed in float64 along D."""
    wide = np.asarray(block, dtype=np.float64)
    return np.einsum("ij,ij->i", wide, wide)


def projected_block(block: np.ndarray, center: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """float32 (B, m): (block - center) @ directions in float64, rounded once to float32
    (a block of ``LocalEngine.project``, on the Dask workers too)."""
    return ((block.astype(np.float64) - center) @ directions).astype(np.float32)


def column_sums_block(block: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """float64 (D,): the sum of the block's rows (those where ``mask``), in float64."""
    if mask is None:
        return block.sum(axis=0, dtype=np.float64)
    return block[mask].sum(axis=0, dtype=np.float64)


def gram_block(block: np.ndarray, center: np.ndarray | None) -> np.ndarray:
    """float64 (D, D): the block's (x - center)^T (x - center) (center None: 0)."""
    wide = block.astype(np.float64)
    if center is not None:
        wide = wide - center
    return wide.T @ wide


def gram_group(
    vectors: np.ndarray, group: tuple[slice, ...], center: np.ndarray | None
) -> np.ndarray:
    """float64 (D, D): the Gram parts of a group's blocks of ``vectors``, added in order
    (the first part as it is, so that a group of one block is that block's part)."""
    total = gram_block(vectors[group[0]], center)
    for rows in group[1:]:
        total += gram_block(vectors[rows], center)
    return total


def gram_fan_in(dim: int) -> int:
    """How many D x D float64 parts a node of the Gram matrix's tree adds: GRAM_FAN_IN, or
    as many as fit GRAM_NODE_BYTES (8 at D = 4,096), at least 2."""
    return max(2, min(GRAM_FAN_IN, GRAM_NODE_BYTES // (8 * dim * dim)))


def tree_levels(count: int, fan_in: int) -> list[int]:
    """How many nodes each level of the fixed tree over ``count`` parts has, from the parts
    up: each node adds ``fan_in`` consecutive nodes of the level below (the last may add
    fewer), until at most ``fan_in`` remain, which the root adds into zeros. [count] alone
    when count <= fan_in."""
    levels = [count]
    while levels[-1] > fan_in:
        levels.append(-(-levels[-1] // fan_in))
    return levels


def add_parts(*parts: np.ndarray) -> np.ndarray:
    """One node of the fixed tree: its parts added in order, the first as it is (copied)."""
    total = np.array(parts[0], dtype=np.float64, copy=True)
    for part in parts[1:]:
        total += part
    return total


class FixedTree:
    """Parts added in a tree fixed by their count and the fan-in (``tree_levels``), fed in
    order one at a time: each node's sum is ``add_parts`` of its children and the root adds
    the top level into zeros. An engine that adds the nodes elsewhere (on Dask workers)
    gets the same bits; at most one open node per level is held here."""

    def __init__(self, count: int, fan_in: int, shape: tuple[int, ...]) -> None:
        self._levels = tree_levels(count, fan_in)
        self._fan_in = fan_in
        self._shape = shape
        self._open: list[list[np.ndarray]] = [[] for _ in self._levels]
        self._seen = [0] * len(self._levels)

    def add(self, part: np.ndarray, level: int = 0) -> None:
        """The next part (level 0), or a finished node of the level below."""
        self._open[level].append(part)
        self._seen[level] += 1
        top = len(self._levels) - 1
        if level == top:
            return
        if len(self._open[level]) == self._fan_in or self._seen[level] == self._levels[level]:
            node = add_parts(*self._open[level])
            self._open[level] = []
            self.add(node, level + 1)

    def total(self) -> np.ndarray:
        """The root: the top level's nodes added in order into zeros."""
        total = np.zeros(self._shape)
        for node in self._open[-1]:
            total += node
        return total


def group_sums_block(
    block: np.ndarray, codes: np.ndarray, n_groups: int, unit: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The block's groups present (int (G,)), their float64 (G, D) sums of rows (of unit
    rows when ``unit``; rows in row order) and int64 (n_groups,) nonzero counts."""
    wide = unit_rows(block) if unit else np.asarray(block, np.float64)
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    sums = np.add.reduceat(wide[order], starts, axis=0)
    nonzero = np.bincount(codes[wide.any(axis=1)], minlength=n_groups)
    return sorted_codes[starts], sums, nonzero
