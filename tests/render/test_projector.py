"""``projector/``: the files the Embedding Projector and TensorBoard load.

The readers below are ports of what the Projector (vz-projector, TensorBoard 2.21) and
TensorBoard's plugin do with these files, so that the tests check our output against
their rules rather than against our own writer.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest

import reportgen
from reportgen.dataset import Column, Dataset
from reportgen.render.projector import (
    CONFIG_JSON,
    ROW_COLUMN,
    ProjectorFiles,
    clean_cell,
    config_pbtxt,
    metadata_table,
    metadata_tsv,
)

# The Projector's config interface (vz-projector's ProjectorConfig/EmbeddingInfo): field
# name -> type, and which fields must be there.
EMBEDDING_FIELDS = {
    "tensorName": str,
    "tensorShape": list,
    "tensorPath": str,
    "metadataPath": str,
    "bookmarksPath": str,
    "sprite": dict,
}
SPRITE_FIELDS = {"imagePath": str, "singleImageDim": list}
# Every field the Projector reads when it restores a bookmark (loadState and the panels'
# restoreUIFromBookmark): without one, loading throws or leaves the UI inconsistent.
STATE_FIELDS = {
    "label": str,
    "isSelected": bool,
    "selectedProjection": str,
    "dataSetDimensions": list,
    "projections": list,
    "pcaComponentDimensions": list,
    "tSNEIteration": int,
    "tSNEPerplexity": (int, float),
    "tSNELearningRate": (int, float),
    "tSNEis3d": bool,
    "umapIs3d": bool,
    "umapNeighbors": int,
    "umapMinDist": (int, float),
    "selectedPoints": list,
    "cameraDef": type(None),
    "filteredPoints": type(None),
    "shuffledDataIndices": type(None),
    "customSelectedSearchByMetadataOption": str,
    "customXLeftText": str,
    "customXLeftRegex": bool,
    "customXRightText": str,
    "customXRightRegex": bool,
    "customYUpText": str,
    "customYUpRegex": bool,
    "customYDownText": str,
    "customYDownRegex": bool,
    "forceCategoricalColoring": bool,
}


def projector_parse_metadata(text: str) -> list[dict[str, str | None]]:
    """The Projector's metadata parser: blank lines skipped, the first line is a header
    iff it has a tab, a single column is called "label", "" is null."""
    rows: list[dict[str, str | None]] = []
    names = ["label"]
    seen = 0
    for line in text.split("\n"):
        if not line.strip().strip("\ufeff"):
            continue
        if seen == 0 and "\t" in line:
            names = line.split("\t")
            seen += 1
            continue
        seen += 1
        cells = line.split("\t")
        rows.append(
            {
                name: (None if i >= len(cells) or cells[i] == "" else cells[i])
                for i, name in enumerate(names)
            }
        )
    return rows


def tensorboard_read_tsv(path: Path) -> np.ndarray:
    """TensorBoard's ``_read_tensor_tsv_file``."""
    rows = []
    with path.open() as handle:
        for line in handle:
            line = line.rstrip("\n")
            if line:
                rows.append(list(map(float, line.split("\t"))))
    return np.array(rows, dtype="float32")


CAPTIONS = ["tab\there", "line\nbreak", "crlf\r\nend", "ünïcödé “quotes”", "", "</script>"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, np.ndarray, list[str], list[str]]:
    rng = np.random.default_rng(7)
    vectors = (rng.normal(size=(48, 5)) + np.repeat(np.eye(5)[:3] * 4, 16, axis=0)).astype(
        np.float32
    )
    labels = ["α"] * 16 + ["β\tb"] * 16 + ["γ"] * 16
    captions = [CAPTIONS[i % len(CAPTIONS)] for i in range(48)]
    out = tmp_path_factory.mktemp("projector") / "site"
    reportgen.build(
        vectors,
        labels=labels,
        metadata={"caption": captions},
        out=out,
        tsne=False,
        projections={"custom_column": "label", "custom_left": "α", "custom_right": "γ"},
    )
    return out, vectors, labels, captions


def test_config_json_matches_the_projector_interface(built):
    out, vectors, _, _ = built
    config = json.loads((out / "projector" / CONFIG_JSON).read_text())
    assert set(config) == {"embeddings"}
    (embedding,) = config["embeddings"]
    assert {"tensorName", "tensorShape", "tensorPath"} <= set(embedding)
    for key, value in embedding.items():
        assert isinstance(value, EMBEDDING_FIELDS[key]), key
    assert embedding["tensorShape"] == list(vectors.shape)
    assert embedding["tensorPath"] == "tensors.bytes"
    # relative paths by default, each naming a file that exists next to the config
    for key in ("tensorPath", "metadataPath", "bookmarksPath"):
        assert (out / "projector" / embedding[key]).is_file()
    assert "sprite" not in embedding  # no images


