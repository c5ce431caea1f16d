"""The overview (``index.html``): dataset card, findings, metric summary, headline scatter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reportgen.analysis.drift import Drift
from reportgen.analysis.neighbors import describe_graph
from reportgen.analysis.projections import view_title
from reportgen.analysis.results import Analysis
from reportgen.config import Config
from reportgen.dataset import Dataset
from reportgen.render.figures import label_counts_figure
from reportgen.render.inputs import RenderInput
from reportgen.render.pages.page import Page
from reportgen.render.scatter import default_view
from reportgen.render.static_plots import CENTROID_PNG, CLUSTER_MAP_PNG
from reportgen.render.templates import format_alike, format_number, percent, shorten
from reportgen.thresholds import Comparison


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
class FindingRow:
    """One line of the findings card: what was found, how often, and the first examples."""

    key: str
    title: str
    count: int
    explanation: str
    examples: list[str]


def _among(analysis: Analysis) -> str:
    among = analysis.graph.among
    return f" among the {among:,} fitted points" if among else ""


def finding_rows(dataset: Dataset, analysis: Analysis, threshold: float) -> list[FindingRow]:
    """The findings card: near-duplicates, zero vectors, outliers, with a few examples
    named by row, label and (shortened) text."""
    findings, labels = analysis.findings, dataset.labels
    texts = dataset.column(dataset.text_column).as_text() if dataset.text_column else None

    def describe(row: int) -> str:
        parts = [f"#{row}"]
        if labels is not None:
            parts.append(f"({labels[row]})")
        if texts is not None:
            parts.append(f"“{shorten(texts[row], 60)}”")
        return " ".join(parts)

    pairs = [
        f"{describe(i)} ~ {describe(j)}: cos {sim:.4f}"
        for i, j, sim in findings.near_duplicates.rows[:5]
    ]
    zeros = [describe(row) for row in findings.zero_vectors.rows[:5]]
    lonely = [f"{describe(row)}: mean cos {score:.3f}" for row, score in findings.outliers.rows[:5]]
    return [
        FindingRow(
            "near_duplicates",
            "near-duplicate pairs",
            findings.near_duplicates.count,
            f"pairs of vectors with cosine similarity ≥ {threshold:g}"
            + (f", one of them{_among(analysis)}" if analysis.graph.among else ""),
            pairs,
        ),
        FindingRow(
            "zero_vectors",
            "zero vectors",
            findings.zero_vectors.count,
            "vectors with no direction: their cosine similarity is undefined (shown as 0)",
            zeros,
        ),
        FindingRow(
            "outliers",
            "outliers",
            findings.outliers.count,
            f"the 1 % of points least similar to their {analysis.k} nearest neighbours"
            + _among(analysis),
            lonely,
        ),
    ]


@dataclass(frozen=True)
class ComparisonRow:
    """One metric against the baseline, formatted: old, new and the change."""

    title: str
    path: str
    old: str
    new: str
    change: str
    direction: str  # "up", "down", "same" or "" (one side missing)


def _metric_text(value: float | None, is_count: bool, sign: str = "") -> str:
    if value is None:
        return "–"
    return f"{int(value):{sign}d}" if is_count else f"{value:{sign}.3f}"


def comparison_rows(comparisons: list[Comparison]) -> list[ComparisonRow]:
    """The baseline table's rows (counts as integers, scores to 3 decimals)."""
    rows = []
    for item in comparisons:
        is_count = item.path.endswith(".count")
        change = item.change
        if change is None:
            text, direction = "–", ""
        elif change == 0:
            text, direction = "±0", "same"
        else:
            text = _metric_text(change, is_count, "+")
            direction = "up" if change > 0 else "down"
        old, new = _metric_text(item.old, is_count), _metric_text(item.new, is_count)
        rows.append(ComparisonRow(item.title, item.path, old, new, text, direction))
    return rows


@dataclass(frozen=True)
class ChangedRow:
    """One headline number of what changed against ``--compare-with``, with its sentence."""

    title: str
    value: str
    detail: str


@dataclass(frozen=True)
class WhatChanged:
    """The overview's and summary.md's "What changed" block."""

    against: str  # what was compared with, as report.json's comparison.with says
    matched: str  # how many items, matched how
    rows: list[ChangedRow]
    regressed: list[dict]  # the labels whose accuracy fell most (up to 5): label, a, b, change
    # Drift (two different sets): the labels whose centroids moved most (up to 5), as
    # report.json's comparison.per_label rows.
    drifted: list[dict] = field(default_factory=list)


