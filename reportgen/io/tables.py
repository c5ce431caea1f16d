"""Metadata columns: typing them, checking their names, and choosing the label column."""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reportgen.config import InputConfig
from reportgen.dataset import Column
from reportgen.errors import InputError

# How the Embedding Projector's header rule applied, quoted when the row counts differ.
TSV_HEADER_RULE = (
    "the first line was read as a header because the file has {n} columns, "
    "as the Embedding Projector does"
)
TSV_NO_HEADER_RULE = "no header row: a one-column TSV has none, as in the Embedding Projector"
CSV_HEADER_RULE = "the first line is the header, as always in CSV"


@dataclass(frozen=True)
class Table:
    """Metadata columns read from one source, before they are matched with the vectors.

    ``source`` names it in messages (a path, or "labels"/"metadata" for in-memory data);
    ``folder`` is where relative image paths in its columns resolve; ``header_rule`` says
    how the first line of a text file was read (empty for other sources).
    """

    source: str
    n_rows: int
    columns: tuple[Column, ...]
    folder: Path = Path()
    header_rule: str = ""


# --------------------------------------------------------------------------------------
# Columns from text cells


def parse_number(cell: str) -> float | None:
    """The cell as a float, or None when it is not a number.

    Python's ``float`` also accepts ``1_000``; NumPy's parser, used on the fast path, does
    not, so neither does this.
    """
    if "_" in cell:
        return None
    try:
        return float(cell)
    except ValueError:
        return None


def column_from_cells(name: str, cells: Sequence[str]) -> Column:
    """A numeric column when every non-empty cell is a number, else a text column.

    Empty (or blank) cells become NaN or None. A column with no value at all is text:
    a colour scale needs at least one number.
    """
    values = np.full(len(cells), np.nan)
    seen_value = False
    for i, cell in enumerate(cells):
        if not cell.strip():
            continue
        seen_value = True
        number = parse_number(cell)
        if number is None:
            return Column(name, _text_array(c if c.strip() else None for c in cells))
        values[i] = number
    if seen_value:
        return Column(name, values)
    return Column(name, _text_array(None for _ in cells))


def _text_array(values: Iterable[str | None]) -> np.ndarray:
    items = list(values)
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def check_header(names: Sequence[str], source: str) -> None:
    """Raise InputError (line 1) for an empty or a repeated column name in a header."""
    for i, name in enumerate(names):
        if not name.strip():
            raise InputError("empty column name in the header", path=source, line=1, column=i + 1)
    repeated = [name for name, count in Counter(names).items() if count > 1]
    if repeated:
        listed = ", ".join(repr(n) for n in repeated)
        raise InputError(f"duplicate column name {listed} in the header", path=source, line=1)


def select_columns(spec: str, names: Sequence[str], source: str) -> list[int]:
    """The indices named by ``--vector-columns``: ``a,b,c`` or the inclusive range ``a:c``.

    A name that is itself a column wins over the range syntax (a header may contain ``:``).
    Raises InputError for an unknown name (listing the columns), a backwards range or a
    name given twice.
    """
    spec = spec.strip()
    if spec in names:
        return [list(names).index(spec)]
    if ":" in spec and "," not in spec:
        first, last = (part.strip() for part in spec.split(":", 1))
        start, stop = _index(first, names, source), _index(last, names, source)
        if stop < start:
            raise InputError(
                f"--vector-columns {spec!r} runs backwards: {last!r} comes before {first!r}",
                path=source,
            )
        return list(range(start, stop + 1))
    wanted = [part.strip() for part in spec.split(",") if part.strip()]
    if not wanted:
        raise InputError("--vector-columns names no column", path=source)
    repeated = [name for name, count in Counter(wanted).items() if count > 1]
    if repeated:
        raise InputError(f"--vector-columns names {repeated[0]!r} twice", path=source)
    return [_index(name, names, source) for name in wanted]


def _index(name: str, names: Sequence[str], source: str) -> int:
    if name not in names:
        listed = ", ".join(repr(n) for n in names)
        raise InputError(
            f"--vector-columns: no column {name!r}; the columns are: {listed}", path=source
        )
    return list(names).index(name)


# --------------------------------------------------------------------------------------
# Columns from in-memory data (the Python API)


