"""Plotly figure templates: layout, style and trace templates defined here, in Python.

A figure spec is ``{"traces": [...], "layout": {...}, "config": {...}}`` in which data is
not embedded but referenced: ``{"$data": "path.in.page.data"}`` is replaced by that value
of the page's data block, and ``{"$text": "..."}`` by that list of strings escaped for
Plotly (which reads ``<b>``-like markup in text; labels must show as typed). The page's
script (``reportgen.js``) binds the references, so each value is sent once.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from reportgen.analysis.summary import LabelCounts

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
    return {"$data": path}


def text_ref(path: str) -> dict[str, str]:
    """A reference to a list of strings of the page's data block, shown as plain text."""
    return {"$text": path}


def base_layout(**overrides: Any) -> dict[str, Any]:
    """The site's Plotly layout: quiet grid, system font, transparent background."""
    layout = go.Layout(
        font={"family": FONT, "size": 13, "color": "#1f2328"},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        hoverlabel={"font": {"family": FONT}},
        **overrides,
    )
    return layout.to_plotly_json()


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
