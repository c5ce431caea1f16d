"""reportgen/io/delimited.py: CSV and TSV, for vectors and for metadata."""

from __future__ import annotations

import csv
import io
import logging

import numpy as np
import pytest
from io_support import config

from reportgen.errors import InputError
from reportgen.io import delimited, load_dataset

ROWS = [[0.5, -1.0, 2.25], [3.0, 4.5, -6.0], [7.0, 8.0, 9.125], [1e-3, 2e5, 0.0]]
TSV = "".join("\t".join(repr(v) for v in row) + "\n" for row in ROWS)


def _load(write, name, content, **options):
    return load_dataset(config(vectors=write(name, content), **options))


# --------------------------------------------------------------------------------------
# Vectors: happy paths


def test_headerless_tsv_like_the_projector_tensors(write):
    ds = _load(write, "tensors.tsv", TSV)
    assert ds.vectors.dtype == np.float32 and ds.vectors.flags.c_contiguous
    np.testing.assert_array_equal(ds.vectors, np.array(ROWS, np.float32))
    assert ds.columns == () and ds.label_column is None and ds.name == "tensors"


def test_headerless_csv(write):
    ds = _load(write, "v.csv", TSV.replace("\t", ","))
    np.testing.assert_array_equal(ds.vectors, np.array(ROWS, np.float32))


@pytest.mark.parametrize(
    "content",
    [TSV.replace("\n", "\r\n"), TSV.rstrip("\n"), TSV + "\n\n", TSV + "\r\n  \r\n", TSV + "\n \n"],
    ids=["crlf", "no-final-newline", "trailing-blank-lines", "crlf-blank-lines", "blank-spaces"],
)
def test_line_endings_and_trailing_blank_lines_are_accepted(write, content):
    ds = _load(write, "v.tsv", content)
    np.testing.assert_array_equal(ds.vectors, np.array(ROWS, np.float32))


def test_bom_is_accepted(write):
    ds = _load(write, "v.tsv", b"\xef\xbb\xbf" + TSV.encode())
    np.testing.assert_array_equal(ds.vectors, np.array(ROWS, np.float32))


def test_csv_header_splits_vectors_and_metadata(write, caplog):
    content = "id,x,y,label,note\n1,0.5,1.5,cat,first\n2,2.5,3.5,dog,\n3,4.5,5.5,,third\n"
    with caplog.at_level(logging.INFO, logger="reportgen"):
        ds = _load(write, "v.csv", content)
    np.testing.assert_array_equal(ds.vectors, [[1, 0.5, 1.5], [2, 2.5, 3.5], [3, 4.5, 5.5]])
    assert [c.name for c in ds.columns] == ["label", "note"]
    assert list(ds.column("label").values) == ["cat", "dog", None]
    assert list(ds.column("note").values) == ["first", None, "third"]
    assert ds.label_column == "label"
    assert "'label', 'note' are metadata" in caplog.text


def test_label_text_and_image_columns_are_not_vectors_even_when_numeric(write):
    content = "a,b,klass,hover,pic\n1,2,7,8,9\n3,4,7,8,9\n5,6,7,8,9\n"
    ds = _load(
        write, "v.csv", content, label_column="klass", text_column="hover", image_column="pic"
    )
    assert ds.dim == 2
    assert [c.name for c in ds.columns] == ["klass", "hover", "pic"]
    assert ds.column("klass").is_numeric
    assert (ds.label_column, ds.text_column) == ("klass", "hover")


def test_vector_columns_as_a_list(write):
    content = "a,b,c,d\n1,2,3,4\n5,6,7,8\n9,10,11,12\n"
    ds = _load(write, "v.csv", content, vector_columns="d, b")
    np.testing.assert_array_equal(ds.vectors, [[4, 2], [8, 6], [12, 10]])
    assert [c.name for c in ds.columns] == ["a", "c"]
    assert ds.column("a").is_numeric


