"""Plotly figure templates: layout, style and trace templates defined here, in Python.

A figure spec is ``{"traces": [...], "layout": {...}, "config": {...}}`` in which data is
not embedded but referenced: ``{"$data": "path.in.page.data"}`` is replaced by that value
of the page's data block, and ``{"$text": "..."}`` by that list of strings escaped for
Plotly (which reads ``<b>``-like markup in text; labels must show as typed). The page's
script (``reportgen.js``) binds the references, so each value is sent once.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import plotly.graph_objects as go

from reportgen.analysis.summary import LabelCounts
from reportgen.render.contract import BIND

# Okabe & Ito's colour-blind-safe palette; the first is the site's accent colour.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)
ACCENT = PALETTE[0]
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"

# No untrusted text goes in here: Plotly's config is code-adjacent.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
}


def data_ref(path: str) -> dict[str, str]:
    """A reference to a value of the page's data block."""
    return {BIND["DATA"]: path}


def text_ref(path: str) -> dict[str, str]:
    """A reference to a list of strings of the page's data block, shown as plain text."""
    return {BIND["TEXT"]: path}


def base_layout(**overrides: Any) -> dict[str, Any]:
    """The site's Plotly layout: quiet grid, system font, transparent background."""
    settings: dict[str, Any] = {
        "font": {"family": FONT, "size": 13, "color": "#1f2328"},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "margin": {"l": 10, "r": 10, "t": 10, "b": 40},
        "hoverlabel": {"font": {"family": FONT}},
    }
    return go.Layout(**{**settings, **overrides}).to_plotly_json()


def label_counts_figure(counts: LabelCounts, data_path: str) -> dict[str, Any]:
    """Horizontal bars of the label counts, largest at the top.

    ``data_path`` is where the page's data block holds ``{"labels": [...], "counts":
    [...]}`` (the chart's cut: top labels plus "other").
    """
    trace = go.Bar(
        orientation="h",
        marker={"color": ACCENT},
        hovertemplate="%{y}: %{x}<extra></extra>",
        texttemplate="%{x}",
        textposition="outside",
        textfont={"color": "#59636e", "size": 11},
        cliponaxis=False,
    ).to_plotly_json()
    trace["x"] = data_ref(f"{data_path}.counts")
    trace["y"] = text_ref(f"{data_path}.labels")
    bars = len(counts.chart_labels)
    layout = base_layout(
        height=max(160, 60 + 22 * bars),
        bargap=0.25,
        # Labels such as "0".."9" must stay categories, not become a numeric axis.
        yaxis={"type": "category", "autorange": "reversed", "automargin": True},
        xaxis={"title": {"text": "vectors"}, "gridcolor": "#e6e8eb", "rangemode": "tozero"},
    )
    return {"traces": [trace], "layout": layout, "config": PLOTLY_CONFIG}


# Beyond the Okabe-Ito eight, Paul Tol's "muted" and "light" schemes: distinct for most
# colour-blind viewers; 20 categories is where any palette stops being readable.
CATEGORY_PALETTE = (
    *PALETTE[:6],
    "#332288",
    "#117733",
    "#44AA99",
    "#88CCEE",
    "#DDCC77",
    "#CC6677",
    "#AA4499",
    "#882255",
    "#EE8866",
    "#BBCC33",
    "#77AADD",
    "#99DDFF",
    "#FFAABB",
    "#AAAA00",
)
OTHER_COLOR = "#BBBBBB"


def marker_size(points: int, dims: int) -> float:
    """A marker size that keeps dense views readable: smaller as points grow."""
    if dims == 3:
        return 3.0 if points <= 5_000 else 2.0
    if points <= 2_000:
        return 6.0
    if points <= 20_000:
        return 4.0
    return 2.5 if points <= 100_000 else 1.8