def table_from_labels(labels: Any, n: int) -> Table:
    """The ``labels=`` of the Python API as a text column named ``label``."""
    items = _items(labels, "labels", n)
    column = Column("label", _text_array(None if _missing(v) else str(v) for v in items))
    return Table("labels", n, (column,))


def table_from_metadata(metadata: Any, n: int) -> Table:
    """A mapping (name -> N values) or a DataFrame-like object as metadata columns.

    A DataFrame is recognised by its ``columns`` (pandas) or ``column_names`` (pyarrow) and
    ``frame[name]``; pandas is never imported.
    """
    if isinstance(metadata, Mapping):
        names = [str(k) for k in metadata]
        getter = list(metadata.values())
    elif hasattr(metadata, "column_names") or hasattr(metadata, "columns"):
        keys = list(getattr(metadata, "column_names", None) or metadata.columns)
        names = [str(k) for k in keys]
        getter = [metadata[k] for k in keys]
    else:
        raise InputError(
            f"must be a file path, a mapping of column name -> values or a DataFrame, "
            f"not {type(metadata).__name__}",
            path="metadata",
        )
    repeated = [name for name, count in Counter(names).items() if count > 1]
    if repeated:
        raise InputError(f"duplicate column name {repeated[0]!r}", path="metadata")
    columns = tuple(
        _column_from_values(name, values, n) for name, values in zip(names, getter, strict=True)
    )
    return Table("metadata", n, columns)


def _column_from_values(name: str, values: Any, n: int) -> Column:
    where = f"metadata column {name!r}"
    array = np.asarray(values) if hasattr(values, "__array__") else None
    if array is not None and array.ndim != 1:
        raise InputError(f"must hold one value per vector, got shape {array.shape}", path=where)
    if array is not None and array.dtype.kind in "iuf":
        if len(array) != n:
            raise InputError(f"has {len(array)} values, but there are {n} vectors", path=where)
        return Column(name, array.astype(np.float64))
    items = _items(values, where, n)
    present = [v for v in items if not _missing(v)]
    if present and all(_is_number(v) for v in present):
        return Column(name, np.array([math.nan if _missing(v) else v for v in items], float))
    return Column(name, _text_array(None if _missing(v) else str(v) for v in items))


def _items(values: Any, where: str, n: int) -> list[Any]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InputError(f"must be a sequence of {n} values", path=where)
    items = list(values)
    if len(items) != n:
        raise InputError(f"has {len(items)} values, but there are {n} vectors", path=where)
    return items


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    # pandas' NA and NaT, recognised without importing pandas
    return type(value).__name__ in ("NAType", "NaTType")


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


# --------------------------------------------------------------------------------------
# Putting the tables together


def merge_tables(tables: Sequence[Table]) -> list[tuple[Column, Table]]:
    """Every column with the table it came from, in order; a name in two tables is an error."""
    owners: dict[str, Table] = {}
    merged = []
    for table in tables:
        for column in table.columns:
            if column.name in owners:
                first = owners[column.name].source
                raise InputError(
                    f"duplicate column {column.name!r}: it is in both {first} and "
                    f"{table.source}; rename one",
                    path=table.source,
                )
            owners[column.name] = table
            merged.append((column, table))
    return merged


def check_rows(table: Table, n: int, count_phrase: str) -> None:
    """Raise InputError when a table's row count differs from the number of vectors."""
    if table.n_rows == n:
        return
    rule = f" ({table.header_rule})" if table.header_rule else ""
    raise InputError(f"{table.n_rows} rows, but {count_phrase}{rule}", path=table.source)


def resolve_role(option: str, wanted: str | None, names: Sequence[str], where: str) -> str | None:
    """The column chosen by ``--<option>``, checked to exist (InputError listing them)."""
    if wanted is None or wanted in names:
        return wanted
    listed = ", ".join(repr(n) for n in names) if names else "none"
    raise InputError(
        f"{option} {wanted!r} not found; the metadata columns are: {listed}", path=where
    )


def choose_label(inp: InputConfig, names: Sequence[str], where: str) -> str | None:
    """The label column: the one given, else ``label``, else the only column, else None."""
    if inp.label_column is not None:
        return resolve_role("--label-column", inp.label_column, names, where)
    if "label" in names:
        return "label"
    return names[0] if len(names) == 1 else None
