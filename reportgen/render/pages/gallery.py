"""The gallery: thumbnails grouped by label or cluster (only when images are given).

Every thumbnail on every page is a box whose CSS background is its tile of the one sprite
sheet, so the browser loads a single image however many thumbnails a page shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportgen.analysis.results import CLUSTER_COLUMN
from reportgen.render.contract import LABEL, NONE
from reportgen.render.inputs import RenderInput
from reportgen.render.pages.page import Page

# Unreadable images listed on the gallery page; the rest are counted.
_PROBLEMS_LISTED = 50
# What of the scatter block the gallery's script uses.
_SCRIPT_KEYS = ("n", "k", "labels", "columns", "neighbors", "palette", "otherColor", "sprite")


@dataclass(frozen=True)
class GalleryPage:
    """Context of ``gallery.html``."""

    n: int
    k: int
    metric: str
    groupings: list[tuple[str, str]]  # (value, title) of the "group by" choices
    has_choice: bool  # more than one grouping: the page shows the "group by" menu
    problems: int
    problem_rows: list[tuple[int, str]]
    more_problems: bool  # more unreadable images than listed
    script: dict[str, Any]


def has_gallery(inputs: RenderInput) -> bool:
    """The gallery exists when the dataset has images."""
    return inputs.sprite is not None


def gallery_page(inputs: RenderInput) -> GalleryPage:
    """The gallery's context; its script is the part of the build's scatter block it uses
    (label codes, column payloads, neighbour lists and the sprite)."""
    dataset, analysis, sprite = inputs.dataset, inputs.analysis, inputs.sprite
    if sprite is None:
        raise ValueError("the gallery needs the images' sprite sheet")
    groupings = []
    if analysis.labels is not None:
        name = dataset.label_column
        groupings.append((LABEL, "label" if name == "label" else f"label ({name})"))
    if analysis.clustering is not None:
        groupings.append((CLUSTER_COLUMN, "k-means cluster"))
    groupings.append((NONE, "none (row order)"))
    script = {key: inputs.scatter[key] for key in _SCRIPT_KEYS}
    script["groupings"] = [value for value, _ in groupings]
    return GalleryPage(
        n=dataset.n,
        k=analysis.k,
        metric=analysis.graph.metric,
        groupings=groupings,
        has_choice=len(groupings) > 1,
        problems=len(sprite.problems),
        problem_rows=[(p.row, p.reason) for p in sprite.problems[:_PROBLEMS_LISTED]],
        more_problems=len(sprite.problems) > _PROBLEMS_LISTED,
        script=script,
    )


PAGE = Page(
    href="gallery.html",
    title="Gallery",
    heading="Gallery",
    template="pages/gallery.html",
    context=gallery_page,
    present=has_gallery,
    wide=True,
    needs_sprite=True,
)
