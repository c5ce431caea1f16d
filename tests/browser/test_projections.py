"""The projections page in a real Chromium: views, colour, search, inspector, deep links."""

import csv
import re
from pathlib import Path

import numpy as np
import pytest

import reportgen

pytestmark = pytest.mark.browser

HOSTILE = "</script><script>alert(1)</script>"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """One build of 90 points in 3 clusters with a hostile label and a text column."""
    root = tmp_path_factory.mktemp("projections")
    rng = np.random.default_rng(7)
    centers = rng.normal(size=(3, 12)) * 5
    vectors = (np.repeat(centers, 30, axis=0) + rng.normal(size=(90, 12))).astype(np.float32)
    labels = ["cat"] * 30 + ["dog"] * 30 + [HOSTILE] * 30
    metadata = {
        "label": labels,
        "caption": [f"item {i} <b>bold?</b>" for i in range(90)],
        "weight": [float(i) for i in range(90)],
    }
    report = reportgen.build(
        vectors, metadata=metadata, out=root / "site", text_column="caption", tsne_perplexity=10
    )
    return report.out


def _neighbours_from_csv(site: Path, row: int) -> list[int]:
    with open(site / "exports" / "neighbors.csv", newline="") as handle:
        return [int(r["neighbor"]) for r in csv.DictReader(handle) if int(r["index"]) == row]


def _open(open_page, site: Path, fragment: str = ""):
    page, log = open_page(site / "projections.html")
    if fragment:
        page.goto((site / "projections.html").resolve().as_uri() + fragment)
    page.wait_for_selector("#rg-scatter[data-view] .main-svg")
    return page, log


def _inspector_rows(page) -> list[int]:
    page.wait_for_selector("#rg-neighbor-list button")
    return [
        int(v)
        for v in page.eval_on_selector_all(
            "#rg-neighbor-list button", "bs => bs.map(b => b.dataset.row)"
        )
    ]


def test_opens_on_umap_and_loads_only_what_it_shows(site: Path, open_page):
    page, log = _open(open_page, site)
    assert page.get_attribute("#rg-scatter", "data-view") == "umap-2d"
    assert log.console_errors == [] and log.page_errors == [] and log.foreign_requests == []
    loaded = {Path(url).name for url in log.requests if "/data/" in url}
    # the view's coordinates, then the hover columns (label and text); no neighbour lists,
    # no other view
    assert "view-umap-2d.js" in loaded
    assert not any(name.startswith(("view-pca", "view-tsne", "neighbors")) for name in loaded)
    legend = page.locator("#rg-scatter .legendtext").all_text_contents()
    assert sorted(legend) == sorted(["cat", "dog", HOSTILE])
    assert log.dialogs == []


def test_every_view_can_be_switched_to(site: Path, open_page):
    page, log = _open(open_page, site)
    keys = page.eval_on_selector_all(".rg-view-button", "bs => bs.map(b => b.dataset.view)")
    assert keys == ["umap-2d", "umap-3d", "tsne-2d", "pca-2d", "pca-3d"]
    for key in keys:
        page.click(f".rg-view-button[data-view='{key}']")
        page.wait_for_selector(f"#rg-scatter[data-view='{key}']")
        assert page.get_attribute(f".rg-view-button[data-view='{key}']", "aria-pressed") == "true"
        assert f"view={key}" in page.evaluate("location.hash")
        kind = "scatter3d" if key.endswith("3d") else "scattergl"
        types = page.evaluate(
            "[...new Set(document.getElementById('rg-scatter')._fullData.map(t => t.type))]"
        )
        assert types == [kind], key
        if key.endswith("3d"):
            page.wait_for_selector("#rg-scatter .gl-container canvas")
    recall = page.text_content("#rg-quality-recall")
    assert re.fullmatch(r"\d\.\d{3}", recall)
    assert log.console_errors == [] and log.page_errors == []


def test_colour_by_a_number_and_by_preservation(site: Path, open_page):
    page, log = _open(open_page, site)
    page.select_option("#rg-color", "weight")
    page.wait_for_selector("#rg-scatter .colorbar")
    page.select_option("#rg-color", "__preservation")
    page.wait_for_function(
        "document.querySelector('#rg-scatter .colorbar .cbtitle')"
        " && document.querySelector('#rg-scatter .colorbar .cbtitle').textContent"
        ".includes('preservation')"
    )
    assert log.console_errors == [] and log.page_errors == []


