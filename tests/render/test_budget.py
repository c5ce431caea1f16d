"""The site's budgets: nothing over ``--max-file-mb`` is written, the site stays under
``--max-site-mb``, and what the budget sampled, compressed or left out is said."""

from __future__ import annotations

import csv
import gzip
import io
import json

import numpy as np
import pytest

import reportgen
from reportgen.cli import main
from reportgen.errors import BudgetError
from reportgen.render import site as site_module
from reportgen.render.budget import (
    Budget,
    SiteSize,
    check_site,
    content_size,
    fit_csv,
    part_path,
)
from reportgen.render.exports import CsvTable
from tests.helpers import read_tree

# 10 kB: small enough that the tiny data below is sampled, gzipped and split.
TINY_MB = 0.01


def _table(n: int) -> CsvTable:
    def rows_of(rows: slice):
        for i in range(rows.start, rows.stop):
            yield [str(i), f"label {i % 7}", f"{np.sin(i):.9g}", f"{np.cos(i * 1.3):.9g}"]

    return CsvTable(("index", "label", "x", "y"), n, rows_of, 4)


def _bytes(producer) -> bytes:
    buffer = io.BytesIO()
    producer(buffer)
    return buffer.getvalue()


def _records(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def test_a_csv_that_fits_is_written_plain():
    table = _table(50)
    files, form = fit_csv("exports/a.csv", table.producer(), table, Budget(1.0, 10.0))
    assert list(files) == ["exports/a.csv"] and form.note is None
    assert content_size(files["exports/a.csv"]) == len(_bytes(table.producer()))


def test_a_csv_over_the_limit_is_gzipped_when_that_fits():
    table = _table(2000)
    plain = _bytes(table.producer())
    budget = Budget(len(plain) / 2 / 1e6, 10.0)
    files, form = fit_csv("exports/a.csv", table.producer(), table, budget)
    assert list(files) == ["exports/a.csv.gz"]
    packed = _bytes(files["exports/a.csv.gz"])
    assert len(packed) == content_size(files["exports/a.csv.gz"]) <= budget.max_file_bytes
    assert gzip.decompress(packed) == plain
    assert "--max-file-mb" in form.note and "exports/a.csv.gz" in form.note


def test_a_csv_too_large_even_gzipped_is_split_into_parts_each_under_the_limit():
    table = _table(3000)
    plain = _bytes(table.producer())
    budget = Budget(TINY_MB, 10.0)
    files, form = fit_csv("exports/a.csv", table.producer(), table, budget)
    names = list(files)
    assert len(names) > 2
    assert names == [part_path("exports/a.csv", i, len(names)) for i in range(1, len(names) + 1)]
    assert names[0] == "exports/a-part-001.csv.gz"
    header, *rows = _records(plain)
    joined = []
    for name in names:
        packed = _bytes(files[name])
        assert len(packed) == content_size(files[name]) <= budget.max_file_bytes
        part_header, *part_rows = _records(gzip.decompress(packed))
        assert part_header == header  # every part can be read alone
        joined += part_rows
    assert joined == rows  # the parts, read back in order, are the whole export
    assert f"{len(names)} gzip-compressed parts" in form.note
    # gzip with mtime 0 and no name: the same rows give the same bytes
    again, _ = fit_csv("exports/a.csv", table.producer(), table, budget)
    assert [_bytes(again[name]) for name in names] == [_bytes(files[name]) for name in names]


def test_check_site_names_a_browser_payload_over_the_limit_and_the_flag():
    site = {"data/view-umap-3d.js": b"x" * 20_000, "index.html": b"<p>"}
    with pytest.raises(BudgetError, match=r"data/view-umap-3d\.js.*--max-points-3d"):
        check_site(site, Budget(TINY_MB, 10.0))


def test_check_site_names_the_largest_files_when_the_site_is_too_large():
    site = {f"f{i}.bin": b"x" * (1000 * i) for i in range(1, 8)}
    with pytest.raises(BudgetError, match=r"--max-site-mb 0\.01.*f7\.bin \(7\.0 kB\)"):
        check_site(site, Budget(1.0, TINY_MB))
    sized = check_site(site, Budget(1.0, 1.0))
    assert sized == SiteSize({name: len(content) for name, content in sorted(site.items())})
    assert sized.largest(1) == [("f7.bin", 7000)]


# --- whole builds ---------------------------------------------------------------------------


N = 3000
# A whole site has files no budget can shrink (the pages, reportgen.js at about 50 kB, the
# browser payloads), and plotly.min.js (4.8 MB) stands in for a tiny file here: at 55 kB
# and these data, the Projector export is sampled, coordinates.csv is split into gzipped
# parts and neighbors.csv and clusters.csv are gzipped.
SITE_MB = 0.055


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, list[str], list[str]]:
    rng = np.random.default_rng(11)
    labels = [f"class {i % 3}" if i % 10 else "rare" for i in range(N)]
    centres = {name: rng.normal(size=64) for name in sorted(set(labels))}
    vectors = np.stack([centres[label] + 0.3 * rng.normal(size=64) for label in labels])
    captions = [f"n{i}" for i in range(N)]
    return vectors.astype(np.float32), labels, captions