def scatter_figures(points_2d: int, points_3d: int) -> dict[str, Any]:
    """The scatter templates the page binds to a view's coordinates.

    Each has ``trace`` (one per category), ``overlay`` (search matches, the selected point
    and its neighbours drawn on top), ``styles`` for those overlays, ``layout`` and
    ``config``. Hover is drawn by the page itself (``hoverinfo: none``), so point text never
    passes through Plotly's markup.
    """
    trace_2d = go.Scattergl(
        mode="markers",
        marker={"size": marker_size(points_2d, 2), "opacity": 0.8, "line": {"width": 0}},
        hoverinfo="none",
    ).to_plotly_json()
    trace_3d = go.Scatter3d(
        mode="markers",
        marker={"size": marker_size(points_3d, 3), "opacity": 0.8, "line": {"width": 0}},
        hoverinfo="none",
    ).to_plotly_json()
    overlay_2d = {**trace_2d, "showlegend": False}
    overlay_3d = {**trace_3d, "showlegend": False}
    styles = {
        "match": {
            "marker": {
                "size": 9,
                "color": "rgba(0,0,0,0)",
                "line": {"width": 1.5, "color": "#D55E00"},
            },
        },
        "neighbor": {
            "marker": {
                "size": 11,
                "color": "rgba(0,0,0,0)",
                "line": {"width": 2, "color": "#000000"},
            },
        },
        "selected": {
            "marker": {"size": 15, "color": "#F0E442", "line": {"width": 2.5, "color": "#000000"}},
        },
    }
    # No tick marks (a heatmap trace would otherwise bring them): the axes are unitless.
    axis = {
        "showgrid": True,
        "gridcolor": "#eef0f2",
        "zeroline": False,
        "showticklabels": False,
        "ticks": "",
    }
    layout_2d = base_layout(
        margin={"l": 30, "r": 10, "t": 10, "b": 30},
        xaxis={**axis, "title": {"text": "", "font": {"size": 12}}},
        yaxis={**axis, "title": {"text": "", "font": {"size": 12}}, "scaleanchor": "x"},
        legend={
            "itemsizing": "constant",
            "title": {"text": ""},
            "bgcolor": "rgba(255,255,255,0.8)",
        },
        dragmode="pan",
        hovermode="closest",
    )
    axis_3d = {"showbackground": False, "showticklabels": False, "gridcolor": "#e6e8eb"}
    layout_3d = base_layout(
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        scene={"xaxis": axis_3d, "yaxis": axis_3d, "zaxis": axis_3d, "aspectmode": "data"},
        legend={"itemsizing": "constant", "bgcolor": "rgba(255,255,255,0.8)"},
        hovermode="closest",
    )
    config = {**PLOTLY_CONFIG, "scrollZoom": True}
    # 2D views offer Plotly's box and lasso selection (the page keeps the selection).
    config_2d = {**config, "modeBarButtonsToRemove": []}
    return {
        "scatter2d": {
            "trace": trace_2d,
            "density": density_trace(),
            "overlay": overlay_2d,
            "styles": styles,
            "layout": layout_2d,
            "config": config_2d,
        },
        "scatter3d": {
            "trace": trace_3d,
            "overlay": overlay_3d,
            # WebGL 3D markers draw no hollow rings: translucent fills instead, so that the
            # colours underneath still show through the search matches.
            "styles": {
                "match": {"marker": {"size": 5, "color": "rgba(213,94,0,0.35)"}},
                "neighbor": {"marker": {"size": 6, "color": "rgba(0,0,0,0.55)"}},
                "selected": {"marker": {"size": 9, "color": "#F0E442"}},
            },
            "layout": layout_3d,
            "config": config,
        },
    }


# The density layer under a sampled view: light greys, so that the points drawn over it
# keep their colours; the lightest still shows against the white page.
DENSITY_SCALE = [[0.0, "#e1e4e8"], [1.0, "#959ba2"]]


def density_trace() -> dict[str, Any]:
    """The heatmap template of a sampled 2D view's density layer (analysis/density.py).

    The page sets ``z`` (the log levels 1..255, null where a cell is empty: transparent)
    and the cells' centres (``x0``, ``dx``, ``y0``, ``dy``) from the payload, so the grid
    lies exactly on the axes the points use. It takes no hover (``skip``): the points over
    it do.
    """
    return go.Heatmap(
        colorscale=DENSITY_SCALE,
        zmin=1,
        zmax=255,
        showscale=False,
        hoverinfo="skip",
        zsmooth=False,
        name="all points",
    ).to_plotly_json()


# Diverging, colour-blind-safe (blue - white - red), for cosine similarity in [-1, 1].
SIMILARITY_SCALE = [[0.0, "#2166AC"], [0.5, "#F7F7F7"], [1.0, "#B2182B"]]


