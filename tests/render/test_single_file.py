"""The single file made from a site: self-contained, safe to inline, deterministic.

(tests/browser/test_single_file.py opens it in Chromium.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import reportgen
from reportgen.builder import Report
from reportgen.publish import read_site
from reportgen.render.pages import SitePages
from reportgen.render.single_file import SPRITE_CLASS, single_file

_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.S)
_ATTRIBUTE = re.compile(r'\s(href|src|data-fallback)="([^"]*)"')


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Report:
    """The digits demo (with images, PCA only), published as a folder."""
    out = tmp_path_factory.mktemp("site") / "site"
    return reportgen.build(None, demo="digits", out=out, umap=False, tsne=False)


@pytest.fixture(scope="module")
def pages(built: Report) -> SitePages:
    """The demo's pages as the build rendered them."""
    assert built.pages is not None
    return built.pages


@pytest.fixture(scope="module")
def site(built: Report) -> dict[str, bytes]:
    """The demo's published folder read back."""
    return dict(read_site(built.out))


def _outside_scripts(text: str) -> str:
    return _SCRIPT.sub("", text)


def _page_block(text: str, page: str) -> dict:
    match = re.search(
        rf'<script id="{page}-rg-page" type="application/json">([^<]*)</script>', text
    )
    assert match, page
    return json.loads(match.group(1))


def test_refers_to_nothing_outside_itself(pages, site):
    text = single_file(pages, site).decode()
    html = _outside_scripts(text)
    for name, value in _ATTRIBUTE.findall(html):
        assert value.startswith(("#", "data:", "https://")), (name, value[:80])
    assert "assets/" not in html and 'src="' not in html.replace('src="data:', "")
    # every payload inline, under the id the loader looks for
    payloads = sorted(p[len("data/") : -3] for p in site if p.startswith("data/"))
    assert re.findall(r'<script type="text/plain" id="rg-payload-([^"]+)">', text) == payloads
    # plotly, the CSS and reportgen.js once each; the projector's files never
    assert text.count("<script>") == 2 and text.count("<style>") == 2
    assert "<a><code>tensors.bytes</code></a>" in html  # named, no longer linked


def test_every_page_is_a_tab_with_its_own_ids(pages, site):
    text = single_file(pages, site).decode()
    tabs = re.findall(r'data-rg-tab="([a-z]+)"', text)
    assert tabs == ["index", "projections", "similarity", "clusters", "gallery", "projector"]
    ids = re.findall(r'\sid="([^"]*)"', _outside_scripts(text))
    assert len(ids) == len(set(ids))
    assert "projections-rg-scatter" in ids and "index-map-heading" in ids
    assert "clusters-map-heading" in ids
    assert 'aria-labelledby="clusters-map-heading"' in text
    assert '<label for="projections-rg-search"' in text
    assert 'href="#projections/view=pca-2d"' in text  # the overview's quality table


def test_script_elements_cannot_end_early(pages, site):
    text = single_file(pages, site).decode()
    assert text.count("<script") == text.count("</script>")
    evil = dict(site)
    evil["assets/reportgen.js"] = site["assets/reportgen.js"] + b'\nvar x = "</SCRIPT><!--";\n'
    evil["data/extra.js"] = b'reportgen.receive("extra",{"a":"</script>"});\n'
    text = single_file(pages, evil).decode()
    assert text.count("<script") == text.count("</script>")
    assert '"<\\/SCRIPT>\\x3C!--"' in text
    assert '<script type="text/plain" id="rg-payload-extra">{"a":"\\u003c/script>"}' in text


def test_the_sprite_is_inline_once_up_to_the_limit(pages, site):
    text = single_file(pages, site).decode()
    assert text.count(f'.{SPRITE_CLASS}{{background-image:url("data:image/png;base64,') == 1
    sprite = _page_block(text, "gallery")["sprite"]
    assert sprite["cssClass"] == SPRITE_CLASS and "href" not in sprite
    smaller = single_file(pages, site, sprite_limit=1000).decode()
    assert f".{SPRITE_CLASS}{{" not in smaller
    assert _page_block(smaller, "gallery")["sprite"] is None
    assert _page_block(smaller, "projections")["sprite"] is None
    assert "The thumbnails are left out of this single file" in smaller
    assert len(smaller) < len(text)


def test_same_site_same_bytes(pages, site):
    assert single_file(pages, site) == single_file(pages, dict(site))


def test_pages_without_the_overview_are_refused(pages, site):
    without = SitePages(pages.chrome, pages.built[1:])
    with pytest.raises(ValueError, match=r"no index\.html"):
        single_file(without, site)


def test_the_folder_pages_are_not_read(pages, site):
    """The tabs are rendered from the pages' templates, not taken from the folder's HTML:
    a page changed on disk (an added attribute on <body>, say) changes nothing."""
    changed = {**site, "index.html": site["index.html"].replace(b"<body", b"<body data-x")}
    assert single_file(pages, changed) == single_file(pages, site)


def test_the_same_as_the_build_writes(built: Report, pages, site, tmp_path: Path):
    """Made in the build or later from the published folder: the same bytes."""
    path = tmp_path / "report.html"
    reportgen.build(None, demo="digits", single_file=path, umap=False, tsne=False)
    assert single_file(pages, site) == path.read_bytes()


def test_made_from_the_site_in_memory_too(pages, site, tmp_path: Path):
    """A producer (as render_site gives for plotly.js) is read like bytes."""
    produced = dict(site)
    plotly = site["assets/plotly.min.js"]
    produced["assets/plotly.min.js"] = lambda handle: handle.write(plotly)
    assert single_file(pages, produced) == single_file(pages, site)
