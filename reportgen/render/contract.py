"""The browser contract, declared once: what Python hands the pages' JavaScript.

Three things cross from Python to the browser: the page block (the inline JSON
``<script id="rg-page">``), the data payloads (``data/<name>.js`` calling
``reportgen.receive``, or inline ``<script type="text/plain" id="rg-payload-<name>">`` in a
single file) and a few sentinel strings both sides compare against. This module declares
them; the Python that writes them imports the names from here, and ``contract_js()`` emits
them for the JavaScript as JSDoc typedefs plus one frozen constants object
(``templates/static/js/contract.js``, committed; ``make contract`` regenerates it and
``tests/render/test_contract.py`` fails when it is out of date), which every module checks
against with ``// @ts-check``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from reportgen.analysis.results import CLUSTER_COLUMN

# --------------------------------------------------------------------------------------
# The sentinels and names both languages use

LABEL = "__label"  # colour or group by the label codes of the page block
NONE = "__none"  # no colour, no grouping
PRESERVATION = "__preservation"  # colour by the view's per-point neighbourhood preservation
PAGE_BLOCK_ID = "rg-page"  # the element holding the page block (prefixed in a single file)
PAYLOAD_ELEMENT_PREFIX = "rg-payload-"  # a single file's inline payload: rg-payload-<name>
PAYLOAD_DIR = "data/"  # the folder site's payload scripts: data/<name>.js
RECEIVE = "reportgen.receive"  # what a payload script calls: reportgen.receive(name, content)
NEIGHBORS_PAYLOAD = "neighbors"
# Figure templates refer to the page's data instead of embedding it (render/figures.py).
BIND = {"DATA": "$data", "TEXT": "$text", "MATRIX": "$matrix"}
# The typed arrays JavaScript has, and the little-endian numpy dtype of each.
DTYPES = {"float32": "<f4", "int32": "<i4", "uint8": "u1", "uint16": "<u2"}


def view_payload(key: str) -> str:
    """The payload with view ``key``'s coordinates: ``view-umap-2d``."""
    return f"view-{key}"


def preservation_payload(key: str) -> str:
    """The payload with view ``key``'s per-point neighbourhood preservation."""
    return f"preservation-{key}"


def density_payload(key: str) -> str:
    """The payload with the density layer of all N points under sampled view ``key``."""
    return f"density-{key}"


def column_payload(index: int) -> str:
    """The payload with metadata column number ``index`` (the analysis' column order)."""
    return f"column-{index}"


# The constants the JavaScript reads, as reportgen.contract.NAME.
JS_CONSTANTS = {
    "LABEL": LABEL,
    "NONE": NONE,
    "PRESERVATION": PRESERVATION,
    "PAGE_BLOCK_ID": PAGE_BLOCK_ID,
    "PAYLOAD_ELEMENT_PREFIX": PAYLOAD_ELEMENT_PREFIX,
    "PAYLOAD_DIR": PAYLOAD_DIR,
    "BIND": BIND,
    "CLUSTER_COLUMN": CLUSTER_COLUMN,
}

# --------------------------------------------------------------------------------------
# The shapes


@dataclass(frozen=True)
class Field:
    """One key of a JSON object: its JSDoc type expression and what it holds."""

    name: str
    type: str
    doc: str
    optional: bool = False


@dataclass(frozen=True)
class Shape:
    """A JSON object the browser receives, emitted as ``@typedef {Object} name``."""

    name: str
    doc: str
    fields: tuple[Field, ...]


_DTYPE_UNION = "|".join(json.dumps(name) for name in DTYPES)
_KIND_UNION = '"category"|"number"|"text"'

