"""Embedding Projector configs: a standalone ``projector_config.json`` or TensorBoard's
``projector_config.pbtxt``, with the tensor, metadata and sprite files they name.

The files are read as the Projector reads them (its ``data-provider.ts``): a ``.bytes``
tensor is raw float32, anything else TSV whose first cell may be a label; blank lines are
skipped; the first metadata line is a header exactly when it holds a tab. What the Projector
would show wrongly without a word (a cell that is not a number, a row count that differs, a
.bytes file of the wrong size, a sprite too small for every point) is an InputError here.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reportgen.config import InputConfig
from reportgen.dataset import Column, Images, SourceFile
from reportgen.errors import InputError
from reportgen.io import raw
from reportgen.io.arrays import Locator, RawVectors
from reportgen.io.files import one_line, read_text, require_file, source_file, suffix_of
from reportgen.io.tables import Table, check_header, column_from_cells, parse_number

logger = logging.getLogger("reportgen")

_FLOAT32 = 4  # bytes per value of a .bytes tensor
_MAX_NAME = 64  # a tensorName longer than this makes a poor title
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

METADATA_HEADER_RULE = (
    "the first line was read as a header because it holds a tab, as the Embedding Projector does"
)
METADATA_NO_HEADER_RULE = (
    "no header row: the first line holds no tab, so the file is one column named 'label', "
    "as in the Embedding Projector"
)


@dataclass(frozen=True)
class ProjectorInput:
    """What a Projector config points at, read and checked file by file.

    ``vectors`` are float32 (N, D), possibly with NaN/Inf; ``tables`` the metadata (labels
    from the tensor file first, then the metadata file); ``images`` the sprite's N tiles as
    uint8 (N, h, w, 3) or None; ``name`` a short title (the tensorName, else the config's
    stem).
    """

    vectors: RawVectors
    tables: tuple[Table, ...]
    images: Images | None
    sources: tuple[SourceFile, ...]
    name: str


@dataclass(frozen=True)
class _Embedding:
    """The embedding chosen from a config, its paths resolved against the config's folder."""

    name: str | None
    shape: tuple[int, int] | None
    tensor: Path
    metadata: Path | None
    sprite: Path | None
    sprite_dim: tuple[int, int] | None


def read_projector_config(path: Path) -> ProjectorInput:
    """Read a Projector config and the files of its first embedding.

    ``.json`` is the standalone Projector's JSON, ``.pbtxt`` TensorBoard's protobuf text
    format; any other name is told apart by its first character (``{`` is JSON). Paths in
    the config are relative to its folder (absolute paths and ``~`` work too); bookmarks
    are ignored.

    Raises InputError, naming the file and the line (and column where it applies), for:
    a config that does not parse or lists no embedding; a URL; an embedding without a
    tensor path (a TensorFlow checkpoint); a missing file; a .bytes tensor without
    tensorShape or whose size is not 4 x N x D; ragged TSV rows or a cell that is not a
    number; a tensorShape that differs from the TSV; a bad metadata header; a sprite that
    cannot be opened, has no singleImageDim or is too small for N thumbnails. The metadata
    row count is checked against the vectors later, with the other inputs.
    """
    require_file(path)
    text = read_text(path)
    syntax = _syntax(path, text)
    data = _parse_json(text, path) if syntax is _JSON else _parse_pbtxt(text, path)
    embedding = _choose_embedding(data, path, syntax)
    vectors, labels = _read_tensor(embedding, syntax, path)
    n = vectors.values.shape[0]
    sources = [source_file("projector config", path), source_file("vectors", embedding.tensor)]
    tables: list[Table] = []
    metadata = None
    if embedding.metadata is not None:
        require_file(embedding.metadata)
        metadata = _read_metadata(embedding.metadata, n)
        sources.append(source_file("metadata", embedding.metadata))
    if labels is not None:
        taken = {c.name for c in metadata.columns} if metadata is not None else set()
        column = Column(_free_name("label", taken), labels)
        tables.append(Table(vectors.source, n, (column,), embedding.tensor.parent))
    if metadata is not None:
        tables.append(metadata)
    images = None
    if embedding.sprite is not None:
        images = _read_sprite(embedding, syntax, path, n, vectors.count_phrase())
        sources.append(source_file("sprite", embedding.sprite))
    name = embedding.name if _is_short_name(embedding.name) else path.stem
    return ProjectorInput(vectors, tuple(tables), images, tuple(sources), name)


