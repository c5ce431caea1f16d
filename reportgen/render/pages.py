"""Page contexts: everything a template displays, already formatted into plain values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportgen.analysis.pipeline import Analysis
from reportgen.config import Config
from reportgen.dataset import Dataset
from reportgen.render.figures import label_counts_figure
from reportgen.render.scatter import default_view, scatter_block, view_title

# (file, title) of the site's pages, in navigation order. Later pages add themselves here.
PAGES = (("index.html", "Overview"), ("projections.html", "Projections"))


@dataclass(frozen=True)
class NavLink:
    """One entry of the navigation bar."""

    href: str
    title: str
    current: bool


@dataclass(frozen=True)
class Chrome:
    """What every page shares: the report's title, its navigation and the footer line."""

    title: str
    provenance: str

    def nav(self, current: str) -> list[NavLink]:
        """The navigation bar as seen from page ``current``."""
        return [NavLink(href, title, href == current) for href, title in PAGES]


@dataclass(frozen=True)
class StatTile:
    """A big number with its caption."""

    caption: str
    value: str
    hint: str = ""


@dataclass(frozen=True)
class QualityRow:
    """One view's line of the quality table."""

    key: str
    title: str
    knn_recall: float
    trustworthiness: float
    sampled: int | None


def quality_rows(analysis: Analysis) -> list[QualityRow]:
    """The quality table: how far each view can be trusted."""
    return [
        QualityRow(
            key=view.key,
            title=view_title(view.key),
            knn_recall=view.quality.knn_recall,
            trustworthiness=view.quality.trustworthiness,
            sampled=view.quality.trustworthiness_sample,
        )
        for view in analysis.views
    ]


@dataclass(frozen=True)
class IndexPage:
    """Context of ``index.html``: the dataset card."""

    chrome: Chrome
    nav: list[NavLink]
    tiles: list[StatTile]
    sources: list[dict[str, str]]
    label_column: str | None
    label_rows: list[tuple[str, int]]
    other_labels: int
    norms: list[tuple[str, float]]
    notes: list[str]
    quality: list[QualityRow]
    k: int
    headline: str | None  # the view of the headline scatter
    headline_title: str
    script: dict[str, Any]  # the page's inline data block: figures and their data


def index_page(dataset: Dataset, analysis: Analysis, config: Config, chrome: Chrome) -> IndexPage:
    """The overview page's context."""
    summary = analysis.summary
    counts = summary.label_counts
    norms = summary.norms
    tiles = [
        StatTile("vectors", f"{summary.n:,}".replace(",", "\u2009")),
        StatTile("dimensions", f"{summary.dim:,}".replace(",", "\u2009")),
    ]
    figures: dict[str, Any] = {}
    data: dict[str, Any] = {}
    if counts is not None:
        tiles.append(StatTile("labels", f"{len(counts.labels):,}", f"in “{dataset.label_column}”"))
        figures["label-counts"] = label_counts_figure(counts, "labelCounts")
        data["labelCounts"] = {
            "labels": list(counts.chart_labels),
            "counts": list(counts.chart_counts),
        }
    tiles.append(StatTile("zero vectors", f"{norms.zero_vectors:,}"))
    notes = []
    if dataset.dropped_rows:
        shown = ", ".join(str(r) for r in dataset.dropped_rows[:10])
        more = " …" if len(dataset.dropped_rows) > 10 else ""
        notes.append(
            f"{len(dataset.dropped_rows)} input rows with NaN or Inf were dropped "
            f"(--drop-invalid): rows {shown}{more}."
        )
    if norms.zero_vectors:
        notes.append(
            f"{norms.zero_vectors} vectors are all zeros: they have no direction, so their "
            "cosine similarity to anything is undefined."
        )
    block = scatter_block(dataset, analysis, config)
    return IndexPage(
        chrome=chrome,
        nav=chrome.nav("index.html"),
        tiles=tiles,
        sources=[{"role": s.role, "name": s.name, "sha256": s.sha256} for s in dataset.sources],
        label_column=dataset.label_column,
        label_rows=list(zip(counts.labels, counts.counts, strict=True)) if counts else [],
        other_labels=counts.other_labels if counts else 0,
        norms=[
            ("min", norms.min),
            ("median", norms.median),
            ("mean", norms.mean),
            ("max", norms.max),
            ("std", norms.std),
        ],
        notes=notes,
        quality=quality_rows(analysis),
        # the quality metrics' k: the inspector's, unless N is too small for it (k < N/2)
        k=analysis.views[0].quality.k if analysis.views else analysis.k,
        headline=default_view(analysis),
        headline_title=view_title(default_view(analysis)) if analysis.views else "",
        script={**block, "figures": {**block["figures"], **figures}, "data": data},
    )


@dataclass(frozen=True)
class ProjectionsPage:
    """Context of ``projections.html``."""

    chrome: Chrome
    nav: list[NavLink]
    has_views: bool
    has_text: bool
    k: int
    notes: list[str]
    method: str
    metric: str
    script: dict[str, Any]


def projections_page(
    dataset: Dataset, analysis: Analysis, config: Config, chrome: Chrome
) -> ProjectionsPage:
    """The projections page's context."""
    return ProjectionsPage(
        chrome=chrome,
        nav=chrome.nav("projections.html"),
        has_views=bool(analysis.views),
        has_text=dataset.text_column is not None,
        k=analysis.k,
        notes=list(analysis.notes),
        method=analysis.graph.method,
        metric=analysis.graph.metric,
        script=scatter_block(dataset, analysis, config),
    )
