"""``projector/``: the files TensorFlow's Embedding Projector and TensorBoard load.

One folder serves both. The standalone Projector (projector.tensorflow.org, or a copy of it)
reads ``projector_config.json``: the vectors as raw float32 (``tensors.bytes``), the
metadata TSV, the sprite and the bookmarks. TensorBoard reads ``projector_config.pbtxt``
from its logdir root (run ``.``), so ``tensorboard --logdir site/projector`` shows the same
data; it points at a TSV copy of the vectors, because TensorBoard decides how to read a
tensor file by trying UTF-8 first and so misreads a ``.bytes`` file that happens to decode.

The bookmarks carry this report's own coordinates, one Projector ``State`` per view, so the
Projector shows exactly the layouts the report shows instead of recomputing its own.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import numpy as np

from reportgen.analysis.projections import method_of, methods, view_title
from reportgen.analysis.results import Analysis, View
from reportgen.analysis.scale import hash_sample
from reportgen.cache import Cache, reuse_bytes, reuse_stream
from reportgen.config import Config
from reportgen.dataset import Dataset
from reportgen.engine import LOCAL, Engine
from reportgen.errors import BudgetError
from reportgen.publish import describe_size
from reportgen.render.budget import MB, Budget, KnownSize
from reportgen.render.exports import exact_float
from reportgen.render.site_types import Producer, Site

PROJECTOR_DIR = "projector"
CONFIG_JSON = "projector_config.json"
CONFIG_PBTXT = "projector_config.pbtxt"
TENSOR_BYTES = "tensors.bytes"
TENSOR_TSV = "tensors.tsv"
METADATA_TSV = "metadata.tsv"
BOOKMARKS_JSON = "bookmarks.json"
SPRITE_PNG = "sprite.png"
PROJECTOR_URL = "https://projector.tensorflow.org/"

# The column added to metadata.tsv when some row would otherwise be blank: the Projector
# skips blank lines, which would shift every later row onto the wrong point.
ROW_COLUMN = "row"
# What one value of tensors.tsv costs while a block of rows is encoded: its Python float
# (from tolist), the list's pointer and its text; the engine sizes the blocks from it.
_TSV_VALUE_BYTES = 64
# Characters that end a metadata line or cell in the Projector's parser.
_SEPARATORS = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


def sprite_path(config: Config) -> str:
    """Where the site keeps its sprite sheet: inside ``projector/`` when the export is
    written (TensorBoard only reads files inside its logdir), else under ``images/``."""
    if config.projector.enabled:
        return f"{PROJECTOR_DIR}/{SPRITE_PNG}"
    return f"images/{SPRITE_PNG}"


# --------------------------------------------------------------------------------------
# metadata.tsv


def clean_cell(text: str) -> str:
    """A metadata value as the Projector can read it: tabs and line breaks become spaces."""
    return text.translate(_SEPARATORS)


def _is_blank(line: str) -> bool:
    # JavaScript's trim() also strips U+FEFF, which Python's str.strip() keeps.
    return not line.strip().strip("\ufeff")


@dataclass(frozen=True)
class MetadataTable:
    """The metadata as ``metadata.tsv`` holds it.

    ``row_column`` is True when a ``row`` column of 0-based row numbers (of the whole
    input) was added: because some row would otherwise be blank (the Projector skips blank
    lines, which would shift every later row onto the wrong point), or because the export
    holds a sample of the rows (so that each exported point can be found in the input).
    """

    header: list[str]
    rows: list[list[str]]
    row_column: bool


def metadata_table(dataset: Dataset, rows: np.ndarray | None = None) -> MetadataTable | None:
    """The metadata columns as the Projector will read them, or None without columns.

    Values have tabs and line breaks replaced by spaces; an empty cell stays empty (the
    Projector reads it as null). ``rows`` (sorted row indices) keeps only those rows and
    always adds the ``row`` column, then also without metadata columns.
    """
    if not dataset.columns and rows is None:
        return None
    header = [clean_cell(column.name) for column in dataset.columns]
    cells = [[clean_cell(text) for text in column.as_text()] for column in dataset.columns]
    kept = range(dataset.n) if rows is None else [int(row) for row in rows]
    table = [[column[row] for column in cells] for row in kept]
    add_row = rows is not None or any(_is_blank("".join(row)) for row in table)
    if add_row:
        name = ROW_COLUMN
        while name in header:
            name = "_" + name
        header.append(name)
        for index, row in zip(kept, table, strict=True):
            row.append(str(index))
    return MetadataTable(header, table, add_row)


def metadata_tsv(table: MetadataTable) -> bytes:
    """The TSV text: a header line exactly when there is more than one column, LF endings."""
    lines = ["\t".join(table.header)] if len(table.header) > 1 else []
    lines.extend("\t".join(row) for row in table.rows)
    return ("\n".join(lines) + "\n").encode("utf-8")


# --------------------------------------------------------------------------------------
# Tensors


def tensor_bytes(vectors: np.ndarray, *, engine: Engine = LOCAL) -> Producer:
    """``tensors.bytes``: little-endian float32, row-major, no header (streamed by the
    engine, block by block)."""
    n, dim = vectors.shape

    def encode(rows: slice) -> bytes:
        return np.ascontiguousarray(vectors[rows], dtype="<f4").tobytes()

    return lambda target: engine.stream(target, n, encode, 4 * dim)


def tensor_tsv(vectors: np.ndarray, *, engine: Engine = LOCAL) -> Producer:
    """``tensors.tsv``: one vector per line, 9 significant digits (float32 reads back
    exactly), tab-separated (streamed by the engine, block by block)."""
    n, dim = vectors.shape
    line_format = "\t".join(["%.9g"] * dim) + "\n"

    def encode(rows: slice) -> bytes:
        lines = vectors[rows].tolist()
        return "".join(line_format % tuple(row) for row in lines).encode("ascii")

    return lambda target: engine.stream(target, n, encode, _TSV_VALUE_BYTES * dim)


# --------------------------------------------------------------------------------------
# Bookmarks: one Projector State per view


def _projection_keys(view: View) -> list[str]:
    """The names the Projector stores a view's coordinates under, per point."""
    return method_of(view.key).projector_axes(view.projection)


