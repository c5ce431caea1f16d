"""The whole report as one HTML file (``--single-file``): every page a tab, all inline.

The second layout of the same pages: each page's template is rendered with the single-file
linker (``SingleFileLinks``: ids prefixed with the page's name, links between pages as
``#page/state`` tab switches, PNGs as data: URIs, links to files the document does not hold
left out) and put in a tab of ``templates/single_file.html``; reportgen.js runs each tab in
a scope of its own. The site's other files come from the site mapping (``render_site``'s
output, or the published folder read back with ``reportgen.publish.read_site``: the same
bytes): the data payloads become ``<script type="text/plain" id="rg-payload-NAME">`` (the
loader reads those first), plotly.js, the CSS and reportgen.js are inlined once, the sprite
becomes one CSS rule with a data: URI, report.json and summary.md download links. The file
requests nothing outside itself; the projector/ files (the tensors) are never inlined.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from reportgen.render.links import SingleFileLinks
from reportgen.render.pages import BuiltPage, SitePages
from reportgen.render.site_types import Content
from reportgen.render.templates import render_template, script_json

# Above this the sprite sheet (a PNG, one third larger as base64) is left out, with a note:
# a single file meant as an attachment should not grow by more.
SPRITE_LIMIT = 10_000_000

# The class whose one CSS rule carries the inline sprite (reportgen.js reads sprite.cssClass).
SPRITE_CLASS = "rg-sprite-inline"

_PAYLOAD = re.compile(r"data/([A-Za-z0-9_.-]+)\.js")
_DOWNLOADS = (("report.json", "application/json"), ("summary.md", "text/markdown"))
_SCRIPT_END = re.compile(r"</(script)", re.I)
_STYLE_END = re.compile(r"</(style)", re.I)


@dataclass(frozen=True)
class _Tab:
    """One page as a tab of the document."""

    name: str
    title: str
    wide: bool
    notes: list[Markup]
    content: Markup
    script: Any


def single_file(
    pages: SitePages, files: Mapping[str, Content], *, sprite_limit: int = SPRITE_LIMIT
) -> bytes:
    """The report as one HTML document: every page of ``pages`` a tab; the payloads,
    assets, images, sprite, ``report.json`` and ``summary.md`` taken from ``files`` (the
    site, relative path -> bytes or producer).

    The sprite is inlined only up to ``sprite_limit`` bytes; above it the thumbnails are left
    out with a visible note. Deterministic: the same pages and files give the same bytes.

    Raises ValueError when ``pages`` has no index.html, KeyError when ``files`` lacks an
    asset or a file a page shows.
    """
    if not pages.built or pages.built[0].page.href != "index.html":
        raise ValueError("the site has no index.html: not a site reportgen wrote")
    sprite, sprite_note = _sprite(pages, files, sprite_limit)
    links = {
        built.page.href: SingleFileLinks(built.page.href, pages.hrefs, _InlineImages(files))
        for built in pages.built
    }
    tabs = [_tab(built, links[built.page.href], sprite, sprite_note) for built in pages.built]
    document = render_template(
        "single_file.html",
        chrome=pages.chrome,
        tabs=tabs,
        downloads=[
            {"name": path, "uri": _data_uri(mime + ";charset=utf-8", _content(files[path]))}
            for path, mime in _DOWNLOADS
            if path in files
        ],
        payloads=list(_payloads(files)),
        css=Markup(_inline_style(_text(files["assets/reportgen.css"]))),
        js=Markup(_inline_script(_text(files["assets/reportgen.js"]))),
        plotly=_plotly(pages, files),
        sprite_class=SPRITE_CLASS,
        sprite_uri=_data_uri("image/png", sprite) if sprite is not None else None,
    )
    return document


# --------------------------------------------------------------------------------------
# The tabs


def _tab(built: BuiltPage, links: SingleFileLinks, sprite: bytes | None, sprite_note: str) -> _Tab:
    page, script = built.page, built.script
    if _has_sprite(script):
        # The sheet's one CSS rule instead of its file; without the sheet no thumbnails
        # (rather than requests for a file this document does not have).
        script = {**script, "sprite": None if sprite is None else _inline_sprite(script["sprite"])}
    notes = []
    if page.needs_sprite and sprite is None:
        notes.append(sprite_note or "The thumbnails are not in this single file.")
    if page.single_file_note:
        notes.append(page.single_file_note)
    return _Tab(
        name=page.name,
        title=page.title,
        wide=page.wide,
        # html.escape, as the single file always wrote them (its &#x27; differs from
        # autoescape's &#39;).
        notes=[Markup(html.escape(note)) for note in notes],
        content=built.content(links),
        script=script,
    )


def _has_sprite(script: Any) -> bool:
    return isinstance(script, dict) and bool(script.get("sprite"))


def _inline_sprite(sprite: dict) -> dict:
    """A page's sprite block with the inline sheet's CSS class in place of its file."""
    inline = {key: value for key, value in sprite.items() if key != "href"}
    return {**inline, "cssClass": SPRITE_CLASS}


def _sprite(pages: SitePages, files: Mapping[str, Content], limit: int) -> tuple[bytes | None, str]:
    """The sprite sheet's bytes when the document carries them, else None and why not."""
    href = next(
        (built.script["sprite"]["href"] for built in pages.built if _has_sprite(built.script)),
        None,
    )
    if href is None or href not in files:
        return None, ""
    sprite = _content(files[href])
    if len(sprite) <= limit:
        return sprite, ""
    return None, (
        f"The thumbnails are left out of this single file: their sprite sheet has "
        f"{_megabytes(len(sprite))}, more than the {_megabytes(limit)} a single file "
        f"carries. The folder build (--out) has them."
    )


