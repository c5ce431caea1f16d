"""Arrow-backed tables (need the optional pyarrow): Parquet files, Arrow IPC files and streams
(.arrow), Feather (.feather), and a folder written by Hugging Face ``datasets``'
``save_to_disk`` (its ``state.json`` lists the shards, each an Arrow IPC stream). Vectors come
from a list column or numeric columns, metadata from the other columns, by the same rules
whatever the container."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from reportgen.config import InputConfig
from reportgen.dataset import Column
from reportgen.errors import InputError
from reportgen.io.arrays import Locator, RawVectors
from reportgen.io.files import one_line
from reportgen.io.tables import Table, select_columns

# The suffixes of Arrow IPC files this module reads besides .parquet.
IPC_SUFFIXES = (".arrow", ".feather")


def _pyarrow(path: Path) -> Any:
    """The pyarrow module, or InputError saying how to install it."""
    kind = "a saved dataset" if path.is_dir() else (path.suffix.lower() or "this file")
    try:
        import pyarrow
        import pyarrow.compute
        import pyarrow.feather
        import pyarrow.ipc
        import pyarrow.parquet
    except ImportError:
        raise InputError(
            f"reading {kind} needs pyarrow: pip install 'reportgen[parquet]'", path=path
        ) from None
    return pyarrow


def _read_ipc(pa: Any, path: Path) -> Any:
    """An Arrow IPC file (Feather v2 is one) or, failing that, an IPC stream."""
    source = pa.memory_map(str(path))
    try:
        return pa.ipc.open_file(source).read_all()
    except pa.ArrowInvalid:
        return pa.ipc.open_stream(pa.memory_map(str(path))).read_all()


def _read_saved_dataset(pa: Any, folder: Path) -> Any:
    """The shards of a ``datasets.Dataset.save_to_disk`` folder, in ``state.json``'s order."""
    if (folder / "dataset_dict.json").is_file():
        splits = sorted(p.name for p in folder.iterdir() if (p / "state.json").is_file())
        raise InputError(
            "is a DatasetDict: give one split's folder ("
            + (", ".join(splits) or "none found")
            + ")",
            path=folder,
        )
    state = folder / "state.json"
    if not state.is_file():
        raise InputError(
            "a folder is read as a Hugging Face dataset saved by save_to_disk, and this one "
            "has no state.json",
            path=folder,
        )
    try:
        files = [entry["filename"] for entry in json.loads(state.read_text())["_data_files"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"state.json does not list the shards: {one_line(exc)}", path=state
        ) from None
    tables = []
    for name in files:
        shard = folder / name
        if not shard.is_file():
            raise InputError("is listed in state.json but missing", path=shard)
        try:
            tables.append(_read_ipc(pa, shard))
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise InputError(f"cannot be read as Arrow: {one_line(exc)}", path=shard) from None
    if not tables:
        raise InputError("state.json lists no shards", path=state)
    return pa.concat_tables(tables)


def _read_table(path: Path) -> Any:
    pa = _pyarrow(path)
    if path.is_dir():
        table = _read_saved_dataset(pa, path)
    else:
        arrow = path.suffix.lower() in IPC_SUFFIXES
        try:
            table = _read_ipc(pa, path) if arrow else pa.parquet.read_table(path, memory_map=True)
        except (pa.ArrowException, OSError, ValueError) as exc:
            kind = "Arrow" if arrow else "Parquet"
            raise InputError(f"cannot be read as {kind}: {one_line(exc)}", path=path) from None
    repeated = [n for n, count in Counter(table.column_names).items() if count > 1]
    if repeated:
        listed = ", ".join(repr(n) for n in repeated)
        raise InputError(f"duplicate column name {listed}", path=path)
    return table


def read_vectors(path: Path, inp: InputConfig) -> RawVectors:
    """Vectors from one list column, or from numeric columns, of a Parquet, Arrow or Feather
    file or a saved dataset's folder.

    The list column is the only one, or the one ``--vector-columns`` names; without list
    columns the vectors are ``--vector-columns`` (names or FIRST:LAST) or every int/float
    column except label/text/image ones. The other columns become metadata. Raises
    InputError for null vectors or values (with row and column) and ragged lists.
    """
    pa = _pyarrow(path)
    table = _read_table(path)
    source = str(path)
    chosen = _vector_columns(pa, table, inp, source)
    if len(chosen) == 1 and _is_list(pa, table.schema.field(chosen[0]).type):
        values = _from_list(pa, table.column(chosen[0]), chosen[0], source)
        locator = Locator()
    else:
        values = _from_numeric(pa, table, chosen, source)
        locator = Locator(columns=tuple(repr(name) for name in chosen))
    rest = [name for name in table.column_names if name not in chosen]
    columns = tuple(_column(pa, name, table.column(name)) for name in rest)
    base = path if path.is_dir() else path.parent  # where image paths are relative to
    meta = Table(source, table.num_rows, columns, base) if columns else None
    return RawVectors(values, source, locator, meta)


def read_metadata(path: Path) -> Table:
    """Every column of a Parquet, Arrow or Feather file as metadata (numbers, text, or text
    of the values)."""
    pa = _pyarrow(path)
    table = _read_table(path)
    columns = tuple(_column(pa, name, table.column(name)) for name in table.column_names)
    return Table(str(path), table.num_rows, columns, path.parent)


# --------------------------------------------------------------------------------------
# Choosing the vector columns


def _is_list(pa: Any, typ: Any) -> bool:
    return pa.types.is_list(typ) or pa.types.is_large_list(typ) or pa.types.is_fixed_size_list(typ)


def _is_numeric(pa: Any, typ: Any) -> bool:
    return pa.types.is_integer(typ) or pa.types.is_floating(typ)


def _vector_columns(pa: Any, table: Any, inp: InputConfig, source: str) -> list[str]:
    names = table.column_names
    types = {name: table.schema.field(name).type for name in names}
    lists = [name for name in names if _is_list(pa, types[name])]
    if inp.vector_columns is not None:
        chosen = [names[i] for i in select_columns(inp.vector_columns, names, source)]
        if len(chosen) > 1 and any(name in lists for name in chosen):
            raise InputError(
                "--vector-columns must name one list column or numeric columns, not both",
                path=source,
            )
        return chosen
    if len(lists) == 1:
        return lists
    if len(lists) > 1:
        listed = ", ".join(repr(n) for n in lists)
        raise InputError(
            f"has {len(lists)} list columns ({listed}); choose one with --vector-columns",
            path=source,
        )
    excluded = {"label", inp.label_column, inp.text_column, inp.image_column}
    numeric = [n for n in names if _is_numeric(pa, types[n]) and n not in excluded]
    if not numeric:
        raise InputError(
            "has no list column and no numeric column to read vectors from", path=source
        )
    return numeric


# --------------------------------------------------------------------------------------
# Reading the vectors


def _from_list(pa: Any, chunked: Any, name: str, source: str) -> np.ndarray:
    """An (N, D) float32 array from a list column; every list must have D numbers."""
    array = chunked.combine_chunks()
    if not _is_numeric(pa, array.type.value_type):
        raise InputError(
            f"list column {name!r} holds {array.type.value_type}, not numbers", path=source
        )
    n = len(array)
    if array.null_count:
        row = _first_null(array)
        raise InputError("null vector", path=source, row=row, column=repr(name))
    lengths = pa.compute.list_value_length(array).to_numpy(zero_copy_only=False)
    dim = int(lengths[0]) if n else 1
    ragged = np.flatnonzero(lengths != dim)
    if len(ragged):
        row = int(ragged[0])
        raise InputError(
            f"has {lengths[row]} numbers, but row 0 has {dim} (ragged rows in {name!r})",
            path=source,
            row=row,
        )
    flat = array.flatten()
    if flat.null_count:
        k = _first_null(flat)
        raise InputError(
            f"null value in list column {name!r}", path=source, row=k // dim, column=k % dim
        )
    values = flat.to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    return np.ascontiguousarray(values.reshape(n, dim))


def _from_numeric(pa: Any, table: Any, names: list[str], source: str) -> np.ndarray:
    """An (N, D) float32 array from D numeric columns, one column per dimension."""
    out = np.empty((table.num_rows, len(names)), dtype=np.float32)
    for j, name in enumerate(names):
        column = table.column(name)
        if not _is_numeric(pa, column.type):
            raise InputError(
                f"has type {column.type}; vector columns must hold numbers",
                path=source,
                column=repr(name),
            )
        if column.null_count:
            row = _first_null(column)
            raise InputError("null value in a vector", path=source, row=row, column=repr(name))
        out[:, j] = column.to_numpy()
    return out


def _first_null(array: Any) -> int:
    return int(np.flatnonzero(array.is_null().to_numpy(zero_copy_only=False))[0])


# --------------------------------------------------------------------------------------
# Metadata columns


def _column(pa: Any, name: str, chunked: Any) -> Column:
    """Numbers as float64 (null -> NaN), strings as text (null or blank -> None), anything
    else as the text of each value."""
    typ = chunked.type
    if _is_numeric(pa, typ):
        values = pa.compute.cast(chunked, pa.float64()).to_numpy(zero_copy_only=False)
        return Column(name, np.asarray(values, dtype=np.float64))
    text = [
        None if v is None or (isinstance(v, str) and not v.strip()) else str(v)
        for v in chunked.to_pylist()
    ]
    array = np.empty(len(text), dtype=object)
    array[:] = text
    return Column(name, array)
