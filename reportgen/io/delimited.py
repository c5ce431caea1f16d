"""CSV and TSV files, for vectors (with optional metadata columns) and for metadata.

Vectors are read on a fast path (NumPy's C parser) when the file is plainly regular; on any
doubt or failure a precise scan with the ``csv`` module reads it again, either to find the
exact culprit (line, column, value) or to read what the fast path could not (quoted CSV).
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np

from reportgen.config import InputConfig
from reportgen.errors import InputError
from reportgen.io.arrays import Locator, RawVectors
from reportgen.io.files import one_line, read_text
from reportgen.io.tables import (
    CSV_HEADER_RULE,
    TSV_HEADER_RULE,
    TSV_NO_HEADER_RULE,
    Table,
    check_header,
    column_from_cells,
    parse_number,
    select_columns,
)

logger = logging.getLogger("reportgen")

Record = tuple[int, list[str]]  # (1-based line where the record starts, its cells)


@dataclass(frozen=True)
class _Dialect:
    """How one format splits cells: TSV as the Embedding Projector writes it has no quoting."""

    name: str
    delimiter: str
    quoted: bool

    def reader(self, text: str) -> Iterator[list[str]]:
        quoting = csv.QUOTE_MINIMAL if self.quoted else csv.QUOTE_NONE
        return csv.reader(_lines(text), delimiter=self.delimiter, quoting=quoting)


_DIALECTS = {".csv": _Dialect("CSV", ",", True), ".tsv": _Dialect("TSV", "\t", False)}


@dataclass(frozen=True)
class _Layout:
    """Which columns of a vectors file are vectors and which are metadata."""

    names: list[str] | None  # the header, or None when the first line is data
    ncols: int
    vector_idx: list[int]
    meta_idx: list[int]

    @property
    def skip(self) -> int:
        return 1 if self.names is not None else 0

    def label(self, i: int) -> int | str:
        """Column ``i`` as messages name it: 1-based, with its header name when there is one."""
        return f"{i + 1} ({self.names[i]!r})" if self.names is not None else i + 1


def _dialect(path: Path) -> _Dialect:
    return _DIALECTS[path.suffix.lower()]


# --------------------------------------------------------------------------------------
# Records and lines


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their newline, lazily: reading the first records of a large
    file must not copy all of it (as ``io.StringIO`` would)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _records(text: str, dialect: _Dialect, source: str) -> Iterator[Record]:
    """Each record with the line it starts on (a quoted CSV cell may span lines)."""
    reader = dialect.reader(text)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(
            f"cannot be read as {dialect.name}: {one_line(exc)}", path=source, line=reader.line_num
        ) from None


def _is_blank(cells: Sequence[str]) -> bool:
    return not cells or (len(cells) == 1 and not cells[0].strip())


def _body(records: list[Record], skip: int, source: str) -> list[Record]:
    """The data records: trailing blank lines dropped, a blank line elsewhere refused.

    A blank line inside the data would shift every later row against the vectors (the
    Embedding Projector skips them silently), so it is an error rather than a guess.
    """
    end = len(records)
    while end > skip and _is_blank(records[end - 1][1]):
        end -= 1
    body = records[skip:end]
    for line, cells in body:
        if _is_blank(cells):
            raise InputError(
                "blank line inside the data; every line must be a row (delete it)",
                path=source,
                line=line,
            )
    return body


def _check_widths(body: list[Record], ncols: int, has_header: bool, source: str) -> None:
    first = "line 1 (the header)" if has_header else "line 1"
    for line, cells in body:
        if len(cells) != ncols:
            raise InputError(
                f"{_cells(len(cells))}, but {first} has {ncols} (ragged rows)",
                path=source,
                line=line,
            )


def _cells(count: int) -> str:
    return f"{count} cell" if count == 1 else f"{count} cells"


# --------------------------------------------------------------------------------------
# Vectors


def read_vectors(path: Path, inp: InputConfig) -> RawVectors:
    """Vectors from a CSV/TSV file, plus its non-vector columns as metadata.

    A first line with any non-numeric cell is a header. See the module docstring for how
    the file is parsed; raises InputError naming the line and column of any problem.
    """
    source = str(path)
    dialect = _dialect(path)
    text = read_text(path)
    layout = _layout(text, dialect, inp, source)
    fast = _read_fast(text, dialect, layout)
    if fast is not None:
        values, meta_cells = fast
        lines = np.arange(len(values)) + layout.skip + 1
    else:
        values, meta_cells, lines = _read_precise(text, dialect, layout, source)
    table = None
    if layout.meta_idx:
        assert layout.names is not None  # metadata columns exist only with a header
        columns = tuple(
            column_from_cells(layout.names[i], cells)
            for i, cells in zip(layout.meta_idx, meta_cells, strict=True)
        )
        table = Table(source, len(values), columns, path.parent)
    locator = Locator(lines=lines, columns=tuple(layout.label(i) for i in layout.vector_idx))
    return RawVectors(values, source, locator, table)


def _layout(text: str, dialect: _Dialect, inp: InputConfig, source: str) -> _Layout:
    """Decide the header and the vector columns from the first two records."""
    head = list(islice(_records(text, dialect, source), 2))
    first = head[0][1]
    if _is_blank(first):
        raise InputError("blank first line; the data must start on line 1", path=source, line=1)
    has_header = any(cell.strip() and parse_number(cell) is None for cell in first)
    ncols = len(first)
    if not has_header:
        if inp.vector_columns is not None:
            raise InputError(
                "--vector-columns needs a header row naming the columns, but the first "
                "line is all numbers",
                path=source,
            )
        return _Layout(None, ncols, list(range(ncols)), [])
    check_header(first, source)
    if inp.vector_columns is not None:
        vector_idx = select_columns(inp.vector_columns, first, source)
        reason = "not in --vector-columns"
    else:
        sample = head[1][1] if len(head) > 1 and not _is_blank(head[1][1]) else None
        vector_idx = _numeric_columns(first, sample, inp)
        reason = "not numbers on line 2, or named as label, text or image column"
        if not vector_idx:
            raise InputError(
                "no column holds numbers on the first data line; name the vector columns "
                "with --vector-columns",
                path=source,
                line=2,
            )
    meta_idx = [i for i in range(ncols) if i not in set(vector_idx)]
    if meta_idx:
        listed = ", ".join(repr(first[i]) for i in meta_idx)
        logger.info("%s: columns %s are metadata (%s)", source, listed, reason)
    return _Layout(first, ncols, vector_idx, meta_idx)


def _numeric_columns(names: list[str], sample: list[str] | None, inp: InputConfig) -> list[int]:
    """Header columns whose first data value is a number, except label/text/image ones."""
    excluded = {"label", inp.label_column, inp.text_column, inp.image_column}
    return [
        i
        for i, name in enumerate(names)
        if name not in excluded
        and (sample is None or (i < len(sample) and parse_number(sample[i]) is not None))
    ]


def _read_fast(
    text: str, dialect: _Dialect, layout: _Layout
) -> tuple[np.ndarray, list[list[str]]] | None:
    """NumPy's C parser on a plainly regular file, or None to take the precise path.

    Plainly regular: no blank line inside the data, the same number of cells on every line
    and, in a CSV, quotes only around whole cells on one line (NumPy reads those as the
    ``csv`` module does, but cannot follow a cell across lines). ``np.loadtxt`` with
    ``usecols`` does not check the width of rows itself, hence the count here.
    """
    lines = text.split("\n")[layout.skip :]
    while lines and not lines[-1].strip(" "):
        lines.pop()
    if any(not line.strip(" ") for line in lines):
        return None
    quoted = dialect.quoted and any('"' in line for line in lines)
    if not all(_width(line, dialect) == layout.ncols for line in lines):
        return None
    if not lines:
        empty = [[] for _ in layout.meta_idx]
        return np.empty((0, len(layout.vector_idx)), np.float32), empty
    options = {
        "delimiter": dialect.delimiter,
        "comments": None,
        "ndmin": 2,
        "quotechar": '"' if quoted else None,
    }
    usecols = None if layout.vector_idx == list(range(layout.ncols)) else layout.vector_idx
    try:
        values = np.loadtxt(lines, dtype=np.float32, usecols=usecols, **options)
    except ValueError:
        return None
    if quoted and layout.meta_idx:
        cells = np.loadtxt(lines, dtype=object, usecols=layout.meta_idx, **options)
        return values, [cells[:, k].tolist() for k in range(len(layout.meta_idx))]
    return values, _split_columns(lines, layout.meta_idx, layout.ncols, dialect.delimiter)


# A CSV line whose quotes only enclose whole cells ("" is a quote inside one).
_QUOTED_CELL = r'"(?:[^"]|"")*"'
_CSV_LINE = re.compile(rf'(?:{_QUOTED_CELL}|[^",]*)(?:,(?:{_QUOTED_CELL}|[^",]*))*')
_QUOTED_SPAN = re.compile(_QUOTED_CELL)


def _width(line: str, dialect: _Dialect) -> int:
    """The number of cells of one line, or -1 when only the ``csv`` module can tell."""
    if dialect.quoted and '"' in line:
        if not _CSV_LINE.fullmatch(line):
            return -1
        line = _QUOTED_SPAN.sub("", line)  # delimiters inside quotes do not count
    return line.count(dialect.delimiter) + 1


def _split_columns(lines: list[str], idx: list[int], ncols: int, delimiter: str) -> list[list[str]]:
    """Columns ``idx`` of unquoted lines, splitting each line only as far as needed.

    Metadata usually sits at one end (a label first or last), so splitting from that end
    avoids making a string of every number.
    """
    if not idx:
        return []
    if max(idx) < ncols - min(idx):
        parts = [line.split(delimiter, max(idx) + 1) for line in lines]
        return [[p[i] for p in parts] for i in idx]
    first = min(idx)
    parts = [line.rsplit(delimiter, ncols - first) for line in lines]
    return [[p[i - first + 1] for p in parts] for i in idx]


def _read_precise(
    text: str, dialect: _Dialect, layout: _Layout, source: str
) -> tuple[np.ndarray, list[list[str]], np.ndarray]:
    """Read every record with the ``csv`` module, checking each; raise at the first problem.

    Returns the vectors, the metadata cells column by column, and the line of each row.
    """
    body = _body(list(_records(text, dialect, source)), layout.skip, source)
    _check_widths(body, layout.ncols, layout.names is not None, source)
    lines = np.array([line for line, _ in body], dtype=np.int64)
    rows = [cells for _, cells in body]
    values = _parse_vectors(rows, lines, layout, source)
    meta = [[cells[i] for cells in rows] for i in layout.meta_idx]
    return values, meta, lines


def _parse_vectors(
    rows: list[list[str]], lines: np.ndarray, layout: _Layout, source: str
) -> np.ndarray:
    """The vector cells as float32: NumPy's parser first, then a cell-by-cell scan."""
    idx = layout.vector_idx
    if not rows:
        return np.empty((0, len(idx)), np.float32)
    joined = ["\t".join([cells[i] for i in idx]) for cells in rows]
    try:
        values = np.loadtxt(joined, delimiter="\t", dtype=np.float32, comments=None, ndmin=2)
        # A cell holding a tab or a newline would shift the parse: the shape would differ.
        if values.shape == (len(rows), len(idx)):
            return values
    except ValueError:
        pass
    out = np.empty((len(rows), len(idx)), np.float32)
    for r, cells in enumerate(rows):
        for k, i in enumerate(idx):
            number = parse_number(cells[i])
            if number is None:
                what = "an empty cell" if not cells[i].strip() else repr(cells[i])
                raise InputError(
                    f"{what} is not a number",
                    path=source,
                    line=int(lines[r]),
                    column=layout.label(i),
                )
            out[r, k] = number
    return out