def _free_name(name: str, taken: set[str]) -> str:
    """``label`` when the metadata has no such column, else ``tensor_label`` (``_2``, ...)."""
    if name not in taken:
        return name
    candidate, number = f"tensor_{name}", 2
    while candidate in taken:
        candidate, number = f"tensor_{name}_{number}", number + 1
    return candidate


def _is_short_name(name: str | None) -> bool:
    """A tensorName fit for a title: not a variable path such as ``emb/.ATTRIBUTES/VALUE``."""
    return (
        name is not None
        and 0 < len(name.strip()) <= _MAX_NAME
        and name.isprintable()
        and "/" not in name
        and "\\" not in name
    )


# --------------------------------------------------------------------------------------
# The config: JSON or protobuf text format, to one dict with the JSON's camelCase keys


@dataclass(frozen=True)
class _Syntax:
    """How a config spells its keys in messages: ``tensorPath`` or ``tensor_path``."""

    name: str
    snake_case: bool

    def key(self, camel: str) -> str:
        if not self.snake_case:
            return camel
        return re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), camel)


_JSON = _Syntax("JSON", snake_case=False)
_PBTXT = _Syntax("protobuf text format", snake_case=True)


def _syntax(path: Path, text: str) -> _Syntax:
    suffix = suffix_of(path)
    if suffix == ".json":
        return _JSON
    if suffix == ".pbtxt":
        return _PBTXT
    return _JSON if text.lstrip().startswith("{") else _PBTXT


def _parse_json(text: str, path: Path) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg}", path=path, line=exc.lineno, column=exc.colno
        ) from None


def _choose_embedding(data: Any, path: Path, syntax: _Syntax) -> _Embedding:
    """The first embedding, checked field by field, with its paths resolved."""
    key = syntax.key
    if not isinstance(data, dict):
        raise InputError('must hold a JSON object: {"embeddings": [...]}', path=path)
    embeddings = data.get("embeddings")
    if embeddings is None or embeddings == []:
        raise InputError(
            f"lists no embeddings ({key('embeddings')!r} is missing or empty)", path=path
        )
    if not isinstance(embeddings, list) or not all(isinstance(e, dict) for e in embeddings):
        raise InputError(f"{key('embeddings')} must be a list of objects", path=path)
    entry = embeddings[0]
    name = _string(entry, "tensorName", path, syntax)
    if len(embeddings) > 1:
        logger.warning(
            "%s: %d embeddings; reading the first (%s), the others are ignored",
            path,
            len(embeddings),
            f"{key('tensorName')} {name!r}" if name else "it has no name",
        )
    tensor = _string(entry, "tensorPath", path, syntax)
    if not tensor:
        what = f"embedding {name!r}" if name else "the first embedding"
        raise InputError(
            f"{what} has no {key('tensorPath')}: its values are in a TensorFlow checkpoint, "
            "which reportgen cannot read; export the tensor as a TSV or a float32 .bytes "
            f"file and set {key('tensorPath')}",
            path=path,
        )
    sprite = entry.get("sprite")
    if sprite is not None and not isinstance(sprite, dict):
        raise InputError(f"{key('sprite')} must be an object", path=path)
    sprite = sprite or {}
    sprite_path = _string(sprite, "imagePath", path, syntax, within="sprite")
    metadata = _string(entry, "metadataPath", path, syntax)
    return _Embedding(
        name=name,
        shape=_pair(entry, "tensorShape", path, syntax, "[N, D]"),
        tensor=_asset(tensor, key("tensorPath"), path),
        metadata=_asset(metadata, key("metadataPath"), path) if metadata else None,
        sprite=_asset(sprite_path, key("sprite.imagePath"), path) if sprite_path else None,
        sprite_dim=_pair(sprite, "singleImageDim", path, syntax, "[width, height]", "sprite"),
    )


def _string(
    entry: dict[str, Any], field: str, path: Path, syntax: _Syntax, within: str = ""
) -> str | None:
    value = entry.get(field)
    if value is None or isinstance(value, str):
        return value
    shown = syntax.key(f"{within}.{field}" if within else field)
    raise InputError(f"{shown} must be a string, got {value!r}", path=path)


def _pair(
    entry: dict[str, Any], field: str, path: Path, syntax: _Syntax, form: str, within: str = ""
) -> tuple[int, int] | None:
    """An optional ``[a, b]`` of two positive integers (tensorShape, singleImageDim)."""
    value = entry.get(field)
    if value is None:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
    ):
        return value[0], value[1]
    shown = syntax.key(f"{within}.{field}" if within else field)
    raise InputError(f"{shown} must be {form}, two positive integers, got {value!r}", path=path)


