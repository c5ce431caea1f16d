"""reportgen/io/files.py: hashing, finding files, decoding text."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from io_support import config

from reportgen.errors import InputError
from reportgen.io import file_sha256, load_dataset
from reportgen.io.files import array_sha256, read_text, require_file


def test_file_sha256_streams_a_file_larger_than_one_chunk(write):
    content = bytes(range(256)) * 9000  # ~2.3 MB: several 1 MiB chunks
    path = write("big.bin", content)
    assert file_sha256(path) == hashlib.sha256(content).hexdigest()


def test_array_sha256_is_the_hash_of_the_c_order_bytes():
    values = np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4))
    expected = hashlib.sha256(np.ascontiguousarray(values).tobytes()).hexdigest()
    assert array_sha256(values) == expected


def test_read_text_strips_a_bom_and_normalises_crlf(write):
    path = write("a.tsv", b"\xef\xbb\xbfa\tb\r\n1\t2\r\n")
    assert read_text(path) == "a\tb\n1\t2\n"


def test_read_text_names_the_line_of_the_first_non_utf8_byte(write):
    path = write("a.tsv", b"ok\nstill ok\nbad \xe9 here\n")
    with pytest.raises(InputError, match=r"a\.tsv: line 3: not valid UTF-8 \(byte 0xe9\)"):
        read_text(path)


@pytest.mark.parametrize("content", [b"   ", b"\n\n", b"\r\n \t\n", b"\xef\xbb\xbf\n"])
def test_read_text_refuses_whitespace_only(write, content):
    path = write("a.tsv", content)
    with pytest.raises(InputError, match=r"a\.tsv: is empty"):
        read_text(path)


def test_require_file_refuses_missing_folder_and_empty(tmp_path, write):
    with pytest.raises(InputError, match=r"nope\.npy: file not found"):
        require_file(tmp_path / "nope.npy")
    with pytest.raises(InputError, match="is not a file"):
        require_file(tmp_path)
    with pytest.raises(InputError, match=r"e\.npy: is empty \(0 bytes\)"):
        require_file(write("e.npy", b""))


def test_missing_vectors_file(tmp_path):
    with pytest.raises(InputError, match=r"missing\.npy: file not found"):
        load_dataset(config(vectors=tmp_path / "missing.npy"))


def test_missing_metadata_file(write, tmp_path):
    vectors = write("v.tsv", "1\t2\n3\t4\n5\t6\n")
    with pytest.raises(InputError, match=r"meta\.tsv: file not found"):
        load_dataset(config(vectors=vectors, metadata=tmp_path / "meta.tsv"))


def test_unknown_extension_lists_the_supported_ones(write):
    path = write("v.txt", "1 2\n")
    with pytest.raises(InputError, match=r"v\.txt: unsupported .*'\.txt'.*\.npy.*\.bytes"):
        load_dataset(config(vectors=path))


def test_unknown_metadata_extension_lists_the_supported_ones(write):
    vectors = write("v.tsv", "1\t2\n3\t4\n5\t6\n")
    meta = write("m.json", "[]")
    with pytest.raises(
        InputError,
        match=r"m\.json: unsupported metadata .*\.tsv, \.csv, \.parquet, \.arrow or \.feather",
    ):
        load_dataset(config(vectors=vectors, metadata=meta))


def test_extension_is_case_insensitive(write):
    path = write("V.TSV", "1\t2\n3\t4\n5\t6\n")
    assert load_dataset(config(vectors=path)).vectors.shape == (3, 2)