def _build(data, out, **options) -> reportgen.Report:
    vectors, labels, captions = data
    return reportgen.build(
        vectors,
        labels=labels,
        metadata={"caption": captions},
        out=out,
        umap=False,
        tsne=False,
        neighbors_k=1,
        similarity_sample_size=100,
        **options,
    )


@pytest.fixture(scope="module")
def tiny_site(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("budget")
    with pytest.MonkeyPatch.context() as patch:
        real = site_module.static_assets
        patch.setattr(site_module, "static_assets", lambda: {**real(), **_STAND_IN})
        report = _build(data, folder / "one", max_file_mb=SITE_MB)
        _build(data, folder / "two", max_file_mb=SITE_MB)
    reference = _build(data, folder / "reference")
    return folder, report, reference


# The scripts are stand-ins too: their size is not what these budgets are about.
_STAND_IN = {
    "assets/plotly.min.js": b"/* plotly.min.js stand-in */\n",
    "assets/reportgen.js": b"/* reportgen.js stand-in */\n",
}


def test_a_tiny_file_budget_writes_nothing_over_it(tiny_site):
    folder, _, _ = tiny_site
    files = read_tree(folder / "one")
    limit = Budget(SITE_MB, 1000.0).max_file_bytes
    assert max(len(content) for content in files.values()) <= limit


def test_a_tiny_file_budget_samples_the_projector_export_consistently(tiny_site, data):
    folder, report, _ = tiny_site
    vectors, labels, _ = data
    projector = folder / "one" / "projector"
    assert not (projector / "tensors.tsv").exists()
    config = json.loads((projector / "projector_config.json").read_text())
    (embedding,) = config["embeddings"]
    n, dim = embedding["tensorShape"]
    assert 0 < n < N and dim == vectors.shape[1]
    tensors = np.frombuffer((projector / "tensors.bytes").read_bytes(), dtype="<f4")
    tensors = tensors.reshape(n, dim)
    meta = (projector / "metadata.tsv").read_text().split("\n")
    header, rows = meta[0].split("\t"), [line.split("\t") for line in meta[1:-1]]
    assert header == ["label", "caption", "row"] and len(rows) == n
    picked = np.array([int(row[2]) for row in rows])
    assert np.all(np.diff(picked) > 0)
    # each exported vector is the input row its metadata names
    assert np.array_equal(tensors, vectors[picked])
    assert [row[0] for row in rows] == [labels[i] for i in picked]
    # stratified by label: every label is kept, in about its share
    kept = {label: sum(row[0] == label for row in rows) for label in set(labels)}
    assert all(count > 0 for count in kept.values())
    assert abs(kept["rare"] / n - 0.1) < 0.02
    bookmarks = json.loads((projector / "bookmarks.json").read_text())
    for state in bookmarks:
        assert state["dataSetDimensions"] == [n, dim]
        assert len(state["projections"]) == n
    budget = report.report["budget"]
    assert budget["projector"] == {
        "points": n,
        "of": N,
        "sampled": True,
        "tensors": True,
        "tensor_tsv": False,
        "sprite": False,
    }
    assert any("--max-file-mb" in note for note in budget["notes"])


def test_the_bookmarks_of_a_sample_carry_the_sampled_points_coordinates(tiny_site):
    folder, _, _ = tiny_site
    site = folder / "one"
    meta = (site / "projector" / "metadata.tsv").read_text().split("\n")[1:-1]
    picked = [int(line.split("\t")[2]) for line in meta]
    parts = sorted((site / "exports").glob("coordinates*"))
    text = b"".join(
        gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes() for p in parts
    )
    records = [r for r in _records(text) if r[0] != "index"]
    by_row = {int(r[0]): r for r in records}
    header = _records(text)[0]
    bookmarks = json.loads((site / "projector" / "bookmarks.json").read_text())
    pca = next(state for state in bookmarks if state["label"] == "reportgen: PCA 2D")
    column = header.index("pca-2d_x")
    for row, point in zip(picked, pca["projections"], strict=True):
        assert np.float32(point["pca-0"]) == np.float32(by_row[row][column])


def _read_export(folder, name: str) -> bytes:
    """An export as one CSV text, however it was written (plain, gzipped, in parts)."""
    stem = name.removesuffix(".csv")
    paths = sorted(folder.glob(f"{stem}.csv*")) + sorted(folder.glob(f"{stem}-part-*.csv.gz"))
    header, records = None, []
    for path in paths:
        data = path.read_bytes()
        part_header, *rows = _records(gzip.decompress(data) if path.suffix == ".gz" else data)
        assert header in (None, part_header)  # every part has the header
        header = part_header
        records += rows
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *records])
    return buffer.getvalue().encode("utf-8")


