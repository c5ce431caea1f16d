"""reportgen/io/demo.py: the bundled digits."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from io_support import config

from reportgen.errors import InputError
from reportgen.io import load_dataset


@pytest.fixture(scope="module")
def digits():
    return load_dataset(config(demo="digits"))


def test_digits_vectors(digits):
    assert digits.vectors.shape == (1797, 64)
    assert digits.vectors.dtype == np.float32 and digits.vectors.flags.c_contiguous
    assert digits.name == "digits"


def test_digits_labels_are_text(digits):
    assert digits.label_column == "label"
    assert not digits.column("label").is_numeric
    assert sorted(set(digits.labels)) == [str(d) for d in range(10)]


def test_digits_images(digits):
    images = digits.images.arrays
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8
    assert images.min() == 0 and images.max() == 255
    # the image is the vector, scaled from 0..16 to 0..255
    np.testing.assert_array_equal(
        images.reshape(1797, 64), np.rint(digits.vectors * 255 / 16).astype(np.uint8)
    )


def test_digits_source(digits):
    (source,) = digits.sources
    assert (source.role, source.name) == ("vectors", "scikit-learn digits (bundled)")
    assert source.sha256 == hashlib.sha256(digits.vectors.tobytes()).hexdigest()


def test_digits_with_an_unknown_label_column():
    with pytest.raises(InputError, match=r"--label-column 'y' not found.*'label'"):
        load_dataset(config(demo="digits", label_column="y"))


def test_sentences_demo_is_text_without_images():
    first = load_dataset(config(demo="sentences"))
    again = load_dataset(config(demo="sentences"))
    assert first.vectors.shape == (1200, 48) and first.vectors.dtype == np.float32
    assert np.array_equal(first.vectors, again.vectors)  # generated, but deterministic
    assert first.images is None
    assert first.label_column == "label" and first.text_column == "text"
    assert sorted(set(first.labels)) == [
        "astronomy", "cooking", "finance", "football", "gardening", "music"
    ]  # fmt: skip
    assert all(text.endswith(".") for text in first.column("text").as_text())
