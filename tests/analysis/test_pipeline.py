"""The pipeline computes the kNN graph once and every consumer reuses it."""

import numpy as np
import pytest

import reportgen
from reportgen.analysis import neighbors, pipeline
from reportgen.config import Config, InputConfig, ProjectionsConfig
from reportgen.errors import ConfigError
from reportgen.io import dataset_from_arrays
from reportgen.progress import Progress


def _dataset(vectors, labels):
    return dataset_from_arrays(vectors, labels=labels)


def test_the_graph_is_computed_once_and_reused(monkeypatch, tiny_vectors, tiny_labels):
    import openTSNE.affinity
    import umap.umap_

    calls = []
    real = neighbors.compute_knn_graph

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    def forbidden(*args, **kwargs):
        raise AssertionError("a consumer searched for neighbours itself")

    monkeypatch.setattr(pipeline, "compute_knn_graph", counting)
    monkeypatch.setattr(umap.umap_, "nearest_neighbors", forbidden)
    monkeypatch.setattr(openTSNE.affinity, "get_knn_index", forbidden)
    config = Config(input=InputConfig(), projections=ProjectionsConfig(custom_column=None))
    result = pipeline.analyze(_dataset(tiny_vectors, tiny_labels), config, Progress(mode="quiet"))
    assert len(calls) == 1
    # wide enough for every consumer: UMAP's 15 (self + 14), t-SNE's 3 x perplexity, k = 10,
    # capped at N - 1
    assert calls[0] == result.graph.k == min(39, max(10, 14, 90))
    assert [v.key for v in result.views] == ["umap-2d", "umap-3d", "tsne-2d", "pca-2d", "pca-3d"]
    assert result.views[0].projection.parameters["n_neighbors"] == 15


@pytest.mark.parametrize("n", [3, 5])
def test_tiny_datasets_build(workdir, n):
    rng = np.random.default_rng(n)
    vectors = rng.normal(size=(n, 4)).astype(np.float32)
    report = reportgen.build(vectors, labels=[f"l{i % 2}" for i in range(n)], out="site")
    projections = report.report["projections"]
    assert set(projections) == {"umap-2d", "umap-3d", "tsne-2d", "pca-2d", "pca-3d"}
    for key, view in projections.items():
        assert 0 <= view["knn_recall"] <= 1, key
        assert 0 <= view["trustworthiness"] <= 1, key
    assert any("lowered" in note for note in report.report["notes"])
    assert (report.out / "exports" / "neighbors.csv").read_text().count("\n") == 1 + n * (n - 1)


def test_views_can_be_turned_off(workdir, tiny_vectors):
    report = reportgen.build(tiny_vectors, out="site", umap=False, tsne=False)
    assert set(report.report["projections"]) == {"pca-2d", "pca-3d"}


def test_custom_projection(workdir, tiny_vectors, tiny_labels):
    report = reportgen.build(
        tiny_vectors,
        labels=tiny_labels,
        out="site",
        umap=False,
        tsne=False,
        custom_column="label",
        custom_left="^cat$",
        custom_right="^dog$",
    )
    assert "custom" in report.report["projections"]
    header = (report.out / "exports" / "coordinates.csv").read_text().splitlines()[0]
    assert header.endswith("custom_x,custom_y")


def test_a_missing_column_named_by_the_config_is_a_config_error(workdir, tiny_vectors):
    with pytest.raises(ConfigError) as caught:
        reportgen.build(
            tiny_vectors,
            out="site",
            custom_column="species",
            custom_left="a",
            custom_right="b",
            hover_columns="caption",
        )
    assert caught.value.problems == [
        "projections.custom_column: column 'species' not found; the columns are: none",
        "render.hover_columns: column 'caption' not found; the columns are: none",
    ]


