"""reportgen/io/inputs.py: load_dataset and dataset_from_arrays."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from io_support import config

from reportgen.config import InputConfig
from reportgen.errors import InputError
from reportgen.io import dataset_from_arrays, load_dataset

VECTORS = np.arange(12, dtype=np.float32).reshape(4, 3)


class FakeFrame:
    """Just enough of a pandas DataFrame: ``columns`` and ``frame[name]``."""

    def __init__(self, data):
        self._data = data
        self.columns = list(data)

    def __getitem__(self, name):
        return self._data[name]


def test_arrays_without_metadata():
    ds = dataset_from_arrays(VECTORS)
    assert ds.vectors is VECTORS  # float32 C order: used as it is, no copy
    assert ds.name == "embeddings" and ds.columns == () and ds.label_column is None
    (source,) = ds.sources
    assert (source.role, source.name) == ("vectors", "array")
    assert source.sha256 == hashlib.sha256(VECTORS.tobytes()).hexdigest()


def test_arrays_from_lists_of_ints():
    ds = dataset_from_arrays([[1, 2], [3, 4], [5, 6]])
    assert ds.vectors.dtype == np.float32 and ds.vectors.flags.c_contiguous
    np.testing.assert_array_equal(ds.vectors, [[1, 2], [3, 4], [5, 6]])
    expected = hashlib.sha256(np.array([[1, 2], [3, 4], [5, 6]], np.float32).tobytes())
    assert ds.sources[0].sha256 == expected.hexdigest()


def test_labels_become_a_text_label_column():
    ds = dataset_from_arrays(VECTORS, labels=[0, 1, None, 1])
    assert ds.label_column == "label"
    assert list(ds.column("label").values) == ["0", "1", None, "1"]


def test_metadata_mapping():
    ds = dataset_from_arrays(
        VECTORS,
        metadata={"kind": ["a", "b", "a", None], "score": [1, 2.5, None, float("nan")]},
    )
    assert [c.name for c in ds.columns] == ["kind", "score"]
    assert list(ds.column("kind").values) == ["a", "b", "a", None]
    np.testing.assert_array_equal(ds.column("score").values, [1, 2.5, np.nan, np.nan])
    assert ds.label_column is None


def test_metadata_duck_typed_frame_with_labels():
    frame = FakeFrame({"size": np.array([1, 2, 3, 4]), "name": np.array(["w", "x", "y", "z"])})
    ds = dataset_from_arrays(VECTORS, labels=np.array(["p", "q", "p", "q"]), metadata=frame)
    assert [c.name for c in ds.columns] == ["label", "size", "name"]
    assert ds.column("size").is_numeric and not ds.column("name").is_numeric
    assert ds.labels == ["p", "q", "p", "q"]


def test_metadata_path_is_read_like_the_flag(write):
    meta = write("meta.tsv", "a\nb\nc\nd\n")
    ds = dataset_from_arrays(VECTORS, metadata=str(meta))
    assert ds.labels == ["a", "b", "c", "d"]
    assert [s.role for s in ds.sources] == ["vectors", "metadata"]


def test_metadata_path_row_count_names_the_file(write):
    meta = write("meta.tsv", "a\nb\nc\n")
    with pytest.raises(InputError, match=r"meta\.tsv: 3 rows, but there are 4 vectors"):
        dataset_from_arrays(VECTORS, metadata=meta)


def test_labels_of_the_wrong_length():
    with pytest.raises(InputError, match=r"^labels: has 3 values, but there are 4 vectors"):
        dataset_from_arrays(VECTORS, labels=["a", "b", "c"])


def test_metadata_column_of_the_wrong_length():
    with pytest.raises(InputError, match=r"^metadata column 'x': has 5 values, but there are 4"):
        dataset_from_arrays(VECTORS, metadata={"x": [1, 2, 3, 4, 5]})


def test_labels_and_a_label_metadata_column_clash():
    with pytest.raises(InputError, match=r"duplicate column 'label': it is in both labels and"):
        dataset_from_arrays(VECTORS, labels=list("abcd"), metadata={"label": list("abcd")})


def test_metadata_of_an_unknown_kind():
    with pytest.raises(InputError, match=r"^metadata: must be a file path, a mapping"):
        dataset_from_arrays(VECTORS, metadata=42)


def test_ragged_vector_lists_name_the_row():
    with pytest.raises(InputError, match=r"^vectors: row 2: has 2 numbers, but row 0 has 3"):
        dataset_from_arrays([[1, 2, 3], [4, 5, 6], [7, 8], [9, 10, 11]])


def test_text_in_vectors_names_row_and_column():
    with pytest.raises(InputError, match=r"^vectors: row 1, column 0: 'x' is not a number"):
        dataset_from_arrays([[1.0, 2.0], ["x", 3.0], [4.0, 5.0]])


def test_one_dimensional_vectors_say_their_shape():
    with pytest.raises(InputError, match=r"^vectors: has shape \(4,\)"):
        dataset_from_arrays(np.ones(4))


def test_nan_in_arrays_and_drop_invalid():
    values = VECTORS.copy()
    values[2, 1] = np.nan
    with pytest.raises(InputError, match=r"^vectors: row 2, column 1: NaN in a vector"):
        dataset_from_arrays(values)
    ds = dataset_from_arrays(
        values,
        labels=list("abcd"),
        metadata={"n": [1, 2, 3, 4]},
        inp=InputConfig(drop_invalid=True),
    )
    assert ds.dropped_rows == (2,)
    assert ds.labels == ["a", "b", "d"]
    np.testing.assert_array_equal(ds.column("n").values, [1, 2, 4])


def test_fewer_than_three_arrays():
    with pytest.raises(InputError, match=r"^vectors: has 2 vectors; at least 3"):
        dataset_from_arrays(VECTORS[:2])


def test_load_dataset_records_sources_with_display_names(write, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    vectors = write("data/v.tsv", "1\t2\n3\t4\n5\t6\n")
    meta = write("data/m.tsv", "a\nb\nc\n")
    ds = load_dataset(config(vectors=vectors, metadata=meta))
    assert [(s.role, s.name) for s in ds.sources] == [
        ("vectors", "data/v.tsv"),
        ("metadata", "data/m.tsv"),
    ]
    assert ds.sources[0].sha256 == hashlib.sha256(b"1\t2\n3\t4\n5\t6\n").hexdigest()


def test_load_dataset_needs_vectors_or_demo():
    with pytest.raises(InputError, match="no vectors given"):
        load_dataset(InputConfig())


def test_numbers_given_as_text_are_refused():
    with pytest.raises(InputError, match=r"^vectors: holds text \(dtype <U3\), not numbers"):
        dataset_from_arrays(np.array([["1.5", "2.5"], ["3.5", "4.5"], ["5.5", "6.5"]]))


def test_none_in_vectors_names_row_and_column():
    with pytest.raises(InputError, match=r"^vectors: row 2, column 1: None is not a number"):
        dataset_from_arrays([[1.0, 2.0], [3.0, 4.0], [5.0, None]])
