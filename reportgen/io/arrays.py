"""NumPy inputs (.npy, .npz, in-memory arrays) and the checks every vectors source shares."""

from __future__ import annotations

import numbers
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reportgen.config import InputConfig
from reportgen.engine import LOCAL, Engine, nonfinite_rows
from reportgen.errors import InputError
from reportgen.io.files import one_line
from reportgen.io.tables import Table, parse_number

MIN_VECTORS = 3
_NPY_MAGIC = b"\x93NUMPY"
_NUMERIC_KINDS = "iuf"  # signed and unsigned integers, floats


@dataclass(frozen=True)
class Locator:
    """Turns a (row, dimension) of the vectors into where a message points in the source.

    Text files point at ``lines`` (the 1-based line of each row); arrays at the 0-based row.
    ``columns`` names each dimension as the user sees it (a 1-based column with its header
    name, a Parquet column name); by default a dimension is its 0-based index.
    """

    lines: np.ndarray | None = None
    columns: tuple[int | str, ...] | None = None

    def place(self, row: int, dim: int | None = None) -> dict[str, Any]:
        """Keyword arguments of InputError (``line=`` or ``row=``, and ``column=``)."""
        where: dict[str, Any] = (
            {"line": int(self.lines[row])} if self.lines is not None else {"row": row}
        )
        if dim is not None:
            where["column"] = self.columns[dim] if self.columns is not None else dim
        return where


@dataclass(frozen=True)
class RawVectors:
    """Vectors as read from one source, before the checks that involve the other inputs.

    ``values`` is float32, C order, (N, D) with D >= 1, possibly with NaN/Inf. ``source``
    names the input in messages (a path, or "vectors" for an array); ``table`` holds the
    metadata columns that came with the vectors in the same file. ``invalid_rows`` holds
    the rows with a NaN or an Inf (int64, in row order) when the reader found them already
    (each shard where it was read, on a Dask worker); None: they are looked for later.
    """

    values: np.ndarray
    source: str
    locator: Locator = Locator()
    table: Table | None = None
    is_file: bool = True
    invalid_rows: np.ndarray | None = None

    def count_phrase(self) -> str:
        """How a message states the number of vectors: ``vectors.npy has 1797 vectors``."""
        n = self.values.shape[0]
        return f"{self.source} has {n} vectors" if self.is_file else f"there are {n} vectors"


# --------------------------------------------------------------------------------------
# Readers


def read_npy(path: Path, inp: InputConfig) -> RawVectors:
    """Vectors from a .npy file, kept as a read-only memory map when already float32.

    Raises InputError for a file that is not .npy, a shape that is not 2-D, or a dtype
    that is not integer or float.
    """
    with open(path, "rb") as handle:
        if handle.read(len(_NPY_MAGIC)) != _NPY_MAGIC:
            raise InputError("not a .npy file (it lacks the .npy signature)", path=path)
    try:
        values = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise InputError(f"cannot be read as a .npy array: {one_line(exc)}", path=path) from None
    return RawVectors(to_float32(values, str(path)), str(path))


