"""Writing the site: all of it into a temporary sibling folder, then one swap into place.

A build that fails or is interrupted while writing leaves the previous site exactly as it
was. reportgen marks the folders it writes (``MARKER``) and refuses to replace a non-empty
folder without that mark unless forced, so a mistyped ``--out`` cannot delete a user's data.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from reportgen.errors import PublishError
from reportgen.render.site_types import Site

MARKER = ".reportgen"
_MARKER_TEXT = (
    b"This folder was written by reportgen (https://pypi.org/project/reportgen/).\n"
    b"The next build into it replaces it whole: keep nothing else here.\n"
)


def _check_paths(site: Site) -> list[tuple[str, PurePosixPath]]:
    """The site's paths, normalised and sorted; reject any that could escape the folder."""
    seen: dict[PurePosixPath, str] = {}
    for name in site:
        path = PurePosixPath(name)
        if (
            not name
            or "\\" in name
            or path.is_absolute()
            or any(part in ("", ".", "..") for part in name.split("/"))
        ):
            raise PublishError(f"refusing to write {name!r}: not a plain relative path")
        if path == PurePosixPath(MARKER):
            raise PublishError(f"refusing to write {name!r}: reportgen's own marker file")
        if path in seen:
            raise PublishError(f"two files of the site have the same path {name!r}")
        seen[path] = name
    return sorted((name, path) for path, name in seen.items())


