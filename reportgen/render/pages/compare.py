"""The comparison page (``--compare-with``): what changed between this run and the other,
the labels by change and the items that moved most, each with its neighbours in both runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from reportgen.analysis.compare import Comparison
from reportgen.render.figures import PLOTLY_CONFIG, base_layout, data_ref, text_ref
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
    layout = base_layout(
        height=460,
        hovermode="closest",
        xaxis={"visible": False},
        yaxis={"visible": False, "scaleanchor": "x"},
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    return {"traces": [trace], "layout": layout, "config": PLOTLY_CONFIG}


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

    data = {
        "compare": {
            "ax": axis(comparison.map_a[shown, 0]),
            "ay": axis(comparison.map_a[shown, 1]),
            "bx": axis(comparison.map_b[shown, 0]),
            "by": axis(comparison.map_b[shown, 1]),
            "rows": [int(row) for row in rows],
            "labels": [labels[row] if labels is not None else "" for row in rows],
            "overlap": axis(overlap),
        }
    }
    figures = {"map-a": map_figure("a"), "map-b": map_figure("b")}
    return {"figures": figures, "data": data}, len(shown)


@dataclass(frozen=True)
class ComparePage:
    """Context of ``compare.html``."""

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


def compare_page(inputs: RenderInput) -> ComparePage:
    """The comparison page's context (only built when the build compared two runs)."""
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
    )


PAGE = Page(
    href="compare.html",
    title="Compare",
    heading="What changed",
    template="pages/compare.html",
    context=compare_page,
    present=lambda inputs: inputs.analysis.comparison is not None,
    plotly=True,
)