def test_tensor_files_hold_the_vectors_exactly(built):
    out, vectors, _, _ = built
    raw = (out / "projector" / "tensors.bytes").read_bytes()
    assert len(raw) == 4 * vectors.size
    assert np.array_equal(np.frombuffer(raw, dtype="<f4").reshape(vectors.shape), vectors)
    assert np.array_equal(tensorboard_read_tsv(out / "projector" / "tensors.tsv"), vectors)


def test_metadata_tsv_follows_the_projector_rules(built):
    out, _, labels, captions = built
    raw = (out / "projector" / "metadata.tsv").read_bytes()
    assert b"\r" not in raw
    text = raw.decode("utf-8")
    lines = text.split("\n")
    assert lines[-1] == "" and all(line.strip() for line in lines[:-1])  # no blank rows
    assert lines[0] == "label\tcaption"  # more than one column: a header
    rows = projector_parse_metadata(text)
    assert len(rows) == len(labels)
    assert [row["label"] for row in rows] == [clean_cell(label) for label in labels]
    expected = [clean_cell(c) or None for c in captions]
    assert [row["caption"] for row in rows] == expected
    assert rows[3]["caption"] == "ünïcödé “quotes”"
    assert rows[0]["caption"] == "tab here" and rows[2]["caption"] == "crlf  end"


def _dataset(columns: dict[str, list]) -> Dataset:
    n = len(next(iter(columns.values())))
    built = tuple(
        Column(name, np.array(values, dtype=object if isinstance(values[0], str) else float))
        for name, values in columns.items()
    )
    return Dataset(vectors=np.zeros((n, 2), dtype=np.float32), columns=built, label_column=None)


def test_single_column_metadata_has_no_header():
    table = metadata_table(_dataset({"species": ["a", "b", "c"]}))
    assert metadata_tsv(table) == b"a\nb\nc\n"
    assert projector_parse_metadata("a\nb\nc\n") == [{"label": v} for v in "abc"]


def test_a_row_that_would_be_blank_gets_a_row_column():
    # A lone empty label would be a blank line, which the Projector skips: every later
    # row would then describe the wrong point.
    table = metadata_table(_dataset({"species": ["a", "", "c"]}))
    assert table.row_column and table.header == ["species", ROW_COLUMN]
    rows = projector_parse_metadata(metadata_tsv(table).decode())
    assert [(r["species"], r[ROW_COLUMN]) for r in rows] == [("a", "0"), (None, "1"), ("c", "2")]
    # whitespace-only rows count as blank too, in several columns
    table = metadata_table(_dataset({"a": [" ", "x", "y"], "b": ["\t", "1", "2"]}))
    assert table.row_column
    assert len(projector_parse_metadata(metadata_tsv(table).decode())) == 3


def test_numeric_metadata_and_empty_cells():
    table = metadata_table(_dataset({"score": [1.0, float("nan"), 2.5], "name": ["x", "y", "z"]}))
    assert metadata_tsv(table) == b"score\tname\n1\tx\n\ty\n2.5\tz\n"


# The Projector's own settings when nothing has changed (vz-projector's State class and its
# projections panel: perplexity 30, learning rate 10 held as its slider's exponent 1,
# UMAP 15 neighbours and min_dist 0.1, PCA components 0, 1, 2, iteration 0 before a run).
PROJECTOR_DEFAULTS = {"tSNELearningRate": 1, "umapNeighbors": 15, "umapMinDist": 0.1}


def test_every_numeric_bookmark_field_is_written_as_the_projector_stores_it(built):
    out, vectors, _, _ = built
    states = {s["label"]: s for s in json.loads((out / "projector" / "bookmarks.json").read_text())}
    report = json.loads((out / "report.json").read_text())
    umap = report["projections"]["umap-2d"]["parameters"]
    for label, state in states.items():
        # The panel's rate is 10 ** this value: 1 is its own default of 10, not 10^10.
        assert state["tSNELearningRate"] == PROJECTOR_DEFAULTS["tSNELearningRate"], label
        assert 10 ** state["tSNELearningRate"] == 10
        # The slider holds the perplexity itself; the UMAP fields are the values that ran.
        assert state["tSNEPerplexity"] > 0
        assert state["umapNeighbors"] == umap["n_neighbors"]
        assert state["umapMinDist"] == umap["min_dist"] == PROJECTOR_DEFAULTS["umapMinDist"]
        assert state["tSNEIteration"] == 0  # no t-SNE ran in this build: the label shows 0
        assert state["dataSetDimensions"] == list(vectors.shape)
        dims = state["pcaComponentDimensions"]
        assert dims in ([0, 1], [0, 1, 2]), label
    assert states["reportgen: PCA 2D"]["pcaComponentDimensions"] == [0, 1]


