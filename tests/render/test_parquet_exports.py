"""``--exports-format parquet`` and ``--exports-dir``: the per-row exports as Parquet parts,
in the site or outside it (a local folder, or any URL fsspec writes)."""

from __future__ import annotations

import builtins
import io
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import reportgen
from reportgen.analysis.neighbors import KnnGraph, angle_degrees
from reportgen.cli import main
from reportgen.errors import BudgetError, ConfigError, PublishError
from reportgen.publish import MARKER
from reportgen.publish_exports import publish_exports
from reportgen.render import site as site_module
from reportgen.render.budget import content_size
from reportgen.render.parquet_exports import (
    clusters_parquet,
    neighbors_parquet,
    plan_parts,
    require_pyarrow,
)
from tests.helpers import read_tree

N = 600


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(5)
    # Labels that a spreadsheet or a page would run: Parquet keeps them as they are.
    names = ["alpha", "=HYPERLINK(1)", "</script><b>x</b>"]
    labels = [names[i % 3] for i in range(N)]
    centres = {name: rng.normal(size=32) for name in names}
    vectors = np.stack([centres[label] + 0.4 * rng.normal(size=32) for label in labels])
    return vectors.astype(np.float32), labels


def _build(data, out, **options) -> reportgen.Report:
    vectors, labels = data
    return reportgen.build(
        vectors,
        labels=labels,
        out=out,
        tsne=False,
        umap__n_epochs=20,
        neighbors_k=4,
        similarity_sample_size=100,
        **{"exports_format": "parquet", **options},
    )


