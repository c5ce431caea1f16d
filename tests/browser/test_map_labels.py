"""Labels on the map in a real Chromium, from file://: placed without overlapping, inside
the plot, toggled by one control (kept in the link), placed again after a zoom; on by
default on the overview's map; the same in the single file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import reportgen

pytestmark = pytest.mark.browser

LABELS = [f"topic-{name}" for name in "abcdefghijkl"]

# Every written label's box, and the plot area's, in page pixels.
_BOXES = """root => {
  const layer = root.querySelector('.rg-map-labels');
  const plot = layer.parentNode.querySelector('.js-plotly-plot');
  const xa = plot._fullLayout.xaxis, ya = plot._fullLayout.yaxis;
  const origin = plot.getBoundingClientRect();
  const area = {left: origin.left + xa._offset, right: origin.left + xa._offset + xa._length,
                top: origin.top + ya._offset, bottom: origin.top + ya._offset + ya._length};
  const boxes = Array.from(layer.querySelectorAll('.rg-map-label'), e => {
    const r = e.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, text: e.textContent,
            title: e.title};
  });
  return {area, boxes, hidden: layer.hidden, count: layer.dataset.count};
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    rng = np.random.default_rng(9)
    labels = [LABELS[i % len(LABELS)] for i in range(720)]
    centres = {name: 4 * rng.normal(size=12) for name in LABELS}
    vectors = np.stack([centres[name] + rng.normal(size=12) for name in labels])
    out = tmp_path_factory.mktemp("labels") / "site"
    reportgen.build(
        vectors.astype(np.float32), labels=labels, out=out, tsne=False, umap__n_epochs=30,
        single_file=out.parent / "report.html",
    )  # fmt: skip
    return out


def _assert_placed(found: dict) -> None:
    boxes, area = found["boxes"], found["area"]
    assert boxes and int(found["count"]) == len(boxes)
    for i, box in enumerate(boxes):
        assert area["left"] - 1 <= box["left"] and box["right"] <= area["right"] + 1, box
        assert area["top"] - 1 <= box["top"] and box["bottom"] <= area["bottom"] + 1, box
        for other in boxes[i + 1 :]:
            apart = (
                box["right"] <= other["left"] or other["right"] <= box["left"]
                or box["bottom"] <= other["top"] or other["bottom"] <= box["top"]
            )  # fmt: skip
            assert apart, (box, other)


def test_map_labels_do_not_overlap_and_toggle_with_one_control(site: Path, open_page):
    page, log = open_page(site / "projections.html")
    page.goto((site / "projections.html").as_uri() + "#view=umap-2d&labels=labels")
    page.wait_for_selector('.rg-map-labels:not([hidden])[data-count]:not([data-count="0"])')
    found = page.evaluate(_BOXES, page.locator("main").element_handle())
    _assert_placed(found)
    # Each text is a label class's, whole or shortened; the whole one is its tooltip.
    assert all(box["title"] in LABELS for box in found["boxes"])
    assert all(box["title"].startswith(box["text"].rstrip("…")) for box in found["boxes"])
    menu = page.locator("select[id$='rg-map-labels']")
    assert menu.evaluate("m => Array.from(m.options, o => o.value)") == [
        "off", "clusters", "labels",
    ]  # fmt: skip
    menu.select_option("off")
    page.wait_for_selector(".rg-map-labels[hidden]", state="attached")
    assert "labels=" not in page.evaluate("location.hash")
    menu.select_option("clusters")
    page.wait_for_selector('.rg-map-labels:not([hidden])[data-count]:not([data-count="0"])')
    assert "labels=clusters" in page.evaluate("location.hash")
    _assert_placed(page.evaluate(_BOXES, page.locator("main").element_handle()))
    # A zoom places them again, for the new range, still apart.
    before = page.evaluate(_BOXES, page.locator("main").element_handle())["boxes"]
    page.evaluate("""() => {
      const plot = document.querySelector('.js-plotly-plot');
      const [x0, x1] = plot._fullLayout.xaxis.range, [y0, y1] = plot._fullLayout.yaxis.range;
      return Plotly.relayout(plot, {'xaxis.range': [x0, (x0 + x1) / 2],
                                    'yaxis.range': [y0, (y0 + y1) / 2]});
    }""")
    page.wait_for_timeout(300)
    after = page.evaluate(_BOXES, page.locator("main").element_handle())
    assert [b["left"] for b in after["boxes"]] != [b["left"] for b in before]
    if after["boxes"]:
        _assert_placed(after)
    # A 3D view has none.
    page.click("[data-view='umap-3d']")
    page.wait_for_selector("[data-view='umap-3d'][aria-pressed='true']")
    page.wait_for_timeout(300)
    assert page.locator(".rg-map-labels").is_hidden()
    assert log.console_errors == [] and log.page_errors == [] and log.foreign_requests == []


def test_the_overview_map_names_its_clusters_by_default(site: Path, open_page):
    page, log = open_page(site / "index.html")
    page.wait_for_selector('.rg-map-labels:not([hidden])[data-count]:not([data-count="0"])')
    found = page.evaluate(_BOXES, page.locator("main").element_handle())
    _assert_placed(found)
    # Without a text column a cluster is named by its majority label and its share.
    assert all(" · " in box["title"] and box["title"].endswith("%") for box in found["boxes"])
    assert log.console_errors == [] and log.page_errors == []


def test_map_labels_work_the_same_in_the_single_file(site: Path, open_page):
    page, log = open_page(site.parent / "report.html")
    page.click("[data-rg-tab-link='projections']")
    page.wait_for_selector("#rg-tab-projections:not([hidden])")
    menu = page.locator("#rg-tab-projections select[id$='rg-map-labels']")
    menu.select_option("labels")
    tab = page.locator("#rg-tab-projections")
    page.wait_for_selector(
        '#rg-tab-projections .rg-map-labels:not([hidden])[data-count]:not([data-count="0"])'
    )
    _assert_placed(page.evaluate(_BOXES, tab.element_handle()))
    assert log.console_errors == [] and log.page_errors == []
