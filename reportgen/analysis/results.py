"""Every result of the analysis, frozen, and the Analysis that bundles them for render.

The render layer imports these, never the pipeline: what the steps produce is the contract,
not how they are run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from reportgen.analysis.browser import Categories
from reportgen.analysis.clusters import Clustering
from reportgen.analysis.compare import Comparison
from reportgen.analysis.density import Density
from reportgen.analysis.drift import Drift
from reportgen.analysis.findings import Finding
from reportgen.analysis.map_labels import MapLabel
from reportgen.analysis.neighbors import KnnGraph
from reportgen.analysis.projections import Projection
from reportgen.analysis.quality import ProjectionQuality
from reportgen.analysis.similarity import Similarity
from reportgen.analysis.summary import DatasetSummary

__all__ = [
    "CLUSTER_COLUMN",
    "Analysis",
    "ColumnCoding",
    "Findings",
    "View",
    "cluster_names",
]


@dataclass(frozen=True)
class View:
    """One projection and how far it can be trusted."""

    projection: Projection
    quality: ProjectionQuality

    @property
    def key(self) -> str:
        """The view's key: "umap-2d", "pca-3d", ..."""
        return self.projection.key


@dataclass(frozen=True)
class ColumnCoding:
    """How a metadata column is offered in the browser.

    ``kind`` is "category" (coloured by palette; ``categories`` set), "number" (coloured by
    a scale) or "text" (searched and shown on hover only).
    """

    name: str
    kind: str
    categories: Categories | None = None


# The colour option of the k-means clusters (named so that no metadata column can clash).
CLUSTER_COLUMN = "k-means cluster"


@dataclass(frozen=True)
class Findings:
    """What the embedding tells about itself (each finding lists its first 100 rows).

    ``knn_label_accuracy`` is None without labels; ``hubness`` is
    {"k", "skewness", "top_hubs"}.
    """

    knn_label_accuracy: dict | None
    near_duplicates: Finding
    zero_vectors: Finding
    outliers: Finding
    hubness: dict


@dataclass(frozen=True)
class Analysis:
    """Every number the site shows, computed once per build.

    Attributes:
        summary: the dataset card's numbers.
        graph: the kNN graph (original space), ``graph.k`` >= ``k``.
        k: neighbours the inspector lists and the quality metrics use.
        views: the projections in display order, each with its quality.
        pca_variance: explained variance ratio of the first (up to 10) components, or ().
        sample_2d, sample_3d: sorted rows the 2D / 3D views show, None for all rows.
        densities: by view key, the histogram of all N points of each 2D view that shows
            a sample (drawn under it); empty when no view is sampled.
        labels: the label column coded for colour, or None.
        columns: every metadata column's coding, in the dataset's order, then the clusters'.
        clustering: k-means, or None (turned off, or fewer than 4 points).
        similarity: cosine similarity by label (by cluster without labels), or None.
        similarity_by: "label", "cluster" or None.
        knn_confusion: the group pairs with most kNN edges between them.
        findings: kNN label accuracy, near-duplicates, zero vectors, outliers, hubness.
        notes: what was changed or chosen and why (parameters lowered, methods used).
        skipped: the optional steps that could not run, each with its note
            ({"clusters": "no clusters: ..."}).
        comparison: what changed against ``--compare-with``'s run, or None.
        drift: how far apart this run's items and ``--compare-with``'s are when they are
            different items (no rows matched), or None.
        map_labels: per 2D view key, the texts written on its map: "clusters" (one per
            k-means cluster, with clusters) and "labels" (one per label class, with labels).
    """

    summary: DatasetSummary
    graph: KnnGraph
    k: int
    views: tuple[View, ...]
    pca_variance: tuple[float, ...]
    sample_2d: np.ndarray | None
    sample_3d: np.ndarray | None
    labels: Categories | None
    columns: tuple[ColumnCoding, ...]
    clustering: Clustering | None
    similarity: Similarity | None
    similarity_by: str | None
    knn_confusion: tuple[dict, ...]
    findings: Findings
    notes: tuple[str, ...]
    skipped: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    densities: Mapping[str, Density] = field(default_factory=lambda: MappingProxyType({}))
    comparison: Comparison | None = None
    drift: Drift | None = None
    map_labels: Mapping[str, Mapping[str, tuple[MapLabel, ...]]] = field(
        default_factory=lambda: MappingProxyType({})
    )


def cluster_names(clustering: Clustering) -> list[str]:
    """Each cluster's display name: "3", or "3 · keyword · keyword" with a text column."""
    names = clustering.names or [""] * clustering.k
    return [f"{i}" + (f" · {name}" if name else "") for i, name in enumerate(names)]
