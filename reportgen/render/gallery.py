"""The gallery page, and the sprite sheet as every page's script sees it.

Every thumbnail on every page is a box whose CSS background is its tile of the one sprite
sheet, so the browser loads a single image however many thumbnails a page shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportgen.analysis.pipeline import CLUSTER_COLUMN, Analysis
from reportgen.dataset import Dataset
from reportgen.render.contract import LABEL, NONE
from reportgen.render.pages import Chrome, NavLink
from reportgen.render.sprite import SpriteSheet

# Unreadable images listed on the gallery page; the rest are counted.
_PROBLEMS_LISTED = 50


def sprite_block(sprite: SpriteSheet, href: str) -> dict[str, Any]:
    """What a page's script needs to draw row i's thumbnail from the sprite sheet."""
    return {"href": href, "thumb": sprite.thumb, "columns": sprite.columns}


@dataclass(frozen=True)
class GalleryPage:
    """Context of ``gallery.html``."""

    chrome: Chrome
    nav: list[NavLink]
    n: int
    k: int
    metric: str
    groupings: list[tuple[str, str]]  # (value, title) of the "group by" choices
    problems: int
    problem_rows: list[tuple[int, str]]
    script: dict[str, Any]


def gallery_page(
    dataset: Dataset,
    analysis: Analysis,
    chrome: Chrome,
    scatter: dict[str, Any],
    sprite: SpriteSheet,
) -> GalleryPage:
    """The gallery's context; ``scatter`` is the build's ``scatter_block`` (label codes,
    column payloads, neighbour lists and the sprite), of which the page uses a part."""
    groupings = []
    if analysis.labels is not None:
        name = dataset.label_column
        groupings.append((LABEL, "label" if name == "label" else f"label ({name})"))
    if analysis.clustering is not None:
        groupings.append((CLUSTER_COLUMN, "k-means cluster"))
    groupings.append((NONE, "none (row order)"))
    keys = ("n", "k", "labels", "columns", "neighbors", "palette", "otherColor", "sprite")
    script = {key: scatter[key] for key in keys}
    script["groupings"] = [value for value, _ in groupings]
    return GalleryPage(
        chrome=chrome,
        nav=chrome.nav("gallery.html"),
        n=dataset.n,
        k=analysis.k,
        metric=analysis.graph.metric,
        groupings=groupings,
        problems=len(sprite.problems),
        problem_rows=[(p.row, p.reason) for p in sprite.problems[:_PROBLEMS_LISTED]],
        script=script,
    )