def test_zero_vectors_reach_every_consumer_without_nan(workdir, tiny_vectors, tiny_labels):
    vectors = tiny_vectors.copy()
    vectors[[0, 1]] = 0.0
    report = reportgen.build(vectors, labels=tiny_labels, out="site")
    assert report.report["dataset"]["zero_vectors"] == 2
    rows = (report.out / "exports" / "neighbors.csv").read_text().splitlines()[1:]
    zero_rows = [r.split(",") for r in rows if r.split(",")[0] in ("0", "1")]
    # a zero vector has no direction: cosine 0, 90 degrees, to whatever it is listed beside
    assert {(r[3], r[4]) for r in zero_rows} == {("0", "90.00")}
    coordinates = (report.out / "exports" / "coordinates.csv").read_text()
    assert "nan" not in coordinates.lower()
    for view in report.report["projections"].values():
        assert 0 <= view["knn_recall"] <= 1


def test_clusters_similarity_and_findings_reach_the_report(workdir, tiny_vectors, tiny_labels):
    from sklearn.metrics import adjusted_rand_score

    vectors = tiny_vectors.copy()
    vectors[5] = vectors[4] * 1.0001  # a planted near-duplicate
    report = reportgen.build(vectors, labels=tiny_labels, out="site", umap=False, tsne=False)
    clusters = report.report["clusters"]
    assignments = [
        int(line.split(",")[1])
        for line in (report.out / "exports" / "clusters.csv").read_text().splitlines()[1:]
    ]
    assert len(assignments) == 40 and clusters["k"] == len(set(assignments))
    assert clusters["sizes"] == sorted(clusters["sizes"], reverse=True)
    assert clusters["ari"] == pytest.approx(adjusted_rand_score(tiny_labels, assignments))
    similarity = report.report["similarity"]
    assert similarity["by"] == "label"
    assert similarity["within_label_mean"] > similarity["between_label_mean"]
    findings = report.report["findings"]
    assert [4, 5] in [pair[:2] for pair in findings["near_duplicates"]["rows"]]
    assert 0 <= findings["knn_label_accuracy"]["overall"] <= 1
    assert set(findings["knn_label_accuracy"]["per_label"]) == {"cat", "dog", "bird"}
    assert findings["zero_vectors"] == {"count": 0, "rows": []}
    summary = (report.out / "summary.md").read_text()
    assert f"near-duplicate pairs: **{findings['near_duplicates']['count']}**" in summary


def test_clusters_become_a_colour_option(workdir, tiny_vectors):
    report = reportgen.build(tiny_vectors, out="site", umap=False, tsne=False)
    html = (report.out / "projections.html").read_text()
    assert '"name":"k-means cluster"' in html
    assert report.report["similarity"]["by"] == "cluster"  # no labels: by cluster


def test_tiny_data_skips_clustering_with_a_note(workdir):
    vectors = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    report = reportgen.build(vectors, out="site", umap=False, tsne=False)
    assert report.report["clusters"] is None
    assert any(note.startswith("no clusters") for note in report.report["notes"])


def test_findings_examples_name_label_and_text(workdir, tiny_vectors, tiny_labels):
    vectors = tiny_vectors.copy()
    vectors[3] = 0.0
    metadata = {"label": tiny_labels, "caption": [f"<b>caption {i}</b>" for i in range(40)]}
    report = reportgen.build(
        vectors, metadata=metadata, text_column="caption", out="site", umap=False, tsne=False
    )
    html = (report.out / "index.html").read_text()
    assert "#3 (cat) “&lt;b&gt;caption 3&lt;/b&gt;”" in html


def test_a_skipped_step_says_why_in_its_own_field(workdir):
    # The clusters page reads this field, not the text of a note.
    vectors = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    config = Config(input=InputConfig(), projections=ProjectionsConfig(umap=False, tsne=False))
    analysis = pipeline.analyze(_dataset(vectors, None), config, Progress(mode="quiet"))
    assert analysis.clustering is None
    assert analysis.skipped["clusters"].startswith("no clusters: ")
    assert analysis.skipped["clusters"] in analysis.notes
    report = reportgen.build(vectors, out="site", umap=False, tsne=False)
    assert analysis.skipped["clusters"] in (report.out / "clusters.html").read_text()