def what_changed(analysis: Analysis, against: str) -> WhatChanged | None:
    """The headline numbers of the comparison (None without ``--compare-with``)."""
    if analysis.drift is not None:
        return _what_drifted(analysis.drift, against)
    comparison = analysis.comparison
    if comparison is None:
        return None
    match, overlap, k = comparison.match, comparison.overlap, comparison.k
    points = len(match.rows_a)
    matched = f"{points:,} items matched by {'id' if match.by == 'id' else 'position'}"
    if match.by == "id":
        matched += f"; {match.only_in_a:,} only in this run, {match.only_in_b:,} only in the other"
    rows = [
        ChangedRow(
            f"neighbourhood overlap (Jaccard of the {k} nearest)",
            f"{overlap['mean']:.3f}",
            f"median {overlap['median']:.3f}, 10th percentile {overlap['p10']:.3f}; "
            f"{percent(overlap['kept_half'], 0)} of the items kept at least half of their {k} "
            f"neighbours; {_graphs_said(comparison.graphs)}",
        ),
        ChangedRow(
            "linear CKA",
            f"{comparison.cka:.3f}",
            "1 is the same geometry up to a rotation and a scaling; "
            + (
                f"on a seeded sample of {comparison.cka_points:,} items"
                if comparison.cka_points < points
                else f"on all {points:,} items"
            ),
        ),
    ]
    if comparison.accuracy_a is not None and comparison.accuracy_b is not None:
        a, b = comparison.accuracy_a["overall"], comparison.accuracy_b["overall"]
        rows.append(
            ChangedRow(
                "kNN label accuracy",
                f"{percent(a)} → {percent(b)}",
                f"{100 * (b - a):+.1f} points ({comparison.accuracy_a['k']} neighbours vote, "
                "in each run)",
            )
        )
    similarity = comparison.similarity
    if similarity is not None and similarity["a"]["gap"] is not None:
        a, b = similarity["a"], similarity["b"]
        rows.append(
            ChangedRow(
                "label separation (within − between)",
                f"{a['gap']:.3f} → {b['gap']:.3f}",
                f"mean cosine similarity of items with the same label {a['within']:.3f} → "
                f"{b['within']:.3f}, with other labels {a['between']:.3f} → {b['between']:.3f}; "
                "two models' similarities have different scales: read the gap",
            )
        )
    if comparison.clusters is not None:
        clusters = comparison.clusters
        rows.append(
            ChangedRow(
                "k-means agreement (ARI / NMI)",
                f"{clusters['ari']:.3f} / {clusters['nmi']:.3f}",
                f"both runs clustered with k = {clusters['k']}",
            )
        )
    regressed = [row for row in comparison.labels if row["change"] < 0][:5]
    return WhatChanged(against, matched, rows, regressed)


def _graphs_said(graphs: dict) -> str:
    """How the two runs' kNN graphs were searched, with an approximate one's recall."""

    def said(graph: dict) -> str:
        if graph["recall"] is None:
            return "exact"
        return f"{graph['method']}, measured recall {graph['recall']:.3f}"

    a, b = said(graphs["a"]), said(graphs["b"])
    return f"both graphs {a}" if a == b else f"graph A {a}, graph B {b}"


def _chance_said(distance: dict) -> str:
    """How a centroid distance compares with what chance alone gives for its sets' sizes."""
    if distance["beyond_chance"] is None:
        return "every vector is the same: no distance is expected"
    return (
        f"two samples of these sizes from one distribution would differ by about "
        f"{distance['chance']:.3f}: this is {distance['beyond_chance']:.1f}× that"
    )


def _what_drifted(drift: Drift, against: str) -> WhatChanged:
    """The headline numbers of two different sets of items (drift mode)."""
    matched = (
        f"{drift.points_a:,} items in this run and {drift.points_b:,} in the other: different "
        "items (their rows cannot be matched), compared as two sets"
    )
    space = "unit vectors" if drift.metric == "cosine" else "vectors"
    mmd = drift.mmd
    rows = [
        ChangedRow(
            "domain classifier ROC AUC",
            f"{drift.auc:.3f}",
            "how well a classifier tells the two sets apart: 0.5 not at all, 1 always "
            f"(logistic regression, {len(drift.auc_folds)}-fold cross-validated, on "
            f"{drift.auc_points:,} items of each set)",
        ),
        ChangedRow(
            "MMD² (RBF kernel)",
            f"{mmd['mmd2']:.2e}",
            f"p = {mmd['p_value']:.3f} from {mmd['permutations']} permutations, on "
            f"{mmd['points']:,} items of each set; bandwidth {mmd['bandwidth']:.3g}, the median "
            "distance",
        ),
        ChangedRow(
            "distance between the centroids",
            f"{drift.centroid['euclidean']:.3f}",
            f"Euclidean, between the means of all {space} of each set (cosine distance "
            f"{drift.centroid['cosine']:.3f}); {_chance_said(drift.centroid)}",
        ),
    ]
    return WhatChanged(against, matched, rows, [], drift.labels[:5])


