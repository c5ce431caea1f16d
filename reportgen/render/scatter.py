"""What the scatter views send the browser: one small inline block and lazy payloads.

The inline block (in the page) holds N, the browser samples, the label codes and names,
the views' descriptions and quality, and the figure templates. Everything per point that
is not needed to draw the first view is a payload under ``data/``: each view's coordinates,
the density layer of all N under a sampled 2D view, its per-point neighbourhood
preservation, the neighbour lists and each metadata column.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from reportgen.analysis.density import log_levels
from reportgen.analysis.projections import Projection, method_of, view_title
from reportgen.analysis.results import Analysis, View
from reportgen.config import Config
from reportgen.dataset import Dataset
from reportgen.render.contract import (
    NEIGHBORS_PAYLOAD,
    column_payload,
    density_payload,
    preservation_payload,
    view_payload,
)
from reportgen.render.figures import CATEGORY_PALETTE, OTHER_COLOR, scatter_figures
from reportgen.render.payloads import (
    encode_array,
    encode_quantised,
    payload_path,
    payload_script,
)
from reportgen.render.site_types import Site


def _format_parameter(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_format_parameter(v) for v in value)
    return str(value)


def _sample_rows(analysis: Analysis, dims: int) -> np.ndarray | None:
    return analysis.sample_3d if dims == 3 else analysis.sample_2d


def _map_labels_block(analysis: Analysis, key: str) -> dict[str, list[list]] | None:
    """A 2D view's map labels, [x, y, text, items] each, largest group first; None for 3D."""
    on_map = analysis.map_labels.get(key)
    if on_map is None:
        return None
    return {kind: [label.to_json() for label in labels] for kind, labels in on_map.items()}


def _view_block(view: View, analysis: Analysis) -> dict[str, Any]:
    projection, quality = view.projection, view.quality
    parameters = [
        [name, _format_parameter(value)]
        for name, value in sorted(projection.parameters.items())
        if name != "explained_variance_ratio"
    ]
    return {
        "key": view.key,
        "title": view_title(view.key),
        "dims": projection.dims,
        "axes": list(projection.axis_titles),
        "payload": view_payload(view.key),
        "preservation": preservation_payload(view.key),
        "density": density_payload(view.key) if view.key in analysis.densities else None,
        "mapLabels": _map_labels_block(analysis, view.key),
        "quality": {
            "recall": quality.knn_recall,
            "trust": quality.trustworthiness,
            "trustSample": quality.trustworthiness_sample,
            "k": quality.k,
            "fit": fit_sentence(projection),
            "parts": [
                {
                    "name": part.name,
                    "points": part.points,
                    "recall": part.knn_recall,
                    "trust": part.trustworthiness,
                    "queries": part.queries,
                }
                for part in quality.parts
            ],
        },
        "parameters": parameters,
        "notes": list(projection.notes),
    }


def fit_sentence(projection: Projection) -> str | None:
    """ "UMAP fitted on 15,000 of 200,000 points; each other point placed next to its
    fitted points", or None for a view fitted on all of them."""
    fitted = projection.parameters.get("fit_sample")
    if fitted is None:
        return None
    title = method_of(projection.key).title
    n = projection.coordinates.shape[0]
    return (
        f"{title} fitted on {fitted:,} of {n:,} points (a seeded sample stratified by "
        "label); each other point placed next to its nearest fitted point in the original "
        "space"
    )


def default_view(analysis: Analysis) -> str | None:
    """The view a page opens on: UMAP 2D when there is one, else the first 2D view."""
    keys = [v.key for v in analysis.views]
    if "umap-2d" in keys:
        return "umap-2d"
    two_d = [v.key for v in analysis.views if v.projection.dims == 2]
    return two_d[0] if two_d else (keys[0] if keys else None)


def hover_columns(dataset: Dataset, analysis: Analysis, config: Config) -> list[str]:
    """Columns shown on hover and in the inspector: configured, else label and text.

    The label column is left out when its inline codes already name every label (no
    "other"): the page then needs no second copy of it.
    """
    if config.render.hover_columns:
        names = [name.strip() for name in config.render.hover_columns.split(",")]
        return [name for name in names if name]
    wanted = []
    if analysis.labels is not None and analysis.labels.other:
        wanted.append(dataset.label_column)
    if dataset.text_column is not None:
        wanted.append(dataset.text_column)
    return wanted


