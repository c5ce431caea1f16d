"""``exports/``: what the Embedding Projector cannot export, as plain CSV.

Numbers are written so that float32 values read back exactly (9 significant digits). Text
cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) get a
leading apostrophe (OWASP's advice against CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from reportgen.analysis.neighbors import KnnGraph, angle_degrees
from reportgen.analysis.projections import Projection
from reportgen.engine import LOCAL, Engine
from reportgen.render.site_types import Producer

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What one CSV cell costs while a block of rows is encoded (its text and its str object):
# the engine sizes its blocks of rows from it.
_CELL_BYTES = 64
_AXES = "xyz"
# A split export aims each part at this share of the file limit, so that parts of uneven
# rows still fit (CSV parts here and in render/budget.py, Parquet parts).
PART_TARGET = 0.9


def row_ranges(n_rows: int, parts: int) -> list[range]:
    """``n_rows`` rows in ``parts`` consecutive ranges of sizes that differ by at most 1."""
    bounds = [n_rows * part // parts for part in range(parts + 1)]
    return [range(bounds[i], bounds[i + 1]) for i in range(parts)]


def neutralise(text: str) -> str:
    """A text cell that a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def exact_float(value: float) -> str:
    """A float32 value as text that reads back to the same float32 (9 significant digits)."""
    return format(value, ".9g")


def _csv_bytes(rows: Iterable[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


@dataclass(frozen=True)
class CsvTable:
    """A CSV export before it is written: its header, its rows (``rows_of(block)`` yields
    the CSV records of a block of rows; each record depends on its row only) and what a
    row costs while it is encoded (so that the engine sizes its blocks).

    ``producer(rows)`` streams the header and the records of ``rows`` (all by default), so
    that a large export can be written in parts, each with the header.
    """

    header: tuple[str, ...]
    n_rows: int
    rows_of: Callable[[slice], Iterator[Sequence[str]]]
    cells_per_row: int

    def producer(self, rows: range | None = None, *, engine: Engine = LOCAL) -> Producer:
        """The header, then the CSV lines of ``rows`` (a step-1 range of row indices)."""
        rows = range(self.n_rows) if rows is None else rows

        def produce(target: BinaryIO) -> None:
            target.write(_csv_bytes([self.header]))
            engine.stream(
                target,
                len(rows),
                lambda block: _csv_bytes(
                    self.rows_of(slice(rows.start + block.start, rows.start + block.stop))
                ),
                _CELL_BYTES * self.cells_per_row,
            )

        return produce


def coordinates_table(labels: list[str] | None, projections: Sequence[Projection]) -> CsvTable:
    """``coordinates.csv``: index, label, then ``<view>_x``, ``<view>_y`` (, ``_z``) per view."""
    axes = [f"{p.key}_{_AXES[axis]}" for p in projections for axis in range(p.dims)]
    header = ("index", "label", *axes)
    n = projections[0].coordinates.shape[0] if projections else len(labels or [])
    columns = [p.coordinates[:, axis] for p in projections for axis in range(p.dims)]

    def rows_of(rows: slice) -> Iterator[list[str]]:
        for i in range(rows.start, rows.stop):
            label = neutralise(labels[i]) if labels is not None else ""
            yield [str(i), label, *(exact_float(float(c[i])) for c in columns)]

    return CsvTable(header, n, rows_of, len(header))


def coordinates_csv(
    labels: list[str] | None, projections: Sequence[Projection], *, engine: Engine = LOCAL
) -> Producer:
    """``coordinates.csv`` whole (see ``coordinates_table``)."""
    return coordinates_table(labels, projections).producer(engine=engine)


def neighbors_table(graph: KnnGraph, k: int) -> CsvTable:
    """``neighbors.csv``: index, rank (from 1), neighbor, cosine, angle_deg: the first
    ``k`` neighbours of each row in the original space (0-based rows); ``k`` lines a row."""
    header = ("index", "rank", "neighbor", "cosine", "angle_deg")

    def rows_of(rows: slice) -> Iterator[list[str]]:
        indices = graph.indices[rows, :k]
        cosines = graph.similarities[rows, :k]
        angles = angle_degrees(cosines)
        for offset in range(len(indices)):
            for rank in range(k):
                yield [
                    str(rows.start + offset),
                    str(rank + 1),
                    str(int(indices[offset, rank])),
                    exact_float(float(cosines[offset, rank])),
                    format(float(angles[offset, rank]), ".2f"),
                ]

    return CsvTable(header, graph.n, rows_of, len(header) * k)


def neighbors_csv(graph: KnnGraph, k: int, *, engine: Engine = LOCAL) -> Producer:
    """``neighbors.csv`` whole (see ``neighbors_table``)."""
    return neighbors_table(graph, k).producer(engine=engine)


def clusters_table(assignments: np.ndarray, distances: np.ndarray) -> CsvTable:
    """``clusters.csv``: index, cluster (numbered by size, from 0), distance_to_centroid.

    Raises ValueError when the two arrays do not have one value per point each.
    """
    if len(assignments) != len(distances):
        raise ValueError(
            f"{len(assignments)} cluster assignments but {len(distances)} distances"
        )  # a bug in the caller
    header = ("index", "cluster", "distance_to_centroid")

    def rows_of(rows: slice) -> Iterator[list[str]]:
        for i in range(rows.start, rows.stop):
            yield [str(i), str(int(assignments[i])), exact_float(float(distances[i]))]

    return CsvTable(header, len(assignments), rows_of, len(header))


def clusters_csv(
    assignments: np.ndarray, distances: np.ndarray, *, engine: Engine = LOCAL
) -> Producer:
    """``clusters.csv`` whole (see ``clusters_table``; raises ValueError like it)."""
    return clusters_table(assignments, distances).producer(engine=engine)
