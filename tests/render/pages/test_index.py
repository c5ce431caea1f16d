"""The overview's context: dataset card, findings, quality, headline and the baseline."""

from __future__ import annotations

from reportgen.render.pages import index
from reportgen.render.scatter import default_view


def test_the_dataset_card(inputs):
    page = index.index_page(inputs)
    tiles = {tile.caption: tile.value for tile in page.tiles}
    assert tiles["vectors"] == "40" and tiles["dimensions"] == "6" and tiles["labels"] == "3"
    assert sum(count for _, count in page.label_rows) == 40
    assert page.top_labels == len(page.label_rows) - page.other_labels
    assert [name for name, _ in page.norms] == ["min", "median", "mean", "max", "std"]
    assert page.label_column == "label" and page.notes == []


def test_quality_and_headline_follow_the_views(inputs):
    page = index.index_page(inputs)
    assert [row.key for row in page.quality] == [view.key for view in inputs.analysis.views]
    assert page.headline == default_view(inputs.analysis) == "pca-2d"
    assert page.headline_title == "PCA 2D"
    # the scatter block, with the label chart added
    assert page.script["n"] == inputs.scatter["n"]
    assert "label-counts" in page.script["figures"] and "labelCounts" in page.script["data"]


def test_findings_name_every_kind(inputs):
    keys = [row.key for row in index.index_page(inputs).findings]
    assert keys == ["near_duplicates", "zero_vectors", "outliers"]


def test_against_itself_as_baseline_nothing_changed(make, inputs):
    page = index.index_page(make(baseline=inputs.report))
    assert page.comparison and {row.direction for row in page.comparison} <= {"same", ""}
    assert index.index_page(inputs).comparison == []


def test_without_labels_no_label_card(make):
    page = index.index_page(make(labels=False))
    assert page.label_column is None and page.label_rows == [] and page.top_labels == 0
    assert "labelCounts" not in page.script["data"]
