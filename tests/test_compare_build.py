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
    assert "No maps: UMAP 2D is off in this build" in page  # built with umap=False
    assert "both graphs exact" in page


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
    np.save(workdir / "narrow.npy", b[:300, :12])
    args = ["build", "new.parquet", "--vector-columns", "v0:v23", "--no-umap", "--no-tsne", "-q"]
    assert main([*args, "--out", "site"]) == 0
    before = read_tree(workdir / "site")
    cases = [
        (["--compare-with", "dup.parquet", "--id-column", "item_id"],
         "dup.parquet: row 399, column item_id: id 'item-0005' of the run compared with "
         "is on rows 5 and 399"),
        (["--compare-with", "narrow.npy"],
         "this run has 400 rows of 24 dimensions and the run compared with 300 of 12"),
        (["--compare-with", "narrow.npy", "--compare-metadata", "missing.tsv"], "missing.tsv"),
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


def test_rows_matched_by_an_id_in_the_other_run_s_metadata_file(workdir, runs):
    a, labels, b = runs
    ids = [f"item-{i:04d}" for i in range(N)]
    order = np.random.default_rng(2).permutation(N)
    _parquet(workdir / "new.parquet", a, ids, labels)
    np.save(workdir / "old.npy", b[order])
    # Two columns: a one-column TSV has no header row (the Embedding Projector's rule).
    rows = "".join(f"{ids[i]}\t{labels[i]}\n" for i in order)
    (workdir / "old.tsv").write_text("item_id\tlabel\n" + rows)
    _parquet(workdir / "old.parquet", b, ids, labels)
    args = ["build", "new.parquet", "--vector-columns", "v0:v23", "--no-umap", "--no-tsne", "-q"]
    args += ["--id-column", "item_id"]
    assert main([*args, "--out", "npy", "--compare-with", "old.npy",
                 "--compare-metadata", "old.tsv"]) == 0  # fmt: skip
    assert main([*args, "--out", "parquet", "--compare-with", "old.parquet"]) == 0
    from_npy = json.loads((workdir / "npy" / "report.json").read_text())["comparison"]
    from_parquet = json.loads((workdir / "parquet" / "report.json").read_text())["comparison"]
    from_npy.pop("with"), from_parquet.pop("with")
    from_npy["cka"]["value"] = pytest.approx(from_parquet["cka"]["value"], abs=1e-12)
    assert from_npy == from_parquet and from_npy["matched_by"] == "id"
    similarity = from_npy["label_similarity"]
    assert similarity["gap_change"] == pytest.approx(
        similarity["b"]["gap"] - similarity["a"]["gap"], abs=1e-15
    )


def _other_set(seed: int, n: int, shift: float) -> tuple[np.ndarray, list[str]]:
    """Another set of items from the runs' classes (c0 to c3, from the same seed's centres),
    moved by ``shift`` along every axis."""
    rng = np.random.default_rng(7)
    centres = {f"c{j}": 6 * rng.normal(size=D) for j in range(4)}
    rng = np.random.default_rng(seed)
    labels = [f"c{i % 4}" for i in range(n)]
    vectors = np.stack([centres[name] + rng.normal(size=D) + shift for name in labels])
    return vectors.astype(np.float32), labels


def test_two_different_sets_of_items_are_compared_as_drift(workdir, runs, capsys):
    a, labels, _ = runs
    ids = [f"item-{i:04d}" for i in range(N)]
    _parquet(workdir / "new.parquet", a, ids, labels)
    same, same_labels = _other_set(1, 300, 0.0)
    moved, moved_labels = _other_set(2, 300, 1.5)
    _parquet(workdir / "same.parquet", same, [f"s{i}" for i in range(300)], same_labels)
    _parquet(workdir / "moved.parquet", moved, [f"m{i}" for i in range(300)], moved_labels)
    args = ["build", "new.parquet", "--vector-columns", "v0:v23", "--no-umap", "--no-tsne", "-q"]
    args += ["--label-column", "label", "--metric", "euclidean"]
    gate = ["--fail-over", "drift_auc=0.75"]
    assert main([*args, "--out", "same", "--compare-with", "same.parquet", *gate]) == 0
    assert main([*args, "--out", "moved", "--compare-with", "moved.parquet", *gate]) == 3
    assert "comparison.domain_classifier.auc" in capsys.readouterr().err
    same_report = json.loads((workdir / "same" / "report.json").read_text())["comparison"]
    moved_report = json.loads((workdir / "moved" / "report.json").read_text())["comparison"]
    assert same_report["mode"] == moved_report["mode"] == "drift"
    assert (moved_report["points_a"], moved_report["points_b"]) == (N, 300)
    assert same_report["domain_classifier"]["auc"] < 0.75 < moved_report["domain_classifier"]["auc"]
    assert moved_report["mmd"]["p_value"] < 0.01 < same_report["mmd"]["p_value"]
    distance = moved_report["centroid_distance"]["euclidean"]
    assert distance == pytest.approx(1.5 * np.sqrt(D), rel=0.2)
    assert {row["label"] for row in moved_report["per_label"]} == {"c0", "c1", "c2", "c3"}
    # The page and the summary say it as two sets; a per-item gate cannot apply.
    page = (workdir / "moved" / "compare.html").read_text()
    assert "How far apart the two sets are" in page and "domain classifier ROC AUC" in page
    assert "The labels whose items moved most" in page
    summary = (workdir / "moved" / "summary.md").read_text()
    assert "| label moved most |" in summary and "compare.html" in summary
    code = main([*args, "--out", "moved", "--compare-with", "moved.parquet",
                 "--fail-under", "neighbor_overlap=0.5"])  # fmt: skip
    assert code == 2
    assert "the two runs hold different items (drift)" in capsys.readouterr().err
    # Two sets of the same size are matched by position unless --compare-sets says otherwise.
    np.save(workdir / "same-size.npy", _other_set(3, N, 1.5)[0])
    assert main([*args, "--out", "sets", "--compare-with", "same-size.npy", "--compare-sets"]) == 0
    sets = json.loads((workdir / "sets" / "report.json").read_text())["comparison"]
    assert sets["mode"] == "drift" and sets["points_b"] == N and sets["per_label"] == []
    code = main([*args, "--out", "sets", "--compare-with", "same-size.npy", "--compare-sets",
                 "--id-column", "item_id"])  # fmt: skip
    assert code == 2 and "give one of them" in capsys.readouterr().err


def test_above_the_map_limit_run_b_s_map_is_fitted_on_the_sample_alone(tmp_path, runs, monkeypatch):
    import reportgen.analysis.compare as compare
    import reportgen.analysis.pipeline as pipeline

    a, labels, b = runs
    monkeypatch.setattr(pipeline, "COMPARE_MAP_MAX", 100)
    monkeypatch.setattr(compare, "MAP_POINTS", 150)
    reportgen.build(
        a, labels=labels, out=tmp_path / "site", tsne=False, umap__n_epochs=20, compare_with=b
    )
    page = (tmp_path / "site" / "compare.html").read_text()
    assert "a seeded sample of 150 of the 400" in page
    assert "is a UMAP of the sampled items alone" in page
    block = page.split('<script id="rg-page" type="application/json">')[1].split("</script>")[0]
    data = json.loads(block)["data"]["compare"]
    assert len(data["bx"]) == len(data["rows"]) == 150
    assert np.isfinite(data["bx"]).all() and len(set(data["bx"])) > 100
    assert data["rows"] == sorted(data["rows"])
