"""Quality gates for CI: --fail-under, --fail-if-drop, --baseline, and exit codes 0 / 2 / 3."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from reportgen.cli import main
from reportgen.errors import ConfigError
from reportgen.thresholds import (
    MissingMetricError,
    ThresholdError,
    aliases,
    evaluate,
    is_valid_key,
    lookup,
    metric_paths,
)

FAST = ["--no-umap", "--no-tsne", "-q"]


@pytest.fixture
def data(npy_dataset: Path) -> list[str]:
    return [str(npy_dataset), "--metadata", "metadata.tsv", *FAST]


def _report(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text())


def test_every_alias_names_a_metric_path():
    assert all(path in metric_paths() for path in aliases().values())
    assert aliases()["umap_recall"] == "projections.umap-2d.knn_recall"
    assert "custom_recall" not in aliases()
    assert is_valid_key("knn_label_accuracy")
    assert is_valid_key("findings.knn_label_accuracy.per_label.cat")
    assert not is_valid_key("projections.umap-2d.recall")


def test_lookup_reads_numbers_only():
    report = {"a": {"b": 0.5, "flag": True, "text": "x"}, "findings": {"knn_label_accuracy": {
        "overall": 0.9, "per_label": {"a.b": 0.7}}}}  # fmt: skip
    assert lookup(report, "a.b") == 0.5
    assert lookup(report, "a.flag") is None and lookup(report, "a.text") is None
    assert lookup(report, "a.missing") is None
    # a label may hold dots: everything after per_label. is the label
    assert lookup(report, "findings.knn_label_accuracy.per_label.a.b") == 0.7


def test_passing_gates_exit_0(workdir, data):
    code = main(["build", *data, "--fail-under", "knn_label_accuracy=0.5",
                 "--fail-under", "projections.pca-2d.trustworthiness=0.5"])  # fmt: skip
    assert code == 0


def test_failing_gate_exits_3_after_writing_the_report(workdir, data, capsys):
    code = main(["build", *data, "--fail-under", "knn_label_accuracy=1.01",
                 "--fail-under", "pca_recall=0.0"])  # fmt: skip
    assert code == 3
    err = capsys.readouterr().err
    assert "1 threshold failed" in err and "knn_label_accuracy" in err
    accuracy = _report(workdir / "site")["findings"]["knn_label_accuracy"]["overall"]
    assert f"by {1.01 - accuracy:.4g}" in err
    assert (workdir / "site" / "index.html").is_file()


def test_fail_over_fails_a_metric_where_higher_is_worse_when_above_its_value(workdir, data, capsys):
    code = main(["build", *data, "--fail-over", "outliers=-1",
                 "--fail-over", "near_duplicates=1000000"])  # fmt: skip
    assert code == 3
    err = capsys.readouterr().err
    outliers = _report(workdir / "site")["findings"]["outliers"]["count"]
    assert f"outliers (findings.outliers.count) = {outliers} is over -1 (by {outliers + 1})" in err
    assert "1 threshold failed" in err  # near_duplicates passed
    assert main(["build", *data, "--fail-over", "near_dupes=1"]) == 2
    assert "--fail-over: unknown metric 'near_dupes'" in capsys.readouterr().err


def test_unknown_key_is_a_config_error_listing_valid_keys(workdir, data, capsys):
    assert main(["build", *data, "--fail-under", "knn_acuracy=0.5"]) == 2
    err = capsys.readouterr().err
    assert "unknown metric 'knn_acuracy'" in err and "knn_label_accuracy" in err
    assert not (workdir / "site").exists()  # refused before building


def test_bad_value_is_a_config_error(workdir, data, capsys):
    assert main(["build", *data, "--fail-under", "ari=high"]) == 2
    assert "ari must be a number" in capsys.readouterr().err
    assert main(["build", *data, "--fail-under", "ari"]) == 2


def test_a_metric_this_build_did_not_compute_is_exit_2_saying_why(workdir, data, capsys):
    assert main(["build", *data, "--fail-under", "umap_recall=0.1"]) == 2
    assert "umap-2d view was not computed" in capsys.readouterr().err
    assert (workdir / "site" / "report.json").is_file()


def test_no_labels_means_no_label_accuracy(workdir, npy_dataset, capsys):
    assert main(["build", str(npy_dataset), *FAST, "--fail-under", "knn_label_accuracy=0.1"]) == 2
    assert "there is no label column" in capsys.readouterr().err


def test_thresholds_from_the_config_file(workdir, npy_dataset, capsys):
    (workdir / "reportgen.toml").write_text(
        '[input]\nvectors = "vectors.npy"\nmetadata = "metadata.tsv"\n'
        "[projections]\numap = false\ntsne = false\n"
        '[thresholds]\nfail_under = { knn_label_accuracy = 1.5, "clusters.silhouette" = -1 }\n'
    )
    assert main(["build", "-q"]) == 3
    assert "knn_label_accuracy (findings.knn_label_accuracy.overall) = 1 is under 1.5" in (
        capsys.readouterr().err
    )


def test_fail_if_drop_needs_a_baseline(workdir, data, capsys):
    assert main(["build", *data, "--fail-if-drop", "ari=0.1"]) == 2
    assert "give --baseline" in capsys.readouterr().err


def test_baseline_comparison_and_drop(workdir, data, capsys):
    assert main(["build", *data, "--out", "old"]) == 0
    baseline = _report(workdir / "old")
    # the same data: nothing fell
    assert main(["build", *data, "--out", "new", "--baseline", "old/report.json",
                 "--fail-if-drop", "knn_label_accuracy=0"]) == 0  # fmt: skip
    summary = (workdir / "new" / "summary.md").read_text()
    assert "| compared with the baseline | baseline | this build | change |" in summary
    accuracy = baseline["findings"]["knn_label_accuracy"]["overall"]
    assert f"| kNN label accuracy | {accuracy:.3f} | {accuracy:.3f} | ±0 |" in summary
    assert 'id="baseline"' in (workdir / "new" / "index.html").read_text()
    # a baseline that was better: the drop fails the build, by how much
    better = json.loads(json.dumps(baseline))
    better["findings"]["knn_label_accuracy"]["overall"] = accuracy + 0.2
    (workdir / "better.json").write_text(json.dumps(better))
    assert main(["build", *data, "--out", "new", "--baseline", "better.json",
                 "--fail-if-drop", "knn_label_accuracy=0.1"]) == 3  # fmt: skip
    err = capsys.readouterr().err
    assert f"fell from {accuracy + 0.2:.4g} to {accuracy:.4g}" in err
    assert "more than 0.1" in err


def test_bad_baseline_stops_before_building(workdir, data, capsys):
    (workdir / "bad.json").write_text("{not json")
    assert main(["build", *data, "--baseline", "bad.json"]) == 2
    assert "bad.json: line 1, column 2: not valid JSON" in capsys.readouterr().err
    (workdir / "other.json").write_text('{"a": 1}')
    assert main(["build", *data, "--baseline", "other.json"]) == 2
    assert "not a reportgen report.json" in capsys.readouterr().err
    assert main(["build", *data, "--baseline", "missing.json"]) == 2
    assert not (workdir / "site").exists()


def test_evaluate_reports_every_failure_at_once():
    report = {"clusters": {"ari": 0.2, "nmi": 0.3}, "dataset": {"label_column": "y"}}
    with pytest.raises(ThresholdError) as info:
        evaluate(report, {"ari": 0.5, "nmi": 0.5}, None, None)
    assert "2 thresholds failed" in str(info.value) and info.value.exit_code == 3
    with pytest.raises(MissingMetricError):
        evaluate(report, {"silhouette": 0.1}, None, None)
    with pytest.raises(ConfigError):
        evaluate(report, None, {"ari": 0.1}, None)
    assert evaluate(report, {"ari": 0.2}, {"ari": 0.0}, {"clusters": {"ari": 0.2}}) == [
        "ari (clusters.ari) = 0.2 ≥ 0.2",
        "ari (clusters.ari) = 0.2 (baseline 0.2)",
    ]
    assert evaluate(report, None, None, None, {"nmi": 0.3}) == ["nmi (clusters.nmi) = 0.3 ≤ 0.3"]
    with pytest.raises(ThresholdError, match=r"nmi \(clusters.nmi\) = 0.3 is over 0.25"):
        evaluate(report, None, None, None, {"nmi": 0.25})
    with pytest.raises(MissingMetricError, match="--fail-over silhouette"):
        evaluate(report, None, None, None, {"silhouette": 1.0})


def test_summary_links_are_absolute_with_base_url(workdir, data):
    assert main(["build", *data, "--base-url", "https://me.github.io/repo/"]) == 0
    summary = (workdir / "site" / "summary.md").read_text()
    assert "](https://me.github.io/repo/images/centroid-heatmap.png)" in summary
    assert "[Projections](https://me.github.io/repo/projections.html)" in summary
    relative = np.load(workdir / "vectors.npy")  # the same input, no --base-url
    assert relative.shape == (40, 6)
    assert main(["build", *data, "--out", "rel"]) == 0
    assert "](images/centroid-heatmap.png)" in (workdir / "rel" / "summary.md").read_text()
