"""reportgen/io/shards.py: a glob of shards (local or at an fsspec URL) reads as one file."""

from __future__ import annotations

import itertools
import json
import uuid
from pathlib import Path

import fsspec
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from io_support import config, npy_bytes

from reportgen.cli import main
from reportgen.errors import InputError
from reportgen.io import load_dataset
from reportgen.io.shards import natural_key

RNG = np.random.default_rng(7)
VECTORS = RNG.normal(size=(23, 5)).astype(np.float32)
LABELS = [f"l{i % 4}" for i in range(23)]
SCORES = np.arange(23, dtype=float)
# Uneven shards, one of them empty: the rows' global order is what counts.
CUTS = [0, 6, 6, 13, 20, 23]


def _split(folder: Path, vectors: np.ndarray = VECTORS) -> None:
    """Vector and metadata shards part-1 ... part-5; the numbers are in natural order only
    if part-10 sorts after part-9, so the last one is part-10."""
    (folder / "s").mkdir(parents=True)
    (folder / "m").mkdir()
    names = ["part-1", "part-2", "part-3", "part-9", "part-10"]
    for name, (start, stop) in zip(names, itertools.pairwise(CUTS), strict=True):
        (folder / "s" / f"{name}.npy").write_bytes(npy_bytes(vectors[start:stop]))
        lines = ["label\tscore", *(f"{LABELS[i]}\t{SCORES[i]:g}" for i in range(start, stop))]
        (folder / "m" / f"{name}.tsv").write_text("\n".join(lines) + "\n")


def _whole(folder: Path) -> None:
    np.save(folder / "v.npy", VECTORS)
    lines = ["label\tscore", *(f"{LABELS[i]}\t{SCORES[i]:g}" for i in range(23))]
    (folder / "meta.tsv").write_text("\n".join(lines) + "\n")


def test_natural_order_puts_part_10_after_part_9():
    names = ["p-10.npy", "p-9.npy", "p-1.npy", "p-2.npy"]
    assert sorted(names, key=natural_key) == ["p-1.npy", "p-2.npy", "p-9.npy", "p-10.npy"]


def test_npy_and_tsv_shards_read_as_the_whole_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the site names inputs relative to the working folder
    _split(tmp_path)
    ds = load_dataset(config(vectors=str(tmp_path / "s/*.npy"), metadata=tmp_path / "m/*.tsv"))
    np.testing.assert_array_equal(ds.vectors, VECTORS)
    assert ds.vectors.dtype == np.float32 and ds.vectors.flags.c_contiguous
    assert list(ds.column("label").values) == LABELS
    np.testing.assert_array_equal(ds.column("score").values, SCORES)
    assert ds.label_column == "label" and ds.name == "s"
    # One provenance record per shard, in the order read.
    names = [s.name for s in ds.sources]
    assert len(names) == 10
    assert names[:2] == ["s/part-1.npy", "s/part-2.npy"]
    assert names[4:6] == ["s/part-10.npy", "m/part-1.tsv"]


def test_sharded_vectors_with_one_metadata_file_check_the_total(tmp_path):
    _split(tmp_path)
    _whole(tmp_path)
    ds = load_dataset(config(vectors=str(tmp_path / "s/*.npy"), metadata=tmp_path / "meta.tsv"))
    assert list(ds.column("label").values) == LABELS
    (tmp_path / "short.tsv").write_text("a\nb\nc\n")
    with pytest.raises(InputError, match=r"short\.tsv: 3 rows, but .*5 shards\) has 23 vectors"):
        load_dataset(config(vectors=str(tmp_path / "s/*.npy"), metadata=tmp_path / "short.tsv"))


def test_parquet_shards_carry_their_metadata_columns(tmp_path):
    (tmp_path / "p").mkdir()
    for i, (start, stop) in enumerate(itertools.pairwise(CUTS)):
        table = pa.table(
            {
                "embedding": pa.array(VECTORS[start:stop].tolist(), pa.list_(pa.float32())),
                "label": LABELS[start:stop],
                # Numbers in every shard but one, where the column holds text: text throughout,
                # as one file holding both would read.
                "note": [f"n{j}" if i == 2 else j for j in range(start, stop)]
                if i == 2
                else pa.array(list(range(start, stop)), pa.int64()),
            }
        )
        pq.write_table(table, tmp_path / "p" / f"shard-{i:02d}.parquet")
    ds = load_dataset(config(vectors=str(tmp_path / "p/*.parquet")))
    np.testing.assert_array_equal(ds.vectors, VECTORS)
    assert list(ds.column("label").values) == LABELS
    note = ds.column("note")
    assert not note.is_numeric
    expected = [f"n{j}" if CUTS[2] <= j < CUTS[3] else str(j) for j in range(23)]
    assert list(note.values) == expected


def test_a_null_in_a_parquet_shard_names_the_shard_and_its_row(tmp_path):
    (tmp_path / "p").mkdir()
    good = pa.array(VECTORS[:4].tolist(), pa.list_(pa.float32()))
    pq.write_table(pa.table({"embedding": good}), tmp_path / "p" / "a.parquet")
    rows = VECTORS[4:8].tolist()
    rows[1][3] = None
    bad = pa.array(rows, pa.list_(pa.float32()))
    pq.write_table(pa.table({"embedding": bad}), tmp_path / "p" / "b.parquet")
    with pytest.raises(InputError, match=r"p/b\.parquet: row 1") as caught:
        load_dataset(config(vectors=str(tmp_path / "p/*.parquet")))
    assert "a.parquet" not in str(caught.value)


