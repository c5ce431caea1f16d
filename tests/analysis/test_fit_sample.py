"""Above [scale] fit_sample points, UMAP and t-SNE are fitted on a sample and the other
points placed: the fitted layout is the plain fit of the sample, placed points land among
their neighbours, and the quality is reported for both parts."""

from __future__ import annotations

import numpy as np
import pytest

import reportgen
from reportgen.analysis import pipeline, scale
from reportgen.analysis.neighbors import compute_knn_graph
from reportgen.analysis.projections.umap import compute_umap
from reportgen.analysis.scale import (
    PLACE_JITTER,
    fit_sample_size,
    hash_sample,
    layout_spacing,
    nearest_fitted,
)
from reportgen.config import Config, ProjectionsConfig, ScaleConfig
from reportgen.io import dataset_from_arrays
from reportgen.progress import Progress

N, FIT, CLUSTERS = 2000, 300, 8


def _data() -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(11)
    centres = rng.normal(size=(CLUSTERS, 24)) * 4
    codes = rng.choice(CLUSTERS, size=N, p=np.arange(1, CLUSTERS + 1) / 36)
    vectors = (centres[codes] + rng.normal(size=(N, 24))).astype(np.float32)
    return vectors, [f"group {c}" for c in codes]


@pytest.fixture(scope="module")
def sampled():
    vectors, labels = _data()
    config = Config(
        scale=ScaleConfig(fit_sample=FIT),
        projections=ProjectionsConfig(pca=True, umap=True, tsne=True),
    )
    dataset = dataset_from_arrays(vectors, labels=labels)
    analysis = pipeline.analyze(dataset, config, Progress(mode="quiet"))
    return vectors, labels, analysis


def _view(analysis, key):
    return next(v for v in analysis.views if v.key == key)


def test_the_fitted_points_are_the_plain_fit_of_the_sample(sampled):
    vectors, labels, analysis = sampled
    codes = np.unique(labels, return_inverse=True)[1]
    rows = hash_sample(codes, FIT, seed=0)
    # The sample's own graph is as wide as t-SNE needs: 3 x perplexity 30.
    sample_graph = compute_knn_graph(vectors[rows], 90, metric="cosine")
    plain = compute_umap(vectors[rows], sample_graph, 2, seed=0)
    umap_2d = _view(analysis, "umap-2d").projection
    np.testing.assert_array_equal(umap_2d.coordinates[rows], plain.coordinates)
    assert umap_2d.parameters["fit_sample"] == FIT
    assert "nearest fitted point" in umap_2d.parameters["placement"]


def test_a_placed_point_sits_next_to_its_nearest_fitted_point(sampled):
    vectors, labels, analysis = sampled
    codes = np.unique(labels, return_inverse=True)[1]
    rows = hash_sample(codes, FIT, seed=0)
    placed = np.setdiff1d(np.arange(N), rows)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    nearest = rows[np.argmax(unit[placed] @ unit[rows].T, axis=1)]
    layout = _view(analysis, "umap-2d").projection.coordinates
    spacing = layout_spacing(layout[rows])
    offsets = np.linalg.norm(layout[placed] - layout[nearest], axis=1)
    assert offsets.max() <= PLACE_JITTER * spacing * (1 + 1e-4)
    # Not stacked on top of it: the offsets are spread over the allowed disc.
    assert np.median(offsets) > 0.4 * PLACE_JITTER * spacing


def test_placed_points_land_among_their_own_cluster(sampled):
    _, labels, analysis = sampled
    codes = np.unique(labels, return_inverse=True)[1]
    rows = hash_sample(codes, FIT, seed=0)
    placed = np.setdiff1d(np.arange(N), rows)
    for key in ("umap-2d", "tsne-2d"):
        layout = _view(analysis, key).projection.coordinates
        assert np.isfinite(layout).all()
        # The nearest fitted point on the map belongs to the placed point's own cluster.
        gaps = ((layout[placed, None, :] - layout[None, rows, :]) ** 2).sum(axis=2)
        nearest = rows[np.argmin(gaps, axis=1)]
        agreement = (codes[nearest] == codes[placed]).mean()
        assert agreement > 0.95, (key, agreement)


def test_quality_is_reported_for_fitted_and_placed_points(sampled):
    _, _, analysis = sampled
    for key in ("umap-2d", "umap-3d", "tsne-2d"):
        quality = _view(analysis, key).quality
        parts = {part.name: part for part in quality.parts}
        assert set(parts) == {"fitted", "placed"}
        assert parts["fitted"].points == FIT and parts["placed"].points == N - FIT
        # The parts are the whole: their recall averages to the view's.
        total = parts["fitted"].knn_recall * FIT + parts["placed"].knn_recall * (N - FIT)
        assert total / N == pytest.approx(quality.knn_recall)
        preservation = quality.preservation
        fitted_mask = np.zeros(N, dtype=bool)
        fitted_mask[hash_sample(np.unique(sampled[1], return_inverse=True)[1], FIT, 0)] = True
        assert parts["placed"].knn_recall == pytest.approx(preservation[~fitted_mask].mean())
        for part in parts.values():
            assert 0 <= part.trustworthiness <= 1
    # PCA is exact on all N: no parts.
    assert _view(analysis, "pca-2d").quality.parts == ()


