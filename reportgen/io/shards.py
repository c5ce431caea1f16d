"""Inputs split into shards: a glob of files, local or at any fsspec URL, read as one.

``reportgen build 'shards/*.parquet'`` or ``'emb/*.npy' --metadata 'meta/*.tsv'``: the
pattern's matches are read in natural order (``part-2`` before ``part-10``), each by the
reader of its extension, and concatenated in that order, so a row's global index is its
place in that order. Every message about a row names the shard file and the row inside
it. A URL (``s3://``, ``gs://``, ``file://``, ``memory://``) goes through fsspec; the
filesystem's own package (s3fs, gcsfs) is the user's to install, and a missing one is an
error naming it. Remote shards are copied to a temporary file one at a time, read, and
removed: the local engine holds the vectors in memory anyway.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reportgen.config import display_path, is_url
from reportgen.dataset import Column, SourceFile
from reportgen.errors import InputError
from reportgen.io.arrays import Locator, RawVectors
from reportgen.io.files import file_sha256, one_line, require_file
from reportgen.io.tables import Table

__all__ = [
    "Shard",
    "ShardLocator",
    "find_shards",
    "is_sharded",
    "read_sharded_metadata",
    "read_sharded_vectors",
]

_GLOB_CHARS = ("*", "?", "[")


def is_sharded(name: str | os.PathLike[str]) -> bool:
    """Whether an input names shards: a glob pattern or a URL (read through fsspec)."""
    text = os.fspath(name)
    return is_url(text) or any(char in text for char in _GLOB_CHARS)


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort key that orders the numbers inside names by value: part-2 before part-10."""
    parts = re.split(r"(\d+)", name)
    return tuple((0, int(p), p) if p.isdigit() else (1, 0, p) for p in parts)


@dataclass(frozen=True)
class Shard:
    """One file of a sharded input: how messages name it, and how to open it."""

    name: str  # the path or URL as the user would write it
    filesystem: Any = None  # an fsspec filesystem for a remote shard, else None
    remote_path: str = ""

    @property
    def stem(self) -> str:
        """The file name without its extension (pairs vector and metadata shards)."""
        return Path(self.remote_path or self.name).stem

    @property
    def suffix(self) -> str:
        """The extension in lower case."""
        return Path(self.remote_path or self.name).suffix.lower()

    @contextmanager
    def local(self) -> Iterator[Path]:
        """A local path to the shard's bytes for the length of the block."""
        if self.filesystem is None:
            yield Path(self.remote_path or self.name)
            return
        with tempfile.TemporaryDirectory(prefix="reportgen-shard-") as folder:
            copy = Path(folder) / Path(self.remote_path).name
            try:
                self.filesystem.get_file(self.remote_path, str(copy))
            except (OSError, ValueError) as exc:
                raise InputError(f"cannot be read: {one_line(exc)}", path=self.name) from None
            try:
                yield copy
            except InputError as exc:
                if exc.path != str(copy):
                    raise
                # The reader named the temporary copy: name the shard instead.
                raise InputError(
                    exc.detail, path=self.name, line=exc.line, row=exc.row, column=exc.column
                ) from None


def find_shards(pattern: str, role: str) -> list[Shard]:
    """The files a glob pattern or URL matches, in natural order.

    Raises InputError when nothing matches, when fsspec or the URL's filesystem package is
    missing, or when the matches mix extensions.
    """
    if is_url(pattern) and not pattern.startswith("file://"):
        shards = _remote_shards(pattern)
    else:
        local = pattern.removeprefix("file://")
        if not is_sharded(local):
            require_file(Path(local))  # one file: "file not found", as without shards
        names = sorted(
            (m for m in glob.glob(local, recursive=True) if Path(m).is_file()),
            key=natural_key,
        )
        shards = [Shard(name, None, str(Path(name).resolve())) for name in names]
    if not shards:
        raise InputError(f"no {role} file matches this pattern", path=pattern)
    suffixes = sorted({s.suffix for s in shards})
    if len(suffixes) > 1:
        listed = ", ".join(repr(s) for s in suffixes)
        raise InputError(
            f"the {role} shards mix file types ({listed}); match one type", path=pattern
        )
    return shards


