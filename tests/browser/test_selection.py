"""One selection shared by every view, in a real Chromium from file://: a lasso drawn with
the mouse, kept across views, isolated and back, downloaded as CSV (formulas neutralised),
copied, linked, cleared with Esc; selecting a point's neighbours and the search matches."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest

import reportgen
from tests.browser.scripts import DRAWN

pytestmark = pytest.mark.browser

N = 400
NAMES = ["alpha", "beta", "gamma", "delta"]
FORMULA = '=HYPERLINK("http://example.invalid")'

# The plot area of the shown 2D view, in page pixels, and how a data point maps into it.
_AREA = """() => {
  const el = document.querySelector('.js-plotly-plot');
  const r = el.getBoundingClientRect(), xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis;
  return {left: r.left + xa._offset, top: r.top + ya._offset, width: xa._length,
          height: ya._length, x: xa.range, y: ya.range};
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    rng = np.random.default_rng(3)
    labels = [NAMES[i % 4] for i in range(N)]
    centres = {name: 6 * rng.normal(size=10) for name in NAMES}
    vectors = np.stack([centres[name] + rng.normal(size=10) for name in labels])
    texts = [FORMULA if i == 0 else f"item {i}" for i in range(N)]
    out = tmp_path_factory.mktemp("selection") / "site"
    reportgen.build(
        vectors.astype(np.float32), metadata={"label": labels, "text": texts},
        label_column="label", text_column="text", out=out, tsne=False, umap__n_epochs=30,
    )  # fmt: skip
    return out


def _coordinates(site: Path, view: str) -> np.ndarray:
    with (site / "exports" / "coordinates.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    return np.array([[float(r[f"{view}_x"]), float(r[f"{view}_y"])] for r in rows])


def _selected(page) -> int:
    return int(page.locator("[data-selected]").first.get_attribute("data-selected"))


def _hash_rows(page) -> list[int]:
    fragment = page.evaluate("location.hash")
    (part,) = [p for p in fragment.lstrip("#").split("&") if p.startswith("sel=")]
    rows: list[int] = []
    for run in part[4:].split(","):
        low, _, high = run.partition("-")
        rows.extend(range(int(low), int(high or low) + 1))
    return rows


def test_a_lasso_selects_the_points_inside_it_in_every_view(site: Path, open_page):
    page, log = open_page(site / "projections.html", viewport=(1440, 900))
    page.goto((site / "projections.html").as_uri() + "#view=pca-2d")
    page.wait_for_selector('.rg-scatter[data-view="pca-2d"]')
    page.click('.modebar-btn[data-val="lasso"]')
    area = page.evaluate(_AREA)
    # A rectangle drawn as a lasso around the upper-left quarter of the plot.
    left, top = area["left"] + 0.04 * area["width"], area["top"] + 0.04 * area["height"]
    right, bottom = area["left"] + 0.5 * area["width"], area["top"] + 0.5 * area["height"]
    page.mouse.move(left, top)
    page.mouse.down()
    for x, y in ((right, top), (right, bottom), (left, bottom), (left, top + 1)):
        page.mouse.move(x, y, steps=10)
    page.mouse.up()
    page.wait_for_function("document.querySelector('[data-selected]').dataset.selected !== '0'")
    # The points whose exported coordinates fall inside that rectangle, and no other.
    points = _coordinates(site, "pca-2d")
    (x0, x1), (y0, y1) = area["x"], area["y"]
    px = area["left"] + (points[:, 0] - x0) / (x1 - x0) * area["width"]
    py = area["top"] + (y1 - points[:, 1]) / (y1 - y0) * area["height"]
    inside = np.flatnonzero((px > left) & (px < right) & (py > top) & (py < bottom))
    assert len(inside) > 0
    assert _hash_rows(page) == inside.tolist()
    assert _selected(page) == len(inside)
    assert page.evaluate(DRAWN) == {"all": N + len(inside), "bright": len(inside)}
    # Another view draws the same selection; so does a 3D one.
    for view in ("umap-2d", "umap-3d"):
        page.click(f"[data-view='{view}']")
        page.wait_for_selector(f'.rg-scatter[data-view="{view}"]')
        page.wait_for_function(f"({DRAWN})().bright === {len(inside)}")
        assert _hash_rows(page) == inside.tolist()
    # Isolate: only the selection, and back.
    page.click("[data-view='umap-2d']")
    page.wait_for_selector('.rg-scatter[data-view="umap-2d"]')
    page.click("button[id$='rg-isolate']")
    page.wait_for_function("location.hash.includes('isolate=1')")
    page.wait_for_function(f"({DRAWN})().all === {len(inside)}")
    assert page.locator("button[id$='rg-isolate']").inner_text() == "Show all points"
    page.click("button[id$='rg-isolate']")
    page.wait_for_function("!location.hash.includes('isolate=1')")
    page.wait_for_function(f"({DRAWN})().all === {N + len(inside)}")
    # Esc clears it.
    page.keyboard.press("Escape")
    page.wait_for_function("document.querySelector('[data-selected]').dataset.selected === '0'")
    assert "sel=" not in page.evaluate("location.hash")
    assert page.locator("[id$='rg-selection']").first.is_hidden()
    assert log.console_errors == [] and log.page_errors == [] and log.foreign_requests == []


def test_the_csv_has_exactly_the_selected_rows_with_formulas_neutralised(site: Path, open_page):
    page, log = open_page(site / "projections.html")
    page.goto((site / "projections.html").as_uri() + "#view=umap-2d&sel=0-3,10")
    page.wait_for_function("document.querySelector('[data-selected]').dataset.selected === '5'")
    listed = page.locator("ol[id$='rg-selection-list'] button").evaluate_all(
        "buttons => buttons.map(b => Number(b.dataset.row))"
    )
    assert listed == [0, 1, 2, 3, 10]
    with page.expect_download() as download:
        page.click("button[id$='rg-selection-csv']")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["row"]) for r in rows] == [0, 1, 2, 3, 10]
    assert rows[0]["text"] == "'" + FORMULA and rows[1]["text"] == "item 1"
    assert [r["label"] for r in rows] == [NAMES[i % 4] for i in (0, 1, 2, 3, 10)]
    exported = _coordinates(site, "umap-2d")
    assert float(rows[4]["UMAP 1"]) == pytest.approx(exported[10, 0], abs=1e-3 * np.ptp(exported))
    page.click("button[id$='rg-selection-copy']")
    assert page.locator("textarea[id$='rg-selection-rows']").input_value() == "0,1,2,3,10"
    # The label breakdown: four labels, each against its share of all points.
    bars = page.locator("ul[id$='rg-selection-labels'] li").all_inner_texts()
    assert len(bars) == 4 and all("25 % of all" in bar for bar in bars)
    assert log.console_errors == [] and log.page_errors == []


