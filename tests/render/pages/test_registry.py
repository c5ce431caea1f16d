"""The page registry: navigation order, templates, which pages a site has."""

from __future__ import annotations

from reportgen.config import ProjectorConfig
from reportgen.render.pages import PAGES, build_pages
from reportgen.render.templates import templates_dir


def test_navigation_order_and_templates():
    assert [page.href for page in PAGES] == [
        "index.html",
        "compare.html",
        "projections.html",
        "similarity.html",
        "clusters.html",
        "gallery.html",
        "projector.html",
    ]
    for page in PAGES:
        assert page.template == f"pages/{page.name}.html"
        assert (templates_dir() / page.template).is_file()


def test_the_pages_a_site_has(inputs, make):
    hrefs = [built.page.href for built in build_pages(inputs).built]
    assert "gallery.html" not in hrefs and hrefs[-1] == "projector.html"
    assert "compare.html" not in hrefs  # only with --compare-with
    bare = build_pages(make(projector=ProjectorConfig(enabled=False)))
    assert "projector.html" not in bare.hrefs and bare.context("index.html").k > 0