def _remote_shards(url: str) -> list[Shard]:
    scheme = url.split("://", 1)[0]
    try:
        import fsspec
    except ImportError:
        raise InputError(
            f"reading {scheme}:// needs fsspec: pip install 'reportgen[remote]' "
            "(and the filesystem's package, such as s3fs or gcsfs)",
            path=url,
        ) from None
    try:
        filesystem, root = fsspec.core.url_to_fs(url)
    except ImportError as exc:  # fsspec names the package: "Install s3fs to access S3"
        raise InputError(
            f"reading {scheme}:// needs a package that is not installed: {one_line(exc)}",
            path=url,
        ) from None
    except ValueError as exc:
        raise InputError(f"cannot be opened: {one_line(exc)}", path=url) from None
    try:
        if any(char in root for char in _GLOB_CHARS):
            paths = filesystem.glob(root)
        else:
            paths = [root] if filesystem.exists(root) else []
        files = [p for p in paths if filesystem.isfile(p)]
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot be listed: {one_line(exc)}", path=url) from None
    # fsspec returns paths without the protocol; messages show them as URLs again.
    return [
        Shard(f"{scheme}://{p.lstrip('/')}", filesystem, p) for p in sorted(files, key=natural_key)
    ]


@dataclass(frozen=True)
class ShardLocator(Locator):
    """Points a row of the concatenated vectors at its shard file and its row inside it."""

    starts: tuple[int, ...] = ()  # the global index of each shard's first row
    names: tuple[str, ...] = ()
    inner: tuple[Locator, ...] = field(default=())

    def place(self, row: int, dim: int | None = None) -> dict[str, Any]:
        """``path=`` the shard, and the row (or line) and column inside it."""
        shard = int(np.searchsorted(self.starts, row, side="right")) - 1
        return {"path": self.names[shard], **self.inner[shard].place(row - self.starts[shard], dim)}


VectorReader = Callable[[Path, Any], RawVectors]
TableReader = Callable[[Path], Table]


@dataclass(frozen=True)
class ShardedVectors:
    """The vectors of every shard, concatenated, with what each shard contributed."""

    raw: RawVectors
    shards: tuple[Shard, ...]
    counts: tuple[int, ...]
    sources: tuple[SourceFile, ...]
    reader: ReadShard | None = None  # how each shard was read (to read its rows again)


ShardMapper = Callable[[Callable[[Shard], Any], Sequence[Shard]], list[Any]]


def map_in_process(fn: Callable[[Shard], Any], shards: Sequence[Shard]) -> list[Any]:
    """The local engine's shard mapper: each shard in turn, in this process."""
    return [fn(shard) for shard in shards]


@dataclass(frozen=True)
class ReadShard:
    """Reads one vectors shard (a picklable function object: a Dask worker runs it).

    Returns (the shard's RawVectors, with its ``invalid_rows`` found where it was read, and
    the sha256 of its bytes), or the InputError it raised: returned rather than raised, so
    that the error reported is the first in shard order, whichever worker finished first,
    and Dask does not retry a bad file.
    """

    inp: Any
    read: VectorReader
    # False: the rows stay where they were read (their shape, checks and sha256 come
    # back; the values are an empty array), for a client that reads them again when needed.
    keep_values: bool = True

    def __call__(self, shard: Shard) -> tuple[RawVectors, str, tuple[int, int]] | InputError:
        from reportgen.engine import LOCAL, nonfinite_rows

        try:
            with shard.local() as path:
                part = _renamed(self.read(path, self.inp), shard)
                values = part.values
                if isinstance(values, np.memmap) and shard.filesystem is not None:
                    # The temporary copy goes away with the block: keep the numbers.
                    values = np.array(values)
                # The NaN/Inf scan while the shard is at hand: the client need not read
                # every row again to look for them.
                invalid = LOCAL.select_rows(values, nonfinite_rows)
                shape = (int(values.shape[0]), int(values.shape[1]))
                if not self.keep_values:
                    values = np.empty((0, shape[1]), dtype=np.float32)
                part = RawVectors(
                    values, part.source, part.locator, part.table, invalid_rows=invalid
                )
                return part, file_sha256(path), shape
        except InputError as exc:
            return exc