def test_bookmarks_carry_every_state_field_and_our_coordinates(built):
    out, vectors, _, _ = built
    states = json.loads((out / "projector" / "bookmarks.json").read_text())
    with (out / "exports" / "coordinates.csv").open(encoding="utf-8") as handle:
        coordinates = list(csv.DictReader(handle))
    by_projection = {}
    for state in states:
        for key, kind in STATE_FIELDS.items():
            assert isinstance(state.get(key, "missing"), kind), (state["label"], key)
        assert state["dataSetDimensions"] == list(vectors.shape)
        assert len(state["projections"]) == len(vectors)
        by_projection[state["label"]] = state
    titles = sorted(by_projection)
    assert titles == sorted(
        f"reportgen: {t}" for t in ("PCA 2D", "PCA 3D", "UMAP 2D", "UMAP 3D", "Custom")
    )
    umap2, umap3 = by_projection["reportgen: UMAP 2D"], by_projection["reportgen: UMAP 3D"]
    assert set(umap2["projections"][0]) == {"umap-0", "umap-1"}
    assert set(umap3["projections"][0]) == {"umap-0", "umap-1", "umap-2"}
    assert (umap2["umapIs3d"], umap3["umapIs3d"]) == (False, True)
    assert by_projection["reportgen: PCA 3D"]["pcaComponentDimensions"] == [0, 1, 2]
    assert set(by_projection["reportgen: Custom"]["projections"][0]) == {"linear-x", "linear-y"}
    # the coordinates are the report's own, to float32 precision
    shown = np.array([[p["umap-0"], p["umap-1"]] for p in umap2["projections"]], np.float32)
    expected = np.array([[row["umap-2d_x"], row["umap-2d_y"]] for row in coordinates], np.float32)
    assert np.array_equal(shown, expected)
    custom = by_projection["reportgen: Custom"]
    assert custom["customSelectedSearchByMetadataOption"] == "label"
    assert (custom["customXLeftText"], custom["customXRightText"]) == ("α", "γ")
    assert all(state["selectedColorOptionName"] == "label" for state in states)


def test_pbtxt_paths_stay_inside_the_logdir(built):
    out, vectors, _, _ = built
    text = (out / "projector" / "projector_config.pbtxt").read_text()
    assert 'tensor_path: "tensors.tsv"' in text
    assert f"tensor_shape: {vectors.shape[0]}\n  tensor_shape: {vectors.shape[1]}" in text
    for line in text.splitlines():
        if line.strip().endswith('"') and "_path" in line:
            name = line.split('"')[1]
            assert "/" not in name and (out / "projector" / name).is_file()


def test_pbtxt_escapes_the_tensor_name():
    files = ProjectorFiles('say "hi"\\\n', (3, 2), True, True, False, False, None)
    assert b'tensor_name: "say \\"hi\\"\\\\\\n"' in config_pbtxt(files)


def test_base_url_makes_paths_absolute_and_links_the_projector(tmp_path, tiny_vectors, capsys):
    out = tmp_path / "site"
    options = {"umap": False, "tsne": False, "clusters": False, "progress": "plain"}
    # Without it the log says how to make the export load in projector.tensorflow.org.
    reportgen.build(tiny_vectors, out=tmp_path / "relative", **options)
    assert "for projector.tensorflow.org, build with --base-url URL" in capsys.readouterr().err
    reportgen.build(tiny_vectors, out=out, base_url="https://me.github.io/proj/", **options)
    assert "--base-url" not in capsys.readouterr().err
    config = json.loads((out / "projector" / CONFIG_JSON).read_text())
    prefix = "https://me.github.io/proj/projector/"
    assert config["embeddings"][0]["tensorPath"] == prefix + "tensors.bytes"
    page = (out / "projector.html").read_text()
    link = "https://projector.tensorflow.org/?config="
    start = page.index(link) + len(link)
    assert unquote(page[start : page.index('"', start)]) == prefix + CONFIG_JSON


def test_leaving_out_the_tensors_or_the_tsv(tmp_path, tiny_vectors, tiny_labels):
    out = tmp_path / "a"
    reportgen.build(
        tiny_vectors,
        labels=tiny_labels,
        out=out,
        umap=False,
        tsne=False,
        projector_tensor_tsv=False,
    )
    assert not (out / "projector" / "tensors.tsv").exists()
    assert 'tensor_path: "tensors.bytes"' in (out / "projector/projector_config.pbtxt").read_text()
    out = tmp_path / "b"
    reportgen.build(tiny_vectors, labels=tiny_labels, out=out, umap=False, tsne=False,
                    projector={"tensors": False})  # fmt: skip
    names = sorted(p.name for p in (out / "projector").iterdir())
    assert names == ["bookmarks.json", "metadata.tsv"]
    assert "no config for TensorBoard" in (out / "projector.html").read_text()


def test_no_projector_means_no_folder_and_no_nav_link(tmp_path, tiny_vectors):
    out = tmp_path / "site"
    reportgen.build(tiny_vectors, out=out, umap=False, tsne=False, projector=False)
    assert not (out / "projector").exists()
    assert 'href="projector.html"' not in (out / "index.html").read_text()
