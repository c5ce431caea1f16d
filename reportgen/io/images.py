"""Images that belong to the rows: a folder of files, or a column of paths.

Images are only located here, never opened: a later stage decodes them and shows a
placeholder for any that are missing or unreadable.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from reportgen.config import display_path
from reportgen.dataset import Column, Images, SourceFile
from reportgen.errors import InputError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp")
_CHUNK = 1 << 20


def images_from_folder(folder: Path, n: int, count_phrase: str) -> tuple[Images, SourceFile]:
    """The image files of ``folder`` in sorted name order, one per vector.

    Hidden files and files of other types are skipped. Raises InputError when the folder
    is missing or holds a different number of images than there are vectors.
    """
    if not folder.exists():
        raise InputError("images folder not found", path=folder)
    if not folder.is_dir():
        raise InputError("is not a folder (--images takes a folder of image files)", path=folder)
    files = sorted(
        (p for p in folder.iterdir() if _is_image(p)),
        key=lambda p: p.name,
    )
    if len(files) != n:
        raise InputError(
            f"{len(files)} images, but {count_phrase} (images are matched to vectors in "
            f"sorted name order; types: {' '.join(IMAGE_SUFFIXES)})",
            path=folder,
        )
    source = SourceFile("images", display_path(folder), folder_sha256(files))
    return Images(paths=tuple(files)), source


def _is_image(path: Path) -> bool:
    return (
        not path.name.startswith(".") and path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()
    )


def folder_sha256(files: list[Path]) -> str:
    """The hex SHA-256 over each file's name, size and bytes, in the order given."""
    digest = hashlib.sha256()
    for path in files:
        # Name and size delimit each file, so that moving bytes between files changes it.
        digest.update(f"{path.name}\0{path.stat().st_size}\0".encode())
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def images_from_column(column: Column, folder: Path) -> Images:
    """Image paths from a metadata column, relative to ``folder``; an empty cell is None."""
    paths = tuple(folder / text if text.strip() else None for text in column.as_text())
    return Images(paths=paths)
