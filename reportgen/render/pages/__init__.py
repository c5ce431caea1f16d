"""The site's pages, one module each, in navigation order.

A page module declares ``PAGE``: its file name, titles, template, when it is present and
how it builds its one context from the build's ``RenderInput``. Adding a page is one
module with its template (``templates/pages/<name>.html``) and its entry below.
"""

from __future__ import annotations

from reportgen.render.inputs import RenderInput
from reportgen.render.pages import (
    clusters,
    compare,
    gallery,
    index,
    projections,
    projector,
    similarity,
)
from reportgen.render.pages.page import BuiltPage, Page, SitePages

PAGES: tuple[Page, ...] = (
    index.PAGE,
    compare.PAGE,
    projections.PAGE,
    similarity.PAGE,
    clusters.PAGE,
    gallery.PAGE,
    projector.PAGE,
)


def build_pages(inputs: RenderInput, pages: tuple[Page, ...] = PAGES) -> SitePages:
    """The pages this site has, in navigation order, each with its context."""
    built = tuple(BuiltPage(page, page.context(inputs)) for page in pages if page.present(inputs))
    return SitePages(inputs.chrome, built)


__all__ = ["PAGES", "BuiltPage", "Page", "SitePages", "build_pages"]