def _fixed_mtime() -> float | None:
    """``SOURCE_DATE_EPOCH`` as a file time, when set (reproducible-builds.org)."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if not value:
        return None
    try:
        return float(int(value))
    except ValueError:
        raise PublishError(f"SOURCE_DATE_EPOCH must be whole seconds, got {value!r}") from None


def _check_target(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise PublishError(f"{out}: exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file() and not force:
        raise PublishError(
            f"{out}: folder is not empty and was not written by reportgen (it has no "
            f"{MARKER} file); choose another --out, or pass --force to replace it whole"
        )


class _LimitedFile:
    """A file being written that refuses to grow past ``limit`` bytes (the build's
    ``--max-file-mb``, planned before writing; this is the guard that it held)."""

    def __init__(self, handle: BinaryIO, name: str, limit: int) -> None:
        self._handle = handle
        self._name = name
        self._left = limit

    def write(self, data: bytes) -> int:
        self._left -= len(data)
        if self._left < 0:
            raise PublishError(
                f"{self._name} grew past --max-file-mb while it was written; nothing was "
                "published (this is a bug: its size was planned)"
            )
        return self._handle.write(data)


def _write_tree(site: Site, root: Path, max_file_bytes: int | None) -> None:
    mtime = _fixed_mtime()
    for name, path in _check_paths(site):
        target = root.joinpath(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        content = site[name]
        with open(target, "wb") as handle:
            sink = handle if max_file_bytes is None else _LimitedFile(handle, name, max_file_bytes)
            if isinstance(content, bytes):
                sink.write(content)
            else:
                content(sink)  # type: ignore[arg-type]
        if mtime is not None:
            os.utime(target, (mtime, mtime))
    (root / MARKER).write_bytes(_MARKER_TEXT)
    if mtime is not None:
        for folder in sorted(p for p in root.rglob("*") if p.is_dir()):
            os.utime(folder, (mtime, mtime))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def publish(
    site: Site, out: Path, *, force: bool = False, max_file_bytes: int | None = None
) -> None:
    """Write ``site`` to folder ``out``, replacing what was there only once all is written.

    ``max_file_bytes`` is the budget's file limit, planned before (``render/budget.py``):
    a file that would grow past it fails the build like any other error.

    Raises PublishError when ``out`` is a file, or a non-empty folder reportgen did not
    write (unless ``force``), or when a site path is not a plain relative path. On any
    failure (including KeyboardInterrupt) the temporary folder is removed and ``out`` is
    left untouched.
    """
    out = Path(out).absolute()
    _check_target(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    try:
        # mkdtemp makes a private (0700) folder; a published site should be readable.
        os.chmod(staging, 0o777 & ~_umask())
        _write_tree(site, staging, max_file_bytes)
        _swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap_into_place(staging: Path, out: Path) -> None:
    """Move ``staging`` to ``out``; the old ``out`` is kept aside until the move succeeded."""
    if not out.exists():
        os.replace(staging, out)
        return
    backup = Path(tempfile.mkdtemp(prefix=f".{out.name}.previous-", dir=out.parent))
    os.rmdir(backup)  # only its unique name is wanted: os.replace needs a free target
    os.replace(out, backup)
    try:
        os.replace(staging, out)
    except BaseException:
        os.replace(backup, out)
        raise
    shutil.rmtree(backup, ignore_errors=True)


# --------------------------------------------------------------------------------------
# The single file (--single-file)

# How a file reportgen wrote starts (templates/base.html and the single file's head).
_GENERATOR = b'<meta name="generator" content="reportgen">'


def _written_by_reportgen(path: Path) -> bool:
    with open(path, "rb") as handle:
        return _GENERATOR in handle.read(1024)


def check_file_target(path: Path, *, force: bool = False) -> None:
    """Raise PublishError unless ``path`` may receive the single file: it does not exist,
    or it is a file reportgen wrote or an ``.html``/``.htm`` file (or ``force``). A folder
    is never replaced. Cheap: the build calls it before the analysis."""
    path = Path(path)
    if path.is_dir():
        raise PublishError(f"{path}: is a folder; --single-file takes a file name (report.html)")
    if path.exists() and not force:
        if not path.is_file():
            raise PublishError(f"{path}: exists and is not a regular file; choose another name")
        if path.suffix.lower() not in (".html", ".htm") and not _written_by_reportgen(path):
            raise PublishError(
                f"{path}: exists and is not an HTML file reportgen wrote; choose another "
                "--single-file, or pass --force to replace it"
            )


def publish_file(content: bytes, path: Path, *, force: bool = False) -> None:
    """Write ``content`` to ``path`` atomically: into a temporary file beside it, then one
    ``os.replace``. A failure (including KeyboardInterrupt) leaves any previous file as it
    was. The file time is ``SOURCE_DATE_EPOCH`` when set. Raises PublishError (see
    ``check_file_target``)."""
    path = Path(path).absolute()
    check_file_target(path, force=force)
    path.parent.mkdir(parents=True, exist_ok=True)
    mtime = _fixed_mtime()
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as target:
            target.write(content)
        # mkstemp makes a private (0600) file; a published report should be readable.
        os.chmod(temporary, 0o666 & ~_umask())
        if mtime is not None:
            os.utime(temporary, (mtime, mtime))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def describe_size(size: int) -> str:
    """A file size for the log: ``3.4 MB``, ``12.0 kB`` or ``512 bytes`` (SI units)."""
    if size >= 1_000_000:
        return f"{size / 1e6:.1f} MB"
    if size >= 1000:
        return f"{size / 1e3:.1f} kB"
    return f"{size} bytes"


class _FolderSite(Mapping[str, bytes]):
    """A published folder as a site mapping; each file is read when asked for."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._names = sorted(
            path.relative_to(root).as_posix()
            for path in root.rglob("*")
            if path.is_file() and path.name != MARKER
        )
        self._known = set(self._names)

    def __getitem__(self, name: str) -> bytes:
        if name not in self._known:
            raise KeyError(name)
        return self._root.joinpath(*PurePosixPath(name).parts).read_bytes()

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def read_site(folder: Path) -> Mapping[str, bytes]:
    """A site ``publish`` wrote, read back as a mapping of relative path -> bytes (lazily:
    a file is read only when it is looked up). Raises PublishError if ``folder`` is not a
    folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PublishError(f"{folder}: not a folder")
    return _FolderSite(folder)
