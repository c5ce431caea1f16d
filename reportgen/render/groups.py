"""The similarity and clusters pages: label (or cluster) structure of the embedding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from reportgen.analysis.pipeline import CLUSTER_COLUMN, Analysis, cluster_names
from reportgen.cache import Cache, reuse_bytes
from reportgen.dataset import Dataset
from reportgen.render.figures import (
    bar_figure,
    heatmap_figure,
    histogram_figure,
    line_figure,
    similarity_range,
)
from reportgen.render.pages import Chrome, NavLink
from reportgen.render.payloads import encode_array, payload_path, payload_script
from reportgen.render.scatter import default_view
from reportgen.render.site_types import Site
from reportgen.render.static_plots import (
    CENTROID_PNG,
    CLUSTER_MAP_PNG,
    centroid_heatmap_png,
    cluster_map_png,
)
from reportgen.render.templates import shorten

SAMPLE_PAYLOAD = "similarity-sample"
# Text shown per representative: enough to recognise it, short enough for a table.
_SNIPPET = 120


@dataclass(frozen=True)
class SimilarityPage:
    """Context of ``similarity.html``."""

    chrome: Chrome
    nav: list[NavLink]
    available: bool
    by: str | None
    within_mean: float | None
    between_mean: float | None
    sample_size: int
    per_group: list[tuple[str, int, float | None]]
    confusable: list[dict]
    knn_confusion: list[dict]
    script: dict[str, Any]


def similarity_page(analysis: Analysis, chrome: Chrome) -> SimilarityPage:
    """The similarity page's context (centroid and sample heatmaps, within/between)."""
    similarity = analysis.similarity
    figures: dict[str, Any] = {}
    data: dict[str, Any] = {}
    if similarity is not None:
        names = list(similarity.ordered_names)
        data["centroids"] = {
            "z": np.round(similarity.centroid_similarity.astype(float), 4).tolist(),
            "x": names,
            "y": names,
        }
        figures["centroids"] = heatmap_figure(
            "centroids",
            zmin=similarity_range(similarity.centroid_similarity),
            zmax=1,
            title="cosine",
        )
        edges = np.asarray(similarity.bin_edges, dtype=float)
        within = np.asarray(similarity.within_hist, dtype=float)
        between = np.asarray(similarity.between_hist, dtype=float)
        data["histogram"] = {
            "centers": np.round((edges[:-1] + edges[1:]) / 2, 4).tolist(),
            "within": (within / max(within.sum(), 1)).round(5).tolist(),
            "between": (between / max(between.sum(), 1)).round(5).tolist(),
        }
        figures["histogram"] = histogram_figure("histogram")
        sample = heatmap_figure(
            "payload", zmin=similarity_range(similarity.sample_similarity), zmax=1, title="cosine"
        )
        sample["payload"] = SAMPLE_PAYLOAD
        # uint8 back to cosine: v / 255 * 2 - 1
        sample["traces"][0]["z"] = {"$matrix": "payload.matrix", "scale": 2 / 255, "offset": -1}
        sample["traces"][0]["x"] = {"$data": "payload.rows"}
        sample["traces"][0]["y"] = {"$data": "payload.rows"}
        sample["traces"][0]["customdata"] = {"$text": "payload.groups"}
        sample["traces"][0]["hovertemplate"] = (
            "#%{y} × #%{x}: %{z:.3f}<br>%{customdata}<extra></extra>"
        )
        sample["layout"]["xaxis"] = {"type": "category", "showticklabels": False}
        sample["layout"]["yaxis"] = {
            "type": "category",
            "showticklabels": False,
            "autorange": "reversed",
        }
        figures["sample"] = sample
    per_group = (
        [
            (name, int(size), mean)
            for name, size, mean in zip(
                similarity.group_names,
                similarity.group_sizes,
                similarity.within_mean_per_group,
                strict=True,
            )
        ]
        if similarity is not None
        else []
    )
    return SimilarityPage(
        chrome=chrome,
        nav=chrome.nav("similarity.html"),
        available=similarity is not None,
        by=analysis.similarity_by,
        within_mean=similarity.within_mean if similarity else None,
        between_mean=similarity.between_mean if similarity else None,
        sample_size=len(similarity.sample_rows) if similarity else 0,
        per_group=per_group,
        confusable=list(similarity.confusable_pairs) if similarity else [],
        knn_confusion=list(analysis.knn_confusion),
        script={"figures": figures, "data": data},
    )


