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
    page.goto((compare_site / "compare.html").as_uri() + "#point=123")
    page.wait_for_selector('[data-rg-figure="map-a"][data-linked="true"]')
    page.wait_for_timeout(300)
    for name in ("map-a", "map-b"):
        assert any(text.startswith("#123 ") for text in page.evaluate(_HOVER_TEXT, name)), name
    assert log.console_errors == [] and log.page_errors == []
