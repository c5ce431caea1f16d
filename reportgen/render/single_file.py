"""The whole report as one HTML file (``--single-file``): every page a tab, all inline.

Made from a site mapping (``render_site``'s output, or a published folder read back with
``reportgen.publish.read_site``), not from the templates, so that it shows exactly what the
folder site shows. Each page's ``<main>`` becomes a tab section; its element ids get the
page's name as a prefix (``projections-rg-scatter``) so that no two sections share one, and
reportgen.js runs each page in a scope of its own. The data payloads become
``<script type="text/plain" id="rg-payload-NAME">`` (the loader reads those first), plotly.js,
the CSS and reportgen.js are inlined once, the static PNGs and the sprite become data: URIs.
Links between pages become ``#page/state`` fragments that switch tabs. The file requests
nothing outside itself; the projector/ files (the tensors) are never inlined.

Rewriting the pages' HTML with regular expressions is sound here because autoescape holds:
outside ``<script>`` no text from the data contains a raw ``<`` or ``"``, so every ``<`` starts
a tag and every ``"`` delimits an attribute value; a page that breaks this is refused.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reportgen.render.pages import PAGES
from reportgen.render.site_types import Content
from reportgen.render.templates import script_json

# Above this the sprite sheet (a PNG, one third larger as base64) is left out, with a note:
# a single file meant as an attachment should not grow by more.
SPRITE_LIMIT = 10_000_000

# The class whose one CSS rule carries the inline sprite (reportgen.js reads sprite.cssClass).
SPRITE_CLASS = "rg-sprite-inline"

_PAYLOAD = re.compile(r"data/([A-Za-z0-9_.-]+)\.js")
_HEAD_SCRIPT = '<script src="assets/plotly.min.js"></script>'

# Structure of a page as templates/base.html writes it.
_PARTS = {
    "csp": re.compile(r'<meta http-equiv="Content-Security-Policy" content="[^"]*">'),
    "body": re.compile(r'<body class="([^"<>]*)"(?: data-page="[a-z]+")?>'),
    "header": re.compile(r'<header class="rg-header">.*?</header>', re.S),
    "title": re.compile(r'<div class="rg-report-title"[^<>]*>([^<]*)</div>'),
    "main": re.compile(r'<main class="rg-main">\n?(.*)</main>', re.S),
    "footer": re.compile(r'<footer class="rg-footer">[^<]*</footer>'),
    "script": re.compile(r'<script id="rg-page" type="application/json">([^<]*)</script>'),
}
_NAV = re.compile(r'<nav class="rg-nav"[^<>]*>.*?</nav>', re.S)
_START_TAG = re.compile(r'<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s"\'<>/=]+(?:="[^"]*")?)*)\s*(/?)>')
_ATTRIBUTE = re.compile(r'\s+([^\s"\'<>/=]+)(?:="([^"]*)")?')
_TAG_OPEN = re.compile(r"<[a-zA-Z]")
_ID_LISTS = ("aria-labelledby", "aria-describedby", "aria-controls")
_EXTERNAL = ("https:", "http:", "mailto:", "data:")
_SCRIPT_END = re.compile(r"</(script)", re.I)
_STYLE_END = re.compile(r"</(style)", re.I)


@dataclass(frozen=True)
class _Page:
    """One page of the site, taken apart."""

    name: str  # "projections" for projections.html: the tab's name and its ids' prefix
    title: str  # the navigation's title
    wide: bool  # the page is laid out full width (body class rg-wide)
    main: str  # the inner HTML of its <main>, ids not yet prefixed
    script: Any  # its #rg-page block (null on a page without a script)
    uses_plotly: bool
    parts: dict[str, str]  # csp, header, title, footer: the chrome the file takes from index


def single_file(site: Mapping[str, Content], *, sprite_limit: int = SPRITE_LIMIT) -> bytes:
    """The report in ``site`` (relative path -> bytes or producer) as one HTML document.

    Every page present (index, projections, similarity, clusters, gallery, projector) is a
    tab; ``report.json`` and ``summary.md`` are links that download them (data: URIs: they
    are small, and a reviewer with only this file can still read the numbers CI reads).
    The sprite is inlined only up to ``sprite_limit`` bytes; above it the thumbnails are left
    out with a visible note. Deterministic: the same site gives the same bytes.

    Raises ValueError when ``site`` has no index.html or a page is not as reportgen writes it.
    """
    if "index.html" not in site:
        raise ValueError("the site has no index.html: not a site reportgen wrote")
    pages = [_read_page(href, title, _text(site[href])) for href, title in PAGES if href in site]
    names = {page.name for page in pages}
    sprite_href = next(
        (page.script["sprite"]["href"] for page in pages if _has_sprite(page.script)), None
    )
    sprite = _content(site[sprite_href]) if sprite_href in site else None
    sprite_note = ""
    if sprite is not None and len(sprite) > sprite_limit:
        sprite_note = (
            f"The thumbnails are left out of this single file: their sprite sheet has "
            f"{_megabytes(len(sprite))}, more than the {_megabytes(sprite_limit)} a single file "
            f"carries. The folder build (--out) has them."
        )
        sprite = None

    def image(path: str) -> str | None:
        if path in site and path.endswith(".png"):
            return _data_uri("image/png", _content(site[path]))
        return None

    head_extra = []
    if sprite is not None:
        uri = _data_uri("image/png", sprite)
        head_extra.append(f'<style>.{SPRITE_CLASS}{{background-image:url("{uri}")}}</style>')
    if any(page.uses_plotly for page in pages):
        plotly = _content(site["assets/plotly.min.js"]).decode("utf-8")
        head_extra.append(f"<script>{_inline_script(plotly)}</script>")

    sections = []
    for position, page in enumerate(pages):
        script = page.script
        if _has_sprite(script):
            # The sheet's one CSS rule instead of its file; without the sheet no thumbnails
            # (rather than requests for a file this document does not have).
            replaced = None if sprite is None else _inline_sprite(script["sprite"])
            script = {**script, "sprite": replaced}
        main = _rewrite(page.main, page.name + "-", names, image)
        notes = []
        if page.name == "gallery" and sprite is None:
            notes.append(sprite_note or "The thumbnails are not in this single file.")
        if page.name == "projector":
            notes.append(
                "This single file does not carry the files of projector/ (the vectors, their "
                "metadata, the sprite sheet and the bookmarks): the folder build (--out) has "
                "them, next to this page's instructions."
            )
        if notes:
            main = "".join(_note(note) for note in notes) + main
        sections.append(_section(page, main, script, hidden=position > 0))

    index = pages[0]
    nav = []
    for position, page in enumerate(pages):
        current = ' aria-current="page"' if position == 0 else ""
        nav.append(
            f'<a href="#{page.name}" data-rg-tab-link="{page.name}"{current}>'
            f"{html.escape(page.title)}</a>"
        )
    for path, mime in (("report.json", "application/json"), ("summary.md", "text/markdown")):
        if path in site:
            uri = _data_uri(mime + ";charset=utf-8", _content(site[path]))
            nav.append(f'<a href="{uri}" download="{path}" class="rg-nav-file">{path}</a>')
    nav_html = '<nav class="rg-nav" aria-label="Pages">\n' + "\n".join(nav) + "\n</nav>"
    header = _NAV.sub(lambda _: nav_html, index.parts["header"], count=1)
    payloads = [
        _payload_element(match.group(1), _text(site[path]))
        for path in sorted(site)
        if (match := _PAYLOAD.fullmatch(path))
    ]
    css = _content(site["assets/reportgen.css"]).decode("utf-8")
    js = _content(site["assets/reportgen.js"]).decode("utf-8")
    document = "\n".join(
        [
            "<!doctype html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="generator" content="reportgen">',
            index.parts["csp"],
            f"<title>{index.parts['title']} · reportgen</title>",
            f"<style>{_inline_style(css)}</style>",
            *head_extra,
            "</head>",
            '<body class="rg-single-file">',
            header,
            *sections,
            index.parts["footer"],
            *payloads,
            f"<script>{_inline_script(js)}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )
    return document.encode("utf-8")


# --------------------------------------------------------------------------------------
# Reading the pages


def _content(content: Content) -> bytes:
    if isinstance(content, bytes):
        return content
    buffer = io.BytesIO()
    content(buffer)
    return buffer.getvalue()


def _text(content: Content) -> str:
    return _content(content).decode("utf-8")


def _read_page(href: str, title: str, text: str) -> _Page:
    found = {}
    for key, pattern in _PARTS.items():
        match = pattern.search(text)
        if match is None:
            raise ValueError(f"{href}: not a page as reportgen writes it (no {key})")
        found[key] = match.group(1) if pattern.groups else match.group(0)
    main = found["main"]
    if "<script" in main or "<style" in main:
        raise ValueError(f"{href}: unexpected script or style inside <main>")
    return _Page(
        name=href.removesuffix(".html"),
        title=title,
        wide="rg-wide" in found["body"].split(),
        main=main,
        script=json.loads(found["script"]),
        uses_plotly=_HEAD_SCRIPT in text,
        parts={key: found[key] for key in ("csp", "header", "title", "footer")},
    )


# --------------------------------------------------------------------------------------
# Rewriting a page's HTML


def _rewrite(main: str, prefix: str, pages: set[str], image: Callable[[str], str | None]) -> str:
    """``main`` with its ids prefixed, its links turned into tab switches (or dropped when
    they point at a file this document does not hold) and its PNGs inlined."""
    if len(_TAG_OPEN.findall(main)) != len(_START_TAG.findall(main)):
        raise ValueError("a page has a start tag reportgen cannot read (unquoted attribute?)")

    def attribute(name: str, value: str) -> str | None:
        if name in ("id", "for"):
            return prefix + value
        if name in _ID_LISTS:
            return " ".join(prefix + token for token in value.split())
        if name == "href":
            return _link(value, prefix, pages)
        if name in ("src", "data-fallback"):
            return image(html.unescape(value)) or value
        return value

    def tag(match: re.Match[str]) -> str:
        attributes = []
        changed = False
        for item in _ATTRIBUTE.finditer(match.group(2)):
            name, value = item.group(1), item.group(2)
            if value is None:  # a boolean attribute (hidden, checked)
                attributes.append(f" {name}")
                continue
            new = attribute(name.lower(), value)
            changed = changed or new != value
            if new is not None:  # None: the attribute is dropped
                attributes.append(f' {name}="{new}"')
        if not changed:
            return match.group(0)
        close = " />" if match.group(3) else ">"
        return f"<{match.group(1)}{''.join(attributes)}{close}"

    return _START_TAG.sub(tag, main)


def _link(value: str, prefix: str, pages: set[str]) -> str | None:
    """Where a link goes in the single file: ``projections.html#point=3`` ->
    ``#projections/point=3``; an in-page ``#x`` -> ``#<prefix>x``; an absolute URL as it
    was; a relative link to any other file (projector/, exports/) -> None (dropped)."""
    if value.startswith("#"):
        return "#" + prefix + value[1:]
    if value.lower().startswith(_EXTERNAL):
        return value
    target, _, state = value.partition("#")
    name = target.removesuffix(".html")
    if target.endswith(".html") and name in pages:
        return f"#{name}/{state}" if state else f"#{name}"
    return None


def _note(text: str) -> str:
    return f'<section class="rg-card rg-single-note"><p>{html.escape(text)}</p></section>\n'


def _section(page: _Page, main: str, script: Any, *, hidden: bool) -> str:
    classes = "rg-tab rg-wide" if page.wide else "rg-tab"
    return (
        f'<div class="{classes}" id="rg-tab-{page.name}" data-rg-tab="{page.name}" '
        f'data-rg-prefix="{page.name}-"{" hidden" if hidden else ""}>\n'
        f'<main class="rg-main">\n{main}</main>\n'
        f'<script id="{page.name}-rg-page" type="application/json">{script_json(script)}</script>\n'
        "</div>"
    )


# --------------------------------------------------------------------------------------
# Inlining


def _has_sprite(script: Any) -> bool:
    return isinstance(script, dict) and bool(script.get("sprite"))


def _inline_sprite(sprite: dict) -> dict:
    """A page's sprite block with the inline sheet's CSS class in place of its file."""
    inline = {key: value for key, value in sprite.items() if key != "href"}
    return {**inline, "cssClass": SPRITE_CLASS}


def _payload_element(name: str, text: str) -> str:
    """``data/<name>.js`` (``reportgen.receive("<name>",{...});``) as an inline JSON block
    that the loader finds by its id."""
    start = f"reportgen.receive({script_json(name)},"
    if not (text.startswith(start) and text.endswith(");\n")):
        raise ValueError(f"data/{name}.js: not a payload as reportgen writes it")
    # Inside JSON a "<" can only be in a string, where \u003c means the same: nothing in the
    # payload can end the element early (reportgen's payloads have none to begin with).
    content = text[len(start) : -3].replace("<", "\\u003c")
    return f'<script type="text/plain" id="rg-payload-{name}">{content}</script>'


def _inline_script(code: str) -> str:
    """JavaScript safe inside ``<script>``: ``</script`` (which would close the element) and
    ``<!--`` (which would change how the parser finds its end) are escaped as ``<\\/script``
    and ``\\x3C!--``. Both can only occur in strings, regexes and comments, where the escapes
    mean the same; a bare ``</`` is left alone (``/</g`` is a regex, ``/<\\/g`` is not)."""
    return _SCRIPT_END.sub(r"<\\/\1", code).replace("<!--", "\\x3C!--")


def _inline_style(css: str) -> str:
    """CSS safe inside ``<style>``: ``</style`` escaped (``\\/`` is ``/`` in CSS)."""
    return _STYLE_END.sub(r"<\\/\1", css)


def _data_uri(mime: str, content: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"
