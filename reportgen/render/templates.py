"""Finding the templates and the Jinja2 environment every page is rendered with."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup


def templates_dir() -> Path:
    """The folder holding the Jinja2 templates and ``static/``.

    An installed wheel carries them inside the package (``reportgen/templates``, put there
    by hatchling's force-include); a source checkout or editable install has them in the
    top-level ``templates/`` folder beside the package.
    """
    packaged = resources.files("reportgen") / "templates"
    if packaged.is_dir():
        return Path(str(packaged))
    source_tree = Path(__file__).resolve().parents[2] / "templates"
    if source_tree.is_dir():
        return source_tree
    raise FileNotFoundError(
        f"reportgen's templates are missing: looked in {packaged} and {source_tree}"
    )


_SCRIPT_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def script_json(value: Any) -> str:
    """JSON safe to put inside ``<script>``: sorted keys, and ``< > &`` U+2028/9 escaped.

    Escaping ``<`` means no value can close the script element (``</script>``) or open a
    comment, whatever the labels contain; the escapes are still valid JSON and JavaScript.
    """
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.translate(_SCRIPT_ESCAPES)


def format_number(value: float | int, digits: int = 3) -> str:
    """A number for people: integers with thin-space thousands, floats to ``digits``
    significant decimals (``1797`` -> ``1 797``, ``0.123456`` -> ``0.123``)."""
    if isinstance(value, bool):
        raise TypeError("format_number takes a number, not a bool")
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u2009")
    if value != value:
        return "–"
    if value.is_integer() and abs(value) < 1e15:
        return format_number(int(value))
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}".replace(",", "\u2009")
    if magnitude >= 1:  # `digits` significant figures in fixed notation, never 1e+03
        decimals = max(0, digits - 1 - math.floor(math.log10(magnitude)))
        return f"{value:.{decimals}f}"
    return f"{value:.{digits}f}" if magnitude >= 10**-digits else f"{value:.{digits}g}"


def format_alike(values: Sequence[float], digits: int = 3) -> list[str]:
    """Numbers of one kind, shown side by side, with one number of decimals: the most that
    ``format_number`` gives any of them (so 0.99996 and 1.0000001 read "1.000" and "1.000",
    not "1.000" and "1.00"). A value too small for fixed notation keeps its own form."""

    def decimals(value: float) -> int:
        magnitude = abs(value)
        if magnitude >= 1000 or value != value:
            return 0
        if magnitude >= 1:
            return max(0, digits - 1 - math.floor(math.log10(magnitude)))
        return digits

    shown = [float(value) for value in values]
    places = max((decimals(value) for value in shown), default=0)
    return [
        format_number(value)
        if value != value or (value and abs(value) < 10**-digits)
        else f"{value:,.{places}f}".replace(",", "\u2009")
        for value in shown
    ]


def percent(value: float, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage (``0.1234`` -> ``12.3 %``)."""
    return f"{100 * value:.{digits}f}\u2009%"


def short_hash(value: str, length: int = 12) -> str:
    """The first ``length`` hex digits of a digest, for display beside its full value."""
    return value[:length]


def shorten(text: str, length: int) -> str:
    """``text`` on one line, cut to ``length`` characters with "…" when longer."""
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[: length - 1] + "…"


_MARKDOWN_SPECIAL = "\\`*_[]|~"


def markdown_text(value: object) -> str:
    """Text for Markdown (a table cell or a line) that is shown as typed.

    Markdown's punctuation is backslash-escaped and line breaks become spaces, so a label
    cannot end a table row, start a link or change emphasis. (HTML-special characters are
    escaped by autoescape afterwards; GitHub renders the entities as the characters.)
    """
    text = " ".join(str(value).split())
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The one Jinja2 environment: autoescape on for every template, undefined is an error."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=True,  # every template, whatever its extension (.html, .md, ...)
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["script_json"] = lambda value: Markup(script_json(value))
    env.filters["number"] = format_number
    env.filters["percent"] = percent
    env.filters["short_hash"] = short_hash
    env.filters["md"] = markdown_text
    return env


def render_template(name: str, **context: Any) -> bytes:
    """Render template ``name`` with ``context`` to UTF-8 bytes."""
    return render_fragment(name, **context).encode("utf-8")


def render_fragment(name: str, **context: Any) -> Markup:
    """Render template ``name`` with ``context`` to HTML that a layout puts in as it is."""
    return Markup(environment().get_template(name).render(**context))