def test_a_point_s_neighbours_and_the_search_matches_become_the_selection(site: Path, open_page):
    page, log = open_page(site / "projections.html")
    page.goto((site / "projections.html").as_uri() + "#view=umap-2d&point=5")
    page.click("button[id$='rg-select-neighbors']")
    page.wait_for_function("document.querySelector('[data-selected]').dataset.selected === '11'")
    assert 5 in _hash_rows(page)
    page.fill("input[id$='rg-search']", "item 1")
    page.wait_for_selector("output[id$='rg-search-count'][data-count]")
    matches = int(page.get_attribute("output[id$='rg-search-count']", "data-count"))
    page.click("button[id$='rg-select-matches']")
    page.wait_for_function(
        f"document.querySelector('[data-selected]').dataset.selected === '{matches}'"
    )
    assert _hash_rows(page) == sorted(i for i in range(1, N) if f"item {i}".find("item 1") == 0)
    assert log.console_errors == [] and log.page_errors == []


# The projections tab says how many points are selected (on its root or inside it).
_TAB_SELECTED = """() => {
  const tab = document.querySelector('#rg-tab-projections');
  const inside = tab && tab.querySelector('[data-selected]');
  const marked = tab && tab.matches('[data-selected]') ? tab : inside;
  return !!marked && marked.dataset.selected === 'COUNT';
}"""


def test_the_selection_works_the_same_in_the_single_file(tmp_path, open_page):
    rng = np.random.default_rng(4)
    labels = [NAMES[i % 4] for i in range(120)]
    vectors = np.stack([rng.normal(size=6) + 4 * (i % 4) for i in range(120)])
    path = tmp_path / "report.html"
    reportgen.build(
        vectors.astype(np.float32), labels=labels, single_file=path, umap=False, tsne=False
    )
    page, log = open_page(path)
    page.goto(path.resolve().as_uri() + "#projections/view=pca-2d&sel=2-5,40")
    tab = page.locator("#rg-tab-projections")
    page.wait_for_function(_TAB_SELECTED.replace("COUNT", "5"))
    listed = tab.locator("ol[id$='rg-selection-list'] button").evaluate_all(
        "buttons => buttons.map(b => Number(b.dataset.row))"
    )
    assert listed == [2, 3, 4, 5, 40]
    with page.expect_download() as download:
        tab.locator("button[id$='rg-selection-csv']").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert [int(r["row"]) for r in rows] == [2, 3, 4, 5, 40]
    page.keyboard.press("Escape")
    page.wait_for_function(_TAB_SELECTED.replace("COUNT", "0"))
    # The filter too: one label of four passes.
    tab.locator("select[id$='rg-filter-column']").select_option("label")
    tab.locator("select[id$='rg-filter-values']").select_option(label=["beta"])
    tab.locator("output[id$='rg-filter-count'][data-count='30']").wait_for()
    tab.locator("button[id$='rg-select-filtered']").click()
    page.wait_for_function(_TAB_SELECTED.replace("COUNT", "30"))
    assert log.console_errors == [] and log.page_errors == [] and log.foreign_requests == []


