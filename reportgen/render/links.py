"""The linker: every URL and element id a page template writes, for one of two layouts.

A page template never writes a link or an id itself; it asks ``links``:

- ``links.page("projections.html", view="pca-2d")``: a link to another page (and its state);
- ``links.anchor("x")``: a link to an element of the same page;
- ``links.id("map-heading")``, ``links.id("metric", 3)``: an element id (also for ``for``);
- ``links.ids("a", "b")``: a list of ids (``aria-labelledby``, ``aria-describedby``);
- ``links.image("images/cluster-map.png")``: an image's URL;
- ``links.href("projector/tensors.bytes")``: a whole ``href`` attribute for a file of the
  site, or nothing when the layout does not hold that file.

The folder site (``FolderLinks``) writes them as they are. The single file
(``SingleFileLinks``) puts every page in a tab of one document, so ids get the page's name as
a prefix (``projections-rg-scatter``; reportgen.js reads it from ``data-rg-prefix``), links
between pages become ``#page/state`` tab switches, images become data: URIs and links to the
files it does not carry (projector/, exports/) are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from markupsafe import Markup


def _name(href: str) -> str:
    return href.removesuffix(".html")


def _state(state: dict[str, object]) -> str:
    """A page's state as its URL fragment: ``view=pca-2d&point=3`` (what reportgen.js reads)."""
    return "&".join(f"{key}={value}" for key, value in state.items())


def _join(parts: tuple[object, ...]) -> str:
    return "-".join(str(part) for part in parts)


@dataclass(frozen=True)
class FolderLinks:
    """Links and ids of the folder site: relative URLs, ids as written.

    ``pages`` are the site's pages (``index.html``, ...): a link to any other page is a bug.
    """

    pages: frozenset[str]

    def page(self, href: str, **state: object) -> str:
        """The URL of page ``href``, with ``state`` as its fragment (``page("projections.html",
        view="pca-2d")`` -> ``projections.html#view=pca-2d``)."""
        _check_page(href, self.pages)
        fragment = _state(state)
        return f"{href}#{fragment}" if fragment else href

    def anchor(self, name: str) -> str:
        """A link to the element ``name`` of this page."""
        return f"#{name}"

    def id(self, *parts: object) -> str:
        """An element id: ``parts`` joined with "-" (``id("metric", 1)`` -> ``metric-1``)."""
        return _join(parts)

    def ids(self, *names: str) -> str:
        """A space-separated list of element ids (``aria-labelledby``)."""
        return " ".join(self.id(name) for name in names)

    def image(self, path: str) -> str:
        """The URL of the site's image ``path``."""
        return path

    def href(self, path: str) -> Markup:
        """`` href="path"`` for a file of the site."""
        return Markup(' href="{}"').format(path)

    def asset(self, path: str) -> str:
        """The URL of ``assets/<path>`` (the folder layout links them; the single file
        inlines them)."""
        return f"assets/{path}"


@dataclass(frozen=True)
class SingleFileLinks:
    """Links and ids inside one tab (page ``current``) of the single file.

    ``pages`` are the pages the file holds; ``images`` maps an image's site path to the
    data: URI that replaces it (an image not in it keeps its path).
    """

    current: str
    pages: frozenset[str]
    images: Mapping[str, str] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        """What this tab's ids start with: ``projections-``."""
        return _name(self.current) + "-"

    def page(self, href: str, **state: object) -> str:
        """A tab switch: ``#projections`` or ``#projections/view=pca-2d``."""
        _check_page(href, self.pages)
        fragment = _state(state)
        return f"#{_name(href)}/{fragment}" if fragment else f"#{_name(href)}"

    def anchor(self, name: str) -> str:
        """A link to the element ``name`` of this tab."""
        return f"#{self.id(name)}"

    def id(self, *parts: object) -> str:
        """An element id, prefixed with this tab's page name."""
        return self.prefix + _join(parts)

    def ids(self, *names: str) -> str:
        """A space-separated list of this tab's element ids."""
        return " ".join(self.id(name) for name in names)

    def image(self, path: str) -> str:
        """The image inline (a data: URI) when the file carries it, else its path."""
        return self.images.get(path, path)

    def href(self, path: str) -> Markup:
        """Nothing: the single file carries no files besides its pages (the link is left
        out, the file's name stays as text)."""
        del path
        return Markup("")


Links = FolderLinks | SingleFileLinks


def _check_page(href: str, pages: frozenset[str]) -> None:
    if href not in pages:
        raise ValueError(f"a link to {href}, which this site does not have")
