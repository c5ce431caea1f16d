"""What reportgen exports for the Projector, reportgen imports back unchanged.

Vectors and the sprite come back exactly; metadata exactly up to the documented
substitutions (tabs and line breaks inside values become spaces).
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import reportgen
from reportgen.render.projector import clean_cell

CAPTIONS = ["plain", "tab\there", "two\nlines", "ünï “x”", "", "</script><b>x</b>"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    rng = np.random.default_rng(3)
    n = 30
    vectors = rng.normal(size=(n, 6)).astype(np.float32)
    labels = [f"class {i % 3}" for i in range(n)]
    captions = [CAPTIONS[i % len(CAPTIONS)] for i in range(n)]
    pixels = rng.integers(0, 256, size=(n, 12, 10, 3), dtype=np.uint8)  # colour, not square
    folder = tmp_path_factory.mktemp("roundtrip")
    (folder / "images").mkdir()
    for i, tile in enumerate(pixels):
        Image.fromarray(tile).save(folder / "images" / f"{i:03d}.png")
    out = folder / "first"
    reportgen.build(
        vectors,
        labels=labels,
        metadata={"caption": captions},
        images=folder / "images",
        out=out,
        umap=False,
        tsne=False,
        clusters=False,
        thumbnail_size=16,
    )
    return folder, out, vectors, labels, captions


@pytest.mark.parametrize("config_name", ["projector_config.json", "projector_config.pbtxt"])
def test_import_reads_back_what_export_wrote(exported, config_name):
    folder, first, vectors, labels, captions = exported
    dataset = reportgen.load(None, projector_config=first / "projector" / config_name)
    assert np.array_equal(np.asarray(dataset.vectors), vectors)
    assert dataset.label_column == "label"
    assert dataset.labels == labels
    assert dataset.column("caption").as_text() == [clean_cell(c) for c in captions]
    # the sprite's tiles come back exactly: re-exporting gives the same sprite
    again = folder / f"again-{config_name}"
    reportgen.build(
        None,
        projector_config=first / "projector" / config_name,
        out=again,
        umap=False,
        tsne=False,
        clusters=False,
        thumbnail_size=16,
    )
    old = Image.open(first / "projector" / "sprite.png").convert("RGB")
    new = Image.open(again / "projector" / "sprite.png").convert("RGB")
    assert np.array_equal(np.asarray(old), np.asarray(new))
    assert (again / "projector" / "metadata.tsv").read_bytes() == (
        first / "projector" / "metadata.tsv"
    ).read_bytes()
    assert (again / "projector" / "tensors.bytes").read_bytes() == (
        first / "projector" / "tensors.bytes"
    ).read_bytes()


def test_sprite_tiles_are_the_images_resized(exported):
    _, first, _, _, _ = exported
    sprite = Image.open(io.BytesIO((first / "projector" / "sprite.png").read_bytes()))
    assert sprite.size == (6 * 16, 6 * 16)  # ceil(sqrt(30)) = 6 tiles per side
