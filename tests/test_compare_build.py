"""``--compare-with``: a build compared with another run of the same items (issue 13): the
``comparison`` section of report.json, its gates, "What changed" in summary.md and the
overview, and the errors of runs that cannot be matched."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy.stats import ortho_group

import reportgen
from reportgen.cli import main
from tests.helpers import read_tree

N, D = 400, 24


@pytest.fixture(scope="module")
def runs() -> tuple[np.ndarray, list[str], np.ndarray]:
    """Run A, its labels, and run B: A with label c2's vectors moved among all classes."""
    rng = np.random.default_rng(7)
    labels = [f"c{i % 4}" for i in range(N)]
    centres = {name: 6 * rng.normal(size=D) for name in sorted(set(labels))}
    a = np.stack([centres[name] + rng.normal(size=D) for name in labels]).astype(np.float32)
    b = a.copy()
    moved = np.flatnonzero(np.array(labels) == "c2")
    b[moved] = a[rng.choice(N, size=len(moved))] + rng.normal(size=(len(moved), D))
    return a, labels, b.astype(np.float32)


def _build(vectors, labels, out, **options) -> reportgen.Report:
    return reportgen.build(vectors, labels=labels, out=out, umap=False, tsne=False, **options)


def test_labels_on_the_comparison_page_are_text_and_the_single_file_has_it(tmp_path, runs):
    a, labels, b = runs
    hostile = [f"</script><b>{name}</b>" for name in labels]
    report = reportgen.build(
        a, labels=hostile, umap=False, tsne=False, compare_with=b,
        single_file=tmp_path / "report.html",
    )  # fmt: skip
    assert report.report["comparison"]["points"] == N
    document = (tmp_path / "report.html").read_text()
    assert "What changed against an array" in document
    assert "<b>c2</b>" not in document and "&lt;/script&gt;&lt;b&gt;c2&lt;/b&gt;" in document


def test_a_run_compared_with_a_rotated_copy_of_itself_is_unchanged(tmp_path, runs):
    a, labels, _ = runs
    rotated = a @ ortho_group.rvs(D, random_state=3).astype(np.float32)
    report = _build(a, labels, tmp_path / "site", compare_with=rotated).report
    comparison = report["comparison"]
    assert comparison["matched_by"] == "position" and comparison["points"] == N
    assert comparison["neighbor_overlap"]["mean"] == 1.0
    assert comparison["neighbor_overlap"]["kept_half"] == 1.0
    assert comparison["cka"]["value"] == pytest.approx(1.0, abs=1e-9)
    assert comparison["knn_label_accuracy"]["change"] == 0.0
    assert comparison["clusters"]["ari"] == 1.0
    assert comparison["with"] == "an array"
    # The previous site's Projector export is a run to compare with too (its vectors).
    config = tmp_path / "site" / "projector" / "projector_config.json"
    again = _build(a, labels, tmp_path / "again", compare_with=config).report["comparison"]
    assert again["neighbor_overlap"]["mean"] == 1.0
    assert again["cka"]["value"] == pytest.approx(1.0, abs=1e-12)
    assert again["with"].endswith("projector_config.json")


def test_what_changed_names_the_label_that_regressed(tmp_path, runs):
    a, labels, b = runs
    report = _build(a, labels, tmp_path / "site", compare_with=b).report
    per_label = report["comparison"]["knn_label_accuracy"]["per_label"]
    assert per_label[0]["label"] == "c2" and per_label[0]["change"] < -0.5
    assert all(abs(row["change"]) < 0.2 for row in per_label[1:])
    assert 0 < report["comparison"]["cka"]["value"] < 0.95
    summary = (tmp_path / "site" / "summary.md").read_text()
    assert "### What changed against an array" in summary
    assert "| c2 | 100 | 100.0" in summary  # the labels that regressed most, with items
    index = (tmp_path / "site" / "index.html").read_text()
    assert "What changed against an array" in index and "linear CKA" in index
    assert 'href="compare.html"' in index
    # compare.html: the items that moved most (c2's), their lost and gained neighbours.
    moved = report["comparison"]["moved"]
    assert len(moved) == 20 and all(labels[item["row"]] == "c2" for item in moved)
    assert [item["overlap"] for item in moved] == sorted(item["overlap"] for item in moved)
    page = (tmp_path / "site" / "compare.html").read_text()
    first = moved[0]
    lost = next(r for r in first["neighbors_a"] if r not in first["neighbors_b"])
    assert f"#{first['row']}</a>" in page and f"#{lost}</a>" in page
    assert '<span class="rg-tag">lost</span>' in page and "gained</span>" in page
    # c2's items now sit among the other labels: the pairs with c2 grew most.
    growth = report["comparison"]["confusion_growth"]
    assert growth and all("c2" in (row["a"], row["b"]) for row in growth[:3])
    assert "The label pairs whose confusion grew most" in page


