"""The single-file report (--single-file) in a real Chromium: every page a tab, offline.

It must open from file:// with no request but its own (data: URIs aside), start each tab's
page logic when the tab is shown, follow links between pages as tab switches, and work the
same inside a notebook's sandboxed srcdoc frame.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import reportgen
from reportgen.builder import Report
from reportgen.cli import main
from reportgen.publish import read_site
from reportgen.render.single_file import single_file

pytestmark = pytest.mark.browser

TABS = ("index", "projections", "similarity", "clusters", "gallery", "projector")
DIGITS = ["build", "--demo", "digits", "--no-umap", "--no-tsne"]
HOSTILE = '</script><script>alert(1)</script> "quotes" & <b>'


@dataclass(frozen=True)
class Built:
    folder: Path  # the working directory of the build
    file: Path
    log: str


def _build(folder: Path, *args: str) -> str:
    """Run the CLI in ``folder``; returns what it logged."""
    stderr = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stderr(stderr):
        patch.chdir(folder)
        assert main([*DIGITS, *args]) == 0
    return stderr.getvalue()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    """The digits demo (8x8 images, PCA only) as one file, without --out."""
    folder = tmp_path_factory.mktemp("single")
    log = _build(folder, "--single-file", "digits.html")
    return Built(folder, folder / "digits.html", log)


def _neighbours(built_folder: Path, row: int) -> list[int]:
    with open(built_folder / "exports" / "neighbors.csv", newline="") as handle:
        return [int(r["neighbor"]) for r in csv.DictReader(handle) if int(r["index"]) == row]


def _show(page, tab: str) -> None:
    page.click(f"[data-rg-tab-link='{tab}']")
    page.wait_for_selector(f"#rg-tab-{tab}:not([hidden])")


def _only_itself(log, path: Path) -> list[str]:
    """The requests for anything but the file itself or a data: URI."""
    own = path.resolve().as_uri()
    return [url for url in log.requests if url != own and not url.startswith("data:")]


def test_writes_one_file_and_logs_its_size(built: Built):
    assert sorted(p.name for p in built.folder.iterdir()) == ["digits.html"]  # no site/
    size = built.file.stat().st_size
    match = re.search(r"reportgen: wrote digits\.html \((\d+\.\d) MB\)", built.log)
    assert match and float(match.group(1)) == round(size / 1e6, 1)
    assert "wrote site" not in built.log


def test_every_tab_works_from_file_without_any_request(built: Built, open_page):
    page, log = open_page(built.file)
    page.wait_for_selector("#index-rg-headline[data-view] .main-svg")
    for tab in TABS:
        _show(page, tab)
        heading = page.locator(f"#rg-tab-{tab} h1, #rg-tab-{tab} h2").first
        assert heading.is_visible(), tab
        hidden = [other for other in TABS if other != tab]
        assert all(page.is_hidden(f"#rg-tab-{other}") for other in hidden)
        assert page.get_attribute(f"[data-rg-tab-link='{tab}']", "aria-current") == "page"
        if tab == "projections":
            page.wait_for_selector("#projections-rg-scatter[data-view] .main-svg")
        if tab == "similarity":
            page.wait_for_selector("#rg-tab-similarity [data-rg-figure][data-drawn] .main-svg")
        if tab == "clusters":
            page.wait_for_selector("#clusters-rg-cluster-map[data-view] .main-svg")
            page.wait_for_selector("#rg-tab-clusters [data-rg-thumb].rg-sprite-inline")
        if tab == "gallery":
            page.wait_for_selector("#gallery-rg-gallery[data-groups='10'] .rg-gallery-tile")
            style = page.eval_on_selector(
                "#gallery-rg-gallery .rg-thumb", "e => [e.className, e.style.backgroundImage]"
            )
            assert "rg-sprite-inline" in style[0] and style[1] == ""  # one inline sheet
        if tab == "projector":
            assert "folder build" in page.text_content("#rg-tab-projector .rg-single-note")
    ids = page.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids))
    assert log.console_errors == [] and log.page_errors == []
    assert _only_itself(log, built.file) == []


def test_inspector_and_links_between_pages(built: Built, open_page, tmp_path: Path):
    _build(tmp_path, "--out", "site", "-q")  # the same build's neighbours, to compare with
    page, log = open_page(built.file)
    _show(page, "projections")
    page.wait_for_selector("#projections-rg-scatter[data-view] .main-svg")
    row, x, y = page.evaluate(
        """() => {
          const gd = document.getElementById('projections-rg-scatter');
          const layout = gd._fullLayout, trace = gd._fullData[0];
          const box = gd.getBoundingClientRect();
          const px = layout.xaxis.l2p(trace.x[0]) + layout._size.l + box.left;
          const py = layout.yaxis.l2p(trace.y[0]) + layout._size.t + box.top;
          return [reportgen.tabs.pages.projections.scatter.traceRows[0][0], px, py];
        }"""
    )
    page.mouse.click(x, y)
    page.wait_for_selector("#projections-rg-neighbor-list button")
    shown = page.eval_on_selector_all(
        "#projections-rg-neighbor-list button", "bs => bs.map(b => Number(b.dataset.row))"
    )
    assert shown == _neighbours(tmp_path / "site", row)
    assert page.evaluate("location.hash") == f"#projections/view=pca-2d&point={row}"

    # A cluster's representative: its link opens the projections tab on that point.
    _show(page, "clusters")
    link = page.locator("#rg-tab-clusters .rg-representatives a").first
    target = int(link.text_content().lstrip("#"))
    assert link.get_attribute("href") == f"#projections/point={target}"
    link.click()
    page.wait_for_selector("#rg-tab-projections:not([hidden])")
    page.wait_for_function(
        f"document.querySelector('#projections-rg-inspector .rg-inspector-head strong')"
        f"?.textContent === '#{target}'"
    )
    # The gallery's inspector links back to the projections tab too.
    _show(page, "gallery")
    page.click("#gallery-rg-gallery .rg-gallery-tile[data-row='10']")
    page.wait_for_selector("#gallery-rg-gallery-neighbors .rg-gallery-tile")
    page.click("#gallery-rg-gallery-inspector a")
    page.wait_for_function(
        "document.querySelector('#projections-rg-inspector .rg-inspector-head strong')"
        "?.textContent === '#10'"
    )
    assert not page.is_hidden("#rg-tab-projections")
    page.go_back()  # the tab switches are history entries
    page.wait_for_selector("#rg-tab-gallery:not([hidden])")
    assert log.console_errors == [] and log.page_errors == []
    assert _only_itself(log, built.file) == []


def test_a_deep_link_opens_its_tab(built: Built, open_page):
    page, log = open_page(built.file)
    page.goto(built.file.resolve().as_uri() + "#gallery/point=5")
    page.wait_for_selector("#rg-tab-gallery:not([hidden])")
    page.wait_for_selector("#gallery-rg-gallery-neighbors .rg-gallery-tile")
    assert page.is_hidden("#rg-tab-index")
    assert log.page_errors == []


def test_with_out_writes_both_the_same(built: Built, tmp_path: Path):
    log = _build(tmp_path, "--out", "site", "--single-file", "report.html")
    assert (tmp_path / "site" / "index.html").is_file()
    assert "wrote report.html (" in log and "wrote site/index.html" in log
    written = (tmp_path / "report.html").read_bytes()
    assert written == built.file.read_bytes()  # where it is written does not change it
    # nor where it is made from: the pages as rendered and the folder's files
    report = reportgen.build(None, demo="digits", out=tmp_path / "again", umap=False, tsne=False)
    assert single_file(report.pages, read_site(report.out)) == written


def test_hostile_labels_stay_text(tmp_path: Path, open_page):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(30, 5)).astype(np.float32)
    labels = [HOSTILE if i % 3 == 0 else f"plain {i % 3}" for i in range(30)]
    path = tmp_path / "hostile.html"
    report = reportgen.build(vectors, labels=labels, single_file=path, umap=False, tsne=False)
    assert report.out is None and report.index == path
    assert not (tmp_path / "site").exists()
    written = path.read_bytes()
    assert b"<script>alert" not in written and b'"quotes" & <b>' not in written
    page, log = open_page(path)
    page.wait_for_selector("#index-rg-headline[data-view] .main-svg")
    assert HOSTILE in page.text_content("#index-label-counts")
    _show(page, "projections")
    page.wait_for_selector("#projections-rg-scatter[data-view] .main-svg")
    page.goto(path.resolve().as_uri() + "#projections/point=0")
    page.wait_for_selector("#projections-rg-inspector .rg-inspector-head")
    assert page.text_content("#projections-rg-inspector .rg-inspector-head") == "#0 " + HOSTILE
    assert log.dialogs == [] and log.page_errors == [] and log.console_errors == []
    assert _only_itself(log, path) == []


def test_the_notebook_frame_works(built: Built, browser):
    """``_repr_html_`` in a page: a sandboxed srcdoc frame, where the URL cannot change."""
    report = Report(out=None, report={}, single_file=built.file)
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        page = context.new_page()
        errors: list[str] = []
        requests: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: requests.append(r.url))
        page.set_content(report._repr_html_())
        frame = page.frame_locator("iframe")
        frame.locator("#index-rg-headline[data-view] .main-svg").first.wait_for()
        frame.locator("[data-rg-tab-link='projections']").click()
        frame.locator("#projections-rg-scatter[data-view] .main-svg").first.wait_for()
        frame.locator("[data-rg-tab-link='clusters']").click()
        frame.locator("#rg-tab-clusters .rg-representatives a").first.click()
        frame.locator("#projections-rg-neighbor-list button").first.wait_for()
        frame.locator("[data-rg-tab-link='gallery']").click()
        frame.locator("#gallery-rg-gallery .rg-gallery-tile").first.wait_for()
        assert errors == []
        assert [url for url in requests if not url.startswith(("data:", "about:"))] == []
    finally:
        context.close()
