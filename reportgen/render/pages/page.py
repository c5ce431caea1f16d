"""What a page declares: its file, titles, template, when it exists and its context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from reportgen.render.inputs import Chrome, RenderInput
from reportgen.render.links import Links
from reportgen.render.templates import render_fragment


def always(inputs: RenderInput) -> bool:
    """Present on every site."""
    del inputs
    return True


@dataclass(frozen=True)
class Page:
    """One page of the site.

    Attributes:
        href: its file name (``clusters.html``); without ``.html`` it names the page's tab
            and id prefix in the single file.
        title: its entry in the navigation.
        heading: the first part of the document's ``<title>``.
        template: its content's template (``pages/clusters.html``), rendered with ``page``
            (the context) and ``links`` (the layout's linker).
        context: builds the page's one context from the build's render input.
        present: whether this site has the page.
        plotly: whether the page draws Plotly figures (the layout loads plotly.js).
        wide: whether the page is laid out full width.
        needs_sprite: the page is about the thumbnails (the single file says so when it has
            to leave them out).
        single_file_note: what the single file says at the top of this page's tab.
    """

    href: str
    title: str
    heading: str
    template: str
    context: Callable[[RenderInput], Any]
    present: Callable[[RenderInput], bool] = always
    plotly: bool = False
    wide: bool = False
    needs_sprite: bool = False
    single_file_note: str = ""

    @property
    def name(self) -> str:
        """``clusters`` for ``clusters.html``."""
        return self.href.removesuffix(".html")


@dataclass(frozen=True)
class BuiltPage:
    """A page of this site with its context, ready for a layout."""

    page: Page
    context: Any

    @property
    def script(self) -> Any:
        """The page's inline data block (null for a page without a script)."""
        return getattr(self.context, "script", None)

    def content(self, links: Links) -> Markup:
        """The page's content (what goes inside ``<main>``) with ``links``'s URLs and ids."""
        return render_fragment(self.page.template, page=self.context, links=links)


@dataclass(frozen=True)
class SitePages:
    """The pages of one site, in navigation order, and the chrome they share."""

    chrome: Chrome
    built: tuple[BuiltPage, ...]

    @property
    def hrefs(self) -> frozenset[str]:
        """The pages' file names."""
        return frozenset(built.page.href for built in self.built)

    def context(self, href: str) -> Any:
        """The context of page ``href``."""
        return next(built.context for built in self.built if built.page.href == href)