def _produced(producer) -> bytes:
    buffer = io.BytesIO()
    producer(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def builds(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("parquet")
    first = _build(data, folder / "one")
    _build(data, folder / "two")
    csv = reportgen.build(
        data[0], labels=data[1], out=folder / "csv", tsne=False, umap__n_epochs=20,
        neighbors_k=4, similarity_sample_size=100,
    )  # fmt: skip
    return folder, first, csv


def test_each_export_is_a_folder_of_parts_that_reads_back_as_the_analysis_holds_it(builds, data):
    folder, report, _ = builds
    exports = folder / "one" / "exports"
    assert sorted(p.name for p in exports.iterdir()) == ["clusters", "coordinates", "neighbors"]
    coordinates = pq.read_table(exports / "coordinates")
    assert coordinates.column("index").to_pylist() == list(range(N))
    assert coordinates.column("label").to_pylist() == data[1]  # unchanged: not a spreadsheet
    assert coordinates.schema.field("umap-2d_x").type == pa.float32()
    neighbors = pq.read_table(exports / "neighbors")
    assert neighbors.num_rows == 4 * N
    assert neighbors.column("rank").to_pylist()[:8] == [1, 2, 3, 4] * 2
    cosines = neighbors.column("cosine").to_numpy()
    assert np.array_equal(neighbors.column("angle_deg").to_numpy(), angle_degrees(cosines))
    forms = {form["name"]: form for form in report.report["budget"]["exports"]}
    assert forms["exports/neighbors"]["format"] == "parquet"
    assert forms["exports/neighbors"]["files"] == ["exports/neighbors/part-00000.parquet"]


def test_the_parquet_exports_hold_the_csv_exports_values(builds):
    folder, _, _ = builds
    csv_folder = folder / "csv" / "exports"
    for name in ("coordinates", "neighbors", "clusters"):
        table = pq.read_table(folder / "one" / "exports" / name)
        lines = (csv_folder / f"{name}.csv").read_text().splitlines()
        header = lines[0].split(",")
        rows = [line.split(",") for line in lines[1:]]
        for column in header:
            if column in ("label", "angle_deg"):  # neutralised text; 2 decimals in the CSV
                continue
            values = table.column(column).to_numpy()
            written = np.array([row[header.index(column)] for row in rows], dtype=np.float64)
            # The CSV's 9 significant digits read back to the same float32.
            assert np.array_equal(values.astype(np.float32), written.astype(np.float32)), column


def test_two_parquet_builds_are_byte_identical(builds):
    folder, _, _ = builds
    assert read_tree(folder / "one") == read_tree(folder / "two")


def test_parts_are_consecutive_points_each_under_the_limit_and_read_back_whole():
    n, k = 5_000, 3
    rng = np.random.default_rng(1)
    graph = KnnGraph(
        indices=rng.integers(0, n, size=(n, k)).astype(np.int32),
        distances=np.sort(rng.random((n, k)).astype(np.float32), axis=1),
        similarities=rng.random((n, k)).astype(np.float32),
        metric="cosine",
        method="exact",
    )
    table = neighbors_parquet(graph, k)
    limit = 60_000
    paths, producers, sizes = plan_parts("exports/neighbors", table, limit, content_size, "-")
    assert len(paths) > 1 and max(sizes) <= limit
    assert paths[0] == "exports/neighbors/part-00000.parquet"
    parts = [pq.read_table(io.BytesIO(_produced(producer))) for producer in producers]
    assert [len(_produced(p)) for p in producers] == sizes
    whole = pa.concat_tables(parts)
    assert whole.column("index").to_pylist() == list(np.repeat(np.arange(n), k))
    assert np.array_equal(whole.column("neighbor").to_numpy(), graph.indices.ravel())
    assert np.array_equal(whole.column("cosine").to_numpy(), graph.similarities.ravel())
    with pytest.raises(BudgetError, match="even one point per file"):
        plan_parts("exports/neighbors", table, 100, content_size, "--max-file-mb 0.0001")


def test_clusters_parquet_refuses_arrays_of_different_lengths():
    with pytest.raises(ValueError, match="3 cluster assignments but 2 distances"):
        clusters_parquet(np.zeros(3), np.zeros(2))


def test_without_pyarrow_the_parquet_format_is_a_config_error(monkeypatch):
    real = builtins.__import__

    def without_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_pyarrow)
    with pytest.raises(ConfigError, match=r"pip install 'reportgen\[parquet\]'"):
        require_pyarrow()


# --------------------------------------------------------------------------------------
# --exports-dir


def test_exports_dir_takes_the_exports_out_of_the_site(tmp_path, data, builds):
    folder, _, _ = builds
    report = _build(data, tmp_path / "site", exports_dir=tmp_path / "outside")
    assert not (tmp_path / "site" / "exports").exists()
    outside = read_tree(tmp_path / "outside")
    in_site = read_tree(folder / "one" / "exports")
    assert {name: outside[name] for name in in_site} == in_site  # the same parts
    assert set(outside) == {*in_site, MARKER}
    budget = report.report["budget"]
    assert budget["exports_dir"] == "outside" or budget["exports_dir"].endswith("outside")
    assert budget["exports"][1]["files"] == ["neighbors/part-00000.parquet"]


def test_exports_dir_as_csv_writes_whole_plain_files(tmp_path, data, monkeypatch):
    real = site_module.static_assets
    # The scripts are stand-ins: their size is not what this limit is about.
    stand_in = {
        "assets/plotly.min.js": b"/* plotly.min.js stand-in */\n",
        "assets/reportgen.js": b"/* reportgen.js stand-in */\n",
    }
    monkeypatch.setattr(site_module, "static_assets", lambda: {**real(), **stand_in})
    options = {"exports_format": "csv", "max_file_mb": 0.06}
    _build(data, tmp_path / "site", exports_dir=tmp_path / "csv", **options)
    names = sorted(p.name for p in (tmp_path / "csv").iterdir())
    assert names == [MARKER, "clusters.csv", "coordinates.csv", "neighbors.csv"]
    # Over the site's file limit, yet plain and whole: that limit is GitHub's, not theirs.
    assert (tmp_path / "csv" / "neighbors.csv").stat().st_size > 60_000
    _build(data, tmp_path / "in-site", **options)
    assert (tmp_path / "in-site" / "exports" / "neighbors.csv.gz").exists()


def test_exports_dir_inside_the_site_or_not_ours_is_exit_2_and_nothing_lost(
    workdir, npy_dataset, capsys
):
    args = ["build", str(npy_dataset), "--no-umap", "--no-tsne", "-q", "--out", "site"]
    assert main(args) == 0
    before = read_tree(workdir / "site")
    assert main([*args, "--exports-dir", "site/exports"]) == 2
    assert "must be outside the site's folder" in capsys.readouterr().err
    (workdir / "mine").mkdir()
    (workdir / "mine" / "notes.txt").write_text("keep me")
    assert main([*args, "--exports-dir", "mine"]) == 2
    assert "was not written by reportgen" in capsys.readouterr().err
    assert (workdir / "mine" / "notes.txt").read_text() == "keep me"
    assert main([*args, "--exports-dir", "nosuchfs://bucket/run"]) == 2
    error = capsys.readouterr().err
    assert "nosuchfs://bucket/run: cannot be opened" in error and "Traceback" not in error
    assert read_tree(workdir / "site") == before


def test_exports_dir_at_a_url_replaces_the_previous_export_and_keeps_foreign_files(tmp_path, data):
    fsspec = pytest.importorskip("fsspec")
    memory = fsspec.filesystem("memory")
    url = "memory://bucket/run-a"
    report = _build(data, tmp_path / "site", exports_dir=url)
    assert report.report["budget"]["exports_dir"] == url
    part = "/bucket/run-a/neighbors/part-00000.parquet"
    assert pq.read_table(io.BytesIO(memory.cat_file(part))).num_rows == 4 * N
    mark = memory.cat_file(f"/bucket/run-a/{MARKER}").decode()
    assert "neighbors/part-00000.parquet" in mark
    # The next build writes CSV: the previous build's parts go, no staging prefix is left.
    _build(data, tmp_path / "site", exports_dir=url, exports_format="csv")
    names = sorted(p.removeprefix("/bucket/run-a/") for p in memory.find("/bucket/run-a"))
    assert names == [MARKER, "clusters.csv", "coordinates.csv", "neighbors.csv"]
    memory.pipe_file("/bucket/theirs/data.bin", b"theirs")
    with pytest.raises(PublishError, match="did not write"):
        _build(data, tmp_path / "site", exports_dir="memory://bucket/theirs")
    assert memory.cat_file("/bucket/theirs/data.bin") == b"theirs"
    memory.rm("/bucket", recursive=True)


def test_a_url_export_that_fails_while_writing_leaves_the_previous_one(data):
    fsspec = pytest.importorskip("fsspec")
    memory = fsspec.filesystem("memory")
    url = "memory://bucket/run-b"
    publish_exports({"a/part-00000.parquet": b"old a", "b.csv": b"old b"}, url)
    before = {p: memory.cat_file(p) for p in memory.find("/bucket/run-b")}

    def failing(target):
        target.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        publish_exports({"a/part-00000.parquet": b"new a", "c.csv": failing}, url)
    after = {p: memory.cat_file(p) for p in memory.find("/bucket/run-b")}
    assert after == before
    publish_exports({"c.csv": b"new c"}, url)
    names = sorted(p.removeprefix("/bucket/run-b/") for p in memory.find("/bucket/run-b"))
    assert names == [MARKER, "c.csv"]
    assert json.dumps(names)  # plain names, no staging prefix left
    memory.rm("/bucket", recursive=True)