def _asset(value: str, field: str, config: Path) -> Path:
    """A path of the config: relative to its folder, or absolute, with ``~`` expanded."""
    if _URL.match(value):
        raise InputError(
            f"{field} {value!r} is a URL; reportgen reads local files only: download the "
            f"file and point {field} at the copy",
            path=config,
        )
    asset = Path(os.path.expanduser(value))
    return asset if asset.is_absolute() else config.parent / asset


# --------------------------------------------------------------------------------------
# Protobuf text format, the subset a projector_config.pbtxt uses


@dataclass(frozen=True)
class _Token:
    kind: str  # string, number, ident or punct
    text: str
    line: int


@dataclass(frozen=True)
class _Field:
    name: str
    value: Any  # str (a string), int or float (a number), _Ident, or list[_Field] (a message)
    line: int


@dataclass(frozen=True)
class _Ident:
    """A bare identifier value: an enum, ``true``, ``inf``."""

    text: str


_TOKEN = re.compile(
    r"""
      (?P<space>[ \t\r\f\v]+)
    | (?P<newline>\n)
    | (?P<comment>\#[^\n]*)
    | (?P<string>"(?:[^"\\\n]|\\[^\n])*"|'(?:[^'\\\n]|\\[^\n])*')
    | (?P<open_string>["'])
    | (?P<number>-?(?:0[xX][0-9A-Fa-f]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fF]?))
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<punct>[{}<>\[\]:;,./-])
    """,
    re.VERBOSE,
)
_SIMPLE_ESCAPES = {
    "n": b"\n",
    "t": b"\t",
    "r": b"\r",
    "a": b"\a",
    "b": b"\b",
    "f": b"\f",
    "v": b"\v",
    "?": b"?",
    '"': b'"',
    "'": b"'",
    "\\": b"\\",
}
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{4})|(.))", re.DOTALL)
_CLOSING = {"{": "}", "<": ">"}

# Known fields: name -> (kind, repeated, fields of a message). Others are skipped.
_Schema = dict[str, tuple[str, bool, Any]]
_SPRITE: _Schema = {"image_path": ("string", False, None), "single_image_dim": ("uint", True, None)}
_EMBEDDING: _Schema = {
    "tensor_name": ("string", False, None),
    "metadata_path": ("string", False, None),
    "bookmarks_path": ("string", False, None),
    "tensor_shape": ("uint", True, None),
    "sprite": ("message", False, _SPRITE),
    "tensor_path": ("string", False, None),
}
_CONFIG: _Schema = {
    "model_checkpoint_path": ("string", False, None),
    "embeddings": ("message", True, _EMBEDDING),
    "model_checkpoint_dir": ("string", False, None),
}


def _parse_pbtxt(text: str, path: Path) -> dict[str, Any]:
    """A ProjectorConfig in protobuf text format as the dict its JSON form would be."""
    fields = _TextFormat(_tokens(text, path), path).message(None)
    return _to_dict(fields, _CONFIG, path)


def _syntax_error(message: str, path: Path, line: int) -> InputError:
    return InputError(f"not valid protobuf text format: {message}", path=path, line=line)


def _tokens(text: str, path: Path) -> list[_Token]:
    tokens, line, pos = [], 1, 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise _syntax_error(f"unexpected character {text[pos]!r}", path, line)
        kind = match.lastgroup
        if kind == "open_string":
            raise _syntax_error("string not closed on its line", path, line)
        if kind == "newline":
            line += 1
        elif kind in ("string", "number", "ident", "punct"):
            tokens.append(_Token(kind, match.group(), line))
        pos = match.end()
    return tokens


