"""From files or arrays to one validated Dataset.

Readers (one module per family of formats) return the vectors as read and the metadata
tables; ``_assemble`` then does every check that involves several inputs (row counts,
column names, label/text/image columns, NaN/Inf) in one place, in one order.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from reportgen.config import InputConfig
from reportgen.dataset import Column, Dataset, Images, SourceFile
from reportgen.errors import ConfigError, InputError
from reportgen.io import arrays, delimited, demo, parquet, projector, raw, shards
from reportgen.io.arrays import RawVectors
from reportgen.io.files import array_sha256, require_file, source_file, suffix_of, unsupported
from reportgen.io.images import images_from_column, images_from_folder
from reportgen.io.tables import (
    Table,
    check_rows,
    choose_label,
    merge_tables,
    resolve_role,
    table_from_labels,
    table_from_metadata,
)

logger = logging.getLogger("reportgen")

VectorReader = Callable[[Path, InputConfig], RawVectors]

VECTOR_READERS: dict[str, VectorReader] = {
    ".npy": arrays.read_npy,
    ".npz": arrays.read_npz,
    ".csv": delimited.read_vectors,
    ".tsv": delimited.read_vectors,
    ".parquet": parquet.read_vectors,
    ".arrow": parquet.read_vectors,
    ".feather": parquet.read_vectors,
    ".bytes": raw.read_raw,
}
METADATA_READERS: dict[str, Callable[[Path], Table]] = {
    ".tsv": delimited.read_metadata,
    ".csv": delimited.read_metadata,
    ".parquet": parquet.read_metadata,
    ".arrow": parquet.read_metadata,
    ".feather": parquet.read_metadata,
}
# Options that only mean something for some vector formats: refused elsewhere rather than
# silently ignored.
_FORMAT_OPTIONS = {
    "array": ("--array", (".npz",)),
    "dim": ("--dim", (".bytes",)),
    "vector_columns": (
        "--vector-columns",
        (".csv", ".tsv", ".parquet", ".arrow", ".feather", ""),  # "": a saved dataset
    ),
}


def load_dataset(
    inp: InputConfig,
    *,
    map_shards: shards.ShardMapper | None = None,
    shards_read: list[shards.ShardedVectors] | None = None,
    rows_in_shards: bool = False,
) -> Dataset:
    """Read and validate the inputs the config names: files, or ``inp.demo``.

    The vectors file's extension (case-insensitive) chooses the reader: .npy, .npz, .csv,
    .tsv, .parquet or .bytes; metadata may come from the vectors file's other columns and
    from ``inp.metadata`` (.tsv, .csv, .parquet), images from ``inp.image_column`` or the
    ``inp.images`` folder. ``inp.projector_config`` instead names an Embedding Projector
    config (.json or TensorBoard's .pbtxt) whose tensor, metadata and sprite are read
    (see ``projector.read_projector_config``).

    Returns a Dataset of float32 C-order (N, D) vectors (a read-only memory map for a
    float32 .npy or a .bytes file) with N >= 3 finite rows. With ``rows_in_shards`` the
    shards' rows are checked where ``map_shards`` reads them but not sent here: the
    vectors are a ``shards.ShardedRows`` that reads them again when asked (unless rows
    were dropped: those kept are then read here).

    Raises InputError, naming the file and the line (text) or row (arrays) and column,
    for: a missing, empty or unsupported file; fewer than 3 vectors; ragged rows or a
    shape that is not 2-D; a cell that is not a number; NaN or Inf (unless
    ``inp.drop_invalid``, which drops those rows everywhere); metadata whose row count
    differs; text that is not UTF-8; duplicate or empty column names; a label, text or
    image column that does not exist; a .bytes size that is not a whole number of rows.
    """
    if inp.demo == "digits":
        vectors, table, images, source = demo.read_digits()
        return _assemble(vectors, [table], inp, [source], name="digits", images=images)
    if inp.demo == "sentences":
        vectors, table, source = demo.read_sentences()
        inp = inp if inp.text_column is not None else replace(inp, text_column="text")
        return _assemble(vectors, [table], inp, [source], name="sentences")
    if inp.demo is not None:
        raise InputError(f"unknown demo {inp.demo!r}; the demos are: digits, sentences")
    if inp.projector_config is not None:
        imported = projector.read_projector_config(Path(inp.projector_config))
        return _assemble(
            imported.vectors,
            list(imported.tables),
            inp,
            list(imported.sources),
            name=imported.name,
            images=imported.images,
        )
    if inp.vectors is None:
        raise InputError("no vectors given: pass a vectors file (or --demo digits)")
    # Through the shards path when there are shards, or an engine to read them elsewhere
    # (one file is then one shard).
    if (
        map_shards is not None
        or shards.is_sharded(inp.vectors)
        or (inp.metadata is not None and shards.is_sharded(inp.metadata))
    ):
        return _load_shards(inp, map_shards or shards.map_in_process, shards_read, rows_in_shards)
    path = Path(inp.vectors)
    vectors = _read_vectors(path, inp)
    sources = [source_file("vectors", path)]
    tables = [vectors.table] if vectors.table is not None else []
    if inp.metadata is not None:
        tables.append(read_metadata(Path(inp.metadata)))
        sources.append(source_file("metadata", Path(inp.metadata)))
    return _assemble(vectors, tables, inp, sources, name=path.stem)


def _load_shards(
    inp: InputConfig,
    map_shards: shards.ShardMapper,
    shards_read: list[shards.ShardedVectors] | None,
    rows_in_shards: bool = False,
) -> Dataset:
    """Vectors (and metadata) from globs of shards or URLs (see ``reportgen.io.shards``)."""
    pattern = str(inp.vectors)
    sharded = shards.read_sharded_vectors(
        pattern, inp, _read_vectors, map_shards, keep_values=not rows_in_shards
    )
    if shards_read is not None:
        shards_read.append(sharded)
    vectors = sharded.raw
    sources = list(sharded.sources)
    tables = [vectors.table] if vectors.table is not None else []
    if inp.metadata is not None:
        table, meta_shards, meta_tables, meta_sources = shards.read_sharded_metadata(
            str(inp.metadata), read_metadata
        )
        # Shard by shard when both are split; against the total otherwise (in _assemble).
        if len(meta_shards) > 1 and len(sharded.shards) > 1:
            shards.check_shard_rows(sharded, meta_shards, meta_tables)
        tables.append(table)
        sources.extend(meta_sources)
    return _assemble(vectors, tables, inp, sources, name=_pattern_name(pattern))


def _pattern_name(pattern: str) -> str:
    """The dataset's name for a pattern: its folder's name (``shards/*.npy``: "shards"),
    or the file stem when the pattern names one file."""
    parts = [p for p in pattern.split("://", 1)[-1].replace("\\", "/").split("/") if p]
    plain = [p for p in parts if not shards.is_sharded(p)]
    if parts and not shards.is_sharded(parts[-1]):
        return Path(parts[-1]).stem
    return plain[-1] if plain else "embeddings"


def load_comparison(
    source: Path | str, inp: InputConfig, *, metadata: Path | str | None = None
) -> Dataset:
    """The other run of ``--compare-with``: a vectors file read with this run's rules for
    its format (``inp``'s vector columns, npz array, raw dimension; its other columns
    become metadata, where an id column may be), with ``metadata``'s columns when given
    (``--compare-metadata``), or a Projector config (.json, .pbtxt) with its metadata. No
    label or text column is asked of it: a column of the label column's name is read as
    its labels where the runs are compared as two sets.

    Raises InputError as ``load_dataset`` does, naming the other run's file.
    """
    name = str(source)
    lower = name.lower()
    # Each rule where its format has it: the two runs may be stored differently.
    base = InputConfig(
        vector_columns=inp.vector_columns
        if lower.endswith((".csv", ".tsv", ".parquet", ".arrow", ".feather"))
        else None,
        array=inp.array if lower.endswith(".npz") else None,
        dim=inp.dim if lower.endswith(".bytes") else None,
        drop_invalid=False,  # rows dropped on one side only would break the matching
        metadata=metadata,
    )
    if lower.endswith((".json", ".pbtxt")):
        if metadata is not None:
            raise ConfigError(
                "--compare-metadata: a Projector config names its own metadata (metadataPath)"
            )
        return load_dataset(replace(base, projector_config=Path(name)))
    return load_dataset(replace(base, vectors=source))


def dataset_from_arrays(
    vectors: Any,
    *,
    labels: Any = None,
    metadata: Any = None,
    inp: InputConfig = InputConfig(),  # noqa: B008 - frozen, so a shared default is safe
) -> Dataset:
    """A validated Dataset from in-memory data (the Python API).

    Args:
        vectors: array-like (N, D) of numbers; a float32 C-order array (or memory map) is
            used without a copy.
        labels: optional N values, turned into a text column named ``label``.
        metadata: None; a path (read like ``--metadata``); a mapping column name -> N
            values; or a DataFrame-like object (``.columns`` and ``frame[name]``). When
            None, ``inp.metadata`` is read if set.
        inp: the label/text/image column, images folder and drop_invalid options.

    Raises InputError as ``load_dataset`` does, naming "vectors", "labels" or
    "metadata column 'x'" instead of a file.
    """
    raw_vectors = arrays.vectors_from_array(vectors)
    n = raw_vectors.values.shape[0]
    sources = [SourceFile("vectors", "array", array_sha256(raw_vectors.values))]
    tables = [table_from_labels(labels, n)] if labels is not None else []
    if metadata is None and inp.metadata is not None:
        metadata = inp.metadata
    if isinstance(metadata, (str, os.PathLike)):
        tables.append(read_metadata(Path(metadata)))
        sources.append(source_file("metadata", Path(metadata)))
    elif metadata is not None:
        tables.append(table_from_metadata(metadata, n))
    return _assemble(raw_vectors, tables, inp, sources, name="embeddings")


def read_metadata(path: Path) -> Table:
    """Metadata columns from a .tsv, .csv or .parquet file (not yet matched to vectors)."""
    require_file(path)
    reader = METADATA_READERS.get(suffix_of(path))
    if reader is None:
        raise unsupported(path, "metadata", tuple(METADATA_READERS))
    return reader(path)


def _read_vectors(path: Path, inp: InputConfig) -> RawVectors:
    if path.is_dir():  # a Hugging Face dataset saved by save_to_disk
        return parquet.read_vectors(path, inp)
    require_file(path)
    suffix = suffix_of(path)
    reader = VECTOR_READERS.get(suffix)
    if reader is None:
        raise unsupported(path, "vectors", tuple(VECTOR_READERS))
    for key, (flag, suffixes) in _FORMAT_OPTIONS.items():
        if getattr(inp, key) is not None and suffix not in suffixes:
            raise InputError(f"{flag} applies to {' and '.join(suffixes)} files only", path=path)
    return reader(path, inp)


# --------------------------------------------------------------------------------------
# Assembly: every check that involves more than one input


def _assemble(
    vectors: RawVectors,
    tables: list[Table],
    inp: InputConfig,
    sources: list[SourceFile],
    *,
    name: str,
    images: Images | None = None,
) -> Dataset:
    n = vectors.values.shape[0]
    arrays.check_count(vectors, n)
    for table in tables:
        check_rows(table, n, vectors.count_phrase())
    owned = merge_tables(tables)
    columns = [column for column, _ in owned]
    names = [column.name for column in columns]
    where = tables[-1].source if tables else vectors.source
    label = choose_label(inp, names, where)
    text = resolve_role("--text-column", inp.text_column, names, where)
    image = resolve_role("--image-column", inp.image_column, names, where)
    if image is not None:
        column, table = next((c, t) for c, t in owned if c.name == image)
        images = images_from_column(column, table.folder)
    elif inp.images is not None:
        images, images_source = images_from_folder(Path(inp.images), n, vectors.count_phrase())
        sources.append(images_source)
    values, columns, images, dropped = _drop_invalid(vectors, columns, images, inp)
    return Dataset(
        vectors=values,
        columns=tuple(columns),
        label_column=label,
        text_column=text,
        images=images,
        sources=tuple(sources),
        dropped_rows=dropped,
        name=name,
    )


def _drop_invalid(
    vectors: RawVectors, columns: list[Column], images: Images | None, inp: InputConfig
) -> tuple[np.ndarray, list[Column], Images | None, tuple[int, ...]]:
    """Refuse rows with NaN/Inf, or drop them from vectors, columns and images alike."""
    bad = vectors.invalid_rows
    if bad is None:  # not found where the vectors were read
        bad = arrays.find_invalid_rows(vectors.values)
    if not len(bad):
        return vectors.values, columns, images, ()
    if not inp.drop_invalid:
        raise arrays.invalid_error(vectors, bad)
    keep = np.ones(vectors.values.shape[0], dtype=bool)
    keep[bad] = False
    values = np.ascontiguousarray(vectors.values[keep])
    arrays.check_count(vectors, len(values), dropped=len(bad))
    columns = [Column(c.name, c.values[keep]) for c in columns]
    if images is not None and images.paths is not None:
        images = Images(paths=tuple(p for p, k in zip(images.paths, keep, strict=True) if k))
    elif images is not None:
        images = Images(arrays=images.arrays[keep])
    dropped = tuple(int(r) for r in bad)
    logger.warning(
        "dropped %d %s with NaN or Inf (%s)",
        len(dropped),
        "row" if len(dropped) == 1 else "rows",
        arrays.describe_rows(dropped),
    )
    return values, columns, images, dropped
