"""Plain helpers for the io tests (fixtures live in conftest.py)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from reportgen.config import InputConfig


def npy_bytes(array: np.ndarray) -> bytes:
    """The bytes ``np.save`` writes for ``array``."""
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def config(**options: object) -> InputConfig:
    """An InputConfig; path-valued options may be given as str."""
    for key in ("vectors", "metadata", "images"):
        # A URL stays text, as the config keeps it (Path would fold its "//").
        if options.get(key) is not None and "://" not in str(options[key]):
            options[key] = Path(options[key])
    return InputConfig(**options)
