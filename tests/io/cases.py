"""Bad inputs that ``load_dataset`` must refuse with an InputError, as data.

Each case is files to write into an empty folder, InputConfig options (path-valued options
given as file names relative to that folder) and a regex its message must match. The io
tests run them through ``load_dataset`` (test_cases.py); the CLI tests can run the same
cases through ``reportgen build`` and expect exit code 2.

Self-contained on purpose (only numpy), so that other test folders can import it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

PATH_OPTIONS = ("vectors", "metadata", "images")


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


_GOOD_TSV = b"1\t2\n3\t4\n5\t6\n"

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
]