def test_vector_columns_as_a_range(write):
    content = "id,d0,d1,d2,tag\n1,2,3,4,x\n5,6,7,8,y\n9,10,11,12,z\n"
    ds = _load(write, "v.csv", content, vector_columns="d0:d2")
    np.testing.assert_array_equal(ds.vectors, [[2, 3, 4], [6, 7, 8], [10, 11, 12]])
    assert [c.name for c in ds.columns] == ["id", "tag"]


@pytest.mark.parametrize(
    ("spec", "pattern"),
    [
        ("a,zz", r"v\.csv: --vector-columns: no column 'zz'; the columns are: 'a', 'b', 'c'"),
        ("c:a", r"v\.csv: --vector-columns 'c:a' runs backwards"),
        ("a,a", r"v\.csv: --vector-columns names 'a' twice"),
    ],
)
def test_bad_vector_columns(write, spec, pattern):
    with pytest.raises(InputError, match=pattern):
        _load(write, "v.csv", "a,b,c\n1,2,3\n4,5,6\n7,8,9\n", vector_columns=spec)


def test_vector_columns_need_a_header(write):
    with pytest.raises(InputError, match=r"v\.tsv: --vector-columns needs a header row"):
        _load(write, "v.tsv", TSV, vector_columns="a")


def test_header_without_numeric_columns(write):
    with pytest.raises(InputError, match=r"v\.csv: line 2: no column holds numbers"):
        _load(write, "v.csv", "a,b\nx,y\nz,w\nq,r\n")


def test_quoted_csv_is_read_exactly(write):
    content = 'x,y,text\n1,2,"hello, world"\n3,4,"two\nlines"\n"5",6,"say ""hi"""\n7,8,plain\n'
    ds = _load(write, "v.csv", content)
    np.testing.assert_array_equal(ds.vectors, [[1, 2], [3, 4], [5, 6], [7, 8]])
    assert list(ds.column("text").values) == ["hello, world", "two\nlines", 'say "hi"', "plain"]


def test_quoted_csv_reports_the_line_where_the_record_starts(write):
    content = 'x,y,text\n1,2,"two\nlines"\n3,x,plain\n4,5,z\n'
    with pytest.raises(InputError, match=r"v\.csv: line 4, column 2 \('y'\): 'x' is not a number"):
        _load(write, "v.csv", content)


def test_quotes_in_a_tsv_are_plain_characters(write):
    content = 'x\ty\tname\n1\t2\t"a\n3\t4\tb"\n5\t6\t"c"\n'
    ds = _load(write, "v.tsv", content)
    assert list(ds.column("name").values) == ['"a', 'b"', '"c"']


def test_a_regular_file_takes_the_fast_path(write, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the precise path ran")

    monkeypatch.setattr(delimited, "_read_precise", fail)
    content = "label,a,b\nx,1,2\ny,3,4\nz,5,6\n"
    ds = _load(write, "v.csv", content)
    np.testing.assert_array_equal(ds.vectors, [[1, 2], [3, 4], [5, 6]])
    assert list(ds.column("label").values) == ["x", "y", "z"]


@pytest.mark.parametrize("meta_at", ["start", "middle", "end"])
def test_fast_path_metadata_columns_anywhere(write, meta_at):
    names = {"start": "m,a,b,c", "middle": "a,m,b,c", "end": "a,b,c,m"}[meta_at]
    index = names.split(",").index("m")
    rows = []
    for i in range(3):
        cells = [str(i), str(i + 1), str(i + 2)]
        cells.insert(index, f"t{i}")
        rows.append(",".join(cells))
    ds = _load(write, "v.csv", names + "\n" + "\n".join(rows) + "\n")
    assert list(ds.column("m").values) == ["t0", "t1", "t2"]
    np.testing.assert_array_equal(ds.vectors[:, 0], [0, 1, 2])


# --------------------------------------------------------------------------------------
# Vectors: bad input


@pytest.mark.parametrize("content", [b"", b"\n\n", b" \r\n\t\n"])
def test_empty_vectors_file(write, content):
    with pytest.raises(InputError, match=r"v\.tsv: is empty"):
        _load(write, "v.tsv", content)


def test_fewer_than_three_rows(write):
    with pytest.raises(InputError, match=r"v\.tsv: has 2 vectors; at least 3"):
        _load(write, "v.tsv", "1\t2\n3\t4\n")


def test_header_only_has_no_vectors(write):
    with pytest.raises(InputError, match=r"v\.csv: has 0 vectors"):
        _load(write, "v.csv", "a,b\n")


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        ("1\t2\t3\n4\t5\n6\t7\t8\n", r"v\.tsv: line 2: 2 cells, but line 1 has 3"),
        ("1\t2\n3\t4\t5\n6\t7\n", r"v\.tsv: line 2: 3 cells, but line 1 has 2"),
    ],
)
def test_ragged_rows(write, content, pattern):
    with pytest.raises(InputError, match=pattern):
        _load(write, "v.tsv", content)


