"""Arrow IPC (.arrow), Feather (.feather) and Hugging Face ``save_to_disk`` folders: read
with the Parquet reader's rules (a list column or numeric columns, the rest metadata)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

import reportgen
from reportgen.cli import main
from reportgen.config import InputConfig
from reportgen.errors import InputError
from reportgen.io.inputs import load_dataset

SAVED = Path(__file__).parent / "data" / "hf_saved"


def _table(n: int = 30, dim: int = 5) -> tuple[pa.Table, np.ndarray]:
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    table = pa.table(
        {
            "embedding": pa.array(list(vectors), type=pa.list_(pa.float32())),
            "label": [f"g{i % 3}" for i in range(n)],
            "score": np.arange(n, dtype=np.float64),
        }
    )
    return table, vectors


def test_feather_and_arrow_files_read_like_the_same_parquet(tmp_path):
    table, vectors = _table()
    pq.write_table(table, tmp_path / "v.parquet")
    feather.write_feather(table, tmp_path / "v.feather")
    with pa.ipc.new_file(tmp_path / "file.arrow", table.schema) as writer:
        writer.write_table(table)
    with pa.ipc.new_stream(tmp_path / "stream.arrow", table.schema) as writer:
        writer.write_table(table)
    read = {
        name: load_dataset(InputConfig(vectors=tmp_path / name, label_column="label"))
        for name in ("v.parquet", "v.feather", "file.arrow", "stream.arrow")
    }
    for name, dataset in read.items():
        assert np.array_equal(dataset.vectors, vectors), name
        assert dataset.labels == [f"g{i % 3}" for i in range(30)], name
        assert [c.name for c in dataset.columns] == ["label", "score"], name


def test_a_hugging_face_saved_dataset_folder_reads_its_shards_in_order(tmp_path):
    dataset = load_dataset(InputConfig(vectors=SAVED, label_column="label", text_column="text"))
    rng = np.random.default_rng(0)
    expected = np.array([np.round(rng.normal(size=4), 4) for _ in range(12)], np.float32)
    assert dataset.n == 12 and np.array_equal(dataset.vectors, expected)
    assert dataset.labels == [f"class-{i % 3}" for i in range(12)]
    assert dataset.column("text").as_text()[:2] == ["row 0", "row 1"]
    # A whole build from the folder, by the CLI.
    out = tmp_path / "site"
    args = ["build", str(SAVED), "--label-column", "label", "--text-column", "text"]
    assert main([*args, "--no-umap", "--no-tsne", "-q", "--out", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["dataset"]["n"] == 12 and report["dataset"]["dim"] == 4


def test_bad_arrow_inputs_are_named_errors(tmp_path, capsys):
    (tmp_path / "junk.feather").write_bytes(b"not arrow at all")
    with pytest.raises(InputError, match=r"junk.feather: cannot be read as Arrow"):
        load_dataset(InputConfig(vectors=tmp_path / "junk.feather"))
    empty = tmp_path / "folder"
    empty.mkdir()
    with pytest.raises(InputError, match=r"no state.json"):
        load_dataset(InputConfig(vectors=empty))
    splits = tmp_path / "dict"
    shutil.copytree(SAVED, splits / "train")
    (splits / "dataset_dict.json").write_text('{"splits": ["train"]}')
    with pytest.raises(InputError, match=r"one split's folder.*train"):
        load_dataset(InputConfig(vectors=splits))
    broken = tmp_path / "broken"
    shutil.copytree(SAVED, broken)
    (broken / "data-00001-of-00002.arrow").unlink()
    assert main(["build", str(broken), "-q", "--out", str(tmp_path / "site")]) == 2
    err = capsys.readouterr().err
    assert "data-00001-of-00002.arrow" in err and "Traceback" not in err
    # A null vector names its row and column, as in Parquet.
    table, _ = _table(4, 3)
    holed = table.set_column(
        0, "embedding", pa.array([[1.0, 2, 3], None, [1.0, 2, 3], [0.0, 1, 2]])
    )
    feather.write_feather(holed, tmp_path / "holed.feather")
    with pytest.raises(InputError, match=r"row 1.*embedding|embedding.*row 1"):
        load_dataset(InputConfig(vectors=tmp_path / "holed.feather"))


def test_vectors_and_a_feather_metadata_file_from_the_api(tmp_path):
    table, vectors = _table(20)
    feather.write_feather(table.drop_columns(["embedding"]), tmp_path / "meta.feather")
    report = reportgen.build(
        vectors, metadata=tmp_path / "meta.feather", label_column="label",
        umap=False, tsne=False, out=tmp_path / "site",
    )  # fmt: skip
    assert report.report["dataset"]["label_column"] == "label"
