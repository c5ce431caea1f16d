"""The Dask engine (``--engine dask``, ``pip install 'reportgen[dask]'``): a cluster's workers
read and check the input's shards, and reduce all rows where they read them.

What runs on the workers today: every vectors shard is read by its extension's reader and
checked there (nulls, ragged rows, dtypes, NaN/Inf), and its shape, checks and metadata come
back to this process in shard order (``dask_shard_mapper``); then the analysis' reductions
over all rows (norms, sums, the Gram matrix, per-label sums, the zero scan, the PCA
projection) run block by block on the workers, which read the blocks from the shards again
(``DaskEngine``), and so do the searches of chosen rows against the sample (the placement of
points outside the fit sample, exact or through an IVF index of the sample sent to the
workers once), the Lloyd passes of the blocked k-means fit and the trustworthiness ranks
(``DaskEngine.map_rows``). All give the local engine's bytes. A bad shard is reported as the
first bad one in shard order, whichever worker finished first; a worker that dies is
replaced and its tasks run again (Dask's retries). The rows come to the client only when the
analysis reads all of them there (``client_needs_all_rows``); else the build's array is the
shards' ``ShardedRows`` and the client reads only samples.

No scheduler of our own: ``--scheduler tcp://host:8786`` connects to a running one, else a
``distributed.LocalCluster`` is started here for the length of the load and the analysis.
"""

from __future__ import annotations

import logging
import os
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from reportgen.engine.local import (
    LocalEngine,
    add_parts,
    column_sums_block,
    gram_fan_in,
    gram_group,
    group_sums_block,
    one_blas_thread,
    projected_block,
    squared_norms_block,
    tree_levels,
)
from reportgen.errors import EngineError
from reportgen.io.files import one_line
from reportgen.io.shards import ShardedRows

__all__ = ["THREAD_VARIABLES", "DaskEngine", "dask_shard_mapper", "start_client"]

# Starting a LocalCluster sets these to 1 in this process too (the Nanny's
# "pre-spawn-environ"), which would change the client's BLAS speed and, through the thread
# count, the numbers of the analysis that follows. They are put back as they were.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")

# A shard whose worker died is read again this many times before the build gives up.
RETRIES = 3

# Shards read or waiting to be fetched, per worker thread (see dask_shard_mapper).
IN_FLIGHT = 2


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise EngineError(
            "--engine dask needs dask.distributed: pip install 'reportgen[dask]'"
        ) from None
    return distributed


