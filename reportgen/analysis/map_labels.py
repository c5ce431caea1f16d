"""Labels written on a 2D map: one per k-means cluster and one per label class.

Each group's label sits at its **anchor**: the part of the map where most of its points
are, not its mean (a cluster split in two islands has its mean in the empty sea between
them). The view's data range is cut into ANCHOR_GRID x ANCHOR_GRID cells; a group's anchor
is the median position of its points in its fullest cell (ties: the cell listed first,
bottom row first). Every point counts (all N, exact); the browser only decides which labels
fit at the current zoom, bigger groups first.

A cluster's text is its TF-IDF keywords when there is a text column ("time · date ·
seconds"), else its most frequent label and that label's share of the cluster ("os · 63 %"),
else "cluster 3". A label class's text is the label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reportgen.analysis.clusters import Clustering

# Cells per side of the grid the anchors are found on: about one cell per cluster-sized
# region of a map of a few dozen groups.
ANCHOR_GRID = 24
# The label classes written on a map at most (the largest): the browser places fewer.
MAX_CLASS_LABELS = 200


@dataclass(frozen=True)
class MapLabel:
    """A text to write at (x, y) on a view, for a group of ``items`` points."""

    x: float
    y: float
    text: str
    items: int

    def to_json(self) -> list:
        """[x, y, text, items]: compact, for the page block."""
        return [round(self.x, 4), round(self.y, 4), self.text, self.items]


def group_anchors(
    coordinates: np.ndarray, codes: np.ndarray, n_groups: int, grid: int = ANCHOR_GRID
) -> tuple[np.ndarray, np.ndarray]:
    """float64 (G, 2) each group's anchor (NaN for an empty group) and int64 (G,) its size.

    The anchor is the median of the group's points in its fullest cell of a ``grid`` x
    ``grid`` grid over the coordinates' range.
    """
    points = np.asarray(coordinates, dtype=np.float64)
    codes = np.asarray(codes, dtype=np.int64)
    sizes = np.bincount(codes, minlength=n_groups).astype(np.int64)
    anchors = np.full((n_groups, 2), np.nan)
    if len(points) == 0:
        return anchors, sizes
    cells = np.zeros(len(points), dtype=np.int64)
    for axis, scale in ((0, 1), (1, grid)):
        low, high = float(points[:, axis].min()), float(points[:, axis].max())
        span = high - low if high > low else 1.0
        index = np.clip(((points[:, axis] - low) * (grid / span)).astype(np.int64), 0, grid - 1)
        cells += index * scale
    counts = np.bincount(codes * grid * grid + cells, minlength=n_groups * grid * grid)
    fullest = np.argmax(counts.reshape(n_groups, grid * grid), axis=1)
    inside = cells == fullest[codes]
    chosen, chosen_codes = points[inside], codes[inside]
    order = np.argsort(chosen_codes, kind="stable")
    chosen, chosen_codes = chosen[order], chosen_codes[order]
    starts = np.flatnonzero(np.r_[True, chosen_codes[1:] != chosen_codes[:-1]])
    for group, part in zip(chosen_codes[starts], np.split(chosen, starts[1:]), strict=True):
        anchors[group] = np.median(part, axis=0)
    return anchors, sizes


def cluster_texts(clustering: Clustering) -> list[str]:
    """Each cluster's text on the map: keywords, else its majority label and share."""
    if clustering.names is not None and any(clustering.names):
        return [name or f"cluster {i}" for i, name in enumerate(clustering.names)]
    if clustering.contingency is not None and clustering.label_names is not None:
        texts = []
        for row in np.asarray(clustering.contingency):
            top = int(np.argmax(row))  # ties: the more frequent label (listed first)
            share = row[top] / max(int(row.sum()), 1)
            texts.append(f"{clustering.label_names[top]} · {100 * share:.0f} %")
        return texts
    return [f"cluster {i}" for i in range(clustering.k)]


def map_labels(
    coordinates: np.ndarray, codes: np.ndarray, texts: Sequence[str], limit: int | None = None
) -> list[MapLabel]:
    """One MapLabel per non-empty group (codes index ``texts``), the largest groups first
    (ties by text), at most ``limit``."""
    anchors, sizes = group_anchors(coordinates, codes, len(texts))
    groups = [group for group in range(len(texts)) if sizes[group] > 0]
    groups.sort(key=lambda group: (-int(sizes[group]), texts[group]))
    return [
        MapLabel(float(anchors[g, 0]), float(anchors[g, 1]), str(texts[g]), int(sizes[g]))
        for g in groups[:limit]
    ]
