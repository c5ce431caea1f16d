"""What every file reader needs: finding the file, hashing it, decoding its text."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from reportgen.config import display_path
from reportgen.dataset import SourceFile
from reportgen.errors import InputError

_CHUNK = 1 << 20  # 1 MiB: hashing streams, so that a multi-GB file is never held in memory
_BOM = b"\xef\xbb\xbf"


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The hex SHA-256 of a file's bytes, read in 1 MiB chunks; of a folder (a saved
    dataset), the SHA-256 of each file's relative path and SHA-256, in sorted order."""
    if os.path.isdir(path):
        folder = Path(path)
        digest = hashlib.sha256()
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = file.relative_to(folder).as_posix()
            digest.update(f"{name}\0{file_sha256(file)}\n".encode())
        return digest.hexdigest()
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def array_sha256(values: np.ndarray) -> str:
    """The hex SHA-256 of an array's bytes in C order (no copy when it is already C order)."""
    return hashlib.sha256(np.ascontiguousarray(values)).hexdigest()


def source_file(role: str, path: Path) -> SourceFile:
    """The provenance record of an input file: its display name and its hash."""
    return SourceFile(role=role, name=display_path(path), sha256=file_sha256(path))


def require_file(path: Path) -> None:
    """Raise InputError unless ``path`` is an existing, non-empty regular file."""
    if not path.exists():
        raise InputError("file not found", path=path)
    if not path.is_file():
        raise InputError("is not a file", path=path)
    if path.stat().st_size == 0:
        raise InputError("is empty (0 bytes)", path=path)


def suffix_of(path: Path) -> str:
    """The file's extension in lower case (``.NPY`` is ``.npy``)."""
    return path.suffix.lower()


def unsupported(path: Path, role: str, supported: tuple[str, ...]) -> InputError:
    """The error for a file whose extension no reader handles."""
    kind = f"'{path.suffix}'" if path.suffix else "without an extension"
    listed = ", ".join(supported[:-1]) + " or " + supported[-1]
    return InputError(f"unsupported {role} file type {kind}; use {listed}", path=path)


def one_line(exc: BaseException) -> str:
    """A library's error message on one line: the CLI prints an InputError as one line."""
    return " ".join(str(exc).split())


def read_text(path: Path) -> str:
    """The file's text, decoded as UTF-8 with an optional BOM removed.

    Raises InputError when the file holds only whitespace, or names the line of the first
    byte that is not UTF-8.
    """
    data = path.read_bytes()
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    if not data.strip():
        raise InputError("is empty (nothing but whitespace)", path=path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise InputError(
            f"not valid UTF-8 (byte 0x{bad}); save the file as UTF-8", path=path, line=line
        ) from None
    # One line ending from here on (CRLF from Windows, a lone CR from classic Mac OS).
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