def scatter_block(
    dataset: Dataset,
    analysis: Analysis,
    config: Config,
    sprite: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The inline data block of a page that shows scatter views; ``sprite`` (from
    ``gallery.sprite_block``) lets hover and the inspector show thumbnails."""
    labels = analysis.labels
    samples = {
        "2d": encode_array(analysis.sample_2d, "int32") if analysis.sample_2d is not None else None,
        "3d": encode_array(analysis.sample_3d, "int32") if analysis.sample_3d is not None else None,
    }
    shown_2d = len(analysis.sample_2d) if analysis.sample_2d is not None else dataset.n
    shown_3d = len(analysis.sample_3d) if analysis.sample_3d is not None else dataset.n
    return {
        "n": dataset.n,
        "k": analysis.k,
        "among": analysis.graph.among,
        "defaultView": default_view(analysis),
        "views": [_view_block(view, analysis) for view in analysis.views],
        "samples": samples,
        "labels": None
        if labels is None
        else {
            "name": dataset.label_column,
            "names": list(labels.names),
            "other": labels.other,
            "codes": encode_array(labels.codes, "uint8" if len(labels.names) <= 256 else "uint16"),
        },
        "columns": [
            {"name": coding.name, "kind": coding.kind, "payload": column_payload(index)}
            for index, coding in enumerate(analysis.columns)
        ],
        "textColumn": dataset.text_column,
        "hoverColumns": hover_columns(dataset, analysis, config),
        "neighbors": NEIGHBORS_PAYLOAD,
        "palette": list(CATEGORY_PALETTE),
        "otherColor": OTHER_COLOR,
        "figures": scatter_figures(shown_2d, shown_3d),
        "sprite": sprite,
    }


def neighbor_rows(analysis: Analysis) -> np.ndarray | None:
    """The rows whose neighbour lists the pages carry: every row (None) unless the views
    show a sample, then the rows some view shows (sorted)."""
    samples = [rows for rows in (analysis.sample_2d, analysis.sample_3d) if rows is not None]
    if not samples:
        return None
    return np.unique(np.concatenate(samples)).astype(np.int64)


def scatter_payloads(dataset: Dataset, analysis: Analysis) -> Site:
    """``data/*.js``: coordinates and preservation per view, neighbours, metadata columns."""
    site: Site = {}
    for view in analysis.views:
        rows = _sample_rows(analysis, view.projection.dims)
        coordinates = view.projection.coordinates
        preservation = view.quality.preservation
        if rows is not None:
            coordinates, preservation = coordinates[rows], preservation[rows]
        name = view_payload(view.key)
        site[payload_path(name)] = payload_script(name, encode_quantised(coordinates))
        name = preservation_payload(view.key)
        site[payload_path(name)] = payload_script(
            name, {"values": encode_array(preservation, "float32")}
        )
    for key, density in sorted(analysis.densities.items()):
        name = density_payload(key)
        site[payload_path(name)] = payload_script(
            name,
            {
                "levels": encode_array(log_levels(density.counts), "uint8"),
                "x": list(density.x_range),
                "y": list(density.y_range),
                "max": int(density.counts.max()),
                "n": density.n,
            },
        )
    graph = analysis.graph
    listed = neighbor_rows(analysis)
    indices, cosines = graph.indices[:, : analysis.k], graph.similarities[:, : analysis.k]
    neighbors: dict[str, Any] = {}
    if listed is not None:
        # The inspector opens on the points a view draws: at 1,000,000 points the lists of
        # all of them would weigh 107 MB, over GitHub's limit for one file.
        indices, cosines = indices[listed], cosines[listed]
        neighbors["rows"] = encode_array(listed.astype(np.int32), "int32")
    neighbors["indices"] = encode_array(indices, "int32")
    neighbors["cosines"] = encode_array(cosines, "float32")
    site[payload_path(NEIGHBORS_PAYLOAD)] = payload_script(NEIGHBORS_PAYLOAD, neighbors)
    for index, coding in enumerate(analysis.columns):
        name = column_payload(index)
        if coding.kind == "category":  # the clusters' coding has no metadata column behind it
            cats = coding.categories
            dtype = "uint8" if len(cats.names) <= 256 else "uint16"
            content: dict[str, Any] = {
                "codes": encode_array(cats.codes, dtype),
                "names": list(cats.names),
            }
            if cats.other:  # hover and search need the values the "other" code lumps together
                content |= _text_of(dataset, coding.name, listed)
        elif coding.kind == "number":
            content = {"values": encode_array(dataset.column(coding.name).values, "float32")}
        else:
            content = _text_of(dataset, coding.name, listed)
        site[payload_path(name)] = payload_script(name, content)
    return site


def _text_of(dataset: Dataset, name: str, listed: np.ndarray | None) -> dict[str, Any]:
    """A column's values as text: of every row, or of the ``listed`` rows (those some view
    shows) with their row numbers. Codes and numbers stay for every row (1-4 bytes a row:
    the filters count over all N); text is what outgrew the file limit, at 10,000,000
    points a text column of 622 MB."""
    text = dataset.column(name).as_text()
    if listed is None:
        return {"text": text}
    return {
        "rows": encode_array(listed.astype(np.int32), "int32"),
        "text": [text[r] for r in listed],
    }
