"""Writing the site: all of it into a temporary sibling folder, then one swap into place.

A build that fails or is interrupted while writing leaves the previous site exactly as it
was. reportgen marks the folders it writes (``MARKER``) and refuses to replace a non-empty
folder without that mark unless forced, so a mistyped ``--out`` cannot delete a user's data.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

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


def _write_tree(site: Site, root: Path) -> None:
    mtime = _fixed_mtime()
    for name, path in _check_paths(site):
        target = root.joinpath(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        content = site[name]
        with open(target, "wb") as handle:
            if isinstance(content, bytes):
                handle.write(content)
            else:
                content(handle)
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


def publish(site: Site, out: Path, *, force: bool = False) -> None:
    """Write ``site`` to folder ``out``, replacing what was there only once all is written.

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
        _write_tree(site, staging)
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