def heatmap_figure(data_path: str, *, zmin: float, zmax: float, title: str) -> dict[str, Any]:
    """A heatmap of ``{"z": [[...]], "x": [names], "y": [names]}`` at ``data_path``.

    Hover shows both names and the value (3 decimals); names are bound as plain text. A
    range from -1 gets a diverging scale around 0; a narrower one (embeddings whose cosines
    all lie in [0.6, 1] are common) Viridis over just that range, where differences show.
    """
    trace = go.Heatmap(
        colorscale="Viridis" if zmin > -1 else SIMILARITY_SCALE,
        zmin=zmin,
        zmax=zmax,
        hovertemplate="%{y} × %{x}: %{z:.3f}<extra></extra>",
        colorbar={"title": {"text": title, "side": "right"}, "thickness": 12},
    ).to_plotly_json()
    trace["z"] = data_ref(f"{data_path}.z")
    trace["x"] = text_ref(f"{data_path}.x")
    trace["y"] = text_ref(f"{data_path}.y")
    layout = base_layout(
        height=520,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"type": "category", "automargin": True, "tickangle": -45},
        yaxis={"type": "category", "automargin": True, "autorange": "reversed"},
    )
    return {"traces": [trace], "layout": layout, "config": PLOTLY_CONFIG}


def histogram_figure(data_path: str) -> dict[str, Any]:
    """Within- and between-group similarity histograms, as shares of their pairs."""
    traces = []
    for key, name, color in (
        ("within", "within a group", PALETTE[0]),
        ("between", "between groups", PALETTE[1]),
    ):
        trace = go.Bar(
            name=name,
            marker={"color": color},
            opacity=0.75,
            hovertemplate="cos %{x:.2f}: %{y:.1%} of pairs<extra>" + name + "</extra>",
        ).to_plotly_json()
        trace["x"] = data_ref(f"{data_path}.centers")
        trace["y"] = data_ref(f"{data_path}.{key}")
        traces.append(trace)
    layout = base_layout(
        height=320,
        barmode="overlay",
        bargap=0,
        xaxis={"title": {"text": "cosine similarity of a pair"}, "range": [-1, 1]},
        yaxis={
            "title": {"text": "share of pairs"},
            "tickformat": ".0%",
            "gridcolor": "#e6e8eb",
            "automargin": True,
        },
        legend={"orientation": "h", "y": 1.1},
    )
    return {"traces": traces, "layout": layout, "config": PLOTLY_CONFIG}


def line_figure(data_path: str, *, x_title: str, y_title: str) -> dict[str, Any]:
    """A line with markers of ``{"x": [...], "y": [...]}`` (the k-selection curve)."""
    trace = go.Scatter(
        mode="lines+markers",
        marker={"color": ACCENT, "size": 8},
        line={"color": ACCENT},
        hovertemplate=x_title + " %{x}: %{y:.3f}<extra></extra>",
    ).to_plotly_json()
    trace["x"] = data_ref(f"{data_path}.x")
    trace["y"] = data_ref(f"{data_path}.y")
    layout = base_layout(
        height=280,
        xaxis={"title": {"text": x_title}, "dtick": 1},
        yaxis={"title": {"text": y_title}, "gridcolor": "#e6e8eb", "automargin": True},
    )
    return {"traces": [trace], "layout": layout, "config": PLOTLY_CONFIG}


def bar_figure(data_path: str, *, bars: int, name_title: str, value_title: str) -> dict[str, Any]:
    """Horizontal bars of ``{"x": [names], "y": [values]}`` (cluster sizes), one row per
    name, the first on top: a name reads whole beside its bar however long it is (cluster
    names of keywords ran into each other as the ticks of vertical bars)."""
    trace = go.Bar(
        orientation="h", marker={"color": ACCENT}, hovertemplate="%{y}: %{x}<extra></extra>"
    )
    trace = trace.to_plotly_json()
    trace["y"] = text_ref(f"{data_path}.x")
    trace["x"] = data_ref(f"{data_path}.y")
    layout = base_layout(
        height=max(200, 60 + 24 * bars),
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        yaxis={
            "title": {"text": name_title},
            "type": "category",
            "autorange": "reversed",
            "automargin": True,
        },
        xaxis={"title": {"text": value_title}, "gridcolor": "#e6e8eb"},
        bargap=0.25,
    )
    return {"traces": [trace], "layout": layout, "config": PLOTLY_CONFIG}


def similarity_range(values: np.ndarray) -> float:
    """The lower end of a similarity heatmap's scale: the smallest value, rounded down to
    0.05 (at most -1 when values go that low), so that the colours span the data."""
    low = float(np.min(values)) if values.size else -1.0
    return max(-1.0, math.floor(low * 20) / 20)
