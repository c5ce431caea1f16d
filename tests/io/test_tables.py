"""reportgen/io/tables.py: column types, header names, the label column."""

from __future__ import annotations

import numpy as np
import pytest
from io_support import config

from reportgen.errors import InputError
from reportgen.io import load_dataset
from reportgen.io.tables import check_header, choose_label, column_from_cells, select_columns


def test_numeric_cells_make_a_float_column_with_nan_for_empty():
    column = column_from_cells("x", ["1", " 2.5 ", "", "-3e2", "nan"])
    assert column.values.dtype == np.float64
    np.testing.assert_array_equal(column.values, [1, 2.5, np.nan, -300, np.nan])


def test_one_word_makes_a_text_column_with_none_for_empty():
    column = column_from_cells("x", ["1", "two", "", " "])
    assert column.values.dtype == object
    assert list(column.values) == ["1", "two", None, None]


@pytest.mark.parametrize(
    ("names", "given", "expected"),
    [
        (["a", "label", "b"], None, "label"),
        (["only"], None, "only"),
        (["a", "b"], None, None),
        ([], None, None),
        (["a", "label"], "a", "a"),
    ],
)
def test_choose_label(names, given, expected):
    assert choose_label(config(label_column=given), names, "m.tsv") == expected


def test_choose_label_refuses_a_missing_column():
    with pytest.raises(InputError, match=r"m\.tsv: --label-column 'y' not found.*'a', 'b'"):
        choose_label(config(label_column="y"), ["a", "b"], "m.tsv")


def test_label_column_without_any_metadata(write):
    vectors = write("v.tsv", "1\t2\n3\t4\n5\t6\n")
    with pytest.raises(InputError, match=r"--label-column 'y' not found; .* are: none"):
        load_dataset(config(vectors=vectors, label_column="y"))


def test_text_column_not_found(write):
    vectors = write("v.tsv", "1\t2\n3\t4\n5\t6\n")
    meta = write("m.tsv", "a\nb\nc\n")
    with pytest.raises(InputError, match=r"m\.tsv: --text-column 'txt' not found.*'label'"):
        load_dataset(config(vectors=vectors, metadata=meta, text_column="txt"))


def test_text_column_is_set_only_when_given(write):
    vectors = write("v.tsv", "1\t2\n3\t4\n5\t6\n")
    meta = write("m.tsv", "label\ttext\na\tx\nb\ty\nc\tz\n")
    assert load_dataset(config(vectors=vectors, metadata=meta)).text_column is None
    ds = load_dataset(config(vectors=vectors, metadata=meta, text_column="text"))
    assert ds.text_column == "text"


def test_check_header():
    check_header(["a", "b"], "f.csv")
    with pytest.raises(InputError, match=r"f\.csv: line 1, column 3: empty column name"):
        check_header(["a", "b", " "], "f.csv")
    with pytest.raises(InputError, match=r"f\.csv: line 1: duplicate column name 'b'"):
        check_header(["a", "b", "b"], "f.csv")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("b", [1]), ("a:c", [0, 1, 2]), ("c, a", [2, 0]), ("x:y", [3])],
)
def test_select_columns(spec, expected):
    assert select_columns(spec, ["a", "b", "c", "x:y"], "f.csv") == expected
