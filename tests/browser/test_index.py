"""The overview page in a real Chromium, opened from disk as a user would."""

from pathlib import Path

import pytest

import reportgen
from reportgen.cli import main

pytestmark = pytest.mark.browser

HOSTILE_LABELS = ["</script><script>alert(1)</script>", "<img src=x onerror=alert(1)>", "a & b"]


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "site"
    assert main(["build", "--demo", "digits", "--out", str(out), "--quiet"]) == 0
    return out


def test_index_opens_offline_without_errors(demo_site: Path, open_page):
    page, log = open_page(demo_site / "index.html")
    page.wait_for_selector("[data-rg-figure='label-counts'] .main-svg")
    assert log.console_errors == [] and log.page_errors == []
    assert log.foreign_requests == []
    assert any(url.endswith("assets/plotly.min.js") for url in log.requests)
    assert page.title() == "Overview · digits · reportgen"
    bars = page.locator("[data-rg-figure='label-counts'] .point").count()
    assert bars == 10
    assert page.locator("#label-counts tbody tr").count() == 10


def test_navigation_links_resolve(demo_site: Path, open_page):
    page, _ = open_page(demo_site / "index.html")
    hrefs = page.eval_on_selector_all(".rg-nav a", "links => links.map(a => a.href)")
    assert hrefs, "the page has no navigation"
    for href in hrefs:
        assert href.startswith("file://")
        target = Path(href.removeprefix("file://"))
        assert target.is_file(), href
        assert target.resolve().is_relative_to(demo_site.resolve())
    for href in hrefs:
        if href.endswith(".html"):
            _, log = open_page(Path(href.removeprefix("file://")))
            assert log.page_errors == [] and log.console_errors == []


def test_hostile_labels_show_as_text(workdir: Path, tiny_vectors, open_page):
    labels = [HOSTILE_LABELS[i % 3] for i in range(len(tiny_vectors))]
    report = reportgen.build(tiny_vectors, labels=labels, metadata=None, out="site")
    html = (report.out / "index.html").read_text()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    page, log = open_page(report.index)
    page.wait_for_selector("[data-rg-figure='label-counts'] .main-svg")
    assert log.dialogs == []
    assert log.page_errors == [] and log.console_errors == []
    cells = page.locator("#label-counts tbody td.rg-break").all_text_contents()
    assert sorted(cells) == sorted(HOSTILE_LABELS)
    ticks = page.locator("[data-rg-figure='label-counts'] .ytick text").all_text_contents()
    assert sorted(ticks) == sorted(HOSTILE_LABELS)
    assert page.locator("img").count() == 0