def read_npz(path: Path, inp: InputConfig) -> RawVectors:
    """Vectors from one array of a .npz archive: ``inp.array``, or the only one.

    Raises InputError when the archive is unreadable, the name is missing, or several
    arrays are present and none was chosen (each lists the names).
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = list(archive.files)
            name = _choose_array(path, names, inp.array)
            values = archive[name]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise InputError(f"cannot be read as a .npz archive: {one_line(exc)}", path=path) from None
    return RawVectors(to_float32(values, f"{path} (array '{name}')"), str(path))


def _choose_array(path: Path, names: list[str], wanted: str | None) -> str:
    listed = ", ".join(repr(n) for n in names) or "none"
    if wanted is not None:
        if wanted not in names:
            raise InputError(f"has no array '{wanted}'; its arrays are: {listed}", path=path)
        return wanted
    if len(names) == 1:
        return names[0]
    if not names:
        raise InputError("holds no arrays", path=path)
    raise InputError(f"holds {len(names)} arrays ({listed}); choose one with --array", path=path)


def vectors_from_array(vectors: Any) -> RawVectors:
    """Vectors given in memory (anything ``np.asarray`` accepts), named "vectors" in messages."""
    if isinstance(vectors, (str, bytes)):
        raise InputError("must be an array of numbers, not text", path="vectors")
    try:
        values = np.asarray(vectors)
    except ValueError:
        # NumPy refuses ragged nested sequences; find the row that differs.
        raise _ragged_sequence(vectors) from None
    if values.dtype.kind in "OUS" and values.ndim == 2:
        _raise_first_non_number(values)
    return RawVectors(to_float32(values, "vectors"), "vectors", is_file=False)


def _ragged_sequence(vectors: Any) -> InputError:
    rows = list(vectors)
    width = _length(rows[0]) if rows else None
    for i, row in enumerate(rows):
        if _length(row) != width:
            return InputError(
                f"has {_length(row)} numbers, but row 0 has {width} (ragged rows)",
                path="vectors",
                row=i,
            )
    return InputError("cannot be turned into an N x D array of numbers", path="vectors")


def _length(row: Any) -> int | None:
    try:
        return len(row)
    except TypeError:
        return None


def _raise_first_non_number(values: np.ndarray) -> None:
    """Name the first cell that is not a number in an array of text or Python objects.

    NumPy turns ``[[1.0], ["x"]]`` into an array of strings, so a string that reads as a
    number is taken for the number it was; the culprit is the first one that does not.
    """
    for (row, col), value in np.ndenumerate(values):
        if isinstance(value, (str, bytes)):
            text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
            bad = values.dtype.kind == "O" or parse_number(text) is None
            shown = repr(text)
        else:
            bad = not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_))
            shown = repr(value)
        if bad:
            raise InputError(
                f"{shown} is not a number", path="vectors", row=int(row), column=int(col)
            )
    if values.dtype.kind in "US":
        raise InputError(f"holds text (dtype {values.dtype}), not numbers", path="vectors")


# --------------------------------------------------------------------------------------
# Shared checks


def to_float32(values: np.ndarray, source: str) -> np.ndarray:
    """Check shape and dtype, and return float32 in C order.

    A little-endian float32 C-order array is returned as it is (a memory map stays one);
    anything else is converted. Raises InputError for ndim != 2, D == 0 or a dtype that is
    not integer or float.
    """
    if values.ndim != 2:
        plural = "" if values.ndim == 1 else "s"
        raise InputError(
            f"has shape {values.shape} ({values.ndim} dimension{plural}); vectors must be "
            "2-D: N vectors x D numbers",
            path=source,
        )
    if values.dtype.kind not in _NUMERIC_KINDS and values.dtype != object:
        raise InputError(
            f"has dtype {values.dtype}; vectors must be integers or floats", path=source
        )
    if values.shape[1] == 0 and values.shape[0] > 0:  # no rows at all: check_count says so
        raise InputError(f"has shape {values.shape}: the vectors have 0 dimensions", path=source)
    if values.dtype == np.dtype("<f4") and values.flags.c_contiguous:
        return values
    # A float64 beyond float32's range becomes Inf here; the finiteness check reports it.
    with np.errstate(over="ignore", invalid="ignore"):
        return np.ascontiguousarray(values, dtype=np.float32)


def check_count(raw: RawVectors, n: int, dropped: int = 0) -> None:
    """Raise InputError when fewer than MIN_VECTORS vectors remain."""
    if n >= MIN_VECTORS:
        return
    if dropped:
        message = (
            f"only {n} vectors left after dropping {dropped} "
            f"{'row' if dropped == 1 else 'rows'} with NaN or Inf; "
            f"at least {MIN_VECTORS} are needed"
        )
    else:
        message = f"has {n} vectors; at least {MIN_VECTORS} are needed"
    raise InputError(message, path=raw.source)


def find_invalid_rows(values: np.ndarray, *, engine: Engine = LOCAL) -> np.ndarray:
    """int64 (R,): the 0-based rows of ``values`` (N, D) that hold a NaN or an Inf.

    Scanned by the engine in blocks of rows, which bound the memory of the boolean mask, so
    that a multi-GB memory map is checked without being copied.
    """
    return engine.select_rows(values, nonfinite_rows)


def invalid_error(raw: RawVectors, bad_rows: np.ndarray) -> InputError:
    """The error for NaN/Inf: the first bad value, its kind, and how many rows have one."""
    row = int(bad_rows[0])
    vector = np.asarray(raw.values[row])
    dim = int(np.flatnonzero(~np.isfinite(vector))[0])
    value = float(vector[dim])
    kind = "NaN" if np.isnan(value) else ("Inf" if value > 0 else "-Inf")
    count = len(bad_rows)
    rows = "row has" if count == 1 else "rows have"
    return InputError(
        f"{kind} in a vector ({count} {rows} NaN or Inf; pass --drop-invalid to drop "
        f"{'it' if count == 1 else 'them'})",
        # A sharded input's locator names the shard file in place of the source.
        **{"path": raw.source, **raw.locator.place(row, dim)},
    )


def describe_rows(rows: Sequence[int], limit: int = 10) -> str:
    """``rows 3, 17, ...``: the first ``limit`` rows, for a log line."""
    shown = ", ".join(str(r) for r in rows[:limit])
    more = ", ..." if len(rows) > limit else ""
    return f"{'row' if len(rows) == 1 else 'rows'} {shown}{more}"
