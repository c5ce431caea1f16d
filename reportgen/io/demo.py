"""Bundled demo data: scikit-learn's handwritten digits (no download needed)."""

from __future__ import annotations

import numpy as np

from reportgen.dataset import Column, Images, SourceFile
from reportgen.io.arrays import RawVectors
from reportgen.io.files import array_sha256
from reportgen.io.tables import Table

DIGITS_SOURCE = "scikit-learn digits (bundled)"
_DIGITS_MAX = 16  # the digits' pixels run from 0 (background) to 16 (ink)


def read_digits() -> tuple[RawVectors, Table, Images, SourceFile]:
    """The 1797 8x8 digits: 64-D float32 vectors, a text ``label`` column "0".."9", and the
    images as uint8 (1797, 8, 8) scaled to 0..255 (0 = black background)."""
    from sklearn.datasets import load_digits  # imported here: only the demo needs it

    digits = load_digits()
    values = np.ascontiguousarray(digits.data, dtype=np.float32)
    labels = np.empty(len(digits.target), dtype=object)
    labels[:] = [str(int(t)) for t in digits.target]
    pixels = np.rint(digits.images * (255.0 / _DIGITS_MAX)).clip(0, 255).astype(np.uint8)
    raw = RawVectors(values, "digits", is_file=False)
    table = Table("digits", len(values), (Column("label", labels),))
    source = SourceFile("vectors", DIGITS_SOURCE, array_sha256(values))
    return raw, table, Images(arrays=pixels), source
