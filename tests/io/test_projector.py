"""reportgen/io/projector.py: importing an Embedding Projector config (JSON or .pbtxt)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reportgen.config import InputConfig
from reportgen.errors import InputError
from reportgen.io import load_dataset
from reportgen.io.projector import _parse_pbtxt


def _load(path: Path, **options: object):
    return load_dataset(InputConfig(projector_config=path, **options))


def _config(*embeddings: dict) -> str:
    return json.dumps({"embeddings": list(embeddings)}, indent=2)


def _tsv(values: np.ndarray, labels: list[str] | None = None) -> str:
    """Float32 values as '%.9g', which reads back to the same float32 bits."""
    rows = ["\t".join(f"{v:.9g}" for v in row) for row in values.tolist()]
    if labels is not None:
        rows = [f"{label}\t{row}" for label, row in zip(labels, rows, strict=True)]
    return "\n".join(rows) + "\n"


def _vectors(n: int, d: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)) * 10.0 ** rng.integers(-6, 6, (n, d))).astype("<f4")


def _sprite(tiles: np.ndarray, per_row: int, pad: tuple[int, int] = (0, 0)) -> Image.Image:
    """Tiles (N, h, w, 3) laid out row-major from the top left; ``pad`` adds (x, y) pixels
    right and below that hold no tile."""
    n, h, w, _ = tiles.shape
    rows = -(-n // per_row)
    sheet = np.full((rows * h + pad[1], per_row * w + pad[0], 3), 77, np.uint8)
    for i, tile in enumerate(tiles):
        y, x = (i // per_row) * h, (i % per_row) * w
        sheet[y : y + h, x : x + w] = tile
    return Image.fromarray(sheet)


def _bits_equal(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(
        np.asarray(a, "<f4").view(np.uint32), np.asarray(b, "<f4").view(np.uint32)
    )


# --------------------------------------------------------------------------------------
# Whole configs


def test_json_with_bytes_single_column_metadata_and_sprite(write, tmp_path):
    values = _vectors(7, 3)
    tiles = np.random.default_rng(1).integers(0, 256, (7, 4, 3, 3), dtype=np.uint8)  # h=4, w=3
    write("t.bytes", values.tobytes())
    write("m.tsv", "cat\ndog\ncat\nemu\nfox\ncat\nowl\n")
    # 3 tiles per row with 2 spare pixels on the right: floor(11 / 3) = 3 columns
    _sprite(tiles, per_row=3, pad=(2, 1)).save(tmp_path / "s.png")
    config = write(
        "projector_config.json",
        _config(
            {
                "tensorName": "animals",
                "tensorShape": [7, 3],
                "tensorPath": "t.bytes",
                "metadataPath": "m.tsv",
                "bookmarksPath": "nothing-here.json",  # ignored, even though it is missing
                "sprite": {"imagePath": "s.png", "singleImageDim": [3, 4]},
            }
        ),
    )
    ds = _load(config)
    assert _bits_equal(ds.vectors, values)
    assert isinstance(ds.vectors, np.memmap)
    assert ds.name == "animals"
    assert ds.label_column == "label"
    assert ds.column("label").values.tolist() == ["cat", "dog", "cat", "emu", "fox", "cat", "owl"]
    assert ds.images.arrays.dtype == np.uint8 and ds.images.arrays.shape == (7, 4, 3, 3)
    np.testing.assert_array_equal(ds.images.arrays, tiles)
    assert [s.role for s in ds.sources] == [
        "projector config",
        "vectors",
        "metadata",
        "sprite",
    ]


def test_json_with_tsv_and_multi_column_metadata_with_empty_cells(write):
    values = _vectors(4, 5)
    write("t.tsv", _tsv(values))
    # a missing trailing cell and "" are both empty
    write("m.tsv", "word\tcount\tnote\nx\t1\t\ny\t\thello\nz\t3\nw\t4\tbye\n")
    embedding = {"tensorShape": [4, 5], "tensorPath": "t.tsv", "metadataPath": "m.tsv"}
    config = write("p.json", _config(embedding))
    ds = _load(config)
    assert _bits_equal(ds.vectors, values)
    assert [c.name for c in ds.columns] == ["word", "count", "note"]
    assert ds.column("word").values.tolist() == ["x", "y", "z", "w"]
    count = ds.column("count").values
    assert count.dtype == np.float64 and np.isnan(count[1])
    assert count[[0, 2, 3]].tolist() == [1.0, 3.0, 4.0]
    assert ds.column("note").values.tolist() == [None, "hello", None, "bye"]
    assert ds.label_column is None  # no 'label' column and several columns
    assert ds.images is None


def test_imported_metadata_is_typed_like_metadata_option(write):
    """The same metadata file gives the same columns through --metadata."""
    values = _vectors(3, 2)
    write("t.tsv", _tsv(values))
    write("m.tsv", "a\tb\tc\n1\tx\t\n2.5\ty\t\n\tz\t\n")
    config = write("p.json", _config({"tensorPath": "t.tsv", "metadataPath": "m.tsv"}))
    imported = _load(config)
    direct = load_dataset(
        InputConfig(vectors=config.parent / "t.tsv", metadata=config.parent / "m.tsv")
    )
    assert [c.name for c in imported.columns] == [c.name for c in direct.columns]
    for mine, theirs in zip(imported.columns, direct.columns, strict=True):
        assert mine.values.dtype == theirs.values.dtype
        np.testing.assert_array_equal(mine.values, theirs.values)


PBTXT = r"""# written by hand: comments, escapes, unknown fields
model_checkpoint_dir: "ignored/when/tensor_path/is/set"
embeddings {
  tensor_name: "emb \"one\""   # a trailing comment
  tensor_path: 'vec\056tsv';    # \056 is '.'
  metadata_path: "meta" ".tsv",  # adjacent strings concatenate
  tensor_shape: 5
  tensor_shape: 2
  some_future_field { nested { deep: -inf flag: true } list: [1, 2, 3] }
  some_other_field < x: 1; y: "a\tb" >
  sprite: {
    image_path: "sprite.png"
    single_image_dim: [2, 3]
  }
}
embeddings { tensor_name: "second" tensor_path: "other.tsv" }
"""


def test_pbtxt_with_comments_escapes_and_unknown_fields(write, tmp_path, caplog):
    values = _vectors(5, 2, seed=3)
    tiles = np.random.default_rng(4).integers(0, 256, (5, 3, 2, 3), dtype=np.uint8)
    write("vec.tsv", _tsv(values))
    write("meta.tsv", "a\nb\nc\nd\ne\n")
    _sprite(tiles, per_row=2).save(tmp_path / "sprite.png")
    config = write("projector_config.pbtxt", PBTXT)
    with caplog.at_level(logging.WARNING, logger="reportgen"):
        ds = _load(config)
    assert _bits_equal(ds.vectors, values)
    assert ds.name == 'emb "one"'
    assert ds.column("label").values.tolist() == ["a", "b", "c", "d", "e"]
    np.testing.assert_array_equal(ds.images.arrays, tiles)
    assert "2 embeddings; reading the first (tensor_name 'emb \"one\"')" in caplog.text


def test_pbtxt_parser_agrees_with_protobuf():
    """Our parser reads what protobuf's own text format writes, escapes included.

    tensorboard (and its protobuf) is a test dependency: this runs everywhere, never skips.
    """
    from google.protobuf import text_format
    from tensorboard.plugins.projector import projector_config_pb2 as pb2

    config = pb2.ProjectorConfig(model_checkpoint_path="ckpt")
    embedding = config.embeddings.add(
        tensor_name="a\"b'c\\d\te\nf é ☃", tensor_path="dir/t.tsv", metadata_path="m.tsv"
    )
    embedding.tensor_shape.extend([100, 5])
    embedding.sprite.image_path = "s.png"
    embedding.sprite.single_image_dim.extend([28, 14])
    expected = {
        "modelCheckpointPath": "ckpt",
        "embeddings": [
            {
                "tensorName": "a\"b'c\\d\te\nf é ☃",
                "tensorPath": "dir/t.tsv",
                "metadataPath": "m.tsv",
                "tensorShape": [100, 5],
                "sprite": {"imagePath": "s.png", "singleImageDim": [28, 14]},
            }
        ],
    }
    for options in ({}, {"as_utf8": True}, {"as_one_line": True}):
        text = text_format.MessageToString(config, **options)
        assert _parse_pbtxt(text, Path("c.pbtxt")) == expected, text
    # and what we accept by hand is valid protobuf text format
    text_format.Parse(
        PBTXT, pb2.ProjectorConfig(), allow_unknown_field=True, allow_unknown_extension=True
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (r'"\101\x42\u00e9"', "ABé"),
        (r'"tab\there"', "tab\there"),
        (r"'it\'s'", "it's"),
        (r'"back\\slash"', "back\\slash"),
        (r'"\0123"', "\n3"),  # at most three octal digits
    ],
)
def test_pbtxt_string_escapes(text, value):
    parsed = _parse_pbtxt(f"embeddings {{ tensor_name: {text} }}", Path("c.pbtxt"))
    assert parsed["embeddings"][0]["tensorName"] == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('embeddings {\n tensor_name: "x\\q"\n}', r"line 2: .*unknown escape \\q"),
        ("embeddings {\n  tensor_shape: -3\n}", r"line 2: .*tensor_shape must be a non-negative"),
        ("embeddings {\n  tensor_name: 12\n}", r"line 2: .*tensor_name must be a quoted string"),
        ('embeddings {\n tensor_name: "a"\n tensor_name: "b" }', r"line 3: .*given twice"),
        ("\n\nembeddings }", r"line 3: .*expected ':' or '\{' after 'embeddings'"),
        ("embeddings { tensor_shape: [1 2] }", r"line 1: .*expected ',' or '\]'"),
        ("embeddings {\n\n tensor_name: @ }", r"line 3: .*unexpected character '@'"),
        ("embeddings\n{ sprite: 3 }", r"line 2: .*sprite must be a message"),
    ],
)
def test_pbtxt_syntax_errors_name_the_line(text, message):
    with pytest.raises(InputError, match=r"c\.pbtxt: " + message):
        _parse_pbtxt(text, Path("c.pbtxt"))


def test_pbtxt_skips_extensions_and_any_fields():
    text = '[ext.example/pkg.Extra] { x: 1 }\nembeddings { [a.b]: 3 tensor_path: "t.tsv" }'
    assert _parse_pbtxt(text, Path("c.pbtxt")) == {"embeddings": [{"tensorPath": "t.tsv"}]}


def test_config_of_another_name_is_told_apart_by_content(write):
    values = _vectors(3, 2)
    write("t.tsv", _tsv(values))
    as_json = write("config.txt", _config({"tensorPath": "t.tsv"}))
    as_pbtxt = write("config", 'embeddings { tensor_path: "t.tsv" }')
    assert _bits_equal(_load(as_json).vectors, values)
    assert _bits_equal(_load(as_pbtxt).vectors, values)


# --------------------------------------------------------------------------------------
# Paths


def test_paths_are_relative_to_the_config_folder(write, tmp_path, monkeypatch):
    values = _vectors(3, 4)
    write("run/data/t.tsv", _tsv(values))
    write("run/meta/m.tsv", "p\nq\nr\n")
    config = write(
        "run/projector_config.json",
        _config({"tensorPath": "data/t.tsv", "metadataPath": "meta/m.tsv"}),
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    ds = _load(config)
    assert _bits_equal(ds.vectors, values)
    assert ds.column("label").values.tolist() == ["p", "q", "r"]


def test_absolute_and_home_paths(write, tmp_path, monkeypatch):
    values = _vectors(3, 2)
    tensor = write("abs/t.tsv", _tsv(values))
    write("home/m.tsv", "x\ny\nz\n")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    config = write("cfg/p.json", _config({"tensorPath": str(tensor), "metadataPath": "~/m.tsv"}))
    ds = _load(config)
    assert _bits_equal(ds.vectors, values)
    assert ds.column("label").values.tolist() == ["x", "y", "z"]


# --------------------------------------------------------------------------------------
# The tensor TSV


def test_labels_in_the_first_column(write):
    values = _vectors(4, 3)
    # '42' is a number, but its row has one cell more than the first row's vector
    write("t.tsv", _tsv(values, ["king", "queen", "42", "man"]))
    config = write("p.json", _config({"tensorPath": "t.tsv"}))
    ds = _load(config)
    assert _bits_equal(ds.vectors, values)
    assert ds.label_column == "label"
    assert ds.column("label").values.tolist() == ["king", "queen", "42", "man"]


def test_tensor_labels_and_metadata_labels_are_both_kept(write):
    values = _vectors(3, 2)
    write("t.tsv", _tsv(values, ["a", "b", "c"]))
    write("m.tsv", "x\ny\nz\n")
    ds = _load(write("p.json", _config({"tensorPath": "t.tsv", "metadataPath": "m.tsv"})))
    assert ds.label_column == "label"
    assert ds.column("label").values.tolist() == ["x", "y", "z"]  # the metadata's, as shown
    assert ds.column("tensor_label").values.tolist() == ["a", "b", "c"]


def test_blank_lines_are_skipped_and_rows_stay_aligned(write):
    write("t.tsv", "\n1\t2\n\n  \t \n3\t4\n5\t6\n\n")
    write("m.tsv", "\nname\tsize\n\nx\t1\n  \ny\t2\nz\t3\n\n")
    ds = _load(write("p.json", _config({"tensorPath": "t.tsv", "metadataPath": "m.tsv"})))
    assert ds.vectors.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert ds.column("name").values.tolist() == ["x", "y", "z"]
    assert ds.column("size").values.tolist() == [1.0, 2.0, 3.0]


def test_errors_name_the_real_line_after_blank_lines(write):
    write("t.tsv", "\n1\t2\n\n3\tnan\n5\t6\n")
    config = write("p.json", _config({"tensorPath": "t.tsv"}))
    with pytest.raises(InputError, match=r"t\.tsv: line 4, column 2: NaN in a vector"):
        _load(config)
    write("t.tsv", "\nx\t1\t2\n\ny\t3\t4 5\n")
    with pytest.raises(InputError, match=r"t\.tsv: line 4, column 3: '4 5' is not a number"):
        _load(config)


def test_nan_in_a_labelled_tsv_points_at_its_column(write):
    write("t.tsv", "a\t1\t2\nb\t3\t4\nc\tinf\t6\nd\t7\t8\n")
    config = write("p.json", _config({"tensorPath": "t.tsv"}))
    with pytest.raises(InputError, match=r"t\.tsv: line 3, column 2: Inf in a vector"):
        _load(config)
    ds = _load(config, drop_invalid=True)
    assert ds.column("label").values.tolist() == ["a", "b", "d"]


def test_windows_line_endings(write):
    write("t.tsv", "1\t2\r\n3\t4\r\n5\t6\r\n")
    write("m.tsv", "a\tb\r\n1\tx\r\n2\ty\r\n3\tz\r\n")
    ds = _load(write("p.json", _config({"tensorPath": "t.tsv", "metadataPath": "m.tsv"})))
    assert [c.name for c in ds.columns] == ["a", "b"]
    assert ds.column("b").values.tolist() == ["x", "y", "z"]


def test_extra_metadata_cells_are_ignored_with_a_warning(write, caplog):
    write("t.tsv", "1\t2\n3\t4\n5\t6\n")
    write("m.tsv", "a\tb\n1\tx\n2\ty\textra\n3\tz\n")
    config = write("p.json", _config({"tensorPath": "t.tsv", "metadataPath": "m.tsv"}))
    with caplog.at_level(logging.WARNING, logger="reportgen"):
        ds = _load(config)
    assert ds.column("b").values.tolist() == ["x", "y", "z"]
    assert "1 line has more cells than the 2 column names (first: line 3)" in caplog.text


# --------------------------------------------------------------------------------------
# Sprite and name


def test_grayscale_sprite_becomes_rgb(write, tmp_path):
    write("t.tsv", "1\t2\n3\t4\n5\t6\n")
    gray = np.arange(2 * 2 * 4, dtype=np.uint8).reshape(2, 8) * 7  # 4 tiles of 2x2 in a row
    Image.fromarray(gray, mode="L").save(tmp_path / "s.png")
    sprite = {"imagePath": "s.png", "singleImageDim": [2, 2]}
    ds = _load(write("p.json", _config({"tensorPath": "t.tsv", "sprite": sprite})))
    assert ds.images.arrays.shape == (3, 2, 2, 3)
    np.testing.assert_array_equal(ds.images.arrays[2, :, :, 1], gray[:, 4:6])


@pytest.mark.parametrize(
    ("tensor_name", "expected"),
    [
        (None, "projector_config"),
        ("", "projector_config"),
        ("word2vec 10K", "word2vec 10K"),
        ("embedding/.ATTRIBUTES/VARIABLE_VALUE", "projector_config"),
        ("x" * 65, "projector_config"),
    ],
)
def test_name_is_the_tensor_name_when_short(write, tensor_name, expected):
    write("t.tsv", "1\t2\n3\t4\n5\t6\n")
    embedding = {"tensorPath": "t.tsv"}
    if tensor_name is not None:
        embedding["tensorName"] = tensor_name
    assert _load(write("projector_config.json", _config(embedding))).name == expected


# --------------------------------------------------------------------------------------
# Config errors beyond cases.py


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[1, 2]", r"must hold a JSON object"),
        ('{"embeddings": {"tensorPath": "t.tsv"}}', r"embeddings must be a list of objects"),
        (_config({"tensorPath": 3}), r"tensorPath must be a string, got 3"),
        (_config({"tensorPath": "t.bytes", "tensorShape": [3]}), r"tensorShape must be \[N, D\]"),
        (_config({"tensorPath": "t.tsv", "tensorShape": [3, True]}), r"tensorShape must be"),
        (_config({"tensorPath": "gs://bucket/t.tsv"}), r"tensorPath .* is a URL"),
        (
            _config({"tensorPath": "t.tsv", "metadataPath": "http://x/m.tsv"}),
            r"metadataPath .* URL",
        ),
        (
            _config(
                {"tensorPath": "t.tsv", "sprite": {"imagePath": "s.png", "singleImageDim": [0, 2]}}
            ),
            r"sprite\.singleImageDim must be \[width, height\], two positive integers",
        ),
        (_config({"tensorName": "w"}), r"embedding 'w' has no tensorPath: .*checkpoint"),
    ],
)
def test_bad_json_configs(write, config, message):
    write("t.tsv", "1\t2\n3\t4\n5\t6\n")
    with pytest.raises(InputError, match=r"p\.json: " + message):
        _load(write("p.json", config))


def test_missing_config_file(tmp_path):
    with pytest.raises(InputError, match=r"nope\.json: file not found"):
        _load(tmp_path / "nope.json")