@dataclass(frozen=True)
class IndexPage:
    """Context of ``index.html``: the dataset card."""

    tiles: list[StatTile]
    sources: list[dict[str, str]]
    label_column: str | None
    label_rows: list[tuple[str, int]]
    other_labels: int
    top_labels: int  # the labels with a bar of their own (all but the other_labels)
    norms: list[tuple[str, str]]  # name, formatted value
    notes: list[str]
    quality: list[QualityRow]
    findings: list[FindingRow]
    label_accuracy: float | None
    hubness_skew: float
    among: str  # " among the 15,000 fitted points" when the graph's neighbours are, else ""
    clusters: str | None  # one sentence on the clustering
    images: list[tuple[str, str]]  # (alt text, path) of the static PNGs, for summary.md
    k: int
    graph: str  # how the kNN graph was built, with its measured recall when approximate
    headline: str | None  # the view of the headline scatter
    headline_title: str
    script: dict[str, Any]  # the page's inline data block: figures and their data
    comparison: list[ComparisonRow]  # against --baseline; empty without one
    changed: WhatChanged | None  # against --compare-with; None without it
    link_base: str  # prefix of summary.md's links: "" (relative) or the --base-url


def page_link(config: Config, path: str) -> str:
    """A link for summary.md: relative, or absolute under ``--base-url`` (CI job summaries
    and PR comments cannot show relative images)."""
    base = config.render.base_url
    return f"{base.rstrip('/')}/{path}" if base else path


def index_page(inputs: RenderInput) -> IndexPage:
    """The overview page's context: the dataset card, findings, quality and the headline
    scatter (the build's scatter block), and the metrics against ``--baseline``."""
    dataset, analysis, config = inputs.dataset, inputs.analysis, inputs.config
    scatter, comparisons = inputs.scatter, inputs.comparisons
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
    return IndexPage(
        tiles=tiles,
        sources=[{"role": s.role, "name": s.name, "sha256": s.sha256} for s in dataset.sources],
        label_column=dataset.label_column,
        label_rows=list(zip(counts.labels, counts.counts, strict=True)) if counts else [],
        other_labels=counts.other_labels if counts else 0,
        top_labels=len(counts.labels) - counts.other_labels if counts else 0,
        # The four norms side by side share their decimals; the spread has its own scale.
        norms=[
            *zip(
                ("min", "median", "mean", "max"),
                format_alike([norms.min, norms.median, norms.mean, norms.max]),
                strict=True,
            ),
            ("std", format_number(norms.std)),
        ],
        notes=notes,
        quality=quality_rows(analysis),
        findings=finding_rows(dataset, analysis, config.similarity.near_duplicate_threshold),
        label_accuracy=(
            analysis.findings.knn_label_accuracy["overall"]
            if analysis.findings.knn_label_accuracy
            else None
        ),
        hubness_skew=analysis.findings.hubness["skewness"],
        among=_among(analysis),
        clusters=_clusters_sentence(analysis),
        images=_static_images(analysis),
        # the quality metrics' k: the inspector's, unless N is too small for it (k < N/2)
        k=analysis.views[0].quality.k if analysis.views else analysis.k,
        graph=describe_graph(analysis.graph),
        headline=default_view(analysis),
        headline_title=view_title(default_view(analysis)) if analysis.views else "",
        script={**scatter, "figures": {**scatter["figures"], **figures}, "data": data},
        comparison=comparison_rows(comparisons or []),
        changed=what_changed(analysis, (inputs.report.get("comparison") or {}).get("with", "")),
        link_base=page_link(config, ""),
    )


def _clusters_sentence(analysis: Analysis) -> str | None:
    clustering = analysis.clustering
    if clustering is None:
        return None
    parts = [clustering.choice_reason]
    if clustering.ari is not None:
        parts.append(
            f"agreement with the labels: ARI {clustering.ari:.3f}, NMI {clustering.nmi:.3f}"
        )
    sentences = ["; ".join(parts) + "."]
    sentences.extend(warning[0].upper() + warning[1:] + "." for warning in clustering.warnings)
    return " ".join(sentences)


def _static_images(analysis: Analysis) -> list[tuple[str, str]]:
    images = []
    if analysis.similarity is not None:
        images.append((f"{analysis.similarity_by} centroid similarity", CENTROID_PNG))
    if analysis.clustering is not None and any(v.projection.dims == 2 for v in analysis.views):
        images.append(("k-means clusters on the 2D map", CLUSTER_MAP_PNG))
    return images


PAGE = Page(
    href="index.html",
    title="Overview",
    heading="Overview",
    template="pages/index.html",
    context=index_page,
    plotly=True,
)
