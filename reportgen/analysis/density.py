"""The density layer of a sampled 2D view: a histogram of ALL N points' coordinates.

Beyond the browser budget a 2D view draws a seeded sample of its points; under them the
page draws this histogram, so that the picture of the whole set stays true where the
points are sampled. It is computed here, on every point, not in the browser.

The grid is ``density_bins(N)`` cells square over the view's data range (its minimum to
its maximum on each axis, so that no cell lies outside the data and none is wasted):
``sqrt(N)`` per side, at least ``MIN_BINS`` and at most ``DENSITY_BINS`` (256), so that
there are no more cells than points (a smaller set would otherwise be a speckle of
one-point cells). 256 at most because, on a plot some 800 px wide, a cell is then about
3 px: the size of the markers of a dense view (``figures.marker_size``), so the layer is
as fine as the points drawn over it; and 65,536 cells of one byte each cost the page 87 KB
of base64, under 0.5 byte per point of the 200,000 points beyond which a view is sampled
by default. Every N from 65,536 up gets the full 256.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "DENSITY_BINS",
    "MIN_BINS",
    "Density",
    "axis_range",
    "compute_density",
    "density_bins",
    "log_levels",
]

DENSITY_BINS = 256
MIN_BINS = 64


def density_bins(n: int) -> int:
    """Cells per side of the grid for ``n`` points: ``isqrt(n)`` within [64, 256]."""
    return max(MIN_BINS, min(DENSITY_BINS, math.isqrt(max(n, 0))))


@dataclass(frozen=True)
class Density:
    """A 2D histogram of one view's coordinates.

    Attributes:
        key: the view's key ("umap-2d").
        counts: int64 (bins_y, bins_x): ``counts[j, i]`` points fall in column i (x) and
            row j (y, from the bottom); they sum to N.
        x_range, y_range: (low, high) of the grid on each axis: the data's range (widened
            by 0.5 either side when every point has the same value).
    """

    key: str
    counts: np.ndarray
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    @property
    def n(self) -> int:
        """The number of points counted (every point of the view)."""
        return int(self.counts.sum())


def axis_range(values: np.ndarray) -> tuple[float, float]:
    """The grid's range on one axis: the values' minimum to maximum (widened by 0.5 either
    side when they are all the same)."""
    low, high = float(values.min()), float(values.max())
    if high <= low:  # a flat axis (a rank-1 PCA): one cell's worth either side
        return low - 0.5, high + 0.5
    return low, high


def _cells(values: np.ndarray, low: float, high: float, bins: int) -> np.ndarray:
    """Each value's cell on a grid of ``bins`` over [low, high]; ``high`` is in the last."""
    scaled = (values.astype(np.float64) - low) * (bins / (high - low))
    return np.clip(scaled.astype(np.int64), 0, bins - 1)


def compute_density(
    key: str,
    coordinates: np.ndarray,
    bins: int = DENSITY_BINS,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
) -> Density:
    """The ``bins`` x ``bins`` histogram of ``coordinates`` (N, 2) over their range, or over
    ``x_range`` and ``y_range`` when given (values outside count in the edge cells).

    Counting is integer (``np.bincount`` of each point's cell), so the result does not
    depend on the order of the points and sums to N exactly. Raises ValueError for an
    empty or non-2D input, or ``bins < 1``.
    """
    coordinates = np.asarray(coordinates)
    if coordinates.ndim != 2 or coordinates.shape[1] != 2:
        raise ValueError(f"coordinates of shape {coordinates.shape} must be (N, 2)")
    if len(coordinates) == 0:
        raise ValueError("no coordinates to count")
    if bins < 1:
        raise ValueError(f"bins={bins} must be at least 1")
    x_range = x_range or axis_range(coordinates[:, 0])
    y_range = y_range or axis_range(coordinates[:, 1])
    columns = _cells(coordinates[:, 0], *x_range, bins)
    rows = _cells(coordinates[:, 1], *y_range, bins)
    counts = np.bincount(rows * bins + columns, minlength=bins * bins).reshape(bins, bins)
    return Density(key, counts.astype(np.int64), x_range, y_range)


def log_levels(counts: np.ndarray) -> np.ndarray:
    """``counts`` as uint8 levels on a log scale, for the browser.

    0 exactly where a cell is empty, 255 for the fullest cell, ``1 + 254 * log(c) /
    log(max)`` rounded for the others (1 for a single point, unless no cell holds more).
    The eye reads density on a log scale; 255 levels are more than a light grey ramp shows.
    """
    counts = np.asarray(counts, dtype=np.float64)
    top = float(counts.max()) if counts.size else 0.0
    levels = np.zeros(counts.shape, dtype=np.uint8)
    filled = counts > 0
    if top <= 1:
        levels[filled] = 255 if top == 1 else 0
        return levels
    scaled = 1 + 254 * np.log(counts[filled]) / np.log(top)
    levels[filled] = np.rint(scaled).astype(np.uint8)
    return levels
