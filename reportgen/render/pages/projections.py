"""The projections page: PCA / UMAP / t-SNE in 2D and 3D, search and the inspector."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportgen.analysis.neighbors import describe_graph
from reportgen.render.inputs import RenderInput
from reportgen.render.pages.page import Page


@dataclass(frozen=True)
class ProjectionsPage:
    """Context of ``projections.html``."""

    has_views: bool
    has_text: bool
    k: int
    notes: list[str]
    method: str  # how the kNN graph was built, with its measured recall when approximate
    metric: str
    among: int  # the fit sample's size when the neighbours were searched among it, else 0
    script: dict[str, Any]


def projections_page(inputs: RenderInput) -> ProjectionsPage:
    """The projections page's context; its script is the build's scatter block."""
    dataset, analysis = inputs.dataset, inputs.analysis
    return ProjectionsPage(
        has_views=bool(analysis.views),
        has_text=dataset.text_column is not None,
        k=analysis.k,
        notes=list(analysis.notes),
        method=describe_graph(analysis.graph),
        metric=analysis.graph.metric,
        among=analysis.graph.among,
        script=inputs.scatter,
    )


PAGE = Page(
    href="projections.html",
    title="Projections",
    heading="Projections",
    template="pages/projections.html",
    context=projections_page,
    plotly=True,
    wide=True,
)
