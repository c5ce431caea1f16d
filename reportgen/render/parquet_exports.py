"""``exports/`` as Parquet (``--exports-format parquet``): the per-row results as typed
columns in shards that pandas, polars, DuckDB and Spark read as one dataset.

Each export is a folder of parts of consecutive points, ``exports/<name>/part-00000.parquet``
…, with the CSV export's columns (see ``render/exports.py``), typed: row indices int64,
coordinates, cosines and distances float32 as the analysis holds them (exact, where the CSV
needs 9 digits of text), labels as text unchanged (no spreadsheet runs a Parquet file, so
nothing is prefixed). ``pandas.read_parquet("exports/neighbors")`` reads all parts in order.

A part's columns are planned at most 90 % of the file limit uncompressed, so that the
compressed part fits it; each part is measured before anything is written. pyarrow writes
the same bytes for the same columns (its version is in each file's ``created_by``), so two
builds of the same input give the same files.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

from reportgen.analysis.neighbors import KnnGraph, angle_degrees
from reportgen.analysis.projections import Projection
from reportgen.errors import BudgetError, ConfigError
from reportgen.render.exports import PART_TARGET, row_ranges
from reportgen.render.site_types import Producer

# zstd: a third smaller than snappy on these columns, and decoded by every Parquet reader
# of the last years (pyarrow, DuckDB, polars, Spark 3).
COMPRESSION = "zstd"
_AXES = "xyz"


def require_pyarrow() -> Any:
    """pyarrow, or a ConfigError saying how to install it (it is an optional extra)."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise ConfigError(
            "--exports-format parquet needs pyarrow: pip install 'reportgen[parquet]'"
        ) from None
    return pyarrow


@dataclass(frozen=True)
class ParquetTable:
    """A Parquet export before it is written.

    Attributes:
        name: the export's folder under ``exports/`` ("neighbors").
        n_points: how many points (rows of all N) it covers.
        point_bytes: what one point's rows weigh uncompressed (to plan the parts).
        columns_of: the columns of the points in a slice, as name -> pyarrow array; each
            point's rows depend on that point only.
    """

    name: str
    n_points: int
    point_bytes: int
    columns_of: Callable[[slice], dict[str, Any]]

    def producer(self, points: range | None = None) -> Producer:
        """One Parquet file of the rows of ``points`` (a step-1 range; all by default)."""
        points = range(self.n_points) if points is None else points

        def produce(target: BinaryIO) -> None:
            pyarrow = require_pyarrow()
            table = pyarrow.table(self.columns_of(slice(points.start, points.stop)))
            sink = pyarrow.BufferOutputStream()
            pyarrow.parquet.write_table(table, sink, compression=COMPRESSION)
            target.write(memoryview(sink.getvalue()))

        return produce


def _indices(rows: slice) -> Any:
    pyarrow = require_pyarrow()
    return pyarrow.array(np.arange(rows.start, rows.stop, dtype=np.int64))


def coordinates_parquet(
    labels: list[str] | None, projections: Sequence[Projection]
) -> ParquetTable:
    """``coordinates/``: index, label (when there are labels), then ``<view>_x``,
    ``<view>_y`` (, ``_z``) per view, float32."""
    n = projections[0].coordinates.shape[0] if projections else len(labels or [])
    axes = [
        (f"{p.key}_{_AXES[axis]}", p.coordinates, axis)
        for p in projections
        for axis in range(p.dims)
    ]
    label_bytes = 0
    if labels is not None and n:
        # Mean UTF-8 length, plus the offset each string costs.
        label_bytes = math.ceil(sum(len(label.encode()) for label in labels) / n) + 4

    def columns_of(rows: slice) -> dict[str, Any]:
        pyarrow = require_pyarrow()
        columns = {"index": _indices(rows)}
        if labels is not None:
            columns["label"] = pyarrow.array(labels[rows], type=pyarrow.string())
        for name, coordinates, axis in axes:
            values = np.ascontiguousarray(coordinates[rows, axis], dtype=np.float32)
            columns[name] = pyarrow.array(values)
        return columns

    return ParquetTable("coordinates", n, 8 + label_bytes + 4 * len(axes), columns_of)


def neighbors_parquet(graph: KnnGraph, k: int) -> ParquetTable:
    """``neighbors/``: index, rank (from 1), neighbor, cosine, angle_deg: ``k`` rows a
    point, as ``neighbors.csv`` (the angle unrounded)."""

    def columns_of(rows: slice) -> dict[str, Any]:
        pyarrow = require_pyarrow()
        cosines = np.ascontiguousarray(graph.similarities[rows, :k], dtype=np.float32)
        count = cosines.shape[0]
        return {
            "index": pyarrow.array(np.repeat(np.arange(rows.start, rows.start + count), k)),
            "rank": pyarrow.array(np.tile(np.arange(1, k + 1, dtype=np.int32), count)),
            "neighbor": pyarrow.array(graph.indices[rows, :k].astype(np.int64).ravel()),
            "cosine": pyarrow.array(cosines.ravel()),
            "angle_deg": pyarrow.array(angle_degrees(cosines).ravel()),
        }

    return ParquetTable("neighbors", graph.n, k * (8 + 4 + 8 + 4 + 4), columns_of)


def clusters_parquet(assignments: np.ndarray, distances: np.ndarray) -> ParquetTable:
    """``clusters/``: index, cluster (numbered by size, from 0, int32),
    distance_to_centroid (float32).

    Raises ValueError when the two arrays do not have one value per point each.
    """
    if len(assignments) != len(distances):
        raise ValueError(
            f"{len(assignments)} cluster assignments but {len(distances)} distances"
        )  # a bug in the caller

    def columns_of(rows: slice) -> dict[str, Any]:
        pyarrow = require_pyarrow()
        return {
            "index": _indices(rows),
            "cluster": pyarrow.array(np.asarray(assignments[rows], dtype=np.int32)),
            "distance_to_centroid": pyarrow.array(np.asarray(distances[rows], dtype=np.float32)),
        }

    return ParquetTable("clusters", len(assignments), 8 + 4 + 4, columns_of)


def part_name(folder: str, part: int) -> str:
    """``exports/neighbors`` part 0 -> ``exports/neighbors/part-00000.parquet`` (parts are
    numbered from 0, as Spark and Dask number theirs)."""
    return f"{folder}/part-{part:05d}.parquet"


def plan_parts(
    folder: str,
    table: ParquetTable,
    max_file_bytes: int,
    measure: Callable[[Producer], int],
    file_flag: str,
) -> tuple[list[str], list[Producer], list[int]]:
    """The parts of ``table`` under ``folder`` (paths, producers, measured sizes), as few
    as keep each part under ``max_file_bytes``.

    Raises BudgetError when even one point per part would be over the limit.
    """
    raw = table.point_bytes * table.n_points
    parts = max(1, math.ceil(raw / (PART_TARGET * max_file_bytes)))
    while True:
        if parts > max(table.n_points, 1):
            raise BudgetError(
                f"{folder}: even one point per file would be over {file_flag}; raise it"
            )
        producers = [table.producer(points) for points in row_ranges(table.n_points, parts)]
        sizes = [measure(producer) for producer in producers]
        if max(sizes) <= max_file_bytes:
            break
        parts = max(parts + 1, math.ceil(parts * max(sizes) / (PART_TARGET * max_file_bytes)))
    return [part_name(folder, part) for part in range(parts)], producers, sizes
