"""Data payloads: per-point arrays a page loads only when it needs them.

Each payload is a small script ``data/<name>.js`` that hands its content to the page's
loader: ``reportgen.receive("<name>", {...})``. Inserted ``<script>`` elements load from
``file://`` where fetch/XHR, ES modules and workers do not. Arrays travel as base64 of
little-endian typed-array bytes, so a float32 costs 5.33 bytes and a uint8 1.33.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from reportgen.render.contract import DTYPES, PAYLOAD_DIR, RECEIVE
from reportgen.render.templates import script_json


def encode_array(values: np.ndarray, dtype: str) -> dict[str, Any]:
    """``values`` as ``{"dtype", "shape", "b64"}``, converted to ``dtype`` (little-endian).

    ``dtype`` is one of float32, int32, uint8, uint16: the typed arrays JavaScript has.
    """
    array = np.ascontiguousarray(values, dtype=DTYPES[dtype])
    return {
        "dtype": dtype,
        "shape": list(array.shape),
        "b64": base64.b64encode(array.tobytes()).decode("ascii"),
    }


# Levels of a quantised coordinate: uint16's.
_LEVELS = 65_535


def encode_quantised(values: np.ndarray) -> dict[str, Any]:
    """Coordinates (rows, dims) as uint16 steps over each axis' range, for drawing only.

    ``{"coordinates": EncodedArray uint16, "low": [per axis], "step": [per axis]}``; a
    value is ``low + q * step``, within half a step (1/131,070 of the axis' range: under a
    pixel up to a zoom of some 60x) of the float32 it stands for. A view's coordinates are
    drawn, never shown as numbers (``exports/coordinates.csv`` has the exact ones), so half
    the bytes of float32 buy nothing a reader could see.
    """
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"coordinates of shape {array.shape} must be (rows, dims)")
    if len(array):
        low, high = array.min(axis=0), array.max(axis=0)
    else:
        low = high = np.zeros(array.shape[1])
    step = (high - low) / _LEVELS
    safe = np.where(step > 0, step, 1.0)  # a flat axis: every value is its low
    levels = np.rint((array - low) / safe).clip(0, _LEVELS)
    return {
        "coordinates": encode_array(levels, "uint16"),
        "low": [float(v) for v in low],
        "step": [float(v) for v in step],
    }


def payload_path(name: str) -> str:
    """Where payload ``name`` is written in the site."""
    return f"{PAYLOAD_DIR}{name}.js"


def payload_script(name: str, content: dict[str, Any]) -> bytes:
    """The bytes of ``data/<name>.js``; any text inside is escaped as in inline JSON."""
    return f"{RECEIVE}({script_json(name)},{script_json(content)});\n".encode()
