"""The linker: URLs and element ids for the folder site and the single file."""

from __future__ import annotations

import pytest

from reportgen.render.links import FolderLinks, SingleFileLinks

PAGES = frozenset({"index.html", "projections.html", "gallery.html"})


def test_the_folder_writes_them_as_they_are():
    links = FolderLinks(PAGES)
    assert links.page("projections.html") == "projections.html"
    assert links.page("projections.html", view="pca-2d", point=3) == (
        "projections.html#view=pca-2d&point=3"
    )
    assert links.anchor("x") == "#x"
    assert links.id("map-heading") == "map-heading" and links.id("metric", 2) == "metric-2"
    assert links.ids("a", "b") == "a b"
    assert links.image("images/cluster-map.png") == "images/cluster-map.png"
    assert links.href("projector/a b&.tsv") == ' href="projector/a b&amp;.tsv"'
    assert links.asset("reportgen.js") == "assets/reportgen.js"


def test_the_single_file_prefixes_ids_and_switches_tabs():
    images = {"images/cluster-map.png": "data:image/png;base64,AAAA"}
    links = SingleFileLinks("gallery.html", PAGES, images)
    assert links.prefix == "gallery-"
    assert links.page("projections.html") == "#projections"
    assert links.page("projections.html", point=3) == "#projections/point=3"
    assert links.anchor("x") == "#gallery-x"
    assert links.id("rg-gallery") == "gallery-rg-gallery"
    assert links.id("metric", 1) == "gallery-metric-1"
    assert links.ids("a", "b") == "gallery-a gallery-b"
    assert links.image("images/cluster-map.png") == images["images/cluster-map.png"]
    assert links.image("images/other.png") == "images/other.png"
    assert links.href("projector/tensors.bytes") == ""  # the file is not in the document


@pytest.mark.parametrize("links", [FolderLinks(PAGES), SingleFileLinks("index.html", PAGES)])
def test_a_link_to_a_page_the_site_does_not_have_is_a_bug(links):
    with pytest.raises(ValueError, match=r"clusters\.html"):
        links.page("clusters.html")