def _group_codes(analysis: Analysis) -> np.ndarray:
    if analysis.similarity_by == "label":
        return analysis.labels.codes
    return analysis.clustering.assignments


def similarity_payloads(analysis: Analysis) -> Site:
    """``data/similarity-sample.js``: the sample heatmap, quantised to uint8."""
    similarity = analysis.similarity
    if similarity is None:
        return {}
    codes = _group_codes(analysis)
    content = {
        "matrix": encode_array(similarity.sample_similarity_u8, "uint8"),
        "rows": [int(r) for r in similarity.sample_rows],
        "groups": [similarity.group_names[int(codes[r])] for r in similarity.sample_rows],
    }
    return {payload_path(SAMPLE_PAYLOAD): payload_script(SAMPLE_PAYLOAD, content)}


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
    """Context of ``clusters.html``."""

    chrome: Chrome
    nav: list[NavLink]
    available: bool
    reason: str
    method: str
    metrics: list[tuple[str, float | None]]
    rows: list[ClusterRow]
    has_labels: bool
    has_text: bool
    has_map: bool
    script: dict[str, Any]


def clusters_page(
    dataset: Dataset, analysis: Analysis, chrome: Chrome, scatter: dict[str, Any]
) -> ClustersPage:
    """The clusters page's context (k choice, map, sizes, cluster x label, metrics);
    ``scatter`` is the build's ``scatter_block``."""
    clustering = analysis.clustering
    block = {**scatter, "clusterColumn": CLUSTER_COLUMN}
    if clustering is None:
        note = next((n for n in analysis.notes if n.startswith("no clusters")), "")
        return ClustersPage(
            chrome,
            chrome.nav("clusters.html"),
            False,
            note or "clustering is turned off",
            "",
            [],
            [],
            False,
            False,
            False,
            block,
        )
    names = cluster_names(clustering)
    figures = dict(block["figures"])
    data: dict[str, Any] = {}
    if clustering.k_curve:
        data["curve"] = {
            "x": [k for k, _ in clustering.k_curve],
            "y": [score for _, score in clustering.k_curve],
        }
        figures["curve"] = line_figure("curve", x_title="k", y_title="silhouette")
    data["sizes"] = {"x": names, "y": list(clustering.sizes)}
    figures["sizes"] = bar_figure("sizes", x_title="cluster", y_title="vectors")
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
    labels = dataset.labels
    texts = dataset.column(dataset.text_column).as_text() if dataset.text_column else None
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
        chrome=chrome,
        nav=chrome.nav("clusters.html"),
        available=True,
        reason=clustering.choice_reason,
        method=clustering.method,
        metrics=[(name, value) for name, value in metrics if value is not None],
        rows=rows,
        has_labels=labels is not None,
        has_text=texts is not None,
        has_map=bool(analysis.views),
        script={**block, "figures": figures, "data": data},
    )


def static_images(analysis: Analysis, *, cache: Cache | None = None) -> Site:
    """``images/``: the centroid heatmap and the cluster map as PNGs (when they exist).

    With a ``cache``, a PNG drawn by an earlier build from the same numbers is reused:
    matplotlib then is not even imported (about a second).
    """
    site: Site = {}
    similarity = analysis.similarity
    if similarity is not None:
        site[CENTROID_PNG] = reuse_bytes(
            cache,
            "centroid-png",
            centroid_heatmap_png,
            similarity.centroid_similarity,
            similarity.ordered_names,
            similarity_range(similarity.centroid_similarity),
            libraries=_PNG_LIBRARIES,
        )
    key = default_view(analysis)
    view = next((v for v in analysis.views if v.key == key and v.projection.dims == 2), None)
    if analysis.clustering is not None and view is not None:
        site[CLUSTER_MAP_PNG] = reuse_bytes(
            cache,
            "cluster-map-png",
            cluster_map_png,
            view.projection.coordinates,
            analysis.clustering.assignments,
            cluster_names(analysis.clustering),
            libraries=_PNG_LIBRARIES,
        )
    return site


# The libraries whose versions can change a PNG's bytes.
_PNG_LIBRARIES = ("numpy", "matplotlib", "pillow")
