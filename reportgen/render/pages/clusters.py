"""The clusters page: choice of k, cluster map, sizes, cluster x label, metrics and each
cluster's representatives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reportgen.analysis.results import CLUSTER_COLUMN, Analysis, Clustering, cluster_names
from reportgen.render.figures import bar_figure, heatmap_figure, line_figure
from reportgen.render.inputs import RenderInput
from reportgen.render.pages.page import Page
from reportgen.render.templates import shorten

# Text shown per representative: enough to recognise it, short enough for a table.
_SNIPPET = 120


@dataclass(frozen=True)
class ClusterRow:
    """One cluster's line: name, size, silhouette and its representatives."""

    index: int
    name: str
    size: int
    silhouette: float | None
    representatives: list[tuple[int, str, str]]  # (row, label, text snippet)


@dataclass(frozen=True)
class ClustersPage:
    """Context of ``clusters.html``; without a clustering only ``reason`` and ``script``
    say anything (``available`` is False)."""

    available: bool
    reason: str  # how k was chosen, or why there are no clusters
    script: dict[str, Any]
    method: str = ""
    silhouette_basis: str = ""  # the points the silhouettes were computed on
    metrics: list[tuple[str, float | None]] = field(default_factory=list)
    rows: list[ClusterRow] = field(default_factory=list)
    has_labels: bool = False
    has_text: bool = False
    has_map: bool = False
    has_thumbs: bool = False  # the representatives are shown as thumbnails too
    warnings: tuple[str, ...] = ()  # k at the top of its range, weak clusters


def clusters_page(inputs: RenderInput) -> ClustersPage:
    """The clusters page's context (k choice, map, sizes, cluster x label, metrics); its
    script is the build's scatter block with the cluster column and the page's figures."""
    analysis = inputs.analysis
    block = {**inputs.scatter, "clusterColumn": CLUSTER_COLUMN}
    clustering = analysis.clustering
    if clustering is None:
        return ClustersPage(available=False, reason=_no_clusters_reason(analysis), script=block)
    figures, data = _figures(clustering, dict(block["figures"]))
    dataset = inputs.dataset
    labels = dataset.labels
    texts = dataset.column(dataset.text_column).as_text() if dataset.text_column else None
    names = cluster_names(clustering)
    rows = [
        ClusterRow(
            index=index,
            name=names[index],
            size=int(clustering.sizes[index]),
            silhouette=clustering.silhouette_per_cluster[index],
            representatives=[
                (
                    int(row),
                    labels[row] if labels is not None else "",
                    shorten(texts[row], _SNIPPET) if texts is not None else "",
                )
                for row in clustering.representatives[index]
            ],
        )
        for index in range(clustering.k)
    ]
    metrics = [
        ("silhouette", clustering.silhouette),
        ("ARI", clustering.ari),
        ("NMI", clustering.nmi),
        ("homogeneity", clustering.homogeneity),
        ("completeness", clustering.completeness),
    ]
    return ClustersPage(
        available=True,
        reason=clustering.choice_reason,
        warnings=clustering.warnings,
        script={**block, "figures": figures, "data": data},
        method=clustering.method,
        silhouette_basis=clustering.silhouette_basis,
        metrics=[(name, value) for name, value in metrics if value is not None],
        rows=rows,
        has_labels=labels is not None,
        has_text=texts is not None,
        has_map=bool(analysis.views),
        has_thumbs=bool(block.get("sprite")),
    )


def _no_clusters_reason(analysis: Analysis) -> str:
    return analysis.skipped.get("clusters", "clustering is turned off")


def _figures(
    clustering: Clustering, figures: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The page's figures (added to the scatter block's) and their data: the silhouette
    curve over k, the sizes and the cluster x label heatmap."""
    names = cluster_names(clustering)
    data: dict[str, Any] = {}
    if clustering.k_curve:
        data["curve"] = {
            "x": [k for k, _ in clustering.k_curve],
            "y": [score for _, score in clustering.k_curve],
        }
        figures["curve"] = line_figure("curve", x_title="k", y_title="silhouette")
    data["sizes"] = {"x": names, "y": list(clustering.sizes)}
    figures["sizes"] = bar_figure(
        "sizes", bars=len(names), name_title="cluster", value_title="vectors"
    )
    if clustering.contingency is not None:
        data["contingency"] = {
            "z": clustering.contingency.tolist(),
            "x": list(clustering.label_names),
            "y": names,
        }
        contingency = heatmap_figure(
            "contingency", zmin=0, zmax=float(clustering.contingency.max()), title="vectors"
        )
        contingency["traces"][0]["hovertemplate"] = "%{y} × %{x}: %{z}<extra></extra>"
        figures["contingency"] = contingency
    return figures, data


PAGE = Page(
    href="clusters.html",
    title="Clusters",
    heading="Clusters",
    template="pages/clusters.html",
    context=clusters_page,
    plotly=True,
)