@contextmanager
def _thread_variables_kept() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def start_client(
    scheduler: str | None,
    *,
    n_workers: int | None = None,
    memory_limit: str | None = None,
    timeout_s: int = 30,
) -> Iterator[Any]:
    """A ``distributed.Client``: connected to ``scheduler``, or to a LocalCluster started
    here (processes, one thread per worker) and closed afterwards.

    Raises EngineError when distributed is missing or the scheduler cannot be reached
    within ``timeout_s`` seconds.
    """
    distributed = _distributed()
    if scheduler is not None:
        try:
            client = distributed.Client(scheduler, timeout=timeout_s, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise EngineError(
                f"cannot reach the Dask scheduler at {scheduler} within {timeout_s} s: "
                f"{one_line(exc)}"
            ) from None
        with client:
            yield client
        return
    options: dict[str, Any] = {"threads_per_worker": 1, "processes": True}
    if n_workers is not None:
        options["n_workers"] = n_workers
    if memory_limit is not None:
        options["memory_limit"] = memory_limit
    with _thread_variables_kept():
        try:
            cluster = distributed.LocalCluster(
                dashboard_address=":0", silence_logs=logging.ERROR, **options
            )
        except ValueError as exc:  # a memory limit Dask cannot parse
            raise EngineError(f"cannot start a LocalCluster: {one_line(exc)}") from None
    try:
        with _thread_variables_kept(), distributed.Client(cluster, set_as_default=False) as client:
            yield client
    finally:
        with _thread_variables_kept():
            cluster.close()


def dask_shard_mapper(
    client: Any, advance: Callable[[int, int], None] | None = None
) -> Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]:
    """A shard mapper (``reportgen.io.shards.ShardMapper``) that runs ``fn`` on the
    cluster, one task per shard, and returns the results in shard order.

    ``advance(done, total)`` is called as shards finish (the progress line).
    """
    distributed = _distributed()

    def map_shards(fn: Callable[[Any], Any], shards: Sequence[Any]) -> list[Any]:
        # A fresh key per call (not a hash of the arguments), so that a rebuild re-reads
        # files that may have changed.
        run = uuid.uuid4().hex
        results: list[Any] = [None] * len(shards)
        position: dict[str, int] = {}

        def submit(i: int) -> Any:
            key = f"reportgen-read-shard-{run}-{i}"
            position[key] = i
            return client.submit(fn, shards[i], key=key, retries=RETRIES)

        # Backpressure: at most IN_FLIGHT shards per worker thread are read or waiting to be
        # fetched, and each result is fetched as soon as it is ready and its future dropped.
        # Without it the workers read ahead and hold finished shards faster than the client
        # takes them: measured with 16 MB shards and 300 MB workers, one worker held nine
        # and its Nanny restarted it for memory.
        threads = sum(w["nthreads"] for w in client.scheduler_info()["workers"].values())
        window = max(1, IN_FLIGHT * threads)
        finished = distributed.as_completed(
            [submit(i) for i in range(min(window, len(shards)))],
            loop=client.loop,
            with_results=True,
        )
        next_shard = min(window, len(shards))
        for done, (future, result) in enumerate(finished, start=1):
            results[position[future.key]] = result
            future.release()
            if next_shard < len(shards):
                finished.add(submit(next_shard))
                next_shard += 1
            if advance is not None:
                advance(done, len(results))
        return results

    return map_shards


