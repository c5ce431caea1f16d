"""Images in a real Chromium: the gallery, thumbnails on hover, cluster representatives."""

import csv
import json
from pathlib import Path

import pytest

from reportgen.cli import main

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The digits demo with its 8x8 images (PCA only: the gallery needs no other view)."""
    out = tmp_path_factory.mktemp("gallery") / "site"
    assert (
        main(["build", "--demo", "digits", "--out", str(out), "-q", "--no-umap", "--no-tsne"]) == 0
    )
    return out


def _neighbours_from_csv(site: Path, row: int) -> list[int]:
    with open(site / "exports" / "neighbors.csv", newline="") as handle:
        return [int(r["neighbor"]) for r in csv.DictReader(handle) if int(r["index"]) == row]


def _sprite_requests(log) -> list[str]:
    return [url for url in log.requests if url.endswith("sprite.png")]


def test_gallery_groups_thumbnails_from_one_sprite(site: Path, open_page):
    page, log = open_page(site / "gallery.html")
    page.wait_for_selector("#rg-gallery[data-groups] .rg-gallery-tile")
    assert page.get_attribute("#rg-gallery", "data-groups") == "10"
    headings = page.locator(".rg-gallery-group h2").all_text_contents()
    assert [h.split(" · ")[0] for h in headings] == [str(d) for d in range(10)]  # natural order
    first = page.locator(".rg-gallery-tile").first
    assert first.text_content().startswith("#0 · 0")
    # every thumbnail is a tile of the one sprite sheet: one image request in all
    style = page.eval_on_selector(".rg-gallery-tile .rg-thumb", "e => e.style.backgroundImage")
    assert "projector/sprite.png" in style
    page.wait_for_timeout(300)
    assert len(_sprite_requests(log)) == 1
    assert log.console_errors == [] and log.page_errors == [] and log.foreign_requests == []


def test_clicking_a_thumbnail_shows_its_neighbours(site: Path, open_page):
    page, log = open_page(site / "gallery.html")
    page.wait_for_selector(".rg-gallery-tile[data-row='0']")
    page.click(".rg-gallery-tile[data-row='0']")
    page.wait_for_selector("#rg-gallery-neighbors .rg-gallery-tile")
    shown = page.eval_on_selector_all(
        "#rg-gallery-neighbors .rg-gallery-tile", "ts => ts.map(t => Number(t.dataset.row))"
    )
    assert shown == _neighbours_from_csv(site, 0)
    assert "point=0" in page.evaluate("location.hash")
    page.click(f"#rg-gallery-neighbors .rg-gallery-tile[data-row='{shown[0]}']")
    page.wait_for_function(f"location.hash.includes('point={shown[0]}')")
    again = page.eval_on_selector_all(
        "#rg-gallery-neighbors .rg-gallery-tile", "ts => ts.map(t => Number(t.dataset.row))"
    )
    assert again == _neighbours_from_csv(site, shown[0])
    assert log.console_errors == [] and log.page_errors == []


def test_group_by_cluster(site: Path, open_page):
    clusters = json.loads((site / "report.json").read_text())["clusters"]
    page, log = open_page(site / "gallery.html")
    page.wait_for_selector("#rg-gallery[data-groups]")
    page.select_option("#rg-group", "k-means cluster")
    page.wait_for_function(
        f"document.getElementById('rg-gallery').dataset.groups === '{clusters['k']}'"
    )
    sizes = [
        int(h.split(" · ")[1].replace(",", ""))
        for h in page.locator(".rg-gallery-group h2").all_text_contents()
    ]
    assert sorted(sizes, reverse=True) == sorted(clusters["sizes"], reverse=True)
    assert log.console_errors == [] and log.page_errors == []


def test_hovering_a_point_shows_its_thumbnail(site: Path, open_page):
    page, log = open_page(site / "projections.html")
    page.wait_for_selector("#rg-scatter[data-view] .main-svg")
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
    page.wait_for_selector(".rg-tooltip:not([hidden]) .rg-thumb")
    assert page.get_attribute(".rg-tooltip .rg-thumb", "data-thumb-row") == str(row)
    # the thumbnail is drawn: the sprite loaded and the tile has a size
    box = page.locator(".rg-tooltip .rg-thumb").bounding_box()
    assert box["width"] == 96 and box["height"] == 96
    assert (
        page.evaluate(
            """() => new Promise(done => {
          const image = new Image();
          image.onload = () => done(image.naturalWidth);
          image.src = 'projector/sprite.png';
        })"""
        )
        == 43 * 64
    )
    assert log.console_errors == [] and log.page_errors == []


def test_cluster_representatives_show_thumbnails(site: Path, open_page):
    page, log = open_page(site / "clusters.html")
    page.wait_for_selector("#clusters [data-rg-thumb]")
    painted = page.eval_on_selector_all(
        "#clusters [data-rg-thumb]",
        "ts => ts.every(t => t.style.backgroundImage.includes('sprite'))",
    )
    assert painted
    assert log.console_errors == [] and log.page_errors == [] and log.foreign_requests == []
