"""Bad inputs that ``load_dataset`` must refuse with an InputError, as data.

Each case is files to write into an empty folder, InputConfig options (path-valued options
given as file names relative to that folder) and a regex its message must match. The io
tests run them through ``load_dataset`` (test_cases.py); the CLI tests can run the same
cases through ``reportgen build`` and expect exit code 2.

Self-contained on purpose (only numpy), so that other test folders can import it.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from dataclasses import dataclass

import numpy as np

PATH_OPTIONS = ("vectors", "metadata", "images", "projector_config")


@dataclass(frozen=True)
class BadInput:
    """One bad input: the files, the options and the message that must come out."""

    id: str
    files: dict[str, bytes]
    options: dict[str, object]
    message: str  # a regex, matched with re.search against the error message


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _npz(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _png(width: int, height: int) -> bytes:
    """A black 8-bit RGB PNG, written with the standard library (no Pillow here)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = b"".join(b"\0" + bytes(3 * width) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


def _projector(**embedding: object) -> dict[str, bytes]:
    """A projector_config.json (as p.json) listing one embedding."""
    return {"p.json": json.dumps({"embeddings": [embedding]}).encode()}


_GOOD_TSV = b"1\t2\n3\t4\n5\t6\n"
_P = {"projector_config": "p.json"}
_PBTXT = {"projector_config": "projector_config.pbtxt"}

BAD_INPUTS: list[BadInput] = [
    # 1. empty files
    BadInput("empty-npy", {"v.npy": b""}, {"vectors": "v.npy"}, r"v\.npy: is empty"),
    BadInput(
        "whitespace-tsv",
        {"v.tsv": b"\n  \r\n\n"},
        {"vectors": "v.tsv"},
        r"v\.tsv: is empty",
    ),
    BadInput(
        "empty-metadata",
        {"v.tsv": _GOOD_TSV, "m.tsv": b"\n"},
        {"vectors": "v.tsv", "metadata": "m.tsv"},
        r"m\.tsv: is empty",
    ),
    # 2. fewer than 3 vectors
    BadInput(
        "two-vectors",
        {"v.tsv": b"1\t2\n3\t4\n"},
        {"vectors": "v.tsv"},
        r"v\.tsv: has 2 vectors; at least 3 are needed",
    ),
    BadInput(
        "two-left-after-drop",
        {"v.tsv": b"1\t2\nnan\t4\n5\t6\n"},
        {"vectors": "v.tsv", "drop_invalid": True},
        r"v\.tsv: only 2 vectors left after dropping 1 row with NaN or Inf",
    ),
    # 3. ragged rows / wrong shape
    BadInput(
        "ragged-tsv",
        {"v.tsv": b"1\t2\n3\t4\t5\n6\t7\n"},
        {"vectors": "v.tsv"},
        r"v\.tsv: line 2: 3 cells, but line 1 has 2",
    ),
    BadInput(
        "npy-1d",
        {"v.npy": _npy(np.zeros(5, np.float32))},
        {"vectors": "v.npy"},
        r"v\.npy: has shape \(5,\)",
    ),
    BadInput(
        "blank-line-inside",
        {"v.tsv": b"1\t2\n\n3\t4\n5\t6\n"},
        {"vectors": "v.tsv"},
        r"v\.tsv: line 2: blank line",
    ),
    # 4. non-numeric cell
    BadInput(
        "non-numeric-csv",
        {"v.csv": b"a,b\n1,2\n3,oops\n4,5\n"},
        {"vectors": "v.csv"},
        r"v\.csv: line 3, column 2 \('b'\): 'oops' is not a number",
    ),
    BadInput(
        "bool-npy",
        {"v.npy": _npy(np.ones((4, 2), bool))},
        {"vectors": "v.npy"},
        r"v\.npy: has dtype bool",
    ),
    # 5. NaN / Inf
    BadInput(
        "nan-tsv",
        {"v.tsv": b"1\t2\n3\tnan\n5\t6\n"},
        {"vectors": "v.tsv"},
        r"v\.tsv: line 2, column 2: NaN in a vector \(1 row has NaN or Inf; .*--drop-invalid",
    ),
    BadInput(
        "inf-npy",
        {"v.npy": _npy(np.array([[1, 2], [3, 4], [np.inf, 6]], np.float32))},
        {"vectors": "v.npy"},
        r"v\.npy: row 2, column 0: Inf in a vector",
    ),
    # 6. metadata row count
    BadInput(
        "metadata-rows-tsv-header",
        {"v.tsv": _GOOD_TSV, "m.tsv": b"a\tb\n1\t2\n3\t4\n5\t6\n7\t8\n"},
        {"vectors": "v.tsv", "metadata": "m.tsv"},
        r"m\.tsv: 4 rows, but .*v\.tsv has 3 vectors \(the first line was read as a header "
        r"because the file has 2 columns",
    ),
    BadInput(
        "metadata-rows-one-column",
        {"v.tsv": _GOOD_TSV, "m.tsv": b"a\nb\n"},
        {"vectors": "v.tsv", "metadata": "m.tsv"},
        r"m\.tsv: 2 rows, but .*v\.tsv has 3 vectors \(no header row",
    ),
    # 7. not UTF-8
    BadInput(
        "latin1-metadata",
        {"v.tsv": _GOOD_TSV, "m.tsv": b"a\nb\ncaf\xe9\n"},
        {"vectors": "v.tsv", "metadata": "m.tsv"},
        r"m\.tsv: line 3: not valid UTF-8",
    ),
    # 8. duplicate column names
    BadInput(
        "duplicate-header",
        {"v.tsv": _GOOD_TSV, "m.csv": b"a,b,a\n1,2,3\n1,2,3\n1,2,3\n"},
        {"vectors": "v.tsv", "metadata": "m.csv"},
        r"m\.csv: line 1: duplicate column name 'a'",
    ),
    BadInput(
        "duplicate-across-files",
        {"v.csv": b"x,y,label\n1,2,a\n3,4,b\n5,6,c\n", "m.tsv": b"p\nq\nr\n"},
        {"vectors": "v.csv", "metadata": "m.tsv"},
        r"duplicate column 'label'",
    ),
    # 9. label / text / image column not found
    BadInput(
        "label-column-missing",
        {"v.tsv": _GOOD_TSV, "m.tsv": b"kind\tsize\na\t1\nb\t2\nc\t3\n"},
        {"vectors": "v.tsv", "metadata": "m.tsv", "label_column": "species"},
        r"m\.tsv: --label-column 'species' not found; the metadata columns are: 'kind', 'size'",
    ),
    BadInput(
        "text-column-missing",
        {"v.tsv": _GOOD_TSV, "m.tsv": b"a\nb\nc\n"},
        {"vectors": "v.tsv", "metadata": "m.tsv", "text_column": "hover"},
        r"--text-column 'hover' not found",
    ),
    # 10. .bytes size
    BadInput(
        "bytes-size",
        {"v.bytes": bytes(30)},
        {"vectors": "v.bytes", "dim": 2},
        r"v\.bytes: size 30 bytes is not a multiple of 4 x dim = 8 \(remainder 6\)",
    ),
    BadInput(
        "bytes-without-dim",
        {"v.bytes": bytes(32)},
        {"vectors": "v.bytes"},
        r"v\.bytes: .*pass --dim",
    ),
    # and the files themselves
    BadInput("missing-file", {}, {"vectors": "nope.npy"}, r"nope\.npy: file not found"),
    BadInput(
        "unknown-extension",
        {"v.txt": b"1 2\n"},
        {"vectors": "v.txt"},
        r"v\.txt: unsupported vectors file type '\.txt'",
    ),
    BadInput(
        "npz-several-arrays",
        {"v.npz": _npz(a=np.ones((3, 2)), b=np.ones((3, 2)))},
        {"vectors": "v.npz"},
        r"v\.npz: holds 2 arrays \('a', 'b'\); choose one with --array",
    ),
    BadInput(
        "images-count",
        {"v.tsv": _GOOD_TSV, "imgs/a.png": b"a", "imgs/b.png": b"b"},
        {"vectors": "v.tsv", "images": "imgs"},
        r"imgs: 2 images, but .*v\.tsv has 3 vectors",
    ),
    # 11. Embedding Projector configs (--projector-config)
    BadInput(
        "projector-json-syntax",
        {"p.json": b'{"embeddings": [\n  {"tensorPath": "t.tsv",}\n]}'},
        _P,
        r"p\.json: line 2, column 26: not valid JSON: Expecting property name",
    ),
    BadInput(
        "projector-no-embeddings",
        {"p.json": b'{"embeddings": []}'},
        _P,
        r"p\.json: lists no embeddings",
    ),
    BadInput(
        "projector-url",
        _projector(tensorPath="https://example.com/t.tsv"),
        _P,
        r"p\.json: tensorPath 'https://example\.com/t\.tsv' is a URL; reportgen reads local "
        r"files only: download",
    ),
    BadInput(
        "projector-checkpoint",
        {
            "projector_config.pbtxt": b'model_checkpoint_path: "model.ckpt"\n'
            b'embeddings { tensor_name: "word_emb" }\n'
        },
        _PBTXT,
        r"projector_config\.pbtxt: embedding 'word_emb' has no tensor_path: its values are in "
        r"a TensorFlow checkpoint, .*export the tensor as a TSV or a float32 \.bytes",
    ),
    BadInput(
        "projector-missing-tensor",
        _projector(tensorPath="data/t.tsv"),
        _P,
        r"data/t\.tsv: file not found",
    ),
    BadInput(
        "projector-bytes-size",
        {**_projector(tensorPath="t.bytes", tensorShape=[3, 2]), "t.bytes": bytes(20)},
        _P,
        r"t\.bytes: 20 bytes, but tensorShape \[3, 2\] needs 4 x 3 x 2 = 24 bytes",
    ),
    BadInput(
        "projector-bytes-without-shape",
        {**_projector(tensorPath="t.bytes"), "t.bytes": bytes(24)},
        _P,
        r"t\.bytes: a \.bytes tensor holds no shape: set tensorShape \[N, D\] in p\.json",
    ),
    BadInput(
        "projector-ragged-tsv",
        {**_projector(tensorPath="t.tsv"), "t.tsv": b"1\t2\t3\n\n4\t5\n6\t7\t8\n"},
        _P,
        r"t\.tsv: line 3: 2 numbers, but line 1 has 3 \(ragged rows\)",
    ),
    BadInput(
        "projector-not-a-number",
        {**_projector(tensorPath="t.tsv"), "t.tsv": b"a\t1\t2\nb\t3\tx\nc\t5\t6\n"},
        _P,
        r"t\.tsv: line 2, column 3: 'x' is not a number",
    ),
    BadInput(
        "projector-shape-differs",
        {**_projector(tensorPath="t.tsv", tensorShape=[4, 2]), "t.tsv": _GOOD_TSV},
        _P,
        r"t\.tsv: 3 vectors of 2 numbers, but tensorShape in p\.json is \[4, 2\]",
    ),
    BadInput(
        "projector-metadata-single-column-header",
        {
            **_projector(tensorPath="t.tsv", metadataPath="m.tsv"),
            "t.tsv": _GOOD_TSV,
            "m.tsv": b"name\na\nb\nc\n",
        },
        _P,
        r"m\.tsv: 4 rows, but .*t\.tsv has 3 vectors \(single-column metadata must not have "
        r"a header row",
    ),
    BadInput(
        "projector-metadata-no-header",
        {
            **_projector(tensorPath="t.tsv", metadataPath="m.tsv"),
            "t.tsv": _GOOD_TSV,
            "m.tsv": b"a\t1\nb\t2\nc\t3\n",
        },
        _P,
        r"m\.tsv: 2 rows, but .*t\.tsv has 3 vectors \(multi-column metadata needs a header "
        r"row: line 1 was read as the column names",
    ),
    BadInput(
        "projector-metadata-duplicate-header",
        {
            **_projector(tensorPath="t.tsv", metadataPath="m.tsv"),
            "t.tsv": _GOOD_TSV,
            "m.tsv": b"\n  \nk\tk\n1\t2\n3\t4\n5\t6\n",
        },
        _P,
        r"m\.tsv: line 3: duplicate column name 'k' in the header",
    ),
    BadInput(
        "projector-sprite-missing",
        {
            **_projector(
                tensorPath="t.tsv", sprite={"imagePath": "s.png", "singleImageDim": [2, 2]}
            ),
            "t.tsv": _GOOD_TSV,
        },
        _P,
        r"s\.png: file not found",
    ),
    BadInput(
        "projector-sprite-unreadable",
        {
            **_projector(
                tensorPath="t.tsv", sprite={"imagePath": "s.png", "singleImageDim": [2, 2]}
            ),
            "t.tsv": _GOOD_TSV,
            "s.png": b"not a PNG",
        },
        _P,
        r"s\.png: cannot be read as an image",
    ),
    BadInput(
        "projector-sprite-too-small",
        {
            **_projector(
                tensorPath="t.tsv", sprite={"imagePath": "s.png", "singleImageDim": [2, 3]}
            ),
            "t.tsv": b"1\t2\n3\t4\n5\t6\n7\t8\n9\t0\n",
            "s.png": _png(5, 6),
        },
        _P,
        r"s\.png: 5x6 pixels hold 4 thumbnails of 2x3, but .*t\.tsv has 5 vectors",
    ),
    BadInput(
        "projector-sprite-without-dim",
        {
            **_projector(tensorPath="t.tsv", sprite={"imagePath": "s.png"}),
            "t.tsv": _GOOD_TSV,
            "s.png": _png(4, 4),
        },
        _P,
        r"p\.json: sprite\.singleImageDim \[width, height\] is missing",
    ),
    BadInput(
        "projector-pbtxt-syntax",
        {
            "projector_config.pbtxt": b'# exported\nembeddings {\n  tensor_path: "t.tsv"\n'
            b"  tensor_shape 3\n}\n",
            "t.tsv": _GOOD_TSV,
        },
        _PBTXT,
        r"projector_config\.pbtxt: line 4: not valid protobuf text format: expected ':' or '\{' "
        r"after 'tensor_shape'",
    ),
    BadInput(
        "projector-pbtxt-unclosed",
        {"projector_config.pbtxt": b'embeddings {\n  tensor_path: "t.tsv"\n', "t.tsv": _GOOD_TSV},
        _PBTXT,
        r"projector_config\.pbtxt: line 2: not valid protobuf text format: missing '\}'",
    ),
    # 9. shards (a glob of files read as one): each message names the shard and its row
    BadInput(
        "shard-nan",
        {
            "s/part-1.npy": _npy(np.ones((4, 3), np.float32)),
            "s/part-2.npy": _npy(np.array([[1, 2, 3], [4, 5, 6], [7, np.nan, 9]], np.float32)),
        },
        {"vectors": "s/*.npy"},
        r"s/part-2\.npy: row 2, column 1: NaN in a vector",
    ),
    BadInput(
        "shard-width",
        {
            "s/part-1.npy": _npy(np.ones((4, 3), np.float32)),
            "s/part-2.npy": _npy(np.ones((4, 4), np.float32)),
        },
        {"vectors": "s/*.npy"},
        r"s/part-2\.npy: has 4 dimensions; the first shard .*s/part-1\.npy has 3",
    ),
    BadInput(
        "shard-no-match",
        {"s/readme.txt": b"no shards here"},
        {"vectors": "s/*.npy"},
        r"s/\*\.npy: no vectors file matches this pattern",
    ),
    BadInput(
        "shard-mixed-types",
        {"s/a.npy": _npy(np.ones((4, 3), np.float32)), "s/b.tsv": _GOOD_TSV},
        {"vectors": "s/*"},
        r"s/\*: the vectors shards mix file types \('\.npy', '\.tsv'\)",
    ),
    BadInput(
        "shard-missing-metadata",
        {
            **{f"s/part-{i}.npy": _npy(np.ones((3, 2), np.float32)) for i in (1, 2, 3)},
            **{f"m/part-{i}.tsv": b"a\nb\nc\n" for i in (1, 3)},
        },
        {"vectors": "s/*.npy", "metadata": "m/*.tsv"},
        r"s/part-2\.npy: has no metadata shard \(2 metadata shards for 3 vectors shards\)",
    ),
    BadInput(
        "shard-metadata-rows",
        {
            **{f"s/part-{i}.npy": _npy(np.ones((3, 2), np.float32)) for i in (1, 2)},
            "m/part-1.tsv": b"a\nb\nc\n",
            "m/part-2.tsv": b"a\nb\n",
        },
        {"vectors": "s/*.npy", "metadata": "m/*.tsv"},
        r"m/part-2\.tsv: 2 rows, but its vectors shard .*s/part-2\.npy has 3 vectors",
    ),
    BadInput(
        "shard-metadata-columns",
        {
            **{f"s/part-{i}.npy": _npy(np.ones((3, 2), np.float32)) for i in (1, 2)},
            "m/part-1.tsv": b"label\tscore\na\t1\nb\t2\nc\t3\n",
            "m/part-2.tsv": b"label\tsize\na\t1\nb\t2\nc\t3\n",
        },
        {"vectors": "s/*.npy", "metadata": "m/*.tsv"},
        r"m/part-2\.tsv: has columns 'label', 'size'; the first shard .*m/part-1\.tsv has "
        r"'label', 'score'",
    ),
]