def read_sharded_vectors(
    pattern: str,
    inp: Any,
    read: VectorReader,
    map_shards: ShardMapper = map_in_process,
    *,
    keep_values: bool = True,
) -> ShardedVectors:
    """Read every shard with ``read`` (the single-file reader) and concatenate them.

    ``map_shards`` runs the reads (in this process, or on a Dask cluster) and returns the
    results in shard order. With ``keep_values=False`` the rows are checked where they are
    read but not sent here: the result's ``raw.values`` is a ``ShardedRows`` that reads
    them from the shards when asked. Raises InputError naming the shard for a width that differs
    from the first shard's, for metadata columns that differ between shards, and anything
    the reader raises (the first bad shard in order).
    """
    shards = find_shards(pattern, "vectors")
    parts: list[RawVectors] = []
    sources = []
    reader = ReadShard(inp, read, keep_values)
    shapes: list[tuple[int, int]] = []
    for shard, result in zip(shards, map_shards(reader, shards), strict=True):
        if isinstance(result, InputError):
            raise result
        part, sha256, shape = result
        sources.append(_source(shard, sha256, "vectors"))
        # An empty shard's width is unknowable (a Parquet list column with no rows).
        widths = [width for rows, width in shapes if rows]
        if shape[0] and widths and shape[1] != widths[0]:
            first = next(p for p, (rows, _) in zip(parts, shapes, strict=True) if rows)
            raise InputError(
                f"has {shape[1]} dimensions; the first shard {first.source} has {widths[0]}",
                path=shard.name,
            )
        parts.append(part)
        shapes.append(shape)
    counts = tuple(rows for rows, _ in shapes)
    starts = tuple(int(s) for s in np.cumsum((0, *counts[:-1])))
    width = next((width for rows, width in shapes if rows), shapes[0][1])
    if keep_values:
        blocks = [p.values if len(p.values) else p.values.reshape(0, width) for p in parts]
        values: Any = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
    else:
        values = ShardedRows(
            tuple(shards),
            counts,
            width,
            ReadShard(inp, read),
            uuid.uuid4().hex,
            tuple(source.sha256 for source in sources),
        )
    locator = ShardLocator(
        starts=starts, names=tuple(s.name for s in shards), inner=tuple(p.locator for p in parts)
    )
    tables = [p.table for p in parts]
    table = None
    if any(t is not None for t in tables):
        if not all(t is not None for t in tables):
            missing = next(s.name for s, t in zip(shards, tables, strict=True) if t is None)
            raise InputError(
                "has no metadata columns, but other shards have; every shard needs the same "
                "columns",
                path=missing,
            )
        table = concatenate_tables(pattern, [t for t in tables if t is not None], shards)
    source = f"{pattern} ({len(shards)} {'shard' if len(shards) == 1 else 'shards'})"
    invalid = np.concatenate(
        [start + part.invalid_rows for start, part in zip(starts, parts, strict=True)]
    ).astype(np.int64)
    raw = RawVectors(values, source, locator, table, invalid_rows=invalid)
    return ShardedVectors(raw, tuple(shards), counts, tuple(sources), ReadShard(inp, read))


def read_sharded_metadata(
    pattern: str, read: TableReader
) -> tuple[Table, tuple[Shard, ...], tuple[Table, ...], tuple[SourceFile, ...]]:
    """Every metadata shard read with ``read`` and concatenated (the tables kept apart too,
    for the per-shard row count check)."""
    shards = find_shards(pattern, "metadata")
    tables = []
    sources = []
    for shard in shards:
        with shard.local() as path:
            tables.append(_renamed_table(read(path), shard))
            sources.append(_source(shard, file_sha256(path), "metadata"))
    table = concatenate_tables(pattern, tables, shards)
    return table, tuple(shards), tuple(tables), tuple(sources)


