"""reportgen/io/parquet.py: list columns, numeric columns, metadata."""

from __future__ import annotations

import sys

import numpy as np

# pyarrow is optional for users but a test dependency: these tests never skip.
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from io_support import config

from reportgen.errors import InputError
from reportgen.io import load_dataset

VECTORS = [[0.5, 1.0, -2.0], [3.0, 4.0, 5.5], [6.0, 7.25, 8.0], [9.0, 10.0, 11.0]]


def _parquet(tmp_path, columns: dict, name: str = "v.parquet"):
    path = tmp_path / name
    pq.write_table(pa.table(columns), path)
    return path


def _load(path, **options):
    return load_dataset(config(vectors=path, **options))


@pytest.mark.parametrize(
    "typ",
    [pa.list_(pa.float32()), pa.large_list(pa.float64()), pa.list_(pa.float32(), 3)],
    ids=["list", "large_list", "fixed_size_list"],
)
def test_vectors_from_a_list_column_and_metadata_from_the_rest(tmp_path, typ):
    path = _parquet(
        tmp_path,
        {
            "emb": pa.array(VECTORS, type=typ),
            "label": ["a", "b", None, ""],
            "score": pa.array([1, None, 3, 4], type=pa.int64()),
            "flag": [True, False, None, True],
        },
    )
    ds = _load(path)
    assert ds.vectors.dtype == np.float32 and ds.vectors.flags.c_contiguous
    np.testing.assert_array_equal(ds.vectors, np.array(VECTORS, np.float32))
    assert [c.name for c in ds.columns] == ["label", "score", "flag"]
    assert list(ds.column("label").values) == ["a", "b", None, None]
    np.testing.assert_array_equal(ds.column("score").values, [1, np.nan, 3, 4])
    assert ds.column("score").values.dtype == np.float64
    assert list(ds.column("flag").values) == ["True", "False", None, "True"]
    assert ds.label_column == "label" and ds.name == "v"


def test_vectors_from_numeric_columns(tmp_path):
    columns = {f"d{j}": [row[j] for row in VECTORS] for j in range(3)}
    columns["label"] = pa.array([0, 1, 0, 1], type=pa.int32())  # numeric, but the label
    columns["name"] = ["w", "x", "y", "z"]
    ds = _load(_parquet(tmp_path, columns))
    np.testing.assert_array_equal(ds.vectors, np.array(VECTORS, np.float32))
    assert [c.name for c in ds.columns] == ["label", "name"]
    assert ds.labels == ["0", "1", "0", "1"]


def test_numeric_vector_columns_by_range(tmp_path):
    columns = {"id": [1, 2, 3, 4]}
    columns.update({f"d{j}": [row[j] for row in VECTORS] for j in range(3)})
    ds = _load(_parquet(tmp_path, columns), vector_columns="d0:d2")
    np.testing.assert_array_equal(ds.vectors, np.array(VECTORS, np.float32))
    assert [c.name for c in ds.columns] == ["id"]


def test_several_list_columns_need_vector_columns(tmp_path):
    path = _parquet(tmp_path, {"a": VECTORS, "b": VECTORS})
    with pytest.raises(InputError, match=r"v\.parquet: has 2 list columns \('a', 'b'\)"):
        _load(path)
    np.testing.assert_array_equal(_load(path, vector_columns="b").vectors, VECTORS)


def test_list_and_numeric_columns_cannot_be_mixed(tmp_path):
    path = _parquet(tmp_path, {"a": VECTORS, "x": [1, 2, 3, 4]})
    with pytest.raises(InputError, match="one list column or numeric columns, not both"):
        _load(path, vector_columns="a,x")


def test_null_vector_names_the_row(tmp_path):
    path = _parquet(tmp_path, {"emb": [VECTORS[0], VECTORS[1], None, VECTORS[3]]})
    with pytest.raises(InputError, match=r"v\.parquet: row 2, column 'emb': null vector"):
        _load(path)


def test_null_element_names_row_and_column(tmp_path):
    rows = [list(r) for r in VECTORS]
    rows[3][1] = None
    path = _parquet(tmp_path, {"emb": rows})
    with pytest.raises(InputError, match=r"v\.parquet: row 3, column 1: null value"):
        _load(path)


def test_null_in_a_numeric_vector_column(tmp_path):
    path = _parquet(tmp_path, {"a": [1.0, 2.0, None, 4.0], "b": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(InputError, match=r"v\.parquet: row 2, column 'a': null value"):
        _load(path)


def test_ragged_lists_name_the_row_and_both_lengths(tmp_path):
    rows = [VECTORS[0], VECTORS[1], [1.0, 2.0], VECTORS[3]]
    with pytest.raises(InputError, match=r"v\.parquet: row 2: has 2 numbers, but row 0 has 3"):
        _load(_parquet(tmp_path, {"emb": rows}))


def test_nan_in_a_list_column(tmp_path):
    rows = [list(r) for r in VECTORS]
    rows[1][2] = float("nan")
    with pytest.raises(InputError, match=r"v\.parquet: row 1, column 2: NaN in a vector"):
        _load(_parquet(tmp_path, {"emb": rows}))


def test_list_of_strings_is_not_vectors(tmp_path):
    path = _parquet(tmp_path, {"emb": [["a"], ["b"], ["c"]]})
    with pytest.raises(InputError, match="holds string, not numbers"):
        _load(path)


def test_no_vector_column_at_all(tmp_path):
    path = _parquet(tmp_path, {"name": ["a", "b", "c"]})
    with pytest.raises(InputError, match="no list column and no numeric column"):
        _load(path)


def test_parquet_metadata_file(tmp_path):
    vectors = tmp_path / "v.npy"
    np.save(vectors, np.array(VECTORS, np.float32))
    meta = _parquet(tmp_path, {"kind": ["a", "b", "a", "c"], "n": [1.5, 2, 3, 4]}, "m.parquet")
    ds = load_dataset(config(vectors=vectors, metadata=meta))
    assert [c.name for c in ds.columns] == ["kind", "n"]
    assert ds.labels is None  # two columns and none named label
    assert [s.role for s in ds.sources] == ["vectors", "metadata"]


def test_parquet_metadata_row_count(tmp_path):
    vectors = tmp_path / "v.npy"
    np.save(vectors, np.array(VECTORS, np.float32))
    meta = _parquet(tmp_path, {"label": ["a", "b", "c"]}, "m.parquet")
    with pytest.raises(InputError, match=r"m\.parquet: 3 rows, but .*v\.npy has 4 vectors$"):
        load_dataset(config(vectors=vectors, metadata=meta))


def test_file_that_is_not_parquet(write):
    with pytest.raises(InputError, match=r"v\.parquet: cannot be read as Parquet"):
        _load(write("v.parquet", b"not parquet at all"))


def test_empty_parquet_file(write):
    with pytest.raises(InputError, match=r"v\.parquet: is empty"):
        _load(write("v.parquet", b""))


def test_without_pyarrow_the_error_says_how_to_install_it(tmp_path, monkeypatch):
    path = _parquet(tmp_path, {"emb": VECTORS})
    for name in [m for m in sys.modules if m == "pyarrow" or m.startswith("pyarrow.")]:
        monkeypatch.setitem(sys.modules, name, None)
    pattern = r"reading \.parquet needs pyarrow: pip install 'reportgen\[parquet\]'"
    with pytest.raises(InputError, match=pattern):
        _load(path)
