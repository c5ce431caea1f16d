"""Writing the per-row exports outside the site (``--exports-dir``): a local folder, or any
URL fsspec writes (``s3://``, ``gs://``, ``memory://``).

A local folder is written as the site is (``publish``: a temporary sibling, one swap, the
``.reportgen`` mark). An object store has no atomic rename of a folder, so there the new
files are first written under a hidden staging prefix beside the old ones; only once all
are written are they moved into place, the files of the previous export that the new one
does not have removed, and the mark (which lists the files) written last. A build that
fails or is killed before that leaves the previous export as it was, plus a staging
prefix that the next build removes.
"""

from __future__ import annotations

import io
import secrets
from pathlib import Path
from typing import Any

from reportgen.config import is_url
from reportgen.errors import PublishError
from reportgen.io.files import one_line
from reportgen.publish import MARKER, _check_target, publish
from reportgen.render.site_types import Site

_STAGING = ".reportgen-building-"


def _filesystem(url: str) -> tuple[Any, str]:
    """The fsspec filesystem of ``url`` and the path inside it, or a PublishError naming
    what is missing."""
    scheme = url.split("://", 1)[0]
    try:
        import fsspec
    except ImportError:
        raise PublishError(
            f"{url}: writing to {scheme}:// needs fsspec: pip install 'reportgen[remote]' "
            "(and the filesystem's package, such as s3fs or gcsfs)"
        ) from None
    try:
        filesystem, root = fsspec.core.url_to_fs(url)
    except ImportError as exc:
        raise PublishError(
            f"{url}: writing to {scheme}:// needs a package that is not installed: {one_line(exc)}"
        ) from None
    except ValueError as exc:
        raise PublishError(f"{url}: cannot be opened: {one_line(exc)}") from None
    return filesystem, root.rstrip("/")


def _previous_files(filesystem: Any, root: str) -> list[str] | None:
    """The files the previous export listed in its mark; None when ``root`` holds files
    but no mark (not written by reportgen); [] when it is empty or absent."""
    try:
        if not filesystem.exists(root):
            return []
        present = filesystem.find(root)
    except OSError as exc:
        raise PublishError(f"{root}: cannot be listed: {one_line(exc)}") from None
    mark = f"{root}/{MARKER}"
    if mark not in present:
        ours = [p for p in present if p[len(root) + 1 :].startswith(_STAGING)]
        return [] if len(ours) == len(present) else None
    text = filesystem.cat_file(mark).decode("utf-8", "replace")
    return [line for line in text.splitlines()[2:] if line]


def _not_ours(target: str) -> str:
    return (
        f"{target}: holds files that reportgen did not write (it has no {MARKER}); "
        "choose another --exports-dir, or pass --force to replace them"
    )


def check_exports_target(target: Path | str, out: Path | None, *, force: bool = False) -> None:
    """Raise PublishError unless ``target`` may receive the exports: not inside the site's
    folder ``out`` (nor holding it), and empty, absent or written by reportgen (unless
    ``force``). Cheap: the build calls it before the analysis."""
    if isinstance(target, str) and is_url(target) and not target.startswith("file://"):
        filesystem, root = _filesystem(target)
        if _previous_files(filesystem, root) is None and not force:
            raise PublishError(_not_ours(target))
        return
    folder = Path(str(target).removeprefix("file://")).absolute()
    if out is not None:
        site = Path(out).absolute()
        if folder == site or site in folder.parents or folder in site.parents:
            raise PublishError(
                f"{target}: --exports-dir must be outside the site's folder {out} (and not "
                "hold it): each build replaces the site whole"
            )
    _check_target(folder, force)


def publish_exports(files: Site, target: Path | str, *, force: bool = False) -> None:
    """Write ``files`` (relative path -> content) to the folder or URL ``target``,
    replacing the previous export only once all are written (see the module's note).
    Raises PublishError as ``check_exports_target``, or when the filesystem fails."""
    if not (isinstance(target, str) and is_url(target) and not target.startswith("file://")):
        publish(files, Path(str(target).removeprefix("file://")), force=force)
        return
    filesystem, root = _filesystem(target)
    previous = _previous_files(filesystem, root)
    if previous is None and not force:
        raise PublishError(_not_ours(target))
    staging = f"{root}/{_STAGING}{secrets.token_hex(4)}"
    names = sorted(files)
    try:
        for name in names:
            content = files[name]
            with filesystem.open(f"{staging}/{name}", "wb") as handle:
                if isinstance(content, bytes):
                    handle.write(content)
                else:
                    content(handle)
        for name in names:
            filesystem.mv(f"{staging}/{name}", f"{root}/{name}")
        for name in sorted(set(previous or []) - set(names)):
            if filesystem.exists(f"{root}/{name}"):
                filesystem.rm(f"{root}/{name}")
        mark = io.BytesIO()
        mark.write(b"Written by reportgen; the next build replaces these files:\n\n")
        mark.write("".join(f"{name}\n" for name in names).encode())
        filesystem.pipe_file(f"{root}/{MARKER}", mark.getvalue())
    except OSError as exc:
        raise PublishError(f"{target}: could not write the exports: {one_line(exc)}") from None
    finally:
        _remove_staging(filesystem, root)


def _remove_staging(filesystem: Any, root: str) -> None:
    """Remove this build's staging prefix and any a killed build left."""
    try:
        for path in filesystem.ls(root, detail=False):
            if path.rstrip("/").rsplit("/", 1)[-1].startswith(_STAGING):
                filesystem.rm(path, recursive=True)
    except OSError:
        pass  # an absent root, or a store that lists nothing: nothing to clean
