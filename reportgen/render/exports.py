"""``exports/``: what the Embedding Projector cannot export, as plain CSV.

Numbers are written so that float32 values read back exactly (9 significant digits). Text
cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) get a
leading apostrophe (OWASP's advice against CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
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


def _write_csv(
    target: BinaryIO,
    header: Sequence[str],
    n_rows: int,
    rows_of: Callable[[slice], Iterator[Sequence[str]]],
    cells_per_row: int,
    engine: Engine,
) -> None:
    """The header, then the CSV lines of ``rows_of(block)`` for the engine's blocks of
    ``n_rows`` rows, in order (each line depends on its row only)."""
    target.write(_csv_bytes([header]))
    engine.stream(
        target, n_rows, lambda rows: _csv_bytes(rows_of(rows)), _CELL_BYTES * cells_per_row
    )


def coordinates_csv(
    labels: list[str] | None, projections: Sequence[Projection], *, engine: Engine = LOCAL
) -> Producer:
    """``coordinates.csv``: index, label, then ``<view>_x``, ``<view>_y`` (, ``_z``) per view."""
    header = ["index", "label"] + [
        f"{p.key}_{_AXES[axis]}" for p in projections for axis in range(p.dims)
    ]
    n = projections[0].coordinates.shape[0] if projections else len(labels or [])
    columns = [p.coordinates[:, axis] for p in projections for axis in range(p.dims)]

    def rows_of(rows: slice) -> Iterator[list[str]]:
        for i in range(rows.start, rows.stop):
            label = neutralise(labels[i]) if labels is not None else ""
            yield [str(i), label, *(exact_float(float(c[i])) for c in columns)]

    return lambda target: _write_csv(target, header, n, rows_of, len(header), engine)


def neighbors_csv(graph: KnnGraph, k: int, *, engine: Engine = LOCAL) -> Producer:
    """``neighbors.csv``: index, rank (from 1), neighbor, cosine, angle_deg: the first
    ``k`` neighbours of each row in the original space (0-based rows)."""
    header = ["index", "rank", "neighbor", "cosine", "angle_deg"]

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

    return lambda target: _write_csv(target, header, graph.n, rows_of, len(header) * k, engine)


def clusters_csv(
    assignments: np.ndarray, distances: np.ndarray, *, engine: Engine = LOCAL
) -> Producer:
    """``clusters.csv``: index, cluster (numbered by size, from 0), distance_to_centroid.

    Raises ValueError when the two arrays do not have one value per point each.
    """
    if len(assignments) != len(distances):
        raise ValueError(
            f"{len(assignments)} cluster assignments but {len(distances)} distances"
        )  # a bug in the caller
    header = ["index", "cluster", "distance_to_centroid"]

    def rows_of(rows: slice) -> Iterator[list[str]]:
        for i in range(rows.start, rows.stop):
            yield [str(i), str(int(assignments[i])), exact_float(float(distances[i]))]

    return lambda target: _write_csv(target, header, len(assignments), rows_of, len(header), engine)
