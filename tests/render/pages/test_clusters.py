"""The clusters page's context."""

from __future__ import annotations

from reportgen.analysis.pipeline import CLUSTER_COLUMN
from reportgen.config import ClustersConfig
from reportgen.render.pages import build_pages, clusters
from reportgen.render.site import render_site


def test_one_row_per_cluster_by_size(inputs):
    page = clusters.clusters_page(inputs)
    assert page.available and page.method
    sizes = [row.size for row in page.rows]
    assert sum(sizes) == 40 and sizes == sorted(sizes, reverse=True)
    assert [row.index for row in page.rows] == list(range(len(page.rows)))
    for row in page.rows:
        assert row.representatives and all(label for _, label, _ in row.representatives)
    assert [name for name, _ in page.metrics][:1] == ["silhouette"]
    assert page.has_labels and page.has_map and not page.has_text and not page.has_thumbs


def test_its_script_adds_the_cluster_column_and_figures(inputs):
    script = clusters.clusters_page(inputs).script
    assert script["clusterColumn"] == CLUSTER_COLUMN
    assert {"sizes", "contingency"} <= set(script["figures"]) <= set(script["figures"])
    assert set(inputs.scatter["figures"]) <= set(script["figures"])
    assert sum(script["data"]["sizes"]["y"]) == 40


def test_turned_off_says_so(make):
    page = clusters.clusters_page(make(clusters=ClustersConfig(enabled=False)))
    assert not page.available and page.reason == "clustering is turned off"
    assert page.rows == [] and page.script["clusterColumn"] == CLUSTER_COLUMN


def test_the_page_and_report_state_the_sample_k_was_chosen_on(make):
    sampled = make(clusters=ClustersConfig(choose_sample=20, silhouette_sample=10))
    page = clusters.clusters_page(sampled)
    assert "each fitted on a seeded sample of 20 of 40 points and scored on 10 of them" in (
        page.reason
    )
    assert page.reason.endswith("then fitted on all 40 points")
    assert page.silhouette_basis == "a seeded sample of 10 of 40 points"
    html = render_site(sampled, build_pages(sampled))["clusters.html"].decode()
    assert html.count("a seeded sample of 10 of 40 points") == 2  # overall and per cluster
    assert "then fitted on all 40 points" in html
    report = sampled.report["clusters"]
    assert (report["choice_sample"], report["fitted_on"], report["silhouette_sample"]) == (
        20,
        40,
        10,
    )
    assert report["choice_reason"] == page.reason


def test_all_points_used_says_so(inputs):
    assert clusters.clusters_page(inputs).silhouette_basis == "all 40 points"
    report = inputs.report["clusters"]
    assert report["choice_sample"] == report["fitted_on"] == report["silhouette_sample"] == 40