def test_a_label_or_a_cluster_is_selected_whole_and_named_in_the_link(site: Path, open_page):
    page, log = open_page(site / "projections.html")
    page.wait_for_selector(".rg-scatter[data-view]")
    menu = page.locator("select[id$='rg-group']")
    menu.select_option("label:gamma")
    page.wait_for_function("document.querySelector('[data-selected]').dataset.selected === '100'")
    assert "group=label%3Agamma" in page.evaluate("location.hash")
    listed = page.locator("ol[id$='rg-selection-list'] button").evaluate_all(
        "buttons => buttons.map(b => Number(b.dataset.row))"
    )
    assert listed == [i for i in range(N) if NAMES[i % 4] == "gamma"][:50]
    # The clusters page links each cluster to the map with it selected.
    clusters, _ = open_page(site / "clusters.html")
    link = clusters.locator("a", has_text="select it on the map").first
    href = link.get_attribute("href")
    assert href.startswith("projections.html#") and "group=cluster%3A0" in href
    report = __import__("json").loads((site / "report.json").read_text())
    size = report["clusters"]["sizes"][0]
    page.goto(site.as_uri() + "/" + href)
    page.wait_for_function(
        f"document.querySelector('[data-selected]').dataset.selected === '{size}'"
    )
    assert page.locator("select[id$='rg-color']").input_value() == "k-means cluster"
    # A group link that isolates it opens isolated.
    page.goto(site.as_uri() + "/projections.html#group=label%3Abeta&isolate=1")
    page.wait_for_function(f"({DRAWN})().all === 100")
    assert page.locator("button[id$='rg-isolate']").inner_text() == "Show all points"
    assert log.console_errors == [] and log.page_errors == []


# The page's controls in Tab order, each with its accessible name (its label, aria-label,
# or text), collected by pressing Tab until focus leaves them.
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const labelled = el.labels && el.labels.length ? el.labels[0].textContent : '';
  const name = (el.getAttribute('aria-label') || labelled || el.textContent ||
                el.getAttribute('title') || el.getAttribute('placeholder') || '').trim();
  return {tag: el.tagName, id: el.id, name, view: el.dataset.view || null};
}"""


def test_the_controls_are_reachable_by_tab_and_each_has_a_name(site: Path, open_page):
    page, log = open_page(site / "projections.html")
    page.goto((site / "projections.html").as_uri() + "#view=umap-2d&sel=1-3")
    page.wait_for_function("document.querySelector('[data-selected]').dataset.selected === '3'")
    page.fill("input[id$='rg-search']", "item 1")  # shows "Select the matches"
    page.wait_for_selector("button[id$='rg-select-matches']:not([hidden])")
    page.locator("body").click(position={"x": 1, "y": 1})
    seen = []
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is None or (seen and focused == seen[0]):
            break
        seen.append(focused)
    ids = {item["id"].split("-", 1)[-1] if item["id"] else "" for item in seen}
    views = {item["view"] for item in seen if item["view"]}
    assert views == {"umap-2d", "umap-3d", "pca-2d", "pca-3d"}
    for control in ("rg-color", "rg-search", "rg-select-matches", "rg-group", "rg-map-labels",
                    "rg-filter-column", "rg-isolate", "rg-selection-csv", "rg-selection-copy",
                    "rg-selection-clear"):  # fmt: skip
        assert any(item["id"].endswith(control) for item in seen), (control, ids)
    unnamed = [item for item in seen if not item["name"]]
    assert unnamed == []
    # Esc from a button (not a field) clears the selection.
    page.focus("button[id$='rg-isolate']")
    page.keyboard.press("Escape")
    page.wait_for_function("document.querySelector('[data-selected]').dataset.selected === '0'")
    assert log.console_errors == [] and log.page_errors == []