# --------------------------------------------------------------------------------------
# Metadata


def read_metadata(path: Path) -> Table:
    """Metadata columns from a CSV or TSV file.

    CSV always has a header. TSV follows the Embedding Projector: a header row exactly when
    the first line has more than one cell; a one-column TSV has none and its column is
    named ``label``. Raises InputError for blank lines inside the data, ragged rows, bad
    header names and text that is not UTF-8.
    """
    source = str(path)
    dialect = _dialect(path)
    records = list(_records(read_text(path), dialect, source))
    first = records[0][1]
    if _is_blank(first):
        raise InputError("blank first line; the data must start on line 1", path=source, line=1)
    if dialect.quoted:
        has_header, rule = True, CSV_HEADER_RULE
    elif len(first) > 1:
        has_header, rule = True, TSV_HEADER_RULE.format(n=len(first))
    else:
        has_header, rule = False, TSV_NO_HEADER_RULE
    names = first if has_header else ["label"]
    if has_header:
        check_header(names, source)
    body = _body(records, 1 if has_header else 0, source)
    _check_widths(body, len(names), has_header, source)
    columns = tuple(
        column_from_cells(name, [cells[i] for _, cells in body]) for i, name in enumerate(names)
    )
    return Table(source, len(body), columns, path.parent, rule)
