"""The similarity page: label (or cluster) centroid and sample heatmaps, within/between."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from reportgen.analysis.results import Analysis
from reportgen.render.figures import heatmap_figure, histogram_figure, similarity_range
from reportgen.render.inputs import RenderInput
from reportgen.render.pages.page import Page
from reportgen.render.payloads import encode_array, payload_path, payload_script
from reportgen.render.site_types import Site

SAMPLE_PAYLOAD = "similarity-sample"


@dataclass(frozen=True)
class SimilarityPage:
    """Context of ``similarity.html``."""

    available: bool
    by: str | None
    within_mean: float | None
    between_mean: float | None
    sample_size: int
    per_group: list[tuple[str, int, float | None]]
    confusable: list[dict]
    knn_confusion: list[dict]
    script: dict[str, Any]


def similarity_page(inputs: RenderInput) -> SimilarityPage:
    """The similarity page's context (centroid and sample heatmaps, within/between)."""
    analysis = inputs.analysis
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


PAGE = Page(
    href="similarity.html",
    title="Similarity",
    heading="Similarity",
    template="pages/similarity.html",
    context=similarity_page,
    plotly=True,
)
