"""The comparison page (``--compare-with``): what changed between this run and the other.

Of the same items: the labels by change and the items that moved most, each with its
neighbours in both runs, on two linked maps. Of two different sets (drift): how far apart
they are, both on one map, and the labels whose centroids moved most."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from reportgen.analysis.compare import COMPARE_MAP_MAX, VOTE_NAMES, Comparison
from reportgen.analysis.density import Density
from reportgen.analysis.drift import DRIFT_MAP_POINTS, Drift
from reportgen.render.figures import (
    CATEGORY_PALETTE,
    OTHER_COLOR,
    PALETTE,
    PLOTLY_CONFIG,
    base_layout,
    data_ref,
    text_ref,
)
from reportgen.render.inputs import RenderInput
from reportgen.render.pages.index import WhatChanged, what_changed
from reportgen.render.pages.page import Page
from reportgen.render.templates import shorten

# Text shown per item and neighbour: enough to recognise it, short enough for two columns.
_SNIPPET = 90


@dataclass(frozen=True)
class Neighbour:
    """One neighbour of a moved item in one run, and whether the other run has it too."""

    row: int
    label: str
    text: str
    status: str  # "kept" (in both runs), "lost" (only in this run), "gained" (only in the other)


@dataclass(frozen=True)
class MovedItem:
    """An item whose neighbourhood changed most, with its neighbours in both runs."""

    row: int
    label: str
    text: str
    overlap: float
    in_a: list[Neighbour]
    in_b: list[Neighbour]


def map_layout(height: int, **overrides: Any) -> dict[str, Any]:
    """The layout of a comparison map: no axes (UMAP's have no meaning), equal scales."""
    return base_layout(
        height=height,
        hovermode="closest",
        xaxis={"visible": False},
        yaxis={"visible": False, "scaleanchor": "x"},
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        **overrides,
    )


def map_figure(side: str) -> dict[str, Any]:
    """One run's UMAP 2D of the sampled matched items (``compare.<side>x`` …), coloured by
    each item's neighbourhood overlap, the same items in the same order in both maps (the
    page's script links them by point number)."""
    trace = {
        "type": "scatter",
        "mode": "markers",
        "x": data_ref(f"compare.{side}x"),
        "y": data_ref(f"compare.{side}y"),
        "customdata": data_ref("compare.rows"),
        "text": text_ref("compare.labels"),
        "marker": {
            "size": 5,
            "color": data_ref("compare.overlap"),
            "colorscale": "Viridis",
            "cmin": 0,
            "cmax": 1,
            "opacity": 0.8,
            "colorbar": {"title": {"text": "overlap"}, "thickness": 12},
        },
        "hovertemplate": "#%{customdata} %{text}<br>overlap %{marker.color:.2f}<extra></extra>",
    }
    layout = map_layout(460)
    return {"traces": [trace], "layout": layout, "config": PLOTLY_CONFIG}


# The colours of VOTE_NAMES on the maps: kept right, kept wrong, lost, gained.
_VOTE_COLORS = ("#9aa4ae", "#3b3f45", "#D55E00", "#0072B2")


def _label_colors(labels: list[str], rows: np.ndarray) -> tuple[list[int], list[str]]:
    """Each shown item's colour code for its label and the palette: the most frequent
    labels (of all matched items shown) get a colour each, the others the last, grey."""
    shown = [labels[row] for row in rows]
    counts = Counter(shown)
    top = [label for label, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    coloured = top[: len(CATEGORY_PALETTE)]
    code = {label: index for index, label in enumerate(coloured)}
    palette = [*CATEGORY_PALETTE[: len(coloured)], OTHER_COLOR]
    return [code.get(label, len(coloured)) for label in shown], palette


def _map_script(inputs: RenderInput, comparison: Comparison) -> tuple[dict[str, Any], int]:
    """The page's data block for the two maps, and how many items they show."""
    shown = comparison.map_items
    if comparison.map_a is None or comparison.map_b is None or shown is None:
        return {"figures": {}, "data": {}}, 0
    rows = comparison.match.rows_a[shown]
    labels = inputs.dataset.labels
    overlap = comparison.item_overlap[shown]

    def axis(values: np.ndarray) -> list[float]:
        return [round(float(value), 4) for value in values]

    data: dict[str, Any] = {
        "ax": axis(comparison.map_a[:, 0]),
        "ay": axis(comparison.map_a[:, 1]),
        "bx": axis(comparison.map_b[:, 0]),
        "by": axis(comparison.map_b[:, 1]),
        "rows": [int(row) for row in rows],
        "labels": [labels[row] if labels is not None else "" for row in rows],
        "overlap": axis(overlap),
    }
    if labels is not None and comparison.votes is not None:
        data["label_code"], data["label_palette"] = _label_colors(labels, rows)
        data["vote"] = [int(code) for code in comparison.votes[shown]]
        data["vote_palette"] = list(_VOTE_COLORS)
        data["vote_names"] = list(VOTE_NAMES)
    figures = {"map-a": map_figure("a"), "map-b": map_figure("b")}
    return {"figures": figures, "data": {"compare": data}}, len(shown)


@dataclass(frozen=True)
class ComparePage:
    """Context of ``compare.html`` for the same items in two runs."""

    changed: WhatChanged
    labels: list[dict]  # every label in both runs: label, items, a, b, change
    confusion: list[dict]  # the label pairs whose kNN confusion grew most
    moved: list[MovedItem]
    k: int
    has_labels: bool
    has_text: bool
    script: dict[str, Any]  # the two maps' figures and data
    map_points: int  # items the maps show (0: no maps, without UMAP)
    map_of: int  # of how many matched items
    votes: list[tuple[str, str]]  # (name, colour) of the vote colouring; [] without labels
    maps_note: str  # why there are no maps ("" when there are)
    map_sampled: bool  # run B's map is of the sample alone (above map_max matched items)
    map_max: int = COMPARE_MAP_MAX
    mode: str = "items"


def compare_page(inputs: RenderInput) -> ComparePage | DriftPage:
    """The comparison page's context (only built when the build compared two runs)."""
    if inputs.analysis.drift is not None:
        return drift_page(inputs)
    dataset, analysis = inputs.dataset, inputs.analysis
    comparison = analysis.comparison
    changed = what_changed(analysis, inputs.report["comparison"]["with"])
    assert comparison is not None and changed is not None  # present only then
    labels = dataset.labels
    texts = dataset.column(dataset.text_column).as_text() if dataset.text_column else None

    def label_of(row: int) -> str:
        return labels[row] if labels is not None else ""

    def text_of(row: int) -> str:
        return shorten(texts[row], _SNIPPET) if texts is not None else ""

    script, map_points = _map_script(inputs, comparison)
    moved = []
    for item in comparison.moved:
        in_a, in_b = set(item["neighbors_a"]), set(item["neighbors_b"])
        moved.append(
            MovedItem(
                row=item["row"],
                label=label_of(item["row"]),
                text=text_of(item["row"]),
                overlap=item["overlap"],
                in_a=[
                    Neighbour(row, label_of(row), text_of(row), "kept" if row in in_b else "lost")
                    for row in item["neighbors_a"]
                ],
                in_b=[
                    Neighbour(row, label_of(row), text_of(row), "kept" if row in in_a else "gained")
                    for row in item["neighbors_b"]
                ],
            )
        )
    return ComparePage(
        changed=changed,
        labels=comparison.labels,
        confusion=list(comparison.confusion),
        moved=moved,
        k=comparison.k,
        has_labels=labels is not None,
        has_text=texts is not None,
        script=script,
        map_points=map_points,
        map_of=len(comparison.match.rows_a),
        votes=list(zip(VOTE_NAMES, _VOTE_COLORS, strict=True))
        if comparison.votes is not None
        else [],
        maps_note="" if map_points else _NO_MAPS,
        map_sampled=comparison.map_sampled,
    )


# Why compare.html draws no maps (they are drawn whenever UMAP 2D is on).
_NO_MAPS = "No maps: UMAP 2D is off in this build (the maps are the two runs' UMAP 2D)."


# The two sets' colours on the shared map: this run's, the other run's.
_SET_COLORS = (PALETTE[0], PALETTE[1])


@dataclass(frozen=True)
class DriftPage:
    """Context of ``compare.html`` for two different sets of items (drift)."""

    changed: WhatChanged
    drift: Drift
    has_labels: bool  # both runs have the label column: the per-label table
    script: dict[str, Any]  # the shared map's figure and data
    map_a: int  # points of each set on the map (0: no map, without UMAP)
    map_b: int
    map_limit: int = DRIFT_MAP_POINTS  # points of each set at most
    mode: str = "drift"


def _contour(density: Density, color: str, name: str) -> dict[str, Any]:
    """A set's density as contour lines over the shared map (no fill, no hover)."""
    (x_low, x_high), (y_low, y_high) = density.x_range, density.y_range
    bins = density.counts.shape[1]
    return {
        "type": "contour",
        "z": density.counts.tolist(),
        "x0": x_low + (x_high - x_low) / bins / 2,
        "dx": (x_high - x_low) / bins,
        "y0": y_low + (y_high - y_low) / bins / 2,
        "dy": (y_high - y_low) / bins,
        "contours": {"coloring": "lines", "start": 2, "end": int(density.counts.max()), "size": 0},
        "ncontours": 5,
        "line": {"width": 1.5},
        "colorscale": [[0, color], [1, color]],
        "showscale": False,
        "hoverinfo": "skip",
        "name": name,
        "legendgroup": name,
        "showlegend": False,
        "opacity": 0.9,
    }


def drift_figure(drift: Drift, names: tuple[str, str]) -> dict[str, Any]:
    """Both sets' sampled points on their shared UMAP 2D, coloured by set, under each
    set's density lines; the points come from the page's data block (``drift.*``)."""
    traces: list[dict[str, Any]] = []
    densities = drift.densities()
    for side, name in enumerate(names):
        traces.append(
            {
                "type": "scattergl",
                "mode": "markers",
                "name": name,
                "legendgroup": name,
                "x": data_ref(f"drift.x{side}"),
                "y": data_ref(f"drift.y{side}"),
                "customdata": data_ref(f"drift.rows{side}"),
                "text": text_ref(f"drift.labels{side}"),
                "marker": {"size": 4, "color": _SET_COLORS[side], "opacity": 0.45},
                "hovertemplate": f"{name} #%{{customdata}} %{{text}}<extra></extra>",
            }
        )
    if densities is not None:
        for side, (density, name) in enumerate(zip(densities, names, strict=True)):
            traces.append(_contour(density, _SET_COLORS[side], name))
    layout = map_layout(560, legend={"orientation": "h", "y": -0.02, "itemsizing": "constant"})
    return {"traces": traces, "layout": layout, "config": PLOTLY_CONFIG}


def drift_page(inputs: RenderInput) -> DriftPage:
    """compare.html's context when the two runs hold different items."""
    dataset, analysis = inputs.dataset, inputs.analysis
    drift = analysis.drift
    changed = what_changed(analysis, inputs.report["comparison"]["with"])
    assert drift is not None and changed is not None  # present only then
    script: dict[str, Any] = {"figures": {}, "data": {}}
    counts = (0, 0)
    if drift.map_points is not None and drift.map_sets is not None and drift.map_rows is not None:
        labels = dataset.labels
        data: dict[str, Any] = {}
        for side in (0, 1):
            on_side = drift.map_sets == side
            points, rows = drift.map_points[on_side], drift.map_rows[on_side]
            data[f"x{side}"] = [round(float(value), 4) for value in points[:, 0]]
            data[f"y{side}"] = [round(float(value), 4) for value in points[:, 1]]
            data[f"rows{side}"] = [int(row) for row in rows]
            # This run's labels are known here; the other run's points are shown by row.
            data[f"labels{side}"] = [
                labels[row] if side == 0 and labels is not None else "" for row in rows
            ]
        counts = (len(data["rows0"]), len(data["rows1"]))
        names = (f"this run ({drift.points_a:,})", f"the other run ({drift.points_b:,})")
        script = {"figures": {"drift-map": drift_figure(drift, names)}, "data": {"drift": data}}
    return DriftPage(
        changed=changed,
        drift=drift,
        has_labels=bool(drift.labels),
        script=script,
        map_a=counts[0],
        map_b=counts[1],
    )


PAGE = Page(
    href="compare.html",
    title="Compare",
    heading="What changed",
    template="pages/compare.html",
    context=compare_page,
    present=lambda inputs: (
        inputs.analysis.comparison is not None or inputs.analysis.drift is not None
    ),
    plotly=True,
)