def test_ragged_row_against_a_header(write):
    with pytest.raises(InputError, match=r"line 4: 2 cells, but line 1 \(the header\) has 3"):
        _load(write, "v.csv", "a,b,c\n1,2,3\n4,5,6\n7,8\n")


def test_blank_line_in_the_middle_is_an_error(write):
    with pytest.raises(InputError, match=r"v\.tsv: line 3: blank line inside the data"):
        _load(write, "v.tsv", "1\t2\n3\t4\n\n5\t6\n")


def test_blank_first_line_is_an_error(write):
    with pytest.raises(InputError, match=r"v\.tsv: line 1: blank first line"):
        _load(write, "v.tsv", "\n1\t2\n3\t4\n5\t6\n")


def test_non_numeric_cell_without_header(write):
    with pytest.raises(InputError, match=r"v\.tsv: line 3, column 2: 'abc' is not a number"):
        _load(write, "v.tsv", "1\t2\n3\t4\n5\tabc\n")


def test_non_numeric_cell_with_header_names_the_column(write):
    content = "a,b\n1,2\n3,x1\n4,5\n"
    with pytest.raises(InputError, match=r"v\.csv: line 3, column 2 \('b'\): 'x1' is not a number"):
        _load(write, "v.csv", content)


def test_empty_cell_in_a_vector_column(write):
    with pytest.raises(InputError, match=r"line 2, column 1: an empty cell is not a number"):
        _load(write, "v.tsv", "1\t2\n\t4\n5\t6\n")


def test_underscore_numbers_are_not_numbers(write):
    with pytest.raises(InputError, match=r"line 2, column 1: '1_0' is not a number"):
        _load(write, "v.tsv", "1\t2\n1_0\t4\n5\t6\n")


def test_nan_in_a_csv_names_line_and_header(write):
    content = "a,b\n1,2\n3,nan\n4,inf\n5,6\n"
    pattern = r"v\.csv: line 3, column 2 \('b'\): NaN in a vector \(2 rows have NaN or Inf"
    with pytest.raises(InputError, match=pattern):
        _load(write, "v.csv", content)


def test_drop_invalid_drops_metadata_rows_too(write):
    content = "a,b,label\n1,2,x\n3,nan,y\n4,5,z\n6,7,w\n"
    ds = _load(write, "v.csv", content, drop_invalid=True)
    assert ds.dropped_rows == (1,)
    assert ds.labels == ["x", "z", "w"]
    np.testing.assert_array_equal(ds.vectors, [[1, 2], [4, 5], [6, 7]])


def test_non_utf8_vectors_name_the_line(write):
    with pytest.raises(InputError, match=r"v\.csv: line 3: not valid UTF-8"):
        _load(write, "v.csv", b"a,b\n1,2\n3,\xff\n")


def test_dim_option_on_csv_is_refused(write):
    with pytest.raises(InputError, match=r"--dim applies to \.bytes files only"):
        _load(write, "v.tsv", TSV, dim=3)


# --------------------------------------------------------------------------------------
# Metadata files


VECTORS_3 = "1\t2\n3\t4\n5\t6\n"


def _with_meta(write, name, content, **options):
    vectors = write("v.tsv", VECTORS_3)
    return load_dataset(config(vectors=vectors, metadata=write(name, content), **options))


