"""Static PNGs (matplotlib) for places without JavaScript or WebGL: summary.md, job
summaries and PR comments, and browsers that cannot draw the WebGL scatter.

Byte-deterministic: the Agg renderer with a fixed size and DPI, and PNG metadata stripped
(matplotlib would otherwise write its version as "Software").
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np

from reportgen.render.figures import CATEGORY_PALETTE, OTHER_COLOR

# Where the images go in the site.
CENTROID_PNG = "images/centroid-heatmap.png"
CLUSTER_MAP_PNG = "images/cluster-map.png"

_DPI = 100
_NO_METADATA = {"Software": None}


def _png(figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI, metadata=_NO_METADATA)
    return buffer.getvalue()


def _printable(text: str) -> str:
    """A label as matplotlib can draw it: tabs, line breaks and other control characters
    (which its fonts have no glyph for) become spaces, and "$" cannot start mathtext."""
    cleaned = "".join(" " if ord(char) < 32 or ord(char) == 127 else char for char in text)
    return cleaned.replace("$", r"\$")


def centroid_heatmap_png(matrix: np.ndarray, names: Sequence[str], low: float) -> bytes:
    """The group-centroid cosine heatmap (already ordered), Viridis from ``low`` to 1."""
    from matplotlib.figure import Figure

    size = min(10.0, 3.0 + 0.35 * len(names))
    figure = Figure(figsize=(size + 1.2, size))
    axes = figure.add_subplot()
    image = axes.imshow(matrix, cmap="viridis", vmin=low, vmax=1.0)
    ticks = range(len(names))
    shown = [_printable(name if len(name) <= 24 else name[:23] + "…") for name in names]
    axes.set_xticks(ticks, shown, rotation=60, ha="right", fontsize=8)
    axes.set_yticks(ticks, shown, fontsize=8)
    figure.colorbar(image, ax=axes, label="cosine", shrink=0.8)
    figure.tight_layout()
    return _png(figure)


def cluster_map_png(coordinates: np.ndarray, codes: np.ndarray, names: Sequence[str]) -> bytes:
    """A 2D scatter coloured by cluster (or any coding), with a legend of ``names``."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 6.5))
    axes = figure.add_subplot()
    size = 6 if len(coordinates) <= 5_000 else 2
    for code, name in enumerate(names):
        rows = codes == code
        if not rows.any():
            continue
        color = CATEGORY_PALETTE[code % len(CATEGORY_PALETTE)] if code < 20 else OTHER_COLOR
        axes.scatter(
            coordinates[rows, 0],
            coordinates[rows, 1],
            s=size,
            c=color,
            label=_printable(name),
            linewidths=0,
            alpha=0.8,
        )
    axes.set_aspect("equal", adjustable="datalim")
    axes.set_xticks([])
    axes.set_yticks([])
    if len(names) <= 20:
        axes.legend(
            loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, markerscale=2, frameon=False
        )
    figure.tight_layout()
    return _png(figure)