# The longest text exact_float writes for a float32 ("-1.17549435e-38").
_FLOAT_TEXT_MAX = 15


def _points_json(view: View, rows: np.ndarray | None) -> str:
    """The per-point ``projections`` list of ``rows`` (all when None), written directly
    (it is the bulk of the file)."""
    keys = [json.dumps(key) for key in _projection_keys(view)]
    coordinates = view.projection.coordinates
    coordinates = (coordinates if rows is None else coordinates[rows]).tolist()
    parts = [
        "{"
        + ",".join(f"{key}:{exact_float(value)}" for key, value in zip(keys, row, strict=True))
        + "}"
        for row in coordinates
    ]
    return "[" + ",".join(parts) + "]"


def bookmark_label(view_key: str) -> str:
    """The name a view's bookmark has in the Projector: "reportgen: UMAP 2D"."""
    return f"reportgen: {view_title(view_key)}"


def _bookmark_point_bound(views: Sequence[View]) -> int:
    """At most how many bytes one point adds to bookmarks.json (every view's entry)."""
    total = 0
    for view in views:
        keys = [json.dumps(key) for key in _projection_keys(view)]
        # {"key":value,...} then the comma between points
        total += 2 + sum(len(key) + 1 + _FLOAT_TEXT_MAX + 1 for key in keys) + 1
    return total


def _state(view: View, dataset: Dataset, config: Config, label_column: str | None, n: int) -> dict:
    """Every field the Projector's ``loadState`` and panels read from a bookmark (``n``:
    the points the export holds)."""
    projection = view.projection
    own = method_of(view.key)
    state: dict[str, Any] = {
        "label": bookmark_label(view.key),
        "isSelected": False,
        "selectedProjection": projection.method,
        "dataSetDimensions": [n, dataset.dim],
    }
    # Every method's panel fields, from its own view's parameters or from the config.
    for method in methods():
        shown = projection if method is own else None
        state.update(method.bookmark_fields(shown, config, label_column))
    return {
        **state,
        "selectedPoints": [],
        "filteredPoints": None,
        # Left out on purpose: the Projector keeps its own shuffle when this is null, and
        # an empty list would be taken as the shuffle.
        "shuffledDataIndices": None,
        "cameraDef": None,
        "selectedColorOptionName": label_column,
        "forceCategoricalColoring": False,
        "selectedLabelOption": label_column,
    }


