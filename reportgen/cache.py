"""The cache: results of earlier builds kept on disk, so that a rebuild with unchanged
inputs recomputes nothing and does not format its large files again.

Each analysis result is stored under a chained key: the validated vectors' hash (not the
file's bytes), then each step's key = hash(its parents' keys, the parameters it is called
with, the versions of the libraries that shape its numbers, reportgen's version, this
cache's format). A changed parameter therefore changes the keys of the steps that depend on
it, and only those.

An analysis entry is one ``.npz`` file named ``<step>-<key>.npz``: the result's arrays plus
a JSON record (step, key, format and the result's plain fields) stored as a uint8 array.
Never pickle: entries are read with ``allow_pickle=False``. A rendered file that is slow to
format (tensors.tsv, the CSV exports, bookmarks.json, the matplotlib PNGs) is kept as a
``.blob`` under the hash of the pure function and the arguments that made it: its bytes,
then a trailer with the key, the bytes' sha256 and their length, all checked before the
first byte is used (``reuse_stream``, ``reuse_bytes``). Every file is written to a
temporary file in the same folder and renamed into place, so concurrent builds never see
half an entry. An entry that cannot be read, or that does not match the key it was looked
up under, is deleted and counted as a miss (logged at debug level): the cache only ever
speeds builds up, and nothing here fails a build.

The folder holds a ``CACHEDIR.TAG`` written by reportgen (backup tools skip the folder).
reportgen only writes into, and only deletes from, a folder that has that tag or that it
creates (or finds empty); it only deletes files that match its own naming scheme; and it
evicts the least recently used entries beyond the size cap.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import json
import logging
import os
import platform
import re
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

import numpy as np

from reportgen._version import __version__
from reportgen.engine import LOCAL, Engine
from reportgen.errors import ConfigError

if TYPE_CHECKING:
    from reportgen.config import CacheConfig

__all__ = [
    "CACHE_FORMAT",
    "Cache",
    "CacheSummary",
    "array_key",
    "cache_folder",
    "call_key",
    "default_folder",
    "reuse_bytes",
    "reuse_stream",
    "step_key",
    "text_key",
]

log = logging.getLogger("reportgen")

# Bumped whenever an entry's layout or the meaning of a key changes: old entries then miss.
CACHE_FORMAT = 1

ENV_VAR = "REPORTGEN_CACHE_DIR"
MARKER = "CACHEDIR.TAG"
# The first line is the Cache Directory Tagging Specification's signature
# (https://bford.info/cachedir/): backup tools skip a folder that has it.
_MARKER_TEXT = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This folder is reportgen's analysis cache; `reportgen cache clear` empties it.\n"
)
_MARKER_WORD = "reportgen"

# Entries and the temporary files they are written through; nothing else is ever deleted.
_ENTRY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}-[0-9a-f]{64}\.(npz|blob)$")
_TEMP = re.compile(r"^\.tmp-[a-z0-9][a-z0-9-]{0,63}-[0-9a-f]{64}-[A-Za-z0-9_]+\.(npz|blob)$")
_STEP = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_RECORD = "__record__"
# A temporary file older than this is left over from a build that was killed.
_STALE_TEMP_SECONDS = 24 * 3600

# A blob's trailer: magic, the key (32 raw bytes), the content's sha256, its length.
_BLOB_MAGIC = b"rgblob1\n"
_TRAILER = len(_BLOB_MAGIC) + 32 + 32 + 8
_COPY_CHUNK = 1 << 20

# What reading an entry may raise when the file is truncated, garbage or tampered with.
_UNREADABLE = (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, zlib.error)

T = TypeVar("T")
Decoder = Callable[[Mapping[str, np.ndarray], Any], T]


# --- where -----------------------------------------------------------------------------------


def default_folder() -> Path:
    """The cache folder when none is configured.

    ``$REPORTGEN_CACHE_DIR``, else the platform's user cache folder + ``reportgen``:
    ``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux, ``~/Library/Caches`` on macOS,
    ``%LOCALAPPDATA%`` on Windows.
    """
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Caches"
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        # The XDG spec ignores a relative path.
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".cache"
    return base / "reportgen"


def cache_folder(config: CacheConfig) -> Path:
    """The folder of a ``[cache]`` section: its ``dir``, else ``default_folder()``."""
    return config.dir if config.dir is not None else default_folder()


# --- keys ------------------------------------------------------------------------------------


def array_key(array: np.ndarray, *, engine: Engine = LOCAL) -> str:
    """sha256 of an array: its dtype, shape and C-order bytes (read by the engine block by
    block, so a memory map is never loaded whole).

    The vectors' key is the root of every analysis key: it hashes the validated vectors, not
    the file, so two files that hold the same numbers (a .npy and a .csv, say) share it.
    Rows that stay in their shards (``reportgen.io.shards.ShardedRows``, ``--engine dask``
    above the thresholds) are keyed by their shards' sha256s instead: no row is read.
    """
    if hasattr(array, "content_key"):
        return array.content_key()
    if array.dtype.kind not in "biufc":
        raise TypeError(f"array_key hashes numbers, not {array.dtype} (a bug in the caller)")
    return engine.sha256(array, f"array {array.dtype.str} {tuple(array.shape)}\n".encode())


def text_key(values: Iterable[str | None]) -> str:
    """sha256 of a column of text (None and "" differ)."""
    digest = hashlib.sha256()
    for value in values:
        digest.update(b"\x00" if value is None else b"\x01" + value.encode("utf-8") + b"\x00")
    return digest.hexdigest()


@functools.cache
def _version(name: str) -> str | None:
    # From the installed distribution's metadata: importing umap to ask would load numba.
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def step_key(
    step: str,
    parents: Sequence[str],
    params: Mapping[str, Any],
    libraries: Sequence[str] = (),
) -> str:
    """The key of one step's result: sha256 over its parents' keys, its parameters, the
    versions of ``libraries`` (distribution names), reportgen's version, the machine type
    and the cache format. ``params`` must be JSON-able."""
    document = {
        "format": CACHE_FORMAT,
        "reportgen": __version__,
        "machine": platform.machine(),
        "step": step,
        "parents": list(parents),
        "params": dict(params),
        "libraries": {name: _version(name) for name in sorted(libraries)},
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def call_key(
    step: str, function: Callable[..., Any], args: Sequence[Any], libraries: Sequence[str]
) -> str:
    """The key of ``function(*args)``'s result for a pure function: its name and a hash of
    every argument (arrays by content, dataclasses field by field)."""
    digest = hashlib.sha256()
    _feed(digest, list(args))
    name = f"{function.__module__}.{function.__qualname__}"
    return step_key(step, [], {"function": name, "args": digest.hexdigest()}, libraries)


def _call_key_or_none(
    step: str, function: Callable[..., Any], args: Sequence[Any], libraries: Sequence[str]
) -> str | None:
    try:
        return call_key(step, function, args, libraries)
    except TypeError as exc:  # an argument of a type _feed does not know: just compute
        log.debug("cache: %s not cached: %s", step, exc)
        return None


def _feed(digest: Any, value: Any) -> None:
    """Add a canonical encoding of ``value`` to ``digest`` (types tagged, lengths given)."""
    if value is None or isinstance(value, (bool, int, float, np.integer, np.floating)):
        if isinstance(value, (float, np.floating)):
            text = float(value).hex()
        elif isinstance(value, np.integer):
            text = str(int(value))
        else:
            text = repr(value)
        digest.update(f"{type(value).__name__[:1]}{text};".encode())
    elif isinstance(value, str):
        data = value.encode("utf-8")
        digest.update(b"s%d:" % len(data) + data)
    elif isinstance(value, bytes):
        digest.update(b"y%d:" % len(value) + value)
    elif isinstance(value, PurePath):
        _feed(digest, ("path", value.as_posix()))
    elif isinstance(value, np.ndarray):
        if value.dtype.kind == "O":
            _feed(digest, ("objects", value.shape, value.tolist()))
        else:
            digest.update(b"a" + array_key(value).encode())
    elif isinstance(value, (list, tuple)):
        digest.update(b"l%d:" % len(value))
        for item in value:
            _feed(digest, item)
    elif isinstance(value, Mapping):  # in its own order: an output may follow it
        digest.update(b"m%d:" % len(value))
        for name, item in value.items():
            _feed(digest, name)
            _feed(digest, item)
    elif hasattr(value, "content_key") and not isinstance(value, type):
        digest.update(b"k" + value.content_key().encode())
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        digest.update(f"d{type(value).__module__}.{type(value).__qualname__}:".encode())
        for field in dataclasses.fields(value):
            _feed(digest, field.name)
            _feed(digest, getattr(value, field.name))
    else:
        raise TypeError(f"cannot hash a {type(value).__name__} for the cache (a bug)")


def reuse_stream(
    cache: Cache | None,
    step: str,
    function: Callable[..., Callable[[BinaryIO], None]],
    *args: Any,
    libraries: Sequence[str] = ("numpy",),
    key_args: Sequence[Any] | None = None,
) -> Callable[[BinaryIO], None]:
    """``function(*args)``, a producer of a large file, made to copy the bytes it wrote in an
    earlier build from the cache instead of formatting them again.

    ``function`` must be pure: the key hashes its name and arguments (when the file is
    produced), reportgen's version and ``libraries``' versions. ``key_args`` replaces
    ``args`` in the key when an argument holds more than the result depends on (a whole
    config, of which only what the site shows matters).
    """
    producer = function(*args)
    if cache is None:
        return producer

    def produce(target: BinaryIO) -> None:
        key = _call_key_or_none(step, function, args if key_args is None else key_args, libraries)
        if key is None:
            producer(target)
        elif not cache.copy_blob(step, key, target):
            cache.tee_blob(step, key, producer, target)

    return produce


def reuse_bytes(
    cache: Cache | None,
    step: str,
    function: Callable[..., bytes],
    *args: Any,
    libraries: Sequence[str] = ("numpy",),
    key_args: Sequence[Any] | None = None,
) -> bytes:
    """``function(*args)`` (pure, returning bytes), from the cache when an earlier build
    stored it, else computed and stored (``key_args`` as for ``reuse_stream``)."""
    key = None
    if cache is not None:
        key = _call_key_or_none(step, function, args if key_args is None else key_args, libraries)
    if key is None:
        return function(*args)
    content = cache.read_blob(step, key)
    if content is None:
        content = function(*args)
        cache.write_blob(step, key, content)
    return content


# --- the folder ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CacheSummary:
    """What a cache folder holds: ``entries`` per step name -> (count, bytes)."""

    folder: Path
    exists: bool
    is_cache: bool
    entries: dict[str, tuple[int, int]]

    @property
    def count(self) -> int:
        return sum(count for count, _ in self.entries.values())

    @property
    def size(self) -> int:
        return sum(size for _, size in self.entries.values())


class Cache:
    """One cache folder and its size cap.

    Nothing touches the disk until the first ``get`` or ``put``. The folder is used only
    when reportgen created it, found it empty, or finds its own ``CACHEDIR.TAG`` in it;
    otherwise (a folder named by mistake) the cache is off for this build, with a warning.
    A folder that cannot be written turns writing off, with a warning; nothing here ever
    fails a build.
    """

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = Path(folder)
        self.max_bytes = int(max_bytes)
        self._usable: bool | None = None  # decided on first use
        self._writable = True

    @classmethod
    def from_config(cls, config: CacheConfig) -> Cache | None:
        """The cache a build's ``[cache]`` section asks for, or None when it is off."""
        if not config.enabled:
            return None
        return cls(cache_folder(config), config.max_size_mb * 2**20)

    # --- entries ---

    def get(self, step: str, key: str, decode: Decoder[T]) -> T | None:
        """The result stored under ``key``, decoded, or None (a miss).

        ``decode(arrays, value)`` rebuilds the result from the stored arrays and plain value
        and raises ValueError, KeyError or TypeError when they do not fit what is expected
        (shape, dtype, fields): the entry is then deleted and None returned.
        """
        if not self._ready(create=False):
            return None
        path = self._path(step, key)
        try:
            loaded = np.load(path, allow_pickle=False)
            if not isinstance(loaded, np.lib.npyio.NpzFile):
                raise ValueError("a bare array, not an .npz archive")
            with loaded as stored:
                record = json.loads(bytes(stored[_RECORD]).decode("utf-8"))
                arrays = {name: stored[name] for name in stored.files if name != _RECORD}
        except FileNotFoundError:
            return None
        except _UNREADABLE as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            return self._discard(path, f"unreadable ({type(exc).__name__}: {exc})")
        if not isinstance(record, dict) or (
            record.get("format"),
            record.get("step"),
            record.get("key"),
        ) != (CACHE_FORMAT, step, key):
            return self._discard(path, "its record does not match its name")
        try:
            result = decode(arrays, record.get("value"))
        except (ValueError, KeyError, TypeError) as exc:
            return self._discard(path, f"does not fit ({type(exc).__name__}: {exc})")
        with contextlib.suppress(OSError):  # gone meanwhile: the result is still good
            os.utime(path)  # least recently *used*: a read counts
        return result

    def put(self, step: str, key: str, arrays: Mapping[str, np.ndarray], value: Any) -> None:
        """Store a result: its numeric ``arrays`` and its JSON-able ``value``, atomically
        (a temporary file in the folder, then ``os.replace``), then evict the least recently
        used entries beyond the size cap."""
        if not _STEP.match(step) or not re.fullmatch(r"[0-9a-f]{64}", key):
            raise ValueError(f"bad cache entry name {step!r} / {key!r}")  # a bug in the caller
        for name, array in arrays.items():
            if name == _RECORD or array.dtype.kind not in "biuf":
                raise TypeError(f"cache entry {step}: array {name!r} must be numeric")
        if not self._writable or not self._ready(create=True):
            return
        record = json.dumps({"format": CACHE_FORMAT, "step": step, "key": key, "value": value})
        temp = None
        try:
            handle, temp = tempfile.mkstemp(
                dir=self.folder, prefix=f".tmp-{step}-{key}-", suffix=".npz"
            )
            with os.fdopen(handle, "wb") as stream:
                np.savez(
                    stream, **arrays, **{_RECORD: np.frombuffer(record.encode(), dtype=np.uint8)}
                )
            os.replace(temp, self._path(step, key))
            temp = None
        except OSError as exc:
            self._write_failed(exc)
            return
        finally:
            if temp is not None:
                _unlink(Path(temp))
        self.trim()

    def trim(self) -> list[Path]:
        """Delete the least recently used entries until the folder is within the size cap
        (and temporary files left by killed builds). Returns what was deleted."""
        entries = []
        removed = []
        now = time.time()
        for path, info in self._scan():
            if _TEMP.match(path.name):
                if now - info.st_mtime > _STALE_TEMP_SECONDS and _unlink(path):
                    removed.append(path)
                continue
            entries.append((info.st_mtime, path.name, path, info.st_size))
        total = sum(size for *_, size in entries)
        for _mtime, _name, path, size in sorted(entries):
            if total <= self.max_bytes:
                break
            if _unlink(path):
                log.debug("cache: evicted %s (%d bytes)", path.name, size)
                removed.append(path)
            total -= size
        return removed

    # --- the folder as a whole ---

    def summary(self) -> CacheSummary:
        """What the folder holds, per step."""
        entries: dict[str, tuple[int, int]] = {}
        is_cache = self._has_marker()
        if is_cache:
            for path, info in self._scan():
                if _ENTRY.match(path.name):
                    step = path.name.rsplit(".", 1)[0][:-65]
                    count, size = entries.get(step, (0, 0))
                    entries[step] = (count + 1, size + info.st_size)
        return CacheSummary(
            self.folder, self.folder.is_dir(), is_cache, dict(sorted(entries.items()))
        )

    def clear(self) -> tuple[int, int]:
        """Delete every entry (and temporary file); returns (files deleted, bytes freed).

        Only files that match reportgen's naming scheme, and only in a folder that carries
        reportgen's CACHEDIR.TAG, are deleted: the tag itself, the folder and anything else
        in it stay. Raises ConfigError for an existing folder without the tag.
        """
        if not self.folder.exists():
            return 0, 0
        if not self._has_marker():
            raise ConfigError(
                f"{self.folder} is not a reportgen cache folder (it has no {MARKER} written "
                "by reportgen): nothing removed"
            )
        count = size = 0
        for path, info in self._scan():
            if (_ENTRY.match(path.name) or _TEMP.match(path.name)) and _unlink(path):
                count += 1
                size += info.st_size
        return count, size

    # --- internals ---

    def _path(self, step: str, key: str, suffix: str = ".npz") -> Path:
        return self.folder / f"{step}-{key}{suffix}"

    # --- blobs: rendered files ---

    def copy_blob(self, step: str, key: str, target: BinaryIO) -> bool:
        """Write the blob stored under ``key`` into ``target``; False (nothing written) when
        there is none or it does not check out (then it is deleted).

        The whole blob is checked (trailer, length, sha256) before its first byte is copied.
        """
        if not self._ready(create=False):
            return False
        path = self._path(step, key, ".blob")
        try:
            stream = open(path, "rb")  # noqa: SIM115 - held open across the check and the copy
        except FileNotFoundError:
            return False
        except OSError as exc:
            self._discard(path, f"unreadable ({exc})")
            return False
        with stream:
            try:
                length = self._check_blob(stream, key)
            except OSError as exc:
                length = None
                why = f"unreadable ({exc})"
            else:
                why = "its trailer, length or checksum does not match"
            if length is None:
                self._discard(path, why)
                return False
            # An entry replaced or evicted meanwhile keeps its bytes for this open handle.
            stream.seek(0)
            remaining = length
            while remaining:
                chunk = stream.read(min(_COPY_CHUNK, remaining))
                if not chunk:
                    raise OSError(f"cache blob {path} shrank while it was read")
                target.write(chunk)
                remaining -= len(chunk)
        with contextlib.suppress(OSError):
            os.utime(path)
        return True

    def read_blob(self, step: str, key: str) -> bytes | None:
        """The bytes of the blob stored under ``key``, checked, or None."""
        buffer = io.BytesIO()
        return buffer.getvalue() if self.copy_blob(step, key, buffer) else None

    def tee_blob(
        self, step: str, key: str, producer: Callable[[BinaryIO], None], target: BinaryIO
    ) -> None:
        """Run ``producer`` into ``target`` and keep a copy of what it wrote as a blob.

        The copy goes to a temporary file renamed into place when the producer is done; if
        the cache cannot be written, ``target`` still gets everything. An exception from the
        producer (or from ``target``) propagates and leaves no blob.
        """
        sink = None
        if self._writable and self._ready(create=True):
            try:
                handle, temp = tempfile.mkstemp(
                    dir=self.folder, prefix=f".tmp-{step}-{key}-", suffix=".blob"
                )
                sink = _BlobSink(os.fdopen(handle, "wb"), Path(temp))
            except OSError as exc:
                self._write_failed(exc)
        tee = _Tee(target, sink)
        try:
            producer(tee)
        except BaseException:
            if sink is not None:
                sink.abort()
            raise
        if sink is None:
            return
        if tee.sink is None:  # writing the copy failed midway
            self._write_failed(sink.error)
            return
        try:
            sink.commit(bytes.fromhex(key), self._path(step, key, ".blob"))
        except OSError as exc:
            self._write_failed(exc)
            return
        self.trim()

    def write_blob(self, step: str, key: str, content: bytes) -> None:
        """Store ``content`` as a blob (atomically)."""
        self.tee_blob(step, key, lambda target: target.write(content), io.BytesIO())

    def _check_blob(self, stream: BinaryIO, key: str) -> int | None:
        """The content length of an open blob when its trailer and checksum fit ``key``."""
        size = os.fstat(stream.fileno()).st_size
        if size < _TRAILER:
            return None
        stream.seek(size - _TRAILER)
        trailer = stream.read(_TRAILER)
        magic, rest = trailer[: len(_BLOB_MAGIC)], trailer[len(_BLOB_MAGIC) :]
        stored_key, digest, length = rest[:32], rest[32:64], int.from_bytes(rest[64:], "little")
        if magic != _BLOB_MAGIC or stored_key != bytes.fromhex(key) or length != size - _TRAILER:
            return None
        stream.seek(0)
        check = hashlib.sha256()
        remaining = length
        while remaining:
            chunk = stream.read(min(_COPY_CHUNK, remaining))
            if not chunk:
                return None
            check.update(chunk)
            remaining -= len(chunk)
        return length if check.digest() == digest else None

    def _write_failed(self, exc: BaseException | None) -> None:
        self._writable = False
        _warn_once(f"cache: cannot write to {self.folder} ({exc}); not caching this build")

    def _has_marker(self) -> bool:
        try:
            return _MARKER_WORD in (self.folder / MARKER).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return False

    def _ready(self, *, create: bool) -> bool:
        """Whether the folder may be used; with ``create``, make it (with its tag) if needed."""
        if self._usable is not None:
            return self._usable
        if self._has_marker():
            self._usable = True
            return True
        if not create:
            return False  # nothing stored yet: every lookup misses, nothing to decide
        try:
            if (
                self.folder.exists()
                and any(not item.name.startswith(".tmp-") for item in self.folder.iterdir())
                # Look again: a concurrent build may have tagged the folder (and stored
                # entries) since the first look; it always writes the tag first.
                and not self._has_marker()
            ):
                _warn_once(
                    f"cache: {self.folder} is not empty and is not a reportgen cache (it has "
                    f"no {MARKER} written by reportgen); not caching this build: use "
                    "--cache-dir with a new or empty folder"
                )
                self._usable = False
                return False
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_atomically(self.folder / MARKER, _MARKER_TEXT.encode())
        except OSError as exc:
            _warn_once(f"cache: cannot use {self.folder} ({exc}); not caching this build")
            self._usable = False
            return False
        self._usable = True
        return True

    def _scan(self) -> list[tuple[Path, os.stat_result]]:
        found = []
        try:
            with os.scandir(self.folder) as listing:
                for item in listing:
                    if not (_ENTRY.match(item.name) or _TEMP.match(item.name)):
                        continue
                    try:
                        if item.is_file(follow_symlinks=False):
                            found.append((Path(item.path), item.stat(follow_symlinks=False)))
                    except OSError:
                        continue  # deleted meanwhile by a concurrent build
        except OSError:
            return []
        return found

    def _discard(self, path: Path, why: str) -> None:
        log.debug("cache: discarded %s: %s", path.name, why)
        _unlink(path)
        return None