def test_the_all_n_graph_is_only_as_wide_as_the_inspector(sampled):
    _, _, analysis = sampled
    # UMAP and t-SNE read the sample's own graph; the graph of all N serves the inspector,
    # the metrics and, where it lists a fitted point, the placement.
    assert analysis.graph.k == 10


def test_the_site_states_the_sample(workdir):
    vectors, labels = _data()
    report = reportgen.build(
        vectors[:600], labels=labels[:600], out="site", fit_sample=200, tsne=False
    )
    view = report.report["projections"]["umap-2d"]
    assert view["fit"] == (
        "UMAP fitted on 200 of 600 points (a seeded sample stratified by label); each other "
        "point placed next to its nearest fitted point in the original space"
    )
    assert view["parts"]["fitted"]["points"] == 200
    assert view["parts"]["placed"]["points"] == 400
    assert "pca-2d" in report.report["projections"]
    assert report.report["projections"]["pca-2d"]["fit"] is None
    page = (report.out / "projections.html").read_text()
    assert "rg-fit-note" in page and "UMAP fitted on 200 of 600 points" in page


def test_below_the_threshold_nothing_changes(workdir):
    vectors, labels = _data()
    small = dataset_from_arrays(vectors[:400], labels=labels[:400])
    config = Config(scale=ScaleConfig(fit_sample=400), projections=ProjectionsConfig(tsne=False))
    analysis = pipeline.analyze(small, config, Progress(mode="quiet"))
    umap_2d = _view(analysis, "umap-2d")
    assert "fit_sample" not in umap_2d.projection.parameters
    assert umap_2d.quality.parts == ()


@pytest.mark.parametrize(
    ("n", "size"),
    [
        (9_000, None),
        (10_000, None),
        (10_001, 5_000),
        (20_000, 5_000),
        (40_000, 10_000),
        (60_000, 15_000),
        (1_000_000, 15_000),
    ],
)
def test_the_automatic_fit_sample_is_a_quarter_of_n_from_5000_to_15000(n, size):
    assert fit_sample_size(n, None) == size


def test_a_configured_fit_sample_is_taken_as_it_is():
    assert fit_sample_size(60_000, 50_000) == 50_000
    assert fit_sample_size(20_000, 2_000) == 2_000
    assert fit_sample_size(50_000, 50_000) is None


def test_the_default_build_fits_on_the_automatic_sample(workdir, monkeypatch):
    # The real sizes (10,000 and up) are too slow for a unit test: shrink the rule's numbers
    # and check that a default build follows it.
    monkeypatch.setattr(scale, "AUTO_FIT_ABOVE", 500)
    monkeypatch.setattr(scale, "AUTO_FIT_MIN", 100)
    vectors, labels = _data()
    small = dataset_from_arrays(vectors[:800], labels=labels[:800])
    analysis = pipeline.analyze(
        small, Config(projections=ProjectionsConfig(tsne=False)), Progress(mode="quiet")
    )
    assert _view(analysis, "umap-2d").projection.parameters["fit_sample"] == 800 // 4


def test_the_fit_sample_flag_is_validated(workdir):
    from reportgen.cli import main

    assert main(["build", "--demo", "digits", "--fit-sample", "5", "--out", "x"]) == 2


def test_tsne_reports_its_iterations_without_changing_its_layout():
    from reportgen.analysis.projections.pca import compute_pca
    from reportgen.analysis.projections.tsne import compute_tsne

    vectors, _ = _data()
    vectors = vectors[:400]
    graph = compute_knn_graph(vectors, 30)
    start = compute_pca(vectors).coordinates
    seen = []
    reported = compute_tsne(
        graph, start, perplexity=10, n_iter=100, advance=lambda *a: seen.append(a)
    )
    plain = compute_tsne(graph, start, perplexity=10, n_iter=100)
    np.testing.assert_array_equal(reported.coordinates, plain.coordinates)
    assert seen[-1] == (350, 350, "iterations")
    assert [done for done, _, _ in seen] == sorted(done for done, _, _ in seen)


def test_placement_reports_the_rows_it_placed(sampled):
    from reportgen.analysis.scale import place_projection

    vectors, labels, analysis = sampled
    codes = np.unique(labels, return_inverse=True)[1]
    rows = hash_sample(codes, FIT, seed=0)
    umap_2d = _view(analysis, "umap-2d").projection
    fitted = type(umap_2d)(key="umap-2d", method="umap", coordinates=umap_2d.coordinates[rows])
    seen = []
    nearest = nearest_fitted(vectors, rows, analysis.graph)
    placed = place_projection(fitted, rows, nearest, 0, advance=lambda *a: seen.append(a))
    np.testing.assert_array_equal(placed.coordinates, umap_2d.coordinates)
    assert seen[-1] == (N - FIT, N - FIT, "placed rows")