class _TextFormat:
    """A recursive-descent parser of fields into ``_Field`` trees; nothing is typed yet."""

    def __init__(self, tokens: list[_Token], path: Path) -> None:
        self.tokens = tokens
        self.path = path
        self.pos = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            last = self.tokens[-1].line if self.tokens else 1
            raise _syntax_error("the file ends in the middle of a field", self.path, last)
        self.pos += 1
        return token

    def error(self, message: str, token: _Token | None) -> InputError:
        line = token.line if token is not None else (self.tokens[-1].line if self.tokens else 1)
        return _syntax_error(message, self.path, line)

    def message(self, closing: str | None) -> list[_Field]:
        """Fields up to ``closing`` (``}`` or ``>``), or to the end of the file when None."""
        fields: list[_Field] = []
        while True:
            token = self.peek()
            if token is None:
                if closing is not None:
                    raise self.error(f"missing {closing!r} at the end of the file", token)
                return fields
            if token.kind == "punct" and token.text == closing:
                self.pos += 1
                return fields
            fields.extend(self.field())
            separator = self.peek()
            if separator is not None and separator.text in (";", ","):
                self.pos += 1

    def field(self) -> list[_Field]:
        token = self.take()
        if token.kind == "ident":
            name = token.text
        elif token.text == "[":  # an extension or Any: [type.googleapis.com/x.Y]
            parts = []
            while (part := self.take()).text != "]":
                parts.append(part.text)
            name = f"[{''.join(parts)}]"
        else:
            raise self.error(f"expected a field name, got {token.text!r}", token)
        colon = self.peek() is not None and self.peek().text == ":"
        if colon:
            self.pos += 1
        if self.at_block():
            return [_Field(name, self.block(), token.line)]
        following = self.peek()
        if not colon:
            raise self.error(f"expected ':' or '{{' after {name!r}", following)
        if following is not None and following.text == "[":
            return [_Field(name, value, token.line) for value in self.list_value()]
        return [_Field(name, self.scalar(), token.line)]

    def at_block(self) -> bool:
        token = self.peek()
        return token is not None and token.text in _CLOSING

    def block(self) -> list[_Field]:
        opening = self.take()
        return self.message(_CLOSING[opening.text])

    def list_value(self) -> list[Any]:
        self.take()  # [
        values: list[Any] = []
        if self.peek() is not None and self.peek().text == "]":
            self.pos += 1
            return values
        while True:
            following = self.peek()
            values.append(
                self.block()
                if following is not None and following.text in _CLOSING
                else self.scalar()
            )
            token = self.take()
            if token.text == "]":
                return values
            if token.text != ",":
                raise self.error(f"expected ',' or ']' in a list, got {token.text!r}", token)

    def scalar(self) -> Any:
        token = self.take()
        if token.kind == "string":
            data = _unescape(token, self.path)
            while (more := self.peek()) is not None and more.kind == "string":
                data += _unescape(self.take(), self.path)  # adjacent strings concatenate
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                raise self.error("a string that is not UTF-8", token) from None
        if token.kind == "number":
            return _number(token.text)
        if token.kind == "ident":
            return _Ident(token.text)
        if token.text == "-" and (name := self.peek()) is not None and name.kind == "ident":
            self.pos += 1
            return _Ident("-" + name.text)
        raise self.error(f"expected a value, got {token.text!r}", token)


def _number(text: str) -> int | float:
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("-")
    if digits[:2] in ("0x", "0X"):
        return sign * int(digits, 16)
    if re.fullmatch(r"[0-9]+", digits):
        return sign * int(digits)
    return float(text.rstrip("fF"))


def _unescape(token: _Token, path: Path) -> bytes:
    """A quoted string's bytes, its C escapes decoded (``\\n``, ``\\"``, octal, ``\\x``...)."""
    body = token.text[1:-1]
    out = bytearray()
    pos = 0
    for match in _ESCAPE.finditer(body):
        out += body[pos : match.start()].encode()
        octal, hexa, unicode, other = match.groups()
        if octal is not None:
            value = int(octal, 8)
            if value > 0xFF:
                raise _syntax_error(f"octal escape \\{octal} is above \\377", path, token.line)
            out.append(value)
        elif hexa is not None:
            out.append(int(hexa, 16))
        elif unicode is not None:
            out += chr(int(unicode, 16)).encode("utf-8", "surrogatepass")
        elif other in _SIMPLE_ESCAPES:
            out += _SIMPLE_ESCAPES[other]
        else:
            raise _syntax_error(f"unknown escape \\{other} in a string", path, token.line)
        pos = match.end()
    out += body[pos:].encode()
    return bytes(out)


def _to_dict(fields: list[_Field], schema: _Schema, path: Path) -> dict[str, Any]:
    """Typed fields under camelCase keys; a singular field given twice is refused, as
    protobuf's own parser does."""
    out: dict[str, Any] = {}
    for field in fields:
        if field.name not in schema:
            continue
        kind, repeated, inner = schema[field.name]
        key = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), field.name)
        value = _typed(field, kind, inner, path)
        if repeated:
            out.setdefault(key, []).append(value)
        elif key in out:
            raise _syntax_error(f"{field.name} is given twice", path, field.line)
        else:
            out[key] = value
    return out


