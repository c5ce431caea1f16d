"""reportgen/io/raw.py: raw little-endian float32 .bytes files."""

from __future__ import annotations

import numpy as np
import pytest
from io_support import config

from reportgen.errors import InputError
from reportgen.io import load_dataset

VALUES = np.arange(15, dtype="<f4").reshape(5, 3) / 3


def test_bytes_file_is_a_memory_map(write):
    path = write("tensors.bytes", VALUES.tobytes())
    ds = load_dataset(config(vectors=path, dim=3))
    assert isinstance(ds.vectors, np.memmap) and not ds.vectors.flags.writeable
    assert ds.vectors.dtype == np.float32 and ds.vectors.flags.c_contiguous
    np.testing.assert_array_equal(ds.vectors, VALUES)
    assert ds.name == "tensors"


def test_bytes_needs_dim(write):
    path = write("v.bytes", VALUES.tobytes())
    with pytest.raises(InputError, match=r"v\.bytes: .*pass --dim"):
        load_dataset(config(vectors=path))


def test_bytes_size_must_be_a_multiple_of_the_row_size(write):
    path = write("v.bytes", VALUES.tobytes() + b"\0\0")  # 62 bytes
    pattern = r"v\.bytes: size 62 bytes is not a multiple of 4 x dim = 12 \(remainder 2\)"
    with pytest.raises(InputError, match=pattern):
        load_dataset(config(vectors=path, dim=3))


def test_empty_bytes_file(write):
    with pytest.raises(InputError, match=r"v\.bytes: is empty"):
        load_dataset(config(vectors=write("v.bytes", b""), dim=3))


def test_nan_in_bytes_names_the_row(write):
    values = VALUES.copy()
    values[2, 1] = np.nan
    path = write("v.bytes", values.tobytes())
    with pytest.raises(InputError, match=r"v\.bytes: row 2, column 1: NaN"):
        load_dataset(config(vectors=path, dim=3))
