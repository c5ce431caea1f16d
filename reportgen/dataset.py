"""The validated dataset every loader returns and every later stage reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Column:
    """One metadata column of N values.

    ``values`` is a float64 array (a numeric column; NaN marks an empty cell) or an object
    array of ``str`` (a text column; ``None`` marks an empty cell).
    """

    name: str
    values: np.ndarray

    @property
    def is_numeric(self) -> bool:
        """Whether the column holds numbers (colour scale) rather than text (categories)."""
        return self.values.dtype.kind == "f"

    def as_text(self) -> list[str]:
        """The values as display strings; an empty cell becomes ``""``.

        Whole numbers in a numeric column print without a decimal point (``3``, not ``3.0``),
        so that a numeric label column reads as the user wrote it.
        """
        if not self.is_numeric:
            return ["" if v is None else str(v) for v in self.values]
        out = []
        for v in self.values.tolist():
            if v != v:  # NaN: an empty cell
                out.append("")
            elif float(v).is_integer() and abs(v) < 1e15:
                out.append(str(int(v)))
            else:
                out.append(repr(float(v)))
        return out


@dataclass(frozen=True)
class Images:
    """Images that belong to the rows, one per row, not yet decoded.

    Exactly one of ``paths`` (files to read later; None for an empty cell; a file may not
    exist: a later stage shows a placeholder) and ``arrays`` (uint8, shape (N, h, w) or
    (N, h, w, channels)) is set.
    """

    paths: tuple[Path | None, ...] | None = None
    arrays: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.paths) if self.paths is not None else len(self.arrays)


@dataclass(frozen=True)
class SourceFile:
    """An input the dataset was read from, for the dataset card and provenance.

    ``name`` is how the site shows it (never an absolute path, so that the site does not
    depend on where it was built); ``sha256`` is the hex digest of its bytes.
    """

    role: str
    name: str
    sha256: str


@dataclass(frozen=True)
class Dataset:
    """N vectors of D numbers with their metadata.

    Attributes:
        vectors: float32, C order, shape (N, D); a read-only memory map when the input
            allowed it. Finite (rows with NaN/Inf were rejected or dropped).
        columns: metadata columns, each of N values, with unique names.
        label_column: name of the column used as the label, or None.
        text_column: name of the column of free text shown on hover, or None.
        images: one image per row, or None.
        sources: the files (or built-in data) the dataset came from.
        dropped_rows: 0-based rows of the input removed by ``drop_invalid``.
        name: a short name for titles (the vectors file's stem or the demo's name).
    """

    vectors: np.ndarray
    columns: tuple[Column, ...] = ()
    label_column: str | None = None
    text_column: str | None = None
    images: Images | None = None
    sources: tuple[SourceFile, ...] = ()
    dropped_rows: tuple[int, ...] = field(default=())
    name: str = "embeddings"

    @property
    def n(self) -> int:
        """Number of vectors."""
        return int(self.vectors.shape[0])

    @property
    def dim(self) -> int:
        """Number of dimensions of each vector."""
        return int(self.vectors.shape[1])

    def column(self, name: str) -> Column:
        """The metadata column called ``name`` (KeyError if there is none)."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def labels(self) -> list[str] | None:
        """The label of each row as text, or None when there is no label column."""
        if self.label_column is None:
            return None
        return self.column(self.label_column).as_text()
