"""Above [neighbors] among_sample_above points, each point's neighbours are searched among the
fit sample: the graph, and every number read from it, is what brute force gives among those
rows, and the pages and report.json say so."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from sklearn.metrics import pairwise_distances

from reportgen.analysis import pipeline
from reportgen.analysis.findings import hubness
from reportgen.analysis.scale import hash_sample
from reportgen.cli import main
from reportgen.config import Config, NeighborsConfig, ProjectionsConfig, ScaleConfig
from reportgen.io import dataset_from_arrays
from reportgen.progress import Progress

N, FIT, CLUSTERS, K = 1200, 200, 6, 10


def _data() -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(5)
    centres = rng.normal(size=(CLUSTERS, 16)) * 3
    codes = rng.choice(CLUSTERS, size=N, p=np.arange(1, CLUSTERS + 1) / 21)
    vectors = (centres[codes] + rng.normal(size=(N, 16))).astype(np.float32)
    return vectors, [f"group {c}" for c in codes]


@pytest.fixture(scope="module")
def among():
    vectors, labels = _data()
    config = Config(
        neighbors=NeighborsConfig(among_sample_above=N - 1),
        scale=ScaleConfig(fit_sample=FIT),
        projections=ProjectionsConfig(pca=True, umap=True, tsne=False),
    )
    dataset = dataset_from_arrays(vectors, labels=labels)
    analysis = pipeline.analyze(dataset, config, Progress(mode="quiet"))
    rows = hash_sample(np.unique(labels, return_inverse=True)[1], FIT, seed=0)
    return vectors, labels, rows, analysis


def test_each_point_lists_its_nearest_fit_sample_points(among):
    vectors, _, rows, analysis = among
    graph = analysis.graph
    assert (graph.among, graph.k, graph.method) == (FIT, K, "exact")
    gaps = pairwise_distances(
        vectors.astype(np.float64), vectors[rows].astype(np.float64), "cosine"
    )
    gaps[rows, np.arange(FIT)] = np.inf  # never itself
    expected = rows[np.argsort(gaps, axis=1, kind="stable")[:, :K]]
    same = [set(a) == set(b) for a, b in zip(graph.indices, expected, strict=True)]
    assert np.mean(same) > 0.99  # float32 products against float64: a rare tie may swap


def test_knn_label_accuracy_is_the_vote_of_the_sample_neighbours(among):
    _, labels, _, analysis = among
    graph = analysis.graph
    right = 0
    for row in range(N):
        votes = Counter(labels[j] for j in graph.indices[row])
        top = max(votes.values())
        tied = {name for name, count in votes.items() if count == top}
        first = next(labels[j] for j in graph.indices[row] if labels[j] in tied)
        right += first == labels[row]
    assert analysis.findings.knn_label_accuracy["overall"] == pytest.approx(right / N)


def test_hubness_compares_the_sample_points_only(among):
    _, _, rows, analysis = among
    found = analysis.findings.hubness
    assert found == hubness(analysis.graph, K, among=rows)
    assert {hub["row"] for hub in found["top_hubs"]} <= set(rows.tolist())
    everyone = hubness(analysis.graph, K)  # the other rows' zero counts would dominate
    assert everyone["skewness"] > found["skewness"]


def test_knn_recall_compares_the_nearest_fitted_points_of_the_layout(among):
    _, _, rows, analysis = among
    from scipy.spatial import cKDTree

    view = next(v for v in analysis.views if v.key == "umap-2d")
    points = view.projection.coordinates.astype(np.float64)
    _, found = cKDTree(points[rows]).query(points, k=K + 1)
    shared = 0
    for row in range(N):
        near = [j for j in rows[found[row]] if j != row][:K]
        shared += len(set(near) & set(analysis.graph.indices[row]))
    assert view.quality.knn_recall == pytest.approx(shared / (N * K), abs=2e-3)


def test_the_site_says_where_the_neighbours_come_from(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    vectors, labels = _data()
    np.save("v.npy", vectors)
    rows = [f"{label}\t{i}" for i, label in enumerate(labels)]
    (tmp_path / "m.tsv").write_text("label\tindex\n" + "\n".join(rows) + "\n")
    common = ["build", "v.npy", "--metadata", "m.tsv", "--fit-sample", str(FIT), "--no-tsne"]
    fast = ["--umap-n-epochs", "20", "--quiet", "--no-cache"]
    assert main([*common, *fast, "--neighbors-among-sample-above", "0", "--out", "site"]) == 0
    report = json.loads((tmp_path / "site" / "report.json").read_text())
    assert report["neighbors"]["among_sample"] == FIT
    sentence = f"among the {FIT} points of the fit sample, exact"
    overview = (tmp_path / "site" / "index.html").read_text()
    assert sentence in overview
    for caption in ("vote of 10 neighbours", "skew of k-occurrences", "10 nearest neighbours"):
        assert f"{caption} among the {FIT} fitted points" in overview, caption
    page = (tmp_path / "site" / "projections.html").read_text()
    assert sentence in page and f"among the {FIT} points the layouts were fitted on" in page
    assert main([*common, *fast, "--out", "plain"]) == 0  # below the default threshold
    plain = json.loads((tmp_path / "plain" / "report.json").read_text())
    assert plain["neighbors"]["among_sample"] is None
    assert "fit sample" not in (tmp_path / "plain" / "index.html").read_text()


def test_a_search_in_the_sample_s_principal_components_says_so(tmp_path, monkeypatch):
    """--neighbors-search-dims: the graph among the fit sample is searched in 4 of the 16
    dimensions; report.json and the overview name the method, the dimensions and the
    recall measured against exact search, and a value at or above D searches all of them."""
    monkeypatch.chdir(tmp_path)
    vectors, labels = _data()
    np.save("v.npy", vectors)
    (tmp_path / "m.tsv").write_text("\n".join(labels) + "\n")  # one column: no header
    common = ["build", "v.npy", "--metadata", "m.tsv", "--fit-sample", str(FIT), "--no-tsne"]
    common += ["--umap-n-epochs", "20", "--quiet", "--no-cache"]
    common += ["--neighbors-among-sample-above", "0"]
    assert main([*common, "--neighbors-search-dims", "4", "--out", "site"]) == 0
    neighbors = json.loads((tmp_path / "site" / "report.json").read_text())["neighbors"]
    assert (neighbors["method"], neighbors["search_dims"]) == ("pca", 4)
    assert 0 < neighbors["recall"] <= 1 and neighbors["probe_size"] == 500
    overview = (tmp_path / "site" / "index.html").read_text()
    assert (
        f"among the {FIT} points of the fit sample, exact in the sample&#39;s first 4 "
        f"principal components, ranked in all dimensions, recall {neighbors['recall']:.3f}"
    ) in overview
    assert main([*common, "--neighbors-search-dims", "16", "--out", "all"]) == 0
    report = json.loads((tmp_path / "all" / "report.json").read_text())
    assert (report["neighbors"]["method"], report["neighbors"]["search_dims"]) == ("exact", None)
    assert any("search_dims 16 is not below D = 16" in note for note in report["notes"])