@pytest.fixture
def memory_folder():
    """A fresh folder on fsspec's in-memory filesystem, removed afterwards."""
    filesystem = fsspec.filesystem("memory")
    folder = f"/reportgen-test-{uuid.uuid4().hex}"
    yield filesystem, folder
    filesystem.rm(folder, recursive=True)


def test_shards_at_an_fsspec_url(memory_folder, tmp_path):
    filesystem, folder = memory_folder
    _split(tmp_path)
    for local in sorted((tmp_path / "s").iterdir()) + sorted((tmp_path / "m").iterdir()):
        filesystem.pipe(f"{folder}/{local.parent.name}/{local.name}", local.read_bytes())
    ds = load_dataset(
        config(vectors=f"memory://{folder}/s/*.npy", metadata=f"memory://{folder}/m/*.tsv")
    )
    np.testing.assert_array_equal(ds.vectors, VECTORS)
    assert list(ds.column("label").values) == LABELS
    assert ds.sources[0].name == f"memory://{folder.lstrip('/')}/s/part-1.npy"
    # A NaN in a remote shard names the URL, not the temporary copy it was read from.
    broken = VECTORS[6:13].copy()
    broken[4, 2] = np.inf
    filesystem.pipe(f"{folder}/s/part-3.npy", npy_bytes(broken))
    with pytest.raises(InputError, match=r"^memory://.*/s/part-3\.npy: row 4, column 2: Inf"):
        load_dataset(config(vectors=f"memory://{folder}/s/*.npy"))


def test_a_url_whose_filesystem_package_is_missing_names_it():
    # gcsfs is not installed here (nor a test dependency): fsspec names it, and so do we.
    with pytest.raises(
        InputError,
        match=r"gs://bucket/emb/\*\.parquet: reading gs:// needs a "
        r"package that is not installed: .*gcsfs",
    ):
        load_dataset(config(vectors="gs://bucket/emb/*.parquet"))


def test_file_url_reads_local_shards(tmp_path):
    _split(tmp_path)
    ds = load_dataset(config(vectors=f"file://{tmp_path}/s/*.npy"))
    np.testing.assert_array_equal(ds.vectors, VECTORS)


def test_a_build_from_shards_equals_the_build_from_one_file(tmp_path, monkeypatch):
    """Everything a build computes depends on the rows' global order only: the hash sample,
    the layouts, the neighbours. Only the names of the inputs differ."""
    monkeypatch.chdir(tmp_path)
    _split(tmp_path)
    _whole(tmp_path)
    fast = ["--quiet", "--no-tsne", "--umap-n-epochs", "20", "--no-cache", "--fit-sample", "12"]
    assert main(["build", "v.npy", "--metadata", "meta.tsv", "--out", "one", *fast]) == 0
    assert main(["build", "s/*.npy", "--metadata", "m/*.tsv", "--out", "many", *fast]) == 0
    for name in ("exports/coordinates.csv", "exports/neighbors.csv", "exports/clusters.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "many" / name).read_bytes()
    one = json.loads((tmp_path / "one" / "report.json").read_text())
    many = json.loads((tmp_path / "many" / "report.json").read_text())
    assert one.pop("provenance") != many.pop("provenance")  # the input files' names
    assert (one["dataset"].pop("name"), many["dataset"].pop("name")) == ("v", "s")
    assert one == many


def test_sharded_rows_take_reads_chosen_rows_in_any_order(tmp_path):
    """take(rows) equals indexing the concatenated shards, across empty and one-row shards,
    with rows unsorted and repeated; a row outside the shards is an IndexError."""
    from reportgen.config import InputConfig
    from reportgen.io.inputs import _read_vectors
    from reportgen.io.shards import ShardedRows, map_in_process, read_sharded_vectors

    rng = np.random.default_rng(4)
    for i, size in enumerate([5, 0, 1, 7, 0, 3]):
        np.save(tmp_path / f"s-{i}.npy", rng.normal(size=(size, 3)).astype(np.float32))
    pattern = str(tmp_path / "*.npy")
    sharded = read_sharded_vectors(
        pattern, InputConfig(vectors=pattern), _read_vectors, map_in_process
    )
    rows = ShardedRows.of(sharded)
    values = sharded.raw.values
    chosen = np.array([15, 0, 5, 6, 5, 12, 4, 13])
    assert rows.take(chosen).tobytes() == values[chosen].tobytes()
    assert rows.take(np.empty(0, np.int64)).shape == (0, 3)
    with pytest.raises(IndexError):
        rows.take(np.array([16]))


def test_nan_and_inf_are_found_in_each_shard_where_it_is_read(tmp_path, monkeypatch):
    """The scan for NaN/Inf runs in each shard's read (on a Dask worker, with that engine),
    not over all rows again: the rows it finds are global, and --drop-invalid drops them."""
    from reportgen.io import arrays

    broken = VECTORS.copy()
    broken[8, 1], broken[21, 4] = np.nan, -np.inf  # rows in the shards part-3 and part-10
    _split(tmp_path, broken)

    def no_second_scan(values, **_):
        raise AssertionError("the NaN/Inf scan ran over all rows again")

    monkeypatch.setattr(arrays, "find_invalid_rows", no_second_scan)
    with pytest.raises(InputError, match=r"part-3\.npy: row 2, column 1: NaN in a vector \(2 rows"):
        load_dataset(config(vectors=str(tmp_path / "s" / "*.npy")))
    ds = load_dataset(config(vectors=str(tmp_path / "s" / "*.npy"), drop_invalid=True))
    assert ds.dropped_rows == (8, 21)
    np.testing.assert_array_equal(ds.vectors, np.delete(VECTORS, [8, 21], axis=0))