def test_metadata_tsv_with_several_columns_has_a_header(write):
    ds = _with_meta(write, "meta.tsv", "label\tscore\na\t1.5\nb\t\nc\t3\n")
    assert [c.name for c in ds.columns] == ["label", "score"]
    assert ds.labels == ["a", "b", "c"]
    np.testing.assert_array_equal(ds.column("score").values, [1.5, np.nan, 3])


def test_one_column_tsv_has_no_header_and_is_the_label(write):
    ds = _with_meta(write, "meta.tsv", "cat\ndog\nfish\n")
    assert [c.name for c in ds.columns] == ["label"]
    assert ds.label_column == "label" and ds.labels == ["cat", "dog", "fish"]


def test_numeric_labels_stay_readable(write):
    ds = _with_meta(write, "meta.tsv", "0\n1\n2\n")
    assert ds.column("label").is_numeric
    assert ds.labels == ["0", "1", "2"]


def test_metadata_csv_always_has_a_header(write):
    ds = _with_meta(write, "meta.csv", "species\ncat\ndog\nfish\n")
    assert ds.label_column == "species"
    assert ds.labels == ["cat", "dog", "fish"]


def test_metadata_crlf_and_bom(write):
    ds = _with_meta(write, "meta.tsv", b"\xef\xbb\xbfname\tn\r\na\t1\r\nb\t2\r\nc\t3\r\n\r\n")
    assert [c.name for c in ds.columns] == ["name", "n"]
    assert list(ds.column("name").values) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("name", "content", "rule"),
    [
        (
            "meta.tsv",
            "a\tb\tc\n1\t2\t3\n1\t2\t3\n1\t2\t3\n1\t2\t3\n",
            r"\(the first line was read as a header because the file has 3 columns, "
            r"as the Embedding Projector does\)",
        ),
        (
            "meta.tsv",
            "a\nb\nc\nd\n",
            r"\(no header row: a one-column TSV has none, as in the Embedding Projector\)",
        ),
        ("meta.csv", "a\nb\nc\nd\ne\n", r"\(the first line is the header, as always in CSV\)"),
    ],
)
def test_row_count_mismatch_states_both_numbers_and_the_header_rule(write, name, content, rule):
    pattern = rf"{name.replace('.', '[.]')}: 4 rows, but .*v\.tsv has 3 vectors {rule}"
    with pytest.raises(InputError, match=pattern):
        _with_meta(write, name, content)


def test_duplicate_header_names(write):
    with pytest.raises(InputError, match=r"meta\.tsv: line 1: duplicate column name 'a', 'b'"):
        _with_meta(write, "meta.tsv", "a\tb\ta\tb\n1\t2\t3\t4\n1\t2\t3\t4\n1\t2\t3\t4\n")


def test_empty_header_name(write):
    with pytest.raises(InputError, match=r"meta\.csv: line 1, column 2: empty column name"):
        _with_meta(write, "meta.csv", "a,,c\n1,2,3\n1,2,3\n1,2,3\n")


def test_duplicate_name_in_vectors_csv_header(write):
    with pytest.raises(InputError, match=r"v\.csv: line 1: duplicate column name 'a'"):
        _load(write, "v.csv", "a,a\n1,2\n3,4\n5,6\n")


def test_column_in_both_vectors_file_and_metadata(write):
    vectors = write("v.csv", "x,y,label\n1,2,a\n3,4,b\n5,6,c\n")
    meta = write("meta.tsv", "label\tother\na\t1\nb\t2\nc\t3\n")
    with pytest.raises(InputError, match=r"duplicate column 'label': it is in both .*v\.csv and"):
        load_dataset(config(vectors=vectors, metadata=meta))


def test_vectors_file_columns_come_before_metadata_columns(write):
    vectors = write("v.csv", "x,y,kind\n1,2,a\n3,4,b\n5,6,c\n")
    meta = write("meta.tsv", "label\tother\na\t1\nb\t2\nc\t3\n")
    ds = load_dataset(config(vectors=vectors, metadata=meta))
    assert [c.name for c in ds.columns] == ["kind", "label", "other"]
    assert [s.role for s in ds.sources] == ["vectors", "metadata"]