def check_shard_rows(
    vectors: ShardedVectors, shards: Sequence[Shard], tables: Sequence[Table]
) -> None:
    """Each metadata shard has as many rows as its vectors shard (paired in order).

    Raises InputError naming the vectors shard with no metadata shard, or the metadata
    shard whose row count differs.
    """
    if len(shards) != len(vectors.shards):
        counts = f"{len(shards)} metadata shards for {len(vectors.shards)} vectors shards"
        stems = {s.stem for s in shards}
        unpaired = next((s for s in vectors.shards if s.stem not in stems), None)
        if unpaired is not None:
            raise InputError(f"has no metadata shard ({counts})", path=unpaired.name)
        raise InputError(f"{counts}: each vectors shard needs one", path=shards[0].name)
    for shard, table, vector_shard, count in zip(
        shards, tables, vectors.shards, vectors.counts, strict=True
    ):
        if table.n_rows != count:
            rule = f" ({table.header_rule})" if table.header_rule else ""
            raise InputError(
                f"{table.n_rows} rows, but its vectors shard {vector_shard.name} has "
                f"{count} vectors{rule}",
                path=shard.name,
            )


def concatenate_tables(pattern: str, tables: Sequence[Table], shards: Sequence[Shard]) -> Table:
    """The shards' tables as one, columns in the first shard's order.

    A column that holds text in any shard is text everywhere (as one file would read it); a
    shard where it has no value at all (an empty shard) does not decide;
    raises InputError naming the shard whose column names differ from the first shard's.
    """
    first = tables[0]
    names = [c.name for c in first.columns]
    for table, shard in zip(tables[1:], shards[1:], strict=True):
        other = [c.name for c in table.columns]
        if other != names:
            raise InputError(
                f"has columns {', '.join(map(repr, other))}; the first shard "
                f"{shards[0].name} has {', '.join(map(repr, names))}",
                path=shard.name,
            )
    if len(tables) == 1:
        return Table(pattern, first.n_rows, first.columns, first.folder, first.header_rule)
    columns = []
    for i, name in enumerate(names):
        parts = [t.columns[i] for t in tables]
        if all(p.is_numeric or _all_empty(p) for p in parts):
            values = np.concatenate([_as_numbers(p) for p in parts])
        else:
            values = np.empty(sum(len(p.values) for p in parts), dtype=object)
            at = 0
            for part in parts:
                text = part.values if not part.is_numeric else _numbers_as_text(part)
                values[at : at + len(text)] = text
                at += len(text)
        columns.append(Column(name, values))
    n_rows = sum(t.n_rows for t in tables)
    return Table(pattern, n_rows, tuple(columns), first.folder, first.header_rule)


def _all_empty(column: Column) -> bool:
    return not column.is_numeric and all(v is None for v in column.values)


def _as_numbers(column: Column) -> np.ndarray:
    return column.values if column.is_numeric else np.full(len(column.values), np.nan)


def _numbers_as_text(column: Column) -> np.ndarray:
    text = np.empty(len(column.values), dtype=object)
    text[:] = [None if s == "" else s for s in column.as_text()]
    return text


def _renamed(part: RawVectors, shard: Shard) -> RawVectors:
    """The part as its shard's name says it (a remote shard was read from a copy)."""
    table = _renamed_table(part.table, shard) if part.table is not None else None
    return RawVectors(part.values, shard.name, part.locator, table)


def _renamed_table(table: Table, shard: Shard) -> Table:
    return Table(shard.name, table.n_rows, table.columns, table.folder, table.header_rule)


def _source(shard: Shard, sha256: str, role: str) -> SourceFile:
    # Named on the client: display_path is relative to this process's working folder.
    name = shard.name if shard.filesystem is not None else display_path(Path(shard.name))
    return SourceFile(role=role, name=name, sha256=sha256)