def _typed(field: _Field, kind: str, inner: _Schema | None, path: Path) -> Any:
    value = field.value
    if kind == "message":
        if not isinstance(value, list):
            raise _syntax_error(f"{field.name} must be a message {{ ... }}", path, field.line)
        return _to_dict(value, inner or {}, path)
    if kind == "string" and isinstance(value, str):
        return value
    if kind == "uint" and isinstance(value, int) and 0 <= value < 2**32:
        return value
    wanted = "a quoted string" if kind == "string" else "a non-negative integer"
    shown = "a message" if isinstance(value, list) else repr(getattr(value, "text", value))
    raise _syntax_error(f"{field.name} must be {wanted}, got {shown}", path, field.line)


# --------------------------------------------------------------------------------------
# The tensor


def _read_tensor(
    embedding: _Embedding, syntax: _Syntax, config: Path
) -> tuple[RawVectors, np.ndarray | None]:
    path = embedding.tensor
    require_file(path)
    shape_key = syntax.key("tensorShape")
    if suffix_of(path) == ".bytes":
        return _read_bytes(path, embedding.shape, shape_key, config), None
    vectors, labels = _read_tsv(path)
    if embedding.shape is not None and vectors.values.shape != embedding.shape:
        n, d = vectors.values.shape
        raise InputError(
            f"{n} vectors of {d} numbers, but {shape_key} in {config.name} is "
            f"[{embedding.shape[0]}, {embedding.shape[1]}]",
            path=path,
        )
    return vectors, labels


def _read_bytes(
    path: Path, shape: tuple[int, int] | None, shape_key: str, config: Path
) -> RawVectors:
    if shape is None:
        raise InputError(
            f"a .bytes tensor holds no shape: set {shape_key} [N, D] in {config.name}", path=path
        )
    n, d = shape
    expected = _FLOAT32 * n * d
    size = path.stat().st_size
    if size != expected:
        raise InputError(
            f"{size} bytes, but {shape_key} [{n}, {d}] needs 4 x {n} x {d} = {expected} bytes "
            "of float32",
            path=path,
        )
    return raw.read_raw(path, InputConfig(dim=d))


def _read_tsv(path: Path) -> tuple[RawVectors, np.ndarray | None]:
    """Vectors from a Projector TSV: blank lines skipped, a label first where a row's first
    cell is not a number or the row has one cell more than the first row's vector."""
    source = str(path)
    lines: list[int] = []
    bodies: list[str] = []
    labels: list[str | None] = []
    dim = None
    first_line = 0
    for number, text in enumerate(read_text(path).split("\n"), start=1):
        text = text.strip()  # the Projector trims each line, tabs included
        if not text:
            continue
        first, _, rest = text.partition("\t")
        cells = text.count("\t") + 1
        labelled = parse_number(first) is None or (dim is not None and cells == dim + 1)
        size = cells - labelled
        if dim is None:
            dim, first_line = size, number
            if dim == 0:
                raise InputError(
                    f"the first line holds a label ({first!r}) but no numbers",
                    path=source,
                    line=number,
                )
        elif size != dim:
            after = f" after the label {first!r}" if labelled else ""
            raise InputError(
                f"{size} numbers{after}, but line {first_line} has {dim} (ragged rows)",
                path=source,
                line=number,
            )
        lines.append(number)
        bodies.append(rest if labelled else text)
        labels.append(first if labelled else None)
    assert dim is not None  # read_text refuses a file of nothing but whitespace
    has_label = [label is not None for label in labels]
    values = _parse_numbers(bodies, lines, has_label, dim, source)
    if all(has_label):
        columns: tuple[int | str, ...] = tuple(range(2, dim + 2))
    elif any(has_label):  # the numbers start in column 1 or 2, depending on the row
        columns = tuple(f"{k + 1} of the vector" for k in range(dim))
    else:
        columns = tuple(range(1, dim + 1))
    vectors = RawVectors(values, source, Locator(np.array(lines, dtype=np.int64), columns))
    if not any(has_label):
        return vectors, None
    cells = [label if label is not None else "" for label in labels]
    return vectors, column_from_cells("label", cells).values