def projector_label_column(dataset: Dataset, table: MetadataTable | None) -> str | None:
    """The label column's name as the Projector calls it: a metadata file of one column
    has no header, and the Projector names that column "label"."""
    if dataset.label_column is None or table is None:
        return None
    return "label" if len(table.header) == 1 else clean_cell(dataset.label_column)


def bookmarks_json(
    dataset: Dataset,
    analysis: Analysis,
    config: Config,
    label_column: str | None,
    rows: np.ndarray | None = None,
) -> bytes:
    """``bookmarks.json``: a list of Projector States, one per view, with our coordinates.

    ``label_column`` is the label's name in ``metadata.tsv`` as the Projector reads it;
    ``rows`` the exported rows when the export is a sample (their coordinates only, in
    the order of tensors.bytes and metadata.tsv).
    """
    n = dataset.n if rows is None else len(rows)
    states = []
    for view in analysis.views:
        state = _state(view, dataset, config, label_column, n)
        # "projections" goes last and is spliced in as text: json.dumps of N small dicts
        # would be several times slower than writing them directly.
        head = json.dumps(state, sort_keys=True, ensure_ascii=False)
        states.append(head[:-1] + ',"projections":' + _points_json(view, rows) + "}")
    return ("[\n" + ",\n".join(states) + "\n]\n").encode("utf-8")


# --------------------------------------------------------------------------------------
# The two configs


@dataclass(frozen=True)
class ProjectorFiles:
    """Which files the export holds, as paths relative to ``projector/``."""

    tensor_name: str
    shape: tuple[int, int]
    tensors: bool
    tensor_tsv: bool
    metadata: bool
    bookmarks: bool
    sprite_dim: int | None  # the sprite's thumbnail side, when there is a sprite
    # When the budget made the export a sample: its sorted rows of the input (shape[0] of
    # them) and the input's N; None and 0 when every point is exported.
    rows: np.ndarray | None = field(default=None, compare=False)
    total: int = 0
    # What the budget sampled or left out, and the flag that brings it back.
    notes: tuple[str, ...] = ()

    @property
    def sampled(self) -> bool:
        """Whether the export holds a sample of the points."""
        return self.rows is not None

    def to_json(self) -> dict:
        """The export's entry in report.json's ``budget`` section."""
        return {
            "points": self.shape[0],
            "of": self.total if self.sampled else self.shape[0],
            "sampled": self.sampled,
            "tensors": self.tensors,
            "tensor_tsv": self.tensor_tsv,
            "sprite": self.sprite_dim is not None,
        }

    @property
    def has_configs(self) -> bool:
        """Whether the configs are written: both need a tensor file to point at."""
        return self.tensors