class _BlobSink:
    """The temporary file a blob is written to, with its running checksum."""

    def __init__(self, stream: BinaryIO, path: Path) -> None:
        self.stream = stream
        self.path = path
        self.digest = hashlib.sha256()
        self.length = 0
        self.error: OSError | None = None

    def write(self, data: bytes) -> None:
        self.stream.write(data)
        self.digest.update(data)
        self.length += len(data)

    def commit(self, key: bytes, path: Path) -> None:
        try:
            trailer = self.digest.digest() + self.length.to_bytes(8, "little")
            self.stream.write(_BLOB_MAGIC + key + trailer)
            self.stream.close()
            os.replace(self.path, path)
        except OSError:
            self.abort()
            raise

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self.stream.close()
        _unlink(self.path)


class _Tee:
    """A write-only stream that writes to the site's file and to a blob's temporary file.

    An error writing the blob only stops the copy (``sink`` becomes None); an error writing
    the target propagates.
    """

    def __init__(self, target: BinaryIO, sink: _BlobSink | None) -> None:
        self.target = target
        self.sink = sink

    def write(self, data: bytes) -> int:
        written = self.target.write(data)
        if self.sink is not None:
            try:
                self.sink.write(data)
            except OSError as exc:
                self.sink.error = exc
                self.sink.abort()
                self.sink = None
        return written if written is not None else len(data)


@functools.cache
def _warn_once(message: str) -> None:
    # The analysis and the render each open the cache: one warning per problem is enough.
    log.warning("%s", message)


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except OSError:  # gone already (a concurrent build), or not ours to remove
        return False


def _write_atomically(path: Path, content: bytes) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-marker-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temp, path)
    except BaseException:
        _unlink(Path(temp))
        raise