def _parse_numbers(
    bodies: list[str], lines: list[int], has_label: list[bool], dim: int, source: str
) -> np.ndarray:
    """The number cells as float32: NumPy's parser first, then a scan for the culprit."""
    try:
        values = np.loadtxt(bodies, delimiter="\t", dtype=np.float32, comments=None, ndmin=2)
        if values.shape == (len(bodies), dim):
            return np.ascontiguousarray(values)
    except ValueError:
        pass
    out = np.empty((len(bodies), dim), np.float32)
    for r, body in enumerate(bodies):
        for k, cell in enumerate(body.split("\t")):
            number = parse_number(cell)
            if number is None:
                what = "an empty cell" if not cell.strip() else repr(cell)
                raise InputError(
                    f"{what} is not a number",
                    path=source,
                    line=lines[r],
                    column=k + 1 + has_label[r],
                )
            out[r, k] = number
    return out


# --------------------------------------------------------------------------------------
# Metadata


def _read_metadata(path: Path, n: int) -> Table:
    """Metadata as the Projector parses it: blank lines skipped; the first line a header
    exactly when it holds a tab; a missing trailing cell is empty; extra cells ignored.

    The row count is checked later against the vectors; ``header_rule`` carries the
    Projector's own hint when the count is one off.
    """
    source = str(path)
    records = [
        (number, text)
        for number, text in enumerate(read_text(path).split("\n"), start=1)
        if text.strip()
    ]
    header_line, header = records[0]
    if "\t" in header:
        names = header.split("\t")
        try:
            check_header(names, source)
        except InputError as exc:  # check_header assumes the header is line 1
            raise InputError(exc.detail, path=source, line=header_line, column=exc.column) from None
        body, rule = records[1:], METADATA_HEADER_RULE
    else:
        names, body, rule = ["label"], records, METADATA_NO_HEADER_RULE
    width = len(names)
    rows = [text.split("\t") for _, text in body]
    longer = [line for (line, _), cells in zip(body, rows, strict=True) if len(cells) > width]
    if longer:
        logger.warning(
            "%s: %d %s more cells than the %d column names (first: line %d); the extra "
            "cells are ignored, as the Embedding Projector does",
            source,
            len(longer),
            "line has" if len(longer) == 1 else "lines have",
            width,
            longer[0],
        )
    columns = tuple(
        column_from_cells(name, [cells[i] if i < len(cells) else "" for cells in rows])
        for i, name in enumerate(names)
    )
    if len(rows) == n + 1 and width == 1:
        rule = (
            f"single-column metadata must not have a header row: delete line {header_line} "
            "if it is one"
        )
    elif len(rows) == n - 1 and width > 1:
        rule = (
            f"multi-column metadata needs a header row: line {header_line} was read as the "
            "column names"
        )
    return Table(source, len(rows), columns, path.parent, rule)


# --------------------------------------------------------------------------------------
# Sprite


def _read_sprite(
    embedding: _Embedding, syntax: _Syntax, config: Path, n: int, count_phrase: str
) -> Images:
    """The N thumbnails of a sprite sheet, row-major from the top left, as uint8 RGB."""
    from PIL import (
        Image,
        UnidentifiedImageError,
    )  # imported here: only a config with a sprite needs Pillow

    path = embedding.sprite
    assert path is not None
    if embedding.sprite_dim is None:
        raise InputError(
            f"{syntax.key('sprite.singleImageDim')} [width, height] is missing: the size of "
            "one thumbnail in the sprite is needed",
            path=config,
        )
    require_file(path)
    width, height = embedding.sprite_dim
    try:
        with Image.open(path) as image:
            sheet = np.asarray(image.convert("RGB"))
    except UnidentifiedImageError:
        raise InputError(
            "cannot be read as an image (not a PNG, JPEG or other format Pillow reads)", path=path
        ) from None
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(f"cannot be read as an image: {one_line(exc)}", path=path) from None
    per_row = sheet.shape[1] // width
    rows = -(-n // per_row) if per_row else 0
    if per_row == 0 or rows * height > sheet.shape[0]:
        holds = per_row * (sheet.shape[0] // height)
        raise InputError(
            f"{sheet.shape[1]}x{sheet.shape[0]} pixels hold {holds} thumbnails of "
            f"{width}x{height}, but {count_phrase}",
            path=path,
        )
    grid = sheet[: rows * height, : per_row * width]
    tiles = grid.reshape(rows, height, per_row, width, 3).swapaxes(1, 2)
    return Images(arrays=np.ascontiguousarray(tiles.reshape(-1, height, width, 3)[:n]))
