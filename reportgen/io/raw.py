"""Raw float32 ``.bytes`` files, as the Embedding Projector reads them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reportgen.config import InputConfig
from reportgen.errors import InputError
from reportgen.io.arrays import RawVectors

_FLOAT32 = 4  # bytes per value


def read_raw(path: Path, inp: InputConfig) -> RawVectors:
    """Little-endian float32, row-major, no header, as a read-only memory map.

    The file has no shape, so ``inp.dim`` is required. Raises InputError when it is
    missing or when the size is not a whole number of vectors.
    """
    if inp.dim is None:
        raise InputError(
            "a .bytes file holds no shape: pass --dim D, the number of numbers per vector",
            path=path,
        )
    size = path.stat().st_size
    row_bytes = _FLOAT32 * inp.dim
    if size % row_bytes:
        raise InputError(
            f"size {size} bytes is not a multiple of 4 x dim = {row_bytes} "
            f"(remainder {size % row_bytes}); check --dim",
            path=path,
        )
    values = np.memmap(path, dtype="<f4", mode="r", shape=(size // row_bytes, inp.dim))
    return RawVectors(values, str(path))
