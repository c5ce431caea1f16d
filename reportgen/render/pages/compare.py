"""The comparison page (``--compare-with``): what changed between this run and the other,
the labels by change and the items that moved most, each with its neighbours in both runs."""

from __future__ import annotations

from dataclasses import dataclass

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
    )


PAGE = Page(
    href="compare.html",
    title="Compare",
    heading="What changed",
    template="pages/compare.html",
    context=compare_page,
    present=lambda inputs: inputs.analysis.comparison is not None,
)