class _InlineImages(Mapping[str, str]):
    """The site's PNGs as data: URIs, encoded when a page asks for one."""

    def __init__(self, files: Mapping[str, Content]) -> None:
        self._files = files

    def __getitem__(self, path: str) -> str:
        if not (path.endswith(".png") and path in self._files):
            raise KeyError(path)
        return _data_uri("image/png", _content(self._files[path]))

    def __iter__(self) -> Iterator[str]:
        return (path for path in self._files if path.endswith(".png"))

    def __len__(self) -> int:
        return sum(1 for _ in self)


# --------------------------------------------------------------------------------------
# Inlining


def _plotly(pages: SitePages, files: Mapping[str, Content]) -> Markup | None:
    if not any(built.page.plotly for built in pages.built):
        return None
    return Markup(_inline_script(_text(files["assets/plotly.min.js"])))


def _payloads(files: Mapping[str, Content]) -> Iterator[dict[str, Any]]:
    for path in sorted(files):
        if match := _PAYLOAD.fullmatch(path):
            name = match.group(1)
            yield {"name": name, "content": Markup(_payload_json(name, _text(files[path])))}


def _payload_json(name: str, text: str) -> str:
    """``data/<name>.js`` (``reportgen.receive("<name>",{...});``) as the JSON of an inline
    block that the loader finds by its id."""
    start = f"reportgen.receive({script_json(name)},"
    if not (text.startswith(start) and text.endswith(");\n")):
        raise ValueError(f"data/{name}.js: not a payload as reportgen writes it")
    # Inside JSON a "<" can only be in a string, where \u003c means the same: nothing in the
    # payload can end the element early (reportgen's payloads have none to begin with).
    return text[len(start) : -3].replace("<", "\\u003c")


def _inline_script(code: str) -> str:
    """JavaScript safe inside ``<script>``: ``</script`` (which would close the element) and
    ``<!--`` (which would change how the parser finds its end) are escaped as ``<\\/script``
    and ``\\x3C!--``. Both can only occur in strings, regexes and comments, where the escapes
    mean the same; a bare ``</`` is left alone (``/</g`` is a regex, ``/<\\/g`` is not)."""
    return _SCRIPT_END.sub(r"<\\/\1", code).replace("<!--", "\\x3C!--")


def _inline_style(css: str) -> str:
    """CSS safe inside ``<style>``: ``</style`` escaped (``\\/`` is ``/`` in CSS)."""
    return _STYLE_END.sub(r"<\\/\1", css)


def _content(content: Content) -> bytes:
    if isinstance(content, bytes):
        return content
    buffer = io.BytesIO()
    content(buffer)
    return buffer.getvalue()


def _text(content: Content) -> str:
    return _content(content).decode("utf-8")


def _data_uri(mime: str, content: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"