SHAPES: tuple[Shape, ...] = (
    Shape(
        "EncodedArray",
        "A typed array as base64 of its little-endian bytes (payloads.encode_array).",
        (
            Field("dtype", _DTYPE_UNION, "which typed array"),
            Field("shape", "number[]", "row-major, e.g. [n, dims]"),
            Field("b64", "string", "base64 of the bytes"),
            Field("cache", "any", "the decoded array, kept by the browser (never sent)", True),
        ),
    ),
    Shape(
        "ViewInfo",
        "One projection view in the page block (render/scatter.py).",
        (
            Field("key", "string", '"umap-2d"'),
            Field("title", "string", '"UMAP 2D"'),
            Field("dims", "number", "2 or 3"),
            Field("axes", "string[]", "the axis titles"),
            Field("payload", "string", "the ViewPayload's name"),
            Field("preservation", "string", "the PreservationPayload's name"),
            Field("density", "string|null", "a sampled 2D view: the DensityPayload's name"),
            Field(
                "mapLabels",
                "MapLabels|null",
                "a 2D view: the texts to write on its map (analysis/map_labels.py)",
            ),
            Field("quality", "ViewQuality", "how far the view can be trusted"),
            Field("parameters", "string[][]", "[name, value] pairs, formatted"),
            Field("notes", "string[]", "what the page says about the view"),
        ),
    ),
    Shape(
        "MapLabels",
        "A 2D view's map labels, each [x, y, text, items], largest group first.",
        (
            Field("clusters", "Array<number|string>[]", "one per k-means cluster", True),
            Field("labels", "Array<number|string>[]", "one per label class", True),
        ),
    ),
    Shape(
        "ViewQuality",
        "A view's quality against the original space.",
        (
            Field("recall", "number", "kNN recall"),
            Field("trust", "number", "trustworthiness"),
            Field("trustSample", "number|null", "the sample trustworthiness used, if any"),
            Field("k", "number", "the neighbours both are measured with"),
            Field("fit", "string|null", "how a layout fitted on a sample was made, if it was"),
            Field("parts", "QualityPart[]", "the fitted and the placed points apart (or none)"),
        ),
    ),
    Shape(
        "QualityPart",
        "The quality of the fitted or of the placed points of a view fitted on a sample.",
        (
            Field("name", "string", '"fitted" or "placed"'),
            Field("points", "number", "how many points the part has"),
            Field("recall", "number", "their kNN recall"),
            Field("trust", "number", "their trustworthiness"),
            Field("queries", "number", "how many of them the trustworthiness queried"),
        ),
    ),
    Shape(
        "Labels",
        "The label codes, inline (rare labels lumped into a last 'other (N values)').",
        (
            Field("name", "string", "the label column's name"),
            Field("names", "string[]", "the name of each code"),
            Field("other", "boolean", "whether the last code lumps rare labels"),
            Field("codes", "EncodedArray", "one code per row (uint8 or uint16)"),
        ),
    ),
    Shape(
        "ColumnInfo",
        "A metadata column the page can load.",
        (
            Field("name", "string", "its name"),
            Field("kind", _KIND_UNION, "how it is coded"),
            Field("payload", "string", "the ColumnPayload's name"),
        ),
    ),
    Shape(
        "Sprite",
        "The sprite sheet every thumbnail is a tile of (render/gallery.py).",
        (
            Field("href", "string", "the sheet's path"),
            Field("thumb", "number", "px of one tile"),
            Field("columns", "number", "tiles per row of the sheet"),
            Field("cssClass", "string", "a single file: the class carrying the sheet", True),
        ),
    ),
    Shape(
        "Figure",
        "A figure template: a bound figure (traces, layout, config) or a scatter's templates.",
        (
            Field("payload", "string", "the payload its references read, as payload.*", True),
            Field("traces", "any[]", "traces with {$data|$text|$matrix} references", True),
            Field("layout", "Object<string, any>", "Plotly's layout"),
            Field("config", "Object<string, any>", "Plotly's config"),
            Field("trace", "Object<string, any>", "scatter: the base trace", True),
            Field("density", "Object<string, any>", "scatter, 2D: the density heatmap", True),
            Field("overlay", "Object<string, any>", "scatter: the highlight trace", True),
            Field("styles", "Object<string, Object<string, any>>", "scatter: match, ...", True),
        ),
    ),
    Shape(
        "PageBlock",
        "A page's inline block; each page sends the fields it uses.",
        (
            Field("n", "number", "the number of points", True),
            Field("k", "number", "neighbours the inspector lists", True),
            Field(
                "among",
                "number",
                "the fit sample's size when the neighbours are searched among it, else 0",
                True,
            ),
            Field("defaultView", "string|null", "the view a page opens on", True),
            Field("views", "ViewInfo[]", "the projection views, in order", True),
            Field("samples", "Object<string, EncodedArray|null>", "rows per '2d'/'3d'", True),
            Field("labels", "Labels|null", "the label codes", True),
            Field("columns", "ColumnInfo[]", "the loadable metadata columns", True),
            Field("textColumn", "string|null", "the column searched by default", True),
            Field("hoverColumns", "string[]", "columns shown on hover", True),
            Field("neighbors", "string", "the NeighborsPayload's name", True),
            Field("palette", "string[]", "category colours, by code", True),
            Field("otherColor", "string", "the colour of 'other' and empty", True),
            Field("figures", "Object<string, Figure>", "by data-rg-figure name", True),
            Field("data", "Object<string, any>", "what figure references read", True),
            Field("sprite", "Sprite|null", "thumbnails, with images", True),
            Field("clusterColumn", "string", "clusters: the cluster column's name", True),
            Field("groupings", "string[]", "gallery: the group-by choices", True),
        ),
    ),
    Shape(
        "ViewPayload",
        "view-<key>: a view's coordinates for its shown rows (payloads.encode_quantised).",
        (
            Field("coordinates", "EncodedArray", "uint16 [rows, dims]: low + q * step"),
            Field("low", "number[]", "per axis: the value of level 0"),
            Field("step", "number[]", "per axis: the value of one level"),
        ),
    ),
    Shape(
        "PreservationPayload",
        "preservation-<key>: a view's per-point neighbourhood preservation.",
        (Field("values", "EncodedArray", "float32, one per shown row"),),
    ),
    Shape(
        "DensityPayload",
        "density-<key>: a 2D histogram of all N points of a sampled view (analysis/density.py).",
        (
            Field("levels", "EncodedArray", "uint8 [rows, columns], log scale, 0 = empty"),
            Field("x", "number[]", "[low, high] of the grid on the x axis"),
            Field("y", "number[]", "[low, high] of the grid on the y axis (row 0 at low)"),
            Field("max", "number", "points in the fullest cell (level 255)"),
            Field("n", "number", "points counted: all N"),
        ),
    ),
    Shape(
        "NeighborsPayload",
        "neighbors: the k nearest neighbours of every row (or of ``rows``) in the original space.",
        (
            Field(
                "rows",
                "EncodedArray",
                "int32 [m], sorted: the rows listed, when views are sampled",
                True,
            ),
            Field("indices", "EncodedArray", "int32 [n or m, k]"),
            Field("cosines", "EncodedArray", "float32 [n or m, k]"),
        ),
    ),
    Shape(
        "ColumnPayload",
        "column-<i>: a category (codes, names, text with 'other'), number or text column.",
        (
            Field("codes", "EncodedArray", "category: one code per row", True),
            Field("names", "string[]", "category: the name of each code", True),
            Field(
                "text",
                "string[]",
                "text, or a category's values as written (of ``rows`` when given)",
                True,
            ),
            Field(
                "rows",
                "EncodedArray",
                "int32 [m], sorted: the rows ``text`` is carried for, when views are sampled",
                True,
            ),
            Field("values", "EncodedArray", "number: float32, NaN where empty", True),
        ),
    ),
    Shape(
        "SimilaritySamplePayload",
        "similarity-sample: the sample heatmap, quantised to uint8.",
        (
            Field("matrix", "EncodedArray", "uint8 [m, m]"),
            Field("rows", "number[]", "the sample's rows"),
            Field("groups", "string[]", "each sample row's group name"),
        ),
    ),
)