@dataclass(frozen=True)
class ShardedRows:
    """The rows of a sharded input, read where they are needed: ``rows[a:b]`` reads the
    rows [a, b) from the shards that hold them (a block may straddle two).

    Picklable, so that a Dask worker reads its blocks itself instead of receiving them from
    the client. Each process keeps the last shard it decoded (the blocks of one shard run
    one after another). ``rows[a:b]`` reads a contiguous block (the reductions);
    ``take(rows)`` (or ``rows[indices]``, ``rows[mask]``) reads chosen rows (the searches of
    pass 2, a sample).

    It is also the build's array of all rows when the client holds only a sample
    (``--engine dask`` above ``among_sample_above``): it has an array's ``shape``, ``dtype``,
    ``ndim`` and ``itemsize``, but no ``__array__``: what would read every row into this
    process at once raises TypeError, so that no step does it unnoticed.
    """

    shards: tuple[Shard, ...]
    counts: tuple[int, ...]
    dim: int
    reader: ReadShard
    # Scopes each process's kept shard to one build: the same path in another build (or the
    # same relative name from another folder) may hold other rows.
    token: str = ""
    # Each shard file's sha256, when known: what the rows' cache key is made of.
    sha256s: tuple[str, ...] = ()

    dtype = np.dtype(np.float32)
    ndim = 2
    itemsize = 4

    @classmethod
    def of(cls, sharded: ShardedVectors) -> ShardedRows:
        """The rows of shards already read once (their counts, width and reader known)."""
        if isinstance(sharded.raw.values, ShardedRows):
            return sharded.raw.values
        if sharded.reader is None:
            raise ValueError("these shards were not read by read_sharded_vectors")
        dim = int(sharded.raw.values.shape[1])
        return cls(sharded.shards, sharded.counts, dim, sharded.reader, uuid.uuid4().hex)

    @property
    def shape(self) -> tuple[int, int]:
        """(N, D), as an array's."""
        return (sum(self.counts), self.dim)

    def content_key(self) -> str:
        """The cache's key for these rows, without reading them: the shards' sha256s, row
        counts and width, and how they were read (``reportgen.cache.array_key``)."""
        if len(self.sha256s) != len(self.shards):
            raise TypeError("these rows' shard digests are unknown: no key without reading")
        text = f"sharded rows {self.counts} {self.dim} {self.sha256s} {self.reader.inp!r}"
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def nbytes(self) -> int:
        """The rows' float32 bytes, as an array's."""
        return self.shape[0] * self.shape[1] * self.itemsize

    def __len__(self) -> int:
        return self.shape[0]

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise TypeError(
            "the rows stay in their shards: read a slice or chosen rows (rows[a:b], take)"
        )

    def gather(self) -> np.ndarray:
        """float32 (N, D): every row, read into this process (when a step needs them all)."""
        return np.ascontiguousarray(self[0 : self.shape[0]])

    def __getitem__(self, rows: Any) -> np.ndarray:
        """``rows[a:b]``, ``rows[i]``, ``rows[indices]`` (any shape: a (R, k) array of rows
        gives (R, k, D)) or ``rows[mask]``, as an array's indexing would."""
        if isinstance(rows, (int, np.integer)) and not isinstance(rows, bool):
            return self.take(np.array([rows]))[0]
        if isinstance(rows, (list, np.ndarray)):
            rows = np.asarray(rows)
            if rows.dtype == bool:
                if rows.shape != (self.shape[0],):
                    raise IndexError(f"a mask of {rows.shape} rows for {self.shape[0]}")
                return self.take(np.flatnonzero(rows))
            if rows.dtype.kind not in "iu":
                raise TypeError("ShardedRows takes integer rows or a mask")
            return self.take(rows.ravel()).reshape(*rows.shape, self.dim)
        if not isinstance(rows, slice) or rows.step not in (None, 1):
            raise TypeError("ShardedRows reads contiguous slices, chosen rows or a mask")
        start, stop, _ = rows.indices(self.shape[0])
        parts = []
        first = 0
        for shard, count in zip(self.shards, self.counts, strict=True):
            low, high = max(start, first), min(stop, first + count)
            if low < high:
                values = _shard_values(self.reader, shard, self.token)
                parts.append(values[low - first : high - first])
            first += count
        if not parts:
            return np.empty((0, self.dim), dtype=np.float32)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def take(self, rows: np.ndarray) -> np.ndarray:
        """float32 (R, D): the given rows (int (R,), any order, repeats allowed), as
        ``values[rows]`` of the concatenated shards (a new array).

        Consecutive rows are read as a slice. Chosen rows come from this process's
        ``TakenRows`` where it holds them; the others are read from the shards that hold
        them, each once, in shard order, and kept there for the next take: a sample's
        rows are read again and again (the fit sample by the searches, the fit graph, the
        layouts; the tuning rows by every nprobe tried), and chosen rows spread over every
        shard cost a decode of all the shards each time (at 10,000,000 x 384 in 200
        Parquet shards, about 80 s a read)."""
        rows = np.asarray(rows, dtype=np.int64)
        n = self.shape[0]
        if rows.size and (rows.min() < 0 or rows.max() >= n):
            raise IndexError(f"rows outside 0..{n - 1}")
        if len(rows) > 1 and rows[-1] - rows[0] == len(rows) - 1 and np.all(np.diff(rows) == 1):
            return np.array(self[int(rows[0]) : int(rows[-1]) + 1])
        out = np.empty((len(rows), self.dim), dtype=np.float32)
        missing = _TAKEN.fill(self.token, rows, out)
        if missing.size:
            wanted = np.unique(rows[missing])
            read = self._read_rows(wanted)
            out[missing] = read[np.searchsorted(wanted, rows[missing])]
            _TAKEN.keep(self.token, wanted, read)
        return out

    def _read_rows(self, rows: np.ndarray) -> np.ndarray:
        """float32 (R, D): ``rows`` (sorted, unique) read from the shards that hold them."""
        out = np.empty((len(rows), self.dim), dtype=np.float32)
        starts = np.cumsum((0, *self.counts))
        owner = np.searchsorted(starts, rows, side="right") - 1
        for shard in np.unique(owner):
            mine = np.flatnonzero(owner == shard)
            values = _shard_values(self.reader, self.shards[shard], self.token)
            out[mine] = values[rows[mine] - starts[shard]]
        return out


