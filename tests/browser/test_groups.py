"""The similarity and clusters pages in a real Chromium; shown values match report.json."""

import json
from pathlib import Path

import pytest

from reportgen.cli import main
from reportgen.render.templates import format_number

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("groups") / "site"
    args = ["build", "--demo", "digits", "--out", str(out), "-q", "--no-umap", "--no-tsne"]
    assert main(args) == 0
    return out


def _report(site: Path) -> dict:
    return json.loads((site / "report.json").read_text())


def test_similarity_page(site: Path, open_page):
    page, log = open_page(site / "similarity.html")
    page.wait_for_selector("#centroid-heatmap[data-drawn] .main-svg")
    page.wait_for_selector("#sample-heatmap[data-drawn] .main-svg")
    assert log.console_errors == [] and log.page_errors == [] and log.foreign_requests == []
    similarity = _report(site)["similarity"]
    assert page.text_content("#within-mean .rg-tile-value") == format_number(
        similarity["within_label_mean"]
    )
    best = similarity["confusable_pairs"][0]
    # the value the heatmap shows on hover for the most similar pair is the report's
    shown = page.evaluate(
        """([a, b]) => {
          const trace = document.getElementById('centroid-heatmap')._fullData[0];
          const names = trace.x.map(String);
          return trace.z[names.indexOf(b)][names.indexOf(a)];
        }""",
        [best["a"], best["b"]],
    )
    assert shown == pytest.approx(best["centroid_similarity"], abs=1e-4)
    rows = page.evaluate("document.getElementById('sample-heatmap')._fullData[0].z.length")
    assert rows == 1000


def test_clusters_page(site: Path, open_page):
    page, log = open_page(site / "clusters.html")
    page.wait_for_selector("#rg-cluster-map[data-view] .main-svg")
    page.wait_for_selector("#contingency-heatmap[data-drawn] .main-svg")
    assert log.console_errors == [] and log.page_errors == [] and log.foreign_requests == []
    clusters = _report(site)["clusters"]
    traces = page.evaluate("document.getElementById('rg-cluster-map')._fullData.length")
    assert traces == clusters["k"]
    tiles = dict(
        zip(
            page.locator(".rg-tile-caption").all_text_contents(),
            page.locator(".rg-tile-value").all_text_contents(),
            strict=True,
        )
    )
    assert tiles["ARI"] == format_number(clusters["ari"])
    assert tiles["silhouette"] == format_number(clusters["silhouette"])
    assert page.locator("#clusters tbody tr").count() == clusters["k"]
    assert page.text_content("#choice-reason").startswith(clusters["choice_reason"])