def test_ragged_metadata_row(write):
    with pytest.raises(InputError, match=r"meta\.tsv: line 3: 1 cell, but line 1 \(the header\)"):
        _with_meta(write, "meta.tsv", "a\tb\n1\t2\n3\n4\t5\n")


def test_blank_line_inside_metadata(write):
    with pytest.raises(InputError, match=r"meta\.tsv: line 2: blank line inside the data"):
        _with_meta(write, "meta.tsv", "a\n\nb\nc\n")


def test_non_utf8_metadata_names_the_line(write):
    with pytest.raises(InputError, match=r"meta\.tsv: line 4: not valid UTF-8"):
        _with_meta(write, "meta.tsv", b"l\tn\na\t1\nb\t2\nc\xc3\x28\t3\n")


def test_empty_metadata_file(write):
    with pytest.raises(InputError, match=r"meta\.csv: is empty"):
        _with_meta(write, "meta.csv", "\n\n")


def test_mixed_column_is_text_and_all_empty_column_is_text(write):
    ds = _with_meta(write, "meta.csv", "mixed,empty\n1,\nx,\n3,\n")
    assert list(ds.column("mixed").values) == ["1", "x", "3"]
    assert list(ds.column("empty").values) == [None, None, None]


# --------------------------------------------------------------------------------------
# The fast path and the precise path agree


def test_quoted_single_line_cells_take_the_fast_path(write, monkeypatch):
    monkeypatch.setattr(delimited, "_read_precise", _fail_precise)
    content = 'x,y,text\n1,2,"a, b"\n"3",4,"say ""hi"""\n5,6,""\n'
    ds = _load(write, "v.csv", content)
    np.testing.assert_array_equal(ds.vectors, [[1, 2], [3, 4], [5, 6]])
    assert list(ds.column("text").values) == ["a, b", 'say "hi"', None]


def test_quote_inside_an_unquoted_cell_is_left_to_the_csv_module(write):
    ds = _load(write, "v.csv", 'x,y,text\n1,2,a"b\n3,4,e\n5,6,f\n')
    assert list(ds.column("text").values) == ['a"b', "e", "f"]
    with pytest.raises(InputError, match=r"line 2: 4 cells, but line 1 \(the header\) has 3"):
        _load(write, "v.csv", 'x,y,text\n1,2,a"b,c"d\n3,4,e\n5,6,f\n')


def _fail_precise(*args, **kwargs):
    raise AssertionError("the precise path ran")


_CELL_CHARACTERS = list('ab ,"x\t1.')


def _random_file(rng: np.random.Generator, tsv: bool) -> str:
    """A small file with two number columns and a text column full of commas and quotes."""
    rows = [["a", "b", "t"]]
    for _ in range(rng.integers(1, 6)):
        text = "".join(rng.choice(_CELL_CHARACTERS, size=rng.integers(0, 7)))
        numbers = rng.normal(size=2).astype(np.float32)
        rows.append([repr(float(numbers[0])), repr(float(numbers[1])), text])
    if tsv:  # as the Embedding Projector writes it: no quoting, so no tab inside a cell
        return "".join("\t".join(c.replace("\t", " ") for c in row) + "\n" for row in rows)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


@pytest.mark.parametrize("seed", range(60))
def test_fast_and_precise_paths_read_the_same(seed):
    rng = np.random.default_rng(seed)
    tsv = bool(seed % 2)
    dialect = delimited._DIALECTS[".tsv" if tsv else ".csv"]
    text = _random_file(rng, tsv)
    layout = delimited._layout(text, dialect, config(vector_columns="a,b"), "f")
    fast = delimited._read_fast(text, dialect, layout)
    try:
        precise = delimited._read_precise(text, dialect, layout, "f")
    except InputError:
        assert fast is None  # what the precise path refuses, the fast path must not accept
        return
    assert fast is not None or not tsv  # a TSV without blank lines always takes the fast path
    if fast is not None:
        np.testing.assert_array_equal(fast[0], precise[0])
        assert fast[1] == precise[1]
