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


def payload_path(name: str) -> str:
    """Where payload ``name`` is written in the site."""
    return f"{PAYLOAD_DIR}{name}.js"


def payload_script(name: str, content: dict[str, Any]) -> bytes:
    """The bytes of ``data/<name>.js``; any text inside is escaped as in inline JSON."""
    return f"{RECEIVE}({script_json(name)},{script_json(content)});\n".encode()
