"""reportgen/io/arrays.py: .npy, .npz, and the checks every vectors source shares."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from io_support import config, npy_bytes

from reportgen.engine import LocalEngine
from reportgen.errors import InputError
from reportgen.io import arrays, load_dataset

VALUES = np.arange(20, dtype=np.float32).reshape(5, 4) / 7


def _npy(write, array, name="v.npy"):
    return write(name, npy_bytes(array))


# --------------------------------------------------------------------------------------
# .npy


def test_float32_npy_stays_a_read_only_memory_map(write):
    ds = load_dataset(config(vectors=_npy(write, VALUES)))
    assert isinstance(ds.vectors, np.memmap)
    assert not ds.vectors.flags.writeable
    assert ds.vectors.dtype == np.float32 and ds.vectors.flags.c_contiguous
    np.testing.assert_array_equal(ds.vectors, VALUES)
    assert ds.name == "v"
    assert [(s.role, s.name) for s in ds.sources] == [("vectors", "v.npy")]


@pytest.mark.parametrize(
    "array",
    [
        VALUES.astype(np.float64),
        VALUES.astype(np.float16),
        (VALUES * 7).astype(np.int64),
        (VALUES * 7).astype(np.uint8),
        VALUES.astype(">f4"),  # big-endian float32 must be converted too
        np.asfortranarray(VALUES),
    ],
    ids=["float64", "float16", "int64", "uint8", "big-endian", "fortran"],
)
def test_other_numeric_npy_becomes_float32_c_order(write, array):
    ds = load_dataset(config(vectors=_npy(write, array)))
    assert ds.vectors.dtype == np.dtype("<f4") and ds.vectors.flags.c_contiguous
    np.testing.assert_allclose(ds.vectors, array.astype(np.float32), rtol=1e-3)


@pytest.mark.parametrize(
    ("array", "dtype"),
    [
        (np.ones((4, 3), dtype=bool), "bool"),
        (np.ones((4, 3), dtype=np.complex64), "complex64"),
        (np.full((4, 3), "x"), "<U1"),
    ],
)
def test_non_numeric_npy_dtype_is_refused(write, array, dtype):
    with pytest.raises(InputError, match=rf"v\.npy: has dtype {dtype}; vectors must be"):
        load_dataset(config(vectors=_npy(write, array)))


def test_object_npy_is_refused_without_unpickling(write):
    array = np.empty((4, 3), dtype=object)
    array[:] = 1.0
    with pytest.raises(InputError, match=r"v\.npy: cannot be read as a \.npy array"):
        load_dataset(config(vectors=_npy(write, array)))


@pytest.mark.parametrize(
    ("shape", "pattern"),
    [((6,), r"\(6,\) \(1 dimension\)"), ((2, 3, 4), r"\(2, 3, 4\) \(3 dimensions\)")],
)
def test_npy_that_is_not_2d_says_its_shape(write, shape, pattern):
    with pytest.raises(InputError, match=rf"v\.npy: has shape {pattern}; vectors must be 2-D"):
        load_dataset(config(vectors=_npy(write, np.zeros(shape, np.float32))))


def test_npy_with_zero_dimensions_is_refused(write):
    with pytest.raises(InputError, match=r"v\.npy: .*0 dimensions"):
        load_dataset(config(vectors=_npy(write, np.zeros((4, 0), np.float32))))


def test_file_that_is_not_npy_is_an_input_error(write):
    with pytest.raises(InputError, match=r"v\.npy: not a \.npy file"):
        load_dataset(config(vectors=write("v.npy", b"this is text, not numpy")))


def test_truncated_npy_is_an_input_error(write):
    data = npy_bytes(VALUES)
    with pytest.raises(InputError, match=r"v\.npy: cannot be read as a \.npy array"):
        load_dataset(config(vectors=write("v.npy", data[:-10])))


def test_empty_npy_file(write):
    with pytest.raises(InputError, match=r"v\.npy: is empty"):
        load_dataset(config(vectors=write("v.npy", b"")))


# --------------------------------------------------------------------------------------
# .npz


def _npz(write, **arrays_):
    import io

    buffer = io.BytesIO()
    np.savez(buffer, **arrays_)
    return write("v.npz", buffer.getvalue())


def test_npz_with_one_array(write):
    ds = load_dataset(config(vectors=_npz(write, emb=VALUES)))
    np.testing.assert_array_equal(ds.vectors, VALUES)
    assert ds.vectors.dtype == np.float32 and ds.vectors.flags.c_contiguous


def test_npz_array_chosen_by_name(write):
    path = _npz(write, a=VALUES, b=VALUES * 2)
    ds = load_dataset(config(vectors=path, array="b"))
    np.testing.assert_array_equal(ds.vectors, VALUES * 2)


def test_npz_with_several_arrays_needs_array(write):
    path = _npz(write, a=VALUES, b=VALUES)
    with pytest.raises(InputError, match=r"v\.npz: holds 2 arrays \('a', 'b'\); .*--array"):
        load_dataset(config(vectors=path))


def test_npz_missing_array_lists_the_names(write):
    path = _npz(write, a=VALUES, b=VALUES)
    with pytest.raises(InputError, match=r"v\.npz: has no array 'c'; its arrays are: 'a', 'b'"):
        load_dataset(config(vectors=path, array="c"))


def test_npz_chosen_array_is_checked(write):
    path = _npz(write, a=np.zeros(5))
    with pytest.raises(InputError, match=r"v\.npz \(array 'a'\): has shape \(5,\)"):
        load_dataset(config(vectors=path))


def test_broken_npz_is_an_input_error(write):
    with pytest.raises(InputError, match=r"v\.npz: cannot be read as a \.npz archive"):
        load_dataset(config(vectors=write("v.npz", b"PK\x03\x04 not really a zip")))


def test_array_option_on_npy_is_refused(write):
    with pytest.raises(InputError, match=r"--array applies to \.npz files only"):
        load_dataset(config(vectors=_npy(write, VALUES), array="a"))


# --------------------------------------------------------------------------------------
# Count, NaN and Inf


def test_fewer_than_three_vectors(write):
    with pytest.raises(InputError, match=r"v\.npy: has 2 vectors; at least 3 are needed"):
        load_dataset(config(vectors=_npy(write, VALUES[:2])))


def test_no_vectors_at_all(write):
    with pytest.raises(InputError, match=r"v\.npy: has 0 vectors"):
        load_dataset(config(vectors=_npy(write, np.zeros((0, 4), np.float32))))


def test_all_zero_vectors_are_allowed(write):
    ds = load_dataset(config(vectors=_npy(write, np.zeros((4, 3), np.float32))))
    assert ds.n == 4 and not ds.vectors.any()


def _with_bad_values():
    values = VALUES.copy()
    values[1, 2] = np.nan
    values[3, 0] = np.inf
    return values


def test_nan_names_row_column_kind_and_count(write):
    path = _npy(write, _with_bad_values())
    pattern = r"v\.npy: row 1, column 2: NaN in a vector \(2 rows have NaN or Inf; .*--drop-invalid"
    with pytest.raises(InputError, match=pattern):
        load_dataset(config(vectors=path))


@pytest.mark.parametrize(("value", "kind"), [(np.inf, "Inf"), (-np.inf, "-Inf")])
def test_inf_is_named_as_such(write, value, kind):
    values = VALUES.copy()
    values[4, 3] = value
    with pytest.raises(InputError, match=rf"row 4, column 3: {kind} in a vector \(1 row has"):
        load_dataset(config(vectors=_npy(write, values)))


def test_float64_too_large_for_float32_is_reported_as_inf(write):
    values = VALUES.astype(np.float64)
    values[2, 1] = 1e300
    with pytest.raises(InputError, match=r"row 2, column 1: Inf"):
        load_dataset(config(vectors=_npy(write, values)))


def test_drop_invalid_removes_rows_and_logs_them(write, caplog):
    path = _npy(write, _with_bad_values())
    with caplog.at_level(logging.WARNING, logger="reportgen"):
        ds = load_dataset(config(vectors=path, drop_invalid=True))
    assert ds.dropped_rows == (1, 3)
    np.testing.assert_array_equal(ds.vectors, VALUES[[0, 2, 4]])
    assert ds.vectors.dtype == np.float32 and ds.vectors.flags.c_contiguous
    assert "dropped 2 rows with NaN or Inf (rows 1, 3)" in caplog.text


def test_drop_invalid_log_lists_the_first_ten_rows(write, caplog):
    values = np.ones((20, 2), np.float32)
    values[3:16, 0] = np.nan  # 13 bad rows
    with caplog.at_level(logging.WARNING, logger="reportgen"):
        ds = load_dataset(config(vectors=_npy(write, values), drop_invalid=True))
    assert ds.n == 7
    assert "dropped 13 rows with NaN or Inf (rows 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, ...)" in (
        caplog.text
    )


def test_fewer_than_three_after_dropping(write):
    values = VALUES.copy()
    values[:3, 0] = np.nan
    with pytest.raises(InputError, match=r"only 2 vectors left after dropping 3 rows"):
        load_dataset(config(vectors=_npy(write, values), drop_invalid=True))


def test_finiteness_is_checked_block_by_block():
    engine = LocalEngine(block_bytes=8 * 4 * 2)  # 2 rows of 4 per block
    values = np.ones((11, 4), np.float32)
    values[[0, 5, 10], [1, 3, 0]] = [np.nan, np.inf, -np.inf]
    np.testing.assert_array_equal(arrays.find_invalid_rows(values, engine=engine), [0, 5, 10])


def test_finiteness_finds_nan_among_huge_finite_values():
    values = np.full((4, 3), 3e38, np.float32)  # the sum overflows; only row 2 is bad
    values[2, 1] = np.nan
    np.testing.assert_array_equal(arrays.find_invalid_rows(values), [2])