@dataclass(frozen=True, eq=False)
class DaskEngine(LocalEngine):
    """The local engine's reductions over all rows, run block by block on Dask workers that
    read their blocks from the shards themselves (``reportgen.io.shards.ShardedRows``).

    The blocks are the local engine's (a pure function of N, D and ``block_bytes``, so a
    block may straddle two shards), each block's part is the same function
    (``reportgen.engine.local``), and the parts are folded on the client in block order:
    the results are the local engine's bit for bit. The Gram matrix's blocks are added in
    groups on the workers first (``LocalEngine.gram_groups``, the same groups the local
    engine adds), and the groups' parts there in a fixed tree (``FixedTree``'s), so that
    the client receives at most one node's fan-in of D x D parts, not one per block.
    Arrays that live in this process (a sample, a prepared space) are reduced here, as the
    local engine does.
    """

    client: Any = None
    # The build's array of all rows and the shards it was read from: a reduction over that
    # very array (``is``) runs on the workers, which read the same rows from the shards.
    mirror: ShardedRows | None = None
    array: np.ndarray | None = None

    def _rows(self, vectors: Any) -> ShardedRows | None:
        """The shards to reduce on the workers instead of ``vectors``, or None: here."""
        if isinstance(vectors, ShardedRows):
            return vectors
        if self.mirror is not None and vectors is self.array:
            return self.mirror
        return None

    def _parts(self, fn: Callable[..., Any], rows: ShardedRows, *args: Any) -> list[Any]:
        n, dim = rows.shape
        blocks = self.row_blocks(n, 8 * max(1, dim))
        run = uuid.uuid4().hex
        keys = [f"reportgen-{fn.__name__.replace('_', '-')}-{run}-{i}" for i in range(len(blocks))]
        columns = [[fn] * len(blocks), [rows] * len(blocks), list(blocks)]
        columns += [[arg] * len(blocks) for arg in args]
        futures = self.client.map(_on_block, *columns, key=keys, retries=RETRIES)
        return self.client.gather(futures)

    def map_rows(
        self,
        fn: Callable[..., Any],
        vectors: Any,
        rows: np.ndarray,
        row_bytes: int,
        share: int = 1,
        shared: tuple = (),
        with_rows: bool = False,
    ) -> list[Any]:
        """As LocalEngine.map_rows; on the workers for the shards, each reading its part's
        rows itself (``ShardedRows.take``). ``shared`` is sent once per call, as the result
        of one task that every part depends on (fetched by each worker once), not with
        every part."""
        sharded = self._rows(vectors)
        if sharded is None:
            return super().map_rows(fn, vectors, rows, row_bytes, share, shared, with_rows)
        rows = np.asarray(rows, dtype=np.int64)
        parts = self.row_blocks(len(rows), row_bytes, share)
        if not parts:
            return []
        run = uuid.uuid4().hex
        # The shared arguments as a task's result, not scattered data: the scheduler keeps
        # the task, so a worker that dies holding the only copy costs a recomputation, where
        # scattered data would be lost for good and every part depending on it cancelled.
        # The task's graph carries them once, on purpose (the sample's rows, an index: tens
        # of MB), so Dask's warning about a large graph says nothing here.
        with _large_graph_expected():
            everywhere = self.client.submit(
                _shared_value, shared, key=f"reportgen-shared-{run}", pure=False
            )
        name = getattr(fn, "__name__", "rows").replace("_", "-")
        futures = self.client.map(
            _on_rows,
            [fn] * len(parts),
            [sharded] * len(parts),
            [_compact(rows[part]) for part in parts],
            [everywhere] * len(parts),
            [with_rows] * len(parts),
            key=[f"reportgen-{name}-{run}-{i}" for i in range(len(parts))],
            retries=RETRIES,
        )
        try:
            return self.client.gather(futures)
        finally:
            everywhere.release()

    def row_norms(self, vectors: Any, *, squared: bool = False) -> np.ndarray:
        """As LocalEngine.row_norms; on the workers for ShardedRows."""
        rows = self._rows(vectors)
        if rows is None:
            return super().row_norms(vectors, squared=squared)
        out = np.concatenate(self._parts(squared_norms_block, rows))
        return out if squared else np.sqrt(out)

    def column_sums(self, vectors: Any, mask: np.ndarray | None = None) -> np.ndarray:
        """As LocalEngine.column_sums; on the workers for ShardedRows."""
        rows = self._rows(vectors)
        if rows is None or mask is not None:
            return super().column_sums(vectors, mask)
        total = np.zeros(rows.shape[1])
        for part in self._parts(column_sums_block, rows, None):
            total += part
        return total

    def gram(self, vectors: Any, center: np.ndarray | None = None) -> np.ndarray:
        """As LocalEngine.gram; on the workers for ShardedRows."""
        rows = self._rows(vectors)
        if rows is None:
            return super().gram(vectors, center)
        n, dim = rows.shape
        groups = self.gram_groups(n, dim)
        run = uuid.uuid4().hex
        futures = self.client.map(
            _gram_group,
            [rows] * len(groups),
            list(groups),
            [center] * len(groups),
            key=[f"reportgen-gram-{run}-{i}" for i in range(len(groups))],
            retries=RETRIES,
        )
        # The tree's nodes are added on the workers, level by level, as LocalEngine's
        # FixedTree adds them: the client receives at most one fan-in of D x D parts.
        fan_in = gram_fan_in(dim)
        for level in range(1, len(tree_levels(len(groups), fan_in))):
            futures = [
                self.client.submit(
                    add_parts,
                    *futures[first : first + fan_in],
                    key=f"reportgen-gram-node-{run}-{level}-{first // fan_in}",
                    retries=RETRIES,
                )
                for first in range(0, len(futures), fan_in)
            ]
        total = np.zeros((dim, dim))
        for node in self.client.gather(futures):
            total += node
        return total

    def select_rows(self, vectors: Any, test: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """As LocalEngine.select_rows; on the workers for the shards (``test`` must pickle:
        a module-level function such as ``zero_rows``)."""
        rows = self._rows(vectors)
        if rows is None:
            return super().select_rows(vectors, test)
        blocks = self.row_blocks(rows.shape[0], 8 * max(1, rows.shape[1]))
        found = [
            block.start + part
            for block, part in zip(blocks, self._parts(selected_block, rows, test), strict=True)
        ]
        return np.concatenate(found).astype(np.int64) if found else np.empty(0, np.int64)

    def project(self, vectors: Any, center: np.ndarray, directions: np.ndarray) -> np.ndarray:
        """As LocalEngine.project; on the workers for the shards (each row's PCA
        coordinates: part of pass 2)."""
        rows = self._rows(vectors)
        if rows is None:
            return super().project(vectors, center, directions)
        parts = self._parts(projected_block, rows, center, directions)
        if not parts:
            return np.empty((0, directions.shape[1]), dtype=np.float32)
        return np.concatenate(parts)

    def group_sums(
        self, vectors: Any, groups: np.ndarray, n_groups: int, *, unit: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """As LocalEngine.group_sums; on the workers for ShardedRows."""
        rows = self._rows(vectors)
        if rows is None:
            return super().group_sums(vectors, groups, n_groups, unit=unit)
        n, dim = rows.shape
        blocks = self.row_blocks(n, 8 * dim)
        run = uuid.uuid4().hex
        # Each block's group codes travel with its task (the client holds the labels): in
        # the smallest integer type that holds them, 2 bytes a row for up to 32,767 groups,
        # where int64 made a graph of 80 MB at 10M rows.
        codes = np.asarray(groups).astype(np.min_scalar_type(-max(n_groups, 1)), copy=False)
        with _large_graph_expected():
            futures = self.client.map(
                _group_block,
                [rows] * len(blocks),
                list(blocks),
                [codes[block] for block in blocks],
                [n_groups] * len(blocks),
                [unit] * len(blocks),
                key=[f"reportgen-group-sums-{run}-{i}" for i in range(len(blocks))],
                retries=RETRIES,
            )
        sums = np.zeros((n_groups, dim), dtype=np.float64)
        nonzero = np.zeros(n_groups, dtype=np.int64)
        for present, block_sums, block_nonzero in self.client.gather(futures):
            sums[present] += block_sums
            nonzero += block_nonzero
        return sums, nonzero


@contextmanager
def _large_graph_expected() -> Iterator[None]:
    """Silence distributed's "Sending large graph" warning where the graph carries data
    once by design (its advice, to load the data with Dask, is what the workers do)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Sending large graph", UserWarning)
        yield


def _on_block(fn: Callable[..., Any], rows: ShardedRows, block: slice, *args: Any) -> Any:
    with one_blas_thread():
        return fn(rows[block], *args)


def _gram_group(rows: ShardedRows, group: tuple[slice, ...], center: np.ndarray | None) -> Any:
    with one_blas_thread():
        return gram_group(rows, group, center)


def _shared_value(shared: tuple) -> tuple:
    return shared


def _compact(rows: np.ndarray) -> np.ndarray | range:
    """A part's rows as sent to its task: a range when they are consecutive (every row of
    all N, searched against the sample: 8 bytes a row would make a graph of 80 MB at 10M
    rows), else the array."""
    if len(rows) and rows[-1] - rows[0] == len(rows) - 1 and np.all(np.diff(rows) == 1):
        return range(int(rows[0]), int(rows[-1]) + 1)
    return rows


def _on_rows(
    fn: Callable[..., Any],
    sharded: ShardedRows,
    rows: np.ndarray | range,
    shared: tuple,
    with_rows: bool,
) -> Any:
    rows = np.arange(rows.start, rows.stop) if isinstance(rows, range) else rows
    with one_blas_thread():
        if with_rows:
            return fn(rows, sharded.take(rows), *shared)
        return fn(sharded.take(rows), *shared)


def _group_block(
    rows: ShardedRows, block: slice, codes: np.ndarray, n_groups: int, unit: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    with one_blas_thread():
        return group_sums_block(rows[block], codes, n_groups, unit)


def selected_block(block: np.ndarray, test: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """The block's rows (0-based in the block) where ``test`` holds."""
    return np.flatnonzero(test(block))
