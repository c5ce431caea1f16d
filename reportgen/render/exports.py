"""``exports/``: what the Embedding Projector cannot export, as plain CSV.

Numbers are written so that float32 values read back exactly (9 significant digits). Text
cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) get a
leading apostrophe (OWASP's advice against CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import BinaryIO

import numpy as np

from reportgen.analysis.neighbors import KnnGraph, angle_degrees
from reportgen.analysis.projections import Projection
from reportgen.render.site_types import Producer

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ROWS_PER_CHUNK = 20_000
_AXES = "xyz"


def neutralise(text: str) -> str:
    """A text cell that a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def exact_float(value: float) -> str:
    """A float32 value as text that reads back to the same float32 (9 significant digits)."""
    return format(value, ".9g")


def _write_csv(target: BinaryIO, header: Sequence[str], rows: Iterator[Sequence[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % _ROWS_PER_CHUNK == 0:
            target.write(buffer.getvalue().encode("utf-8"))
            buffer.seek(0)
            buffer.truncate()
    target.write(buffer.getvalue().encode("utf-8"))


def coordinates_csv(labels: list[str] | None, projections: Sequence[Projection]) -> Producer:
    """``coordinates.csv``: index, label, then ``<view>_x``, ``<view>_y`` (, ``_z``) per view."""
    header = ["index", "label"] + [
        f"{p.key}_{_AXES[axis]}" for p in projections for axis in range(p.dims)
    ]
    n = projections[0].coordinates.shape[0] if projections else len(labels or [])

    def rows() -> Iterator[list[str]]:
        columns = [p.coordinates[:, axis] for p in projections for axis in range(p.dims)]
        for i in range(n):
            label = neutralise(labels[i]) if labels is not None else ""
            yield [str(i), label, *(exact_float(float(c[i])) for c in columns)]

    return lambda target: _write_csv(target, header, rows())


def neighbors_csv(graph: KnnGraph, k: int) -> Producer:
    """``neighbors.csv``: index, rank (from 1), neighbor, cosine, angle_deg: the first
    ``k`` neighbours of each row in the original space (0-based rows)."""
    header = ["index", "rank", "neighbor", "cosine", "angle_deg"]

    def rows() -> Iterator[list[str]]:
        for start in range(0, graph.n, _ROWS_PER_CHUNK):
            indices = graph.indices[start : start + _ROWS_PER_CHUNK, :k]
            cosines = graph.similarities[start : start + _ROWS_PER_CHUNK, :k]
            angles = angle_degrees(cosines)
            for offset in range(len(indices)):
                for rank in range(k):
                    yield [
                        str(start + offset),
                        str(rank + 1),
                        str(int(indices[offset, rank])),
                        exact_float(float(cosines[offset, rank])),
                        format(float(angles[offset, rank]), ".2f"),
                    ]

    return lambda target: _write_csv(target, header, rows())


def clusters_csv(assignments: np.ndarray, distances: np.ndarray) -> Producer:
    """``clusters.csv``: index, cluster (numbered by size, from 0), distance_to_centroid."""
    header = ["index", "cluster", "distance_to_centroid"]

    def rows() -> Iterator[list[str]]:
        for i, (cluster, distance) in enumerate(zip(assignments, distances, strict=True)):
            yield [str(i), str(int(cluster)), exact_float(float(distance))]

    return lambda target: _write_csv(target, header, rows())
