"""reportgen/io/images.py: a folder of images, or a column of paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from io_support import config

from reportgen.errors import InputError
from reportgen.io import load_dataset

VECTORS = "1\t2\n3\t4\n5\t6\n"


def test_images_folder_in_sorted_name_order(write, tmp_path):
    vectors = write("v.tsv", VECTORS)
    for name in ["b.JPG", "a.png", "c.webp", ".hidden.png", "notes.txt"]:
        write(f"imgs/{name}", name)
    (tmp_path / "imgs" / "sub.png").mkdir()  # a folder, not an image
    ds = load_dataset(config(vectors=vectors, images=tmp_path / "imgs"))
    assert [p.name for p in ds.images.paths] == ["a.png", "b.JPG", "c.webp"]
    assert [s.role for s in ds.sources] == ["vectors", "images"]
    assert ds.sources[1].name == "imgs"


def test_images_folder_hash_follows_the_bytes(write, tmp_path):
    vectors = write("v.tsv", VECTORS)
    for name in ["a.png", "b.png", "c.png"]:
        write(f"imgs/{name}", name)
    first = load_dataset(config(vectors=vectors, images=tmp_path / "imgs")).sources[1].sha256
    write("imgs/b.png", "changed")
    second = load_dataset(config(vectors=vectors, images=tmp_path / "imgs")).sources[1].sha256
    assert first != second


def test_images_count_must_match(write, tmp_path):
    vectors = write("v.tsv", VECTORS)
    write("imgs/a.png", "a")
    write("imgs/b.png", "b")
    with pytest.raises(InputError, match=r"imgs: 2 images, but .*v\.tsv has 3 vectors"):
        load_dataset(config(vectors=vectors, images=tmp_path / "imgs"))


def test_images_folder_missing(write, tmp_path):
    vectors = write("v.tsv", VECTORS)
    with pytest.raises(InputError, match=r"nope: images folder not found"):
        load_dataset(config(vectors=vectors, images=tmp_path / "nope"))


def test_images_path_that_is_a_file(write):
    vectors = write("v.tsv", VECTORS)
    with pytest.raises(InputError, match=r"v\.tsv: is not a folder"):
        load_dataset(config(vectors=vectors, images=vectors))


def test_image_column_relative_to_its_file(write, tmp_path):
    vectors = write("v.tsv", VECTORS)
    meta = write("meta/m.tsv", "label\tpic\na\timgs/1.png\nb\t\nc\t/abs/3.png\n")
    ds = load_dataset(config(vectors=vectors, metadata=meta, image_column="pic"))
    assert ds.images.paths == (tmp_path / "meta" / "imgs" / "1.png", None, Path("/abs/3.png"))
    assert ds.label_column == "label"


def test_image_column_of_the_vectors_file(write, tmp_path):
    vectors = write("data/v.csv", "x,y,pic\n1,2,a.png\n3,4,b.png\n5,6,c.png\n")
    ds = load_dataset(config(vectors=vectors, image_column="pic"))
    assert ds.images.paths == tuple(tmp_path / "data" / n for n in ["a.png", "b.png", "c.png"])


def test_image_column_not_found(write):
    vectors = write("v.tsv", VECTORS)
    meta = write("m.tsv", "label\tpath\na\tx\nb\ty\nc\tz\n")
    pattern = r"m\.tsv: --image-column 'pic' not found; the metadata columns are: 'label', 'path'"
    with pytest.raises(InputError, match=pattern):
        load_dataset(config(vectors=vectors, metadata=meta, image_column="pic"))


def test_drop_invalid_drops_images_too(write, tmp_path):
    vectors = write("v.tsv", "1\t2\nnan\t4\n5\t6\n7\t8\n")
    for name in ["a.png", "b.png", "c.png", "d.png"]:
        write(f"imgs/{name}", name)
    ds = load_dataset(config(vectors=vectors, images=tmp_path / "imgs", drop_invalid=True))
    assert [p.name for p in ds.images.paths] == ["a.png", "c.png", "d.png"]
    assert len(ds.images) == ds.n == 3
    np.testing.assert_array_equal(ds.vectors[:, 0], [1, 5, 7])