# --------------------------------------------------------------------------------------
# The JavaScript

CONTRACT_JS = Path("static") / "js" / "contract.js"  # under templates/


def _typedef(shape: Shape) -> str:
    lines = ["/**", f" * {shape.doc}", f" * @typedef {{Object}} {shape.name}"]
    for field in shape.fields:
        name = f"[{field.name}]" if field.optional else field.name
        lines.append(f" * @property {{{field.type}}} {name}  {field.doc}")
    lines.append(" */")
    return "\n".join(lines)


def contract_js() -> str:
    """The text of ``templates/static/js/contract.js``: the shapes as JSDoc typedefs and
    the constants as the frozen ``reportgen.contract`` (deterministic: sorted keys)."""
    constants = json.dumps(JS_CONSTANTS, indent=2, sort_keys=True)
    parts = [
        "// @ts-check",
        "/* The browser contract. Generated from reportgen/render/contract.py by"
        " `make contract`:\n * do not edit. */",
        *(_typedef(shape) for shape in SHAPES),
        "/** The sentinels and names Python writes; compare against these, never literals. */",
        f"reportgen.contract = Object.freeze({constants});",
    ]
    return "\n\n".join(parts) + "\n"


def main() -> None:
    """Write ``contract.js`` into the source tree's templates (``make contract``)."""
    path = Path(__file__).resolve().parents[2] / "templates" / CONTRACT_JS
    path.write_text(contract_js(), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