def test_search_counts_matches(site: Path, open_page):
    page, _ = _open(open_page, site)
    page.select_option("#rg-search-column", "caption")
    page.fill("#rg-search", "item 1")  # item 1, 10..19
    page.wait_for_selector("#rg-search-count[data-count='11']")
    page.check("#rg-search-regex")
    page.fill("#rg-search", r"^item [0-9] ")
    page.wait_for_selector("#rg-search-count[data-count='10']")
    page.fill("#rg-search", "(")
    page.wait_for_function(
        "document.querySelector('#rg-search-count').textContent.includes('invalid')"
    )


def test_clicking_a_point_lists_the_exported_neighbours(site: Path, open_page):
    page, log = _open(open_page, site)
    # Where trace 0's first point is drawn, in page pixels (Plotly's own axis mapping).
    row, x, y = page.evaluate(
        """() => {
          const gd = document.getElementById('rg-scatter');
          const layout = gd._fullLayout, trace = gd._fullData[0];
          const box = gd.getBoundingClientRect();
          const px = layout.xaxis.l2p(trace.x[0]) + layout._size.l + box.left;
          const py = layout.yaxis.l2p(trace.y[0]) + layout._size.t + box.top;
          return [reportgen.current.scatter.traceRows[0][0], px, py];
        }"""
    )
    page.mouse.move(x, y)
    page.wait_for_selector(".rg-tooltip:not([hidden])")
    page.mouse.click(x, y)
    shown = _inspector_rows(page)
    assert shown == _neighbours_from_csv(site, row)
    assert f"point={row}" in page.evaluate("location.hash")
    first = shown[0]
    page.click(f"#rg-neighbor-list button[data-row='{first}']")
    page.wait_for_function(f"location.hash.includes('point={first}')")
    assert _inspector_rows(page) == _neighbours_from_csv(site, first)
    assert log.console_errors == [] and log.page_errors == []


def test_deep_link_opens_a_view_and_a_point(site: Path, open_page):
    page, log = _open(open_page, site, "#view=pca-2d&point=75")
    page.wait_for_selector("#rg-scatter[data-view='pca-2d']")
    assert _inspector_rows(page) == _neighbours_from_csv(site, 75)
    head = page.text_content(".rg-inspector-head")
    assert head == "#75 " + HOSTILE
    assert log.dialogs == [] and log.page_errors == []


def test_overview_shows_the_headline_map_and_quality(site: Path, open_page):
    page, log = open_page(site / "index.html")
    page.wait_for_selector("#rg-headline[data-view='umap-2d'] .main-svg")
    views = page.eval_on_selector_all("#quality tbody tr", "rs => rs.map(r => r.dataset.view)")
    assert views == ["umap-2d", "umap-3d", "tsne-2d", "pca-2d", "pca-3d"]
    assert log.console_errors == [] and log.page_errors == [] and log.foreign_requests == []


def test_beyond_the_budget_a_view_shows_a_stratified_sample(tmp_path, open_page):
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(60, 5)).astype(np.float32)
    labels = ["a"] * 40 + ["b"] * 20
    report = reportgen.build(
        vectors, labels=labels, out=tmp_path / "site", max_points_2d=30, tsne=False, pca=False
    )
    page, log = open_page(report.out / "projections.html")
    page.wait_for_selector("#rg-scatter[data-view='umap-2d'] .main-svg")
    assert page.text_content("#rg-sample-note").startswith("showing 30 of 60 points")
    traces = page.evaluate(
        "document.getElementById('rg-scatter')._fullData.map(t => [t.type, t.x && t.x.length])"
    )
    # under the sample, the density layer of all 60 (tests/browser/test_density.py)
    assert traces[0][0] == "heatmap"
    assert sorted(count for _, count in traces[1:]) == [10, 20]
    page.click(".rg-view-button[data-view='umap-3d']")
    page.wait_for_selector("#rg-scatter[data-view='umap-3d']")
    assert page.is_hidden("#rg-sample-note")
    assert log.console_errors == [] and log.page_errors == []