# Chosen rows each process keeps (``TakenRows``): at most this many bytes of them. The fit
# sample at 15,000 x 4,096 float32 is 246 MB.
TAKEN_BYTES = 512 * 2**20


class TakenRows:
    """The chosen rows this process has read from the shards of one build (``token``), by
    row: sorted row numbers and their values, at most ``limit`` bytes. When new rows would
    not fit, the rows kept so far are dropped first (a build reads a few samples, so the
    newest are the ones to keep)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.token = ""
        self.rows = np.empty(0, dtype=np.int64)
        self.values = np.empty((0, 0), dtype=np.float32)
        self.lock = threading.Lock()

    def fill(self, token: str, rows: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Copy the kept ``rows`` into ``out``; the positions in ``rows`` not kept."""
        with self.lock:
            if token != self.token or not len(self.rows):
                return np.arange(len(rows))
            at = np.minimum(np.searchsorted(self.rows, rows), len(self.rows) - 1)
            hit = self.rows[at] == rows
            out[hit] = self.values[at[hit]]
            return np.flatnonzero(~hit)

    def keep(self, token: str, rows: np.ndarray, values: np.ndarray) -> None:
        """Keep ``rows`` (sorted, unique, none kept yet) and their ``values``."""
        with self.lock:
            if values.nbytes > self.limit:
                return
            if token != self.token or self.values.nbytes + values.nbytes > self.limit:
                self.token = token
                self.rows = np.empty(0, dtype=np.int64)
                self.values = np.empty((0, values.shape[1]), dtype=np.float32)
            merged = np.concatenate([self.rows, rows])
            order = np.argsort(merged, kind="stable")
            self.rows = merged[order]
            self.values = np.concatenate([self.values, values])[order]


_TAKEN = TakenRows(TAKEN_BYTES)


_LAST_SHARD: dict[str, Any] = {}


def _shard_values(reader: ReadShard, shard: Shard, token: str) -> np.ndarray:
    """The float32 rows of one shard, kept for the next block of the same shard."""
    key = f"{token}:{shard.remote_path or shard.name}"
    if _LAST_SHARD.get("key") != key:
        result = reader(shard)
        if isinstance(result, InputError):  # read once and checked already: changed since
            raise result
        _LAST_SHARD.clear()
        _LAST_SHARD.update(key=key, values=result[0].values)
    return _LAST_SHARD["values"]