def test_a_tiny_file_budget_gzips_and_splits_the_exports_and_they_read_back(tiny_site):
    folder, report, _ = tiny_site
    exports = folder / "one" / "exports"
    assert len(sorted(exports.glob("coordinates-part-*.csv.gz"))) > 1
    assert (exports / "neighbors.csv.gz").exists() and (exports / "clusters.csv.gz").exists()
    assert not list(exports.glob("*.csv"))
    for name in ("coordinates", "neighbors", "clusters"):
        whole = (folder / "reference" / "exports" / f"{name}.csv").read_bytes()
        assert _read_export(exports, name) == whole
    forms = {form["name"]: form for form in report.report["budget"]["exports"]}
    parts = sorted(exports.glob("coordinates-part-*.csv.gz"))
    assert forms["exports/coordinates.csv"]["files"] == [f"exports/{p.name}" for p in parts]
    assert forms["exports/neighbors.csv"]["files"] == ["exports/neighbors.csv.gz"]


def test_the_projector_page_says_what_was_sampled_and_left_out(tiny_site):
    folder, _, _ = tiny_site
    page = (folder / "one" / "projector.html").read_text()
    assert "A seeded sample of" in page and "vectors (stratified by label" in page
    assert "tensors.tsv was left out" in page and "--max-file-mb" in page
    assert "--projector-max-points" in page or "Raise the limit" in page


def test_two_builds_under_a_tiny_budget_are_byte_identical(tiny_site):
    folder, _, _ = tiny_site
    assert read_tree(folder / "one") == read_tree(folder / "two")


def test_projector_max_points_samples_and_the_default_budget_exports_all(tmp_path, data):
    report = _build(data, tmp_path / "capped", projector__max_points=100)
    assert report.report["budget"]["projector"]["points"] == 100
    assert (tmp_path / "capped" / "projector" / "tensors.tsv").exists()  # it fits 95 MB
    notes = report.report["budget"]["notes"]
    assert any("--projector-max-points 100" in note for note in notes)
    config = tmp_path / "capped" / "projector" / "projector_config.json"
    loaded = reportgen.load(None, projector_config=config)
    assert loaded.n == 100


def test_a_site_over_max_site_mb_fails_with_exit_2_and_writes_nothing(workdir, npy_dataset, capsys):
    args = ["build", str(npy_dataset), "--no-umap", "--no-tsne", "-q", "--out", "site"]
    assert main(args) == 0
    before = read_tree(workdir / "site")
    capsys.readouterr()
    assert main([*args, "--max-site-mb", "0.05", "--title", "changed"]) == 2
    error = capsys.readouterr().err
    assert "--max-site-mb 0.05" in error and "assets/plotly.min.js" in error
    assert read_tree(workdir / "site") == before
    assert sorted(p.name for p in workdir.iterdir() if p.name.startswith(".site")) == []


def test_a_budget_must_be_positive(workdir, npy_dataset, capsys):
    assert main(["build", str(npy_dataset), "--out", "site", "--max-file-mb", "0"]) == 2
    assert "--max-file-mb must be > 0" in capsys.readouterr().err


def test_a_long_text_column_alone_makes_the_projector_export_a_sample(tmp_path, data, monkeypatch):
    real = site_module.static_assets
    monkeypatch.setattr(site_module, "static_assets", lambda: {**real(), **_STAND_IN})
    vectors, labels, _ = data
    # three columns of about 0.4 MB each: every browser payload fits, metadata.tsv would not
    texts = {f"text {c}": [f"{i} " + f"words {c} of text " * 7 for i in range(N)] for c in "abc"}
    report = reportgen.build(
        vectors,
        labels=labels,
        metadata=texts,
        similarity_sample_size=100,
        out=tmp_path / "site",
        umap=False,
        tsne=False,
        clusters=False,
        max_file_mb=0.8,
    )
    metadata = (tmp_path / "site" / "projector" / "metadata.tsv").read_bytes()
    assert len(metadata) <= 800_000
    projector = report.report["budget"]["projector"]
    assert projector["sampled"] and projector["points"] == len(metadata.split(b"\n")) - 2
    assert any("metadata.tsv" in note for note in report.report["budget"]["notes"])