def config_json(files: ProjectorFiles, base_url: str | None) -> bytes:
    """``projector_config.json`` for the standalone Projector.

    Paths are relative to the config's folder, or absolute URLs under ``base_url`` (the
    Projector resolves relative paths against its own page, so ``?config=URL`` needs them).
    """
    prefix = f"{base_url.rstrip('/')}/{PROJECTOR_DIR}/" if base_url else ""
    embedding: dict[str, Any] = {
        "tensorName": files.tensor_name,
        "tensorShape": list(files.shape),
        "tensorPath": prefix + TENSOR_BYTES,
    }
    if files.metadata:
        embedding["metadataPath"] = prefix + METADATA_TSV
    if files.sprite_dim is not None:
        embedding["sprite"] = {
            "imagePath": prefix + SPRITE_PNG,
            "singleImageDim": [files.sprite_dim, files.sprite_dim],
        }
    if files.bookmarks:
        embedding["bookmarksPath"] = prefix + BOOKMARKS_JSON
    text = json.dumps({"embeddings": [embedding]}, indent=2, sort_keys=True, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def _pbtxt_string(text: str) -> str:
    """A protobuf text-format string literal (UTF-8 kept, quotes and controls escaped)."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif ord(char) < 0x20 or char == "\x7f":
            out.append(f"\\{ord(char):03o}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def config_pbtxt(files: ProjectorFiles) -> bytes:
    """TensorBoard's ``projector_config.pbtxt``; every path inside the logdir."""
    tensor_path = TENSOR_TSV if files.tensor_tsv else TENSOR_BYTES
    lines = [
        "embeddings {",
        f"  tensor_name: {_pbtxt_string(files.tensor_name)}",
        f"  tensor_path: {_pbtxt_string(tensor_path)}",
        # Read with the .bytes file (TensorBoard needs the shape there), harmless with TSV.
        f"  tensor_shape: {files.shape[0]}",
        f"  tensor_shape: {files.shape[1]}",
    ]
    if files.metadata:
        lines.append(f"  metadata_path: {_pbtxt_string(METADATA_TSV)}")
    if files.bookmarks:
        lines.append(f"  bookmarks_path: {_pbtxt_string(BOOKMARKS_JSON)}")
    if files.sprite_dim is not None:
        lines += [
            "  sprite {",
            f"    image_path: {_pbtxt_string(SPRITE_PNG)}",
            f"    single_image_dim: {files.sprite_dim}",
            f"    single_image_dim: {files.sprite_dim}",
            "  }",
        ]
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def projector_link(base_url: str | None) -> str | None:
    """The "Open in Embedding Projector" URL, when the site's public address is known."""
    if not base_url:
        return None
    config_url = f"{base_url.rstrip('/')}/{PROJECTOR_DIR}/{CONFIG_JSON}"
    return PROJECTOR_URL + "?config=" + quote(config_url, safe="")


# --------------------------------------------------------------------------------------
# The folder


# The longest line tensors.tsv can hold per value: exact_float's longest text and a tab.
_TSV_VALUE_MAX = _FLOAT_TEXT_MAX + 1
# Room for what a view's state may differ by between the sizing and the file (the label
# column's name, the number of points).
_BOOKMARK_STATE_SLACK = 64


@dataclass(frozen=True)
class ProjectorSample:
    """Which rows the export holds: ``rows`` (sorted) of ``total``, or None for all, and
    why (the notes for the page, the log and report.json)."""

    rows: np.ndarray | None
    total: int
    notes: tuple[str, ...]


def _label_codes(dataset: Dataset) -> np.ndarray:
    """int codes 0..L-1 of the labels (sorted order), zeros without a label column."""
    labels = dataset.labels
    if labels is None:
        return np.zeros(dataset.n, dtype=np.int64)
    return np.unique(np.asarray(labels, dtype=object), return_inverse=True)[1].astype(np.int64)


def projector_sample(dataset: Dataset, analysis: Analysis, config: Config) -> ProjectorSample:
    """The rows the export can carry: all of them up to ``[projector] max_points`` and as
    long as tensors.bytes, metadata.tsv and bookmarks.json each fit ``[render]
    max_file_mb``; beyond, the largest seeded ``hash_sample`` stratified by label that does.

    Raises BudgetError when not even one vector fits the file limit.
    """
    budget = Budget.of(config.render)
    limit = budget.max_file_bytes
    n, dim = dataset.n, dataset.dim
    size = min(n, config.projector.max_points)
    notes = []
    if size < n:
        notes.append(f"--projector-max-points {config.projector.max_points:,}")
    caps = []
    if config.projector.tensors:
        caps.append((limit // (4 * dim), "tensors.bytes"))
    if analysis.views:
        per_point = _bookmark_point_bound(analysis.views)
        label = clean_cell(dataset.label_column) if dataset.label_column else None
        states = sum(
            len(json.dumps(_state(view, dataset, config, label, n), ensure_ascii=False).encode())
            + _BOOKMARK_STATE_SLACK
            for view in analysis.views
        )
        room = limit - states
        caps.append((max(room, 0) // per_point, "bookmarks.json"))
    for cap, name in caps:
        if cap < size:
            size = cap
            notes.append(f"{budget.file_flag()} ({name} of every point would be over it)")
    if size < 1:
        raise BudgetError(
            f"{budget.file_flag()} ([render] max_file_mb) cannot hold the Projector export of "
            f"even one point ({dim:,} dimensions); raise it, or pass --no-projector"
        )
    codes = _label_codes(dataset)
    rows = None if size >= n else hash_sample(codes, size, config.seed)
    # metadata.tsv's size depends on which rows are kept (a long text column weighs most):
    # shrink the sample until it fits.
    table = metadata_table(dataset, rows)
    while table is not None and (written := len(metadata_tsv(table))) > limit:
        size = math.floor(size * limit / written * 0.98)
        if size < 1:
            raise BudgetError(
                f"{budget.file_flag()} ([render] max_file_mb) cannot hold metadata.tsv of even "
                "one point; raise it, or pass --no-projector"
            )
        rows = hash_sample(codes, size, config.seed)
        table = metadata_table(dataset, rows)
        if not any("metadata.tsv" in note for note in notes):
            notes.append(f"{budget.file_flag()} (metadata.tsv of more points would be over it)")
    return ProjectorSample(rows, n, tuple(notes))


def projector_files(
    dataset: Dataset,
    analysis: Analysis,
    config: Config,
    sprite_dim: int | None,
    sample: ProjectorSample | None = None,
) -> ProjectorFiles:
    """What the export will hold for this dataset and config; ``sprite_dim`` is the built
    sprite's thumbnail side, or None without images; ``sample`` is ``projector_sample``'s
    choice (all points when None)."""
    rows = None if sample is None else sample.rows
    n = dataset.n if rows is None else len(rows)
    limit = Budget.of(config.render).max_file_bytes
    notes: list[str] = []
    if rows is not None and sample is not None:
        notes.append(
            f"The export holds a seeded sample of {n:,} of the {sample.total:,} points, "
            f"stratified by label (seed {config.seed}), because of "
            f"{' and '.join(sample.notes)}; metadata.tsv's '{ROW_COLUMN}' column gives each "
            "point's row in the input. Raise the limit named to export more points "
            "(the Embedding Projector loads about 100,000)."
        )
    tsv = config.projector.tensors and config.projector.tensor_tsv
    # The TSV's size is bounded without formatting it: at most 16 bytes a value.
    tsv_bound = n * dataset.dim * _TSV_VALUE_MAX
    if tsv and tsv_bound > limit:
        tsv = False
        notes.append(
            f"tensors.tsv was left out: it could be up to {describe_size(tsv_bound)}, over "
            f"--max-file-mb {limit / MB:g}; TensorBoard reads tensors.bytes instead (which "
            "works unless that file happens to be valid UTF-8). Raise --max-file-mb, or "
            "lower --projector-max-points, to get it."
        )
    if rows is not None and sprite_dim is not None:
        sprite_dim = None
        notes.append(
            "The sprite sheet holds the images of all points, so the configs of this sample "
            "do not point at it; raise --projector-max-points and --max-file-mb to export "
            "every point with its images."
        )
    return ProjectorFiles(
        tensor_name=config.render.title or dataset.name,
        shape=(n, dataset.dim),
        tensors=config.projector.tensors,
        tensor_tsv=tsv,
        metadata=bool(dataset.columns) or rows is not None,
        bookmarks=bool(analysis.views),
        sprite_dim=sprite_dim,
        rows=rows,
        total=dataset.n if rows is not None else 0,
        notes=tuple(notes),
    )


def projector_site(
    dataset: Dataset,
    analysis: Analysis,
    config: Config,
    files: ProjectorFiles,
    table: MetadataTable | None,
    *,
    cache: Cache | None = None,
) -> Site:
    """The files of ``projector/``; the sprite is put there by the site (``sprite_path``).

    ``table`` is ``metadata_table(dataset)``, computed once for this and the page; with a
    ``cache``, tensors.tsv and bookmarks.json (seconds to format at 20,000 points) are
    copied from an earlier build's bytes.
    """
    site: Site = {}

    def put(name: str, content: bytes | Producer) -> None:
        site[f"{PROJECTOR_DIR}/{name}"] = content

    rows = files.rows
    vectors = dataset.vectors if rows is None else np.ascontiguousarray(dataset.vectors[rows])
    if files.tensors:
        put(TENSOR_BYTES, KnownSize(tensor_bytes(vectors), vectors.nbytes))
        if files.tensor_tsv:
            put(TENSOR_TSV, reuse_stream(cache, "tensors-tsv", tensor_tsv, vectors))
        put(CONFIG_JSON, config_json(files, config.render.base_url))
        put(CONFIG_PBTXT, config_pbtxt(files))
    if table is not None:
        put(METADATA_TSV, metadata_tsv(table))
    if files.bookmarks:
        label_column = projector_label_column(dataset, table)
        # Only what the site shows of the config goes into the key (not --out, say).
        shown = config.to_dict(for_provenance=True)
        content = reuse_bytes(
            cache,
            "bookmarks-json",
            bookmarks_json,
            dataset,
            analysis,
            config,
            label_column,
            rows,
            key_args=(dataset, analysis, shown, label_column, rows),
        )
        put(BOOKMARKS_JSON, content)
    return site