def _parquet(path, vectors, ids, labels) -> None:
    columns = {"item_id": ids, "label": labels}
    columns.update({f"v{j}": vectors[:, j] for j in range(vectors.shape[1])})
    pq.write_table(pa.table(columns), path)


def test_rows_matched_by_id_in_shuffled_order_give_the_in_order_comparison(workdir, runs, capsys):
    a, labels, b = runs
    ids = [f"item-{i:04d}" for i in range(N)]
    order = np.random.default_rng(1).permutation(N)
    _parquet(workdir / "new.parquet", a, ids, labels)
    _parquet(workdir / "old.parquet", b, ids, labels)
    _parquet(workdir / "old-shuffled.parquet", b[order], [ids[i] for i in order], labels)
    args = ["build", "new.parquet", "--vector-columns", "v0:v23", "--no-umap", "--no-tsne", "-q"]
    args += ["--id-column", "item_id"]
    assert main([*args, "--out", "in-order", "--compare-with", "old.parquet"]) == 0
    assert main([*args, "--out", "shuffled", "--compare-with", "old-shuffled.parquet"]) == 0
    inputs = json.loads((workdir / "in-order" / "report.json").read_text())["provenance"]["inputs"]
    assert [i["role"] for i in inputs] == ["vectors", "compared vectors"]
    assert inputs[1]["name"] == "old.parquet" and len(inputs[1]["sha256"]) == 64
    in_order = json.loads((workdir / "in-order" / "report.json").read_text())["comparison"]
    shuffled = json.loads((workdir / "shuffled" / "report.json").read_text())["comparison"]
    assert in_order["matched_by"] == "id"
    in_order.pop("with"), shuffled.pop("with")
    shuffled["cka"]["value"] = pytest.approx(in_order["cka"]["value"], abs=1e-12)
    assert shuffled == in_order
    # The gates read the comparison: the overlap fell, the drift of c2 fails a floor.
    code = main([*args, "--out", "gated", "--compare-with", "old.parquet",
                 "--fail-under", "neighbor_overlap=0.99",
                 "--fail-under", "knn_label_accuracy_change=-0.01"])  # fmt: skip
    assert code == 3
    err = capsys.readouterr().err
    assert "2 thresholds failed" in err and "comparison.neighbor_overlap.mean" in err


def test_runs_that_cannot_be_matched_are_exit_2_before_the_analysis(workdir, runs, capsys):
    a, labels, b = runs
    ids = [f"item-{i:04d}" for i in range(N)]
    _parquet(workdir / "new.parquet", a, ids, labels)
    duplicated = [*ids[:-1], ids[5]]
    _parquet(workdir / "dup.parquet", b, duplicated, labels)
    np.save(workdir / "short.npy", b[:300])
    args = ["build", "new.parquet", "--vector-columns", "v0:v23", "--no-umap", "--no-tsne", "-q"]
    assert main([*args, "--out", "site"]) == 0
    before = read_tree(workdir / "site")
    cases = [
        (["--compare-with", "dup.parquet", "--id-column", "item_id"],
         "dup.parquet: row 399, column item_id: id 'item-0005' of the run compared with "
         "is on rows 5 and 399"),
        (["--compare-with", "short.npy"], "this run has 400 rows and the run compared with 300"),
        (["--compare-with", "short.npy", "--id-column", "item_id"],
         "the run compared with has no such column"),
        (["--compare-with", "missing.npy"], "missing.npy"),
    ]  # fmt: skip
    for extra, message in cases:
        assert main([*args, "--out", "site", *extra]) == 2, extra
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, err
    assert read_tree(workdir / "site") == before
    assert main([*args, "--out", "site", "--fail-under", "cka=0.5"]) == 2
    assert "nothing was compared: give --compare-with" in capsys.readouterr().err


def test_an_unchanged_rebuild_with_a_comparison_is_byte_identical_from_the_cache(tmp_path, runs):
    a, labels, b = runs
    options = {"compare_with": b, "cache_dir": tmp_path / "cache"}
    _build(a, labels, tmp_path / "one", **options)
    _build(a, labels, tmp_path / "two", **options)
    assert read_tree(tmp_path / "one") == read_tree(tmp_path / "two")
    cached = sorted(p.name.split("-")[0:3] for p in (tmp_path / "cache").glob("compare-*"))
    assert cached  # the other run's graph and k-means are cached
