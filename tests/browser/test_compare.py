"""compare.html in a real Chromium, from file://: the two runs' maps, linked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import reportgen

pytestmark = pytest.mark.browser

# The pixel position of point `i` of a map's one trace, in the page.
_POINT_XY = """([name, i]) => {
  const el = document.querySelector(`[data-rg-figure="${name}"]`);
  const xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis, trace = el.data[0];
  const box = el.getBoundingClientRect();
  return {x: box.left + xa._offset + xa.l2p(trace.x[i]),
          y: box.top + ya._offset + ya.l2p(trace.y[i]), row: trace.customdata[i]};
}"""
_HOVER_TEXT = """name => Array.from(document.querySelectorAll(
  `[data-rg-figure="${name}"] .hoverlayer .hovertext`)).map(e => e.textContent)"""


@pytest.fixture(scope="module")
def compare_site(tmp_path_factory) -> Path:
    rng = np.random.default_rng(2)
    labels = [f"c{i % 3}" for i in range(300)]
    centres = {name: 5 * rng.normal(size=16) for name in sorted(set(labels))}
    a = np.stack([centres[name] + rng.normal(size=16) for name in labels]).astype(np.float32)
    b = (a + 0.8 * rng.normal(size=a.shape)).astype(np.float32)
    out = tmp_path_factory.mktemp("compare") / "site"
    reportgen.build(a, labels=labels, out=out, tsne=False, umap__n_epochs=30, compare_with=b)
    return out


def test_hovering_an_item_in_one_map_shows_it_in_the_other(compare_site: Path, open_page):
    page, log = open_page(compare_site / "compare.html")
    page.wait_for_selector('[data-rg-figure="map-a"][data-linked="true"]')
    assert page.locator('[data-rg-figure="map-b"] .point').count() == 300
    page.locator('[data-rg-figure="map-a"]').scroll_into_view_if_needed()
    point = page.evaluate(_POINT_XY, ["map-a", 17])
    page.mouse.move(point["x"], point["y"])
    page.wait_for_timeout(300)
    assert any(text.startswith(f"#{point['row']} ") for text in page.evaluate(_HOVER_TEXT, "map-b"))
    # The other way round, from B to A.
    page.locator('[data-rg-figure="map-b"]').scroll_into_view_if_needed()
    other = page.evaluate(_POINT_XY, ["map-b", 42])
    page.mouse.move(other["x"], other["y"])
    page.wait_for_timeout(300)
    assert any(text.startswith(f"#{other['row']} ") for text in page.evaluate(_HOVER_TEXT, "map-a"))
    page.mouse.click(other["x"], other["y"])
    assert page.evaluate("location.hash") == f"#point={other['row']}"
    assert log.console_errors == [] and log.page_errors == [] and log.foreign_requests == []


def test_a_deep_link_opens_the_page_on_the_item_in_both_maps(compare_site: Path, open_page):
    page, log = open_page(compare_site / "compare.html")
    # The page is open and linked before the link changes (a link followed in an open tab):
    # the page follows its fragment, not only the one it opened with.
    page.wait_for_selector('[data-rg-figure="map-a"][data-linked="true"]')
    page.goto((compare_site / "compare.html").as_uri() + "#point=123")
    page.wait_for_selector('[data-rg-figure="map-a"][data-linked="true"]')
    page.wait_for_timeout(300)
    for name in ("map-a", "map-b"):
        assert any(text.startswith("#123 ") for text in page.evaluate(_HOVER_TEXT, name)), name
    assert log.console_errors == [] and log.page_errors == []


_MARKER_COLORS = """name => {
  const color = document.querySelector(`[data-rg-figure="${name}"]`).data[0].marker.color;
  return Array.isArray(color) ? color : [];
}"""


def test_the_colour_menu_recolours_both_maps_by_vote_and_by_label(compare_site: Path, open_page):
    page, log = open_page(compare_site / "compare.html")
    page.wait_for_selector('[data-rg-figure="map-a"][data-linked="true"]')
    report = __import__("json").loads((compare_site / "report.json").read_text())
    assert report["comparison"]["mode"] == "items"
    overlap = page.evaluate(_MARKER_COLORS, "map-a")
    assert len(overlap) == 300 and all(isinstance(value, (int, float)) for value in overlap)
    key = page.locator(".rg-compare-key")
    assert key.is_hidden()
    page.select_option("select", "vote")
    page.wait_for_selector('[data-rg-figure="map-a"][data-colour="vote"]')
    assert key.is_visible() and "right only in A" in key.inner_text()
    for name in ("map-a", "map-b"):
        colours = page.evaluate(_MARKER_COLORS, name)
        assert len(colours) == 300 and all(value.startswith("#") for value in colours)
    page.select_option("select", "label")
    page.wait_for_selector('[data-rg-figure="map-a"][data-colour="label"]')
    labels = page.evaluate(
        """() => document.querySelector('[data-rg-figure="map-a"]').data[0].text"""
    )
    colours = page.evaluate(_MARKER_COLORS, "map-a")
    # One colour per label, the same for every item of the label.
    by_label = {}
    for label, colour in zip(labels, colours, strict=True):
        by_label.setdefault(label, set()).add(colour)
    assert len(by_label) == 3 and all(len(found) == 1 for found in by_label.values())
    assert len({next(iter(found)) for found in by_label.values()}) == 3
    # The moved-most table: 20 items, lowest overlap first, each neighbour list of 10 with
    # the lost ones tagged in A's column and the gained ones in B's, linked to the inspector.
    moved = page.locator("table.rg-moved tbody tr")
    assert moved.count() == 20
    first = moved.nth(0)
    assert first.locator("td").nth(2).locator("li").count() == 10
    lost = first.locator("td").nth(2).locator("li.rg-lost")
    gained = first.locator("td").nth(3).locator("li.rg-gained")
    assert lost.count() == gained.count() > 0
    assert lost.first.locator(".rg-tag").text_content() == "lost" and lost.first.is_visible()
    href = first.locator("td").nth(0).locator("a").get_attribute("href")
    assert href == f"projections.html#point={report['comparison']['moved'][0]['row']}"
    assert log.console_errors == [] and log.page_errors == []


def test_two_different_sets_are_drawn_on_one_map_coloured_by_set(tmp_path, open_page):
    rng = np.random.default_rng(5)
    labels = [f"c{i % 3}" for i in range(240)]
    centres = {name: 5 * rng.normal(size=16) for name in sorted(set(labels))}
    a = np.stack([centres[name] + rng.normal(size=16) for name in labels]).astype(np.float32)
    b = np.stack([centres[f"c{i % 3}"] + rng.normal(size=16) + 1.0 for i in range(180)])
    out = tmp_path / "site"
    reportgen.build(
        a, labels=labels, out=out, tsne=False, umap__n_epochs=30, compare_with=b.astype(np.float32)
    )
    page, log = open_page(out / "compare.html")
    page.wait_for_selector('[data-rg-figure="drift-map"][data-drawn="true"]')
    traces = page.evaluate(
        """() => document.querySelector('[data-rg-figure="drift-map"]').data.map(
             t => [t.type, t.x ? t.x.length : 0, t.name])"""
    )
    points = [trace for trace in traces if trace[0] == "scattergl"]
    assert [trace[1] for trace in points] == [240, 180]
    assert [trace[0] for trace in traces].count("contour") == 2
    legend = page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-rg-figure="drift-map"] .legendtext'),
             e => e.textContent)"""
    )
    assert legend == ["this run (240)", "the other run (180)"]
    assert "How far apart the two sets are" in page.locator("h2").first.inner_text()
    assert log.console_errors == [] and log.page_errors == [] and log.foreign_requests == []
