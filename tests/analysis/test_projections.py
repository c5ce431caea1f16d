import dataclasses
import re
import subprocess
import sys

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from reportgen.analysis.neighbors import KnnGraph
from reportgen.analysis.projections import (
    compute_custom,
    compute_pca,
    compute_tsne,
    compute_umap,
    fit_to_size,
    pca_projections,
)
from reportgen.engine import LocalEngine
from reportgen.errors import AnalysisError

# umap-learn compiles its numba kernels once per process: every UMAP test shares this one,
# and the data stay small (a few hundred points).


def make_graph(vectors: np.ndarray, k: int, metric: str = "cosine") -> KnnGraph:
    """The kNN graph of ``vectors`` as the build makes it: exact, nearest first, no self."""
    search = NearestNeighbors(n_neighbors=k + 1, algorithm="brute", metric=metric)
    distances, indices = search.fit(vectors).kneighbors(vectors)
    # Drop each point itself (column 0, at distance 0: the fixtures have no duplicates).
    assert (indices[:, 0] == np.arange(len(vectors))).all()
    indices, distances = indices[:, 1:], distances[:, 1:]
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    similarities = np.einsum("id,ikd->ik", unit, unit[indices])
    return KnnGraph(
        indices=indices.astype(np.int32),
        distances=distances.astype(np.float32),
        similarities=similarities.astype(np.float32),
        metric=metric,
        method="exact",
    )


def narrowed(graph: KnnGraph, k: int) -> KnnGraph:
    """The same graph with only its first k neighbours per point."""
    return dataclasses.replace(
        graph,
        indices=graph.indices[:, :k],
        distances=graph.distances[:, :k],
        similarities=graph.similarities[:, :k],
    )


def make_blobs(n_per_blob: int = 100, dim: int = 16, seed: int = 7):
    """3 well-separated Gaussian blobs (also in angle, for the cosine metric)."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(3, dim)) * 8
    labels = np.repeat(np.arange(3), n_per_blob)
    vectors = centers[labels] + rng.normal(size=(len(labels), dim))
    return vectors.astype(np.float32), labels


def knn_accuracy(coordinates: np.ndarray, labels: np.ndarray) -> float:
    """Leave-one-out 5-NN label accuracy in the projection."""
    search = NearestNeighbors(n_neighbors=6).fit(coordinates)
    neighbors = search.kneighbors(coordinates, return_distance=False)[:, 1:]
    votes = labels[neighbors]
    predicted = np.array([np.bincount(row, minlength=3).argmax() for row in votes])
    return float((predicted == labels).mean())


def tiny(n: int, dim: int = 8, seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)


@pytest.fixture(scope="module")
def blobs():
    vectors, labels = make_blobs()
    return vectors, labels, make_graph(vectors, k=90)


# --- PCA -------------------------------------------------------------------------------


def sklearn_reference(vectors: np.ndarray):
    """scikit-learn's exact PCA with our sign convention (largest |loading| positive)."""
    pca = PCA(n_components=min(vectors.shape), svd_solver="full")
    coordinates = pca.fit_transform(vectors.astype(np.float64))
    pivots = np.abs(pca.components_).argmax(axis=1)
    signs = np.sign(pca.components_[np.arange(len(pivots)), pivots])
    return coordinates * signs, pca.explained_variance_ratio_


def test_pca_equals_sklearn_up_to_the_sign_convention(tiny_vectors):
    result = compute_pca(tiny_vectors)
    expected, ratios = sklearn_reference(tiny_vectors)
    assert result.coordinates.dtype == np.float32
    assert result.coordinates.flags.c_contiguous
    np.testing.assert_allclose(result.coordinates, expected[:, :3], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(result.explained_variance_ratio, ratios, rtol=1e-9, atol=1e-12)
    assert len(result.explained_variance_ratio) == 6  # min(10, D = 6, N = 40)
    assert result.notes == ()


def test_pca_signs_are_fixed_by_the_largest_loading():
    # Mirroring the data flips sklearn's SVD but not the convention: the coordinates mirror.
    vectors = make_blobs(20)[0]
    flipped = compute_pca(-vectors).coordinates
    np.testing.assert_allclose(flipped, -compute_pca(vectors).coordinates, atol=1e-4)


def test_pca_is_deterministic(tiny_vectors):
    first, second = compute_pca(tiny_vectors), compute_pca(tiny_vectors.copy())
    assert np.array_equal(first.coordinates, second.coordinates)
    assert first.explained_variance_ratio == second.explained_variance_ratio


def test_pca_reads_a_read_only_memory_map_block_by_block(tmp_path, tiny_vectors):
    np.save(tmp_path / "v.npy", tiny_vectors)
    mapped = np.load(tmp_path / "v.npy", mmap_mode="r")
    whole = compute_pca(tiny_vectors)
    # 7 rows of 6 float64 per block: 6 blocks of 40 rows, the last one short.
    blocked = compute_pca(mapped, engine=LocalEngine(block_bytes=7 * 6 * 8))
    np.testing.assert_allclose(blocked.coordinates, whole.coordinates, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(blocked.explained_variance_ratio, whole.explained_variance_ratio)


def test_pca_views_share_the_coordinates(tiny_vectors):
    result = compute_pca(tiny_vectors)
    pca2, pca3 = pca_projections(result)
    assert (pca2.key, pca2.method, pca2.dims, pca3.key, pca3.dims) == (
        "pca-2d",
        "pca",
        2,
        "pca-3d",
        3,
    )
    assert np.array_equal(pca2.coordinates, pca3.coordinates[:, :2])
    assert pca2.coordinates.flags.c_contiguous
    assert pca3.parameters == {
        "components": 3,
        "explained_variance_ratio": list(result.explained_variance_ratio),
    }
    assert pca2.parameters["components"] == 2
    ratio = result.explained_variance_ratio[0]
    assert pca3.axis_titles[0] == f"PC1 ({100 * ratio:.1f} % of variance)"
    assert len(pca2.axis_titles) == 2 and len(pca3.axis_titles) == 3


def test_pca_of_two_dimensions_pads_a_zero_third_column():
    vectors = tiny(30, dim=2)
    result = compute_pca(vectors)
    expected, _ = sklearn_reference(vectors)
    np.testing.assert_allclose(result.coordinates[:, :2], expected, rtol=1e-5, atol=1e-5)
    assert (result.coordinates[:, 2] == 0).all()
    assert len(result.explained_variance_ratio) == 2
    assert result.notes == ("PC3 is 0: the vectors have D = 2 dimensions",)
    pca2, pca3 = pca_projections(result)
    assert pca2.notes == () and pca3.notes == result.notes
    assert pca3.axis_titles[2] == "PC3 (0.0 % of variance)"


@pytest.mark.parametrize("n", [3, 5])
def test_pca_of_tiny_data(n):
    vectors = tiny(n)
    result = compute_pca(vectors)
    expected, ratios = sklearn_reference(vectors)
    assert result.coordinates.shape == (n, 3)
    assert np.isfinite(result.coordinates).all()
    rank = n - 1  # n centred points span n - 1 dimensions
    np.testing.assert_allclose(
        result.coordinates[:, : min(rank, 3)], expected[:, : min(rank, 3)], atol=1e-5
    )
    np.testing.assert_allclose(result.explained_variance_ratio, ratios, atol=1e-9)
    if n == 3:
        assert (result.coordinates[:, 2] == 0).all()
        assert result.notes == ("PC3 is 0: N = 3 points span only 2 dimensions",)
    else:
        assert result.notes == ()


def test_pca_of_identical_vectors_is_all_zero():
    result = compute_pca(np.ones((4, 5), dtype=np.float32))
    assert (result.coordinates == 0).all()
    assert result.explained_variance_ratio == (0.0,) * 4
    assert result.notes == ("all vectors are identical: every principal component is 0",)


def test_pca_rejects_a_non_matrix():
    with pytest.raises(AnalysisError, match=r"shape \(5,\)"):
        compute_pca(np.zeros(5, dtype=np.float32))


# --- sizes -----------------------------------------------------------------------------


def test_fit_to_size_lowers_for_small_n_and_narrow_graphs():
    assert fit_to_size(1000, 90, 15, 30.0) == (15, 30.0, ())
    assert fit_to_size(5, 4, 15, 30.0) == (
        4,
        4 / 3,
        ("n_neighbors lowered from 15 to 4: N = 5", "perplexity lowered from 30 to 1.33: N = 5"),
    )
    n_neighbors, perplexity, notes = fit_to_size(1000, 10, 15, 30.0)
    assert (n_neighbors, perplexity) == (11, 10 / 3)
    assert notes == (
        "n_neighbors lowered from 15 to 11: the kNN graph holds 10 neighbours per point",
        "perplexity lowered from 30 to 3.33: the kNN graph holds 10 neighbours per point",
    )


# --- UMAP ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def umap_runs(blobs):
    """Two seeded UMAP 2D runs on the blobs, with umap-learn's own kNN search spied on."""
    import umap.umap_

    vectors, _, graph = blobs
    calls = []

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    real = umap.umap_.nearest_neighbors
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(umap.umap_, "nearest_neighbors", spy)
        runs = [compute_umap(vectors, graph, 2, seed=5) for _ in range(2)]
    return runs, calls


def test_umap_uses_the_given_graph(umap_runs):
    _, calls = umap_runs
    assert calls == []


def test_umap_output_and_parameters(umap_runs):
    projection = umap_runs[0][0]
    assert (projection.key, projection.method) == ("umap-2d", "umap")
    assert projection.coordinates.shape == (300, 2)
    assert projection.coordinates.dtype == np.float32
    assert projection.coordinates.flags.c_contiguous
    assert np.isfinite(projection.coordinates).all()
    assert projection.parameters == {
        "n_neighbors": 15,
        "min_dist": 0.1,
        "n_epochs": 500,
        "init": "spectral",
        "metric": "cosine",
        "seed": 5,
    }
    assert projection.notes == ()
    assert projection.axis_titles == ("UMAP 1", "UMAP 2")


def test_umap_is_deterministic(umap_runs):
    first, second = umap_runs[0]
    assert np.array_equal(first.coordinates, second.coordinates)


def test_umap_keeps_blobs_apart(umap_runs, blobs):
    assert knn_accuracy(umap_runs[0][0].coordinates, blobs[1]) > 0.95


def test_umap_layout_follows_the_graph_not_the_vectors(blobs):
    # Structureless vectors with the blobs' graph: only the graph can separate the blobs.
    _, labels, graph = blobs
    noise = np.random.default_rng(0).normal(size=(len(labels), 16)).astype(np.float32)
    projection = compute_umap(noise, graph, 2, n_epochs=200, seed=1)
    assert knn_accuracy(projection.coordinates, labels) > 0.95


def test_umap_3d_records_what_ran(blobs):
    vectors, _, graph = blobs
    projection = compute_umap(vectors, graph, 3, n_neighbors=8, min_dist=0.3, n_epochs=50)
    assert projection.key == "umap-3d"
    assert projection.coordinates.shape == (300, 3)
    assert projection.parameters["n_neighbors"] == 8
    assert projection.parameters["min_dist"] == 0.3
    assert projection.parameters["n_epochs"] == 50
    assert projection.axis_titles == ("UMAP 1", "UMAP 2", "UMAP 3")


def test_umap_lowers_n_neighbors_to_a_narrow_graph(blobs):
    vectors, _, graph = blobs
    narrow = narrowed(graph, 5)
    projection = compute_umap(vectors, narrow, 2, n_epochs=20)
    assert projection.parameters["n_neighbors"] == 6
    assert projection.notes == (
        "n_neighbors lowered from 15 to 6: the kNN graph holds 5 neighbours per point",
    )


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("n", [3, 5])
def test_umap_of_tiny_data(n, dims):
    vectors = tiny(n)
    projection = compute_umap(vectors, make_graph(vectors, k=n - 1), dims)
    assert projection.coordinates.shape == (n, dims)
    assert projection.coordinates.dtype == np.float32
    assert np.isfinite(projection.coordinates).all()
    assert projection.parameters["n_neighbors"] == n - 1
    assert projection.parameters["init"] == "random"
    assert projection.notes[0] == f"n_neighbors lowered from 15 to {n - 1}: N = {n}"
    assert projection.notes[1].startswith(f"init 'random' instead of 'spectral': N = {n}")


def test_umap_of_tiny_data_is_deterministic():
    vectors = tiny(5)
    graph = make_graph(vectors, k=4)
    first, second = (compute_umap(vectors, graph, 2, seed=3) for _ in range(2))
    assert np.array_equal(first.coordinates, second.coordinates)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_components": 4}, "n_components=4 must be one of"),
        ({"n_neighbors": 1}, "n_neighbors=1 must be >= 2"),
        ({"n_neighbors": 2.5}, "n_neighbors=2.5 must be an integer >= 2"),
        ({"min_dist": 1.5}, "min_dist=1.5 must be between 0 and 1"),
        ({"n_epochs": 0}, "n_epochs=0 must be >= 1 or None"),
        ({"seed": -1}, "seed=-1 must be between 0 and"),
    ],
)
def test_umap_checks_its_parameters_first(blobs, kwargs, message):
    vectors, _, graph = blobs
    with pytest.raises(AnalysisError, match=message):
        compute_umap(vectors, graph, **{"n_components": 2, **kwargs})


def test_umap_needs_three_points_and_a_matching_graph(blobs):
    vectors, _, graph = blobs
    with pytest.raises(AnalysisError, match="300 rows for N = 299"):
        compute_umap(vectors[:-1], graph, 2)
    two = tiny(2)
    with pytest.raises(AnalysisError, match="at least 3 points, got N = 2"):
        compute_umap(two, make_graph(two, k=1), 2)


# --- t-SNE -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tsne_runs(blobs):
    """Seeded t-SNE 2D runs (1, 1 and 2 threads) with openTSNE's own kNN search spied on."""
    import openTSNE.affinity
    import openTSNE.nearest_neighbors

    vectors, _, graph = blobs
    start = compute_pca(vectors).coordinates
    calls = []
    built = []
    real_build = openTSNE.nearest_neighbors.PrecomputedNeighbors.build

    def spy_search(*args, **kwargs):
        calls.append(args)
        raise AssertionError("openTSNE searched for neighbours itself")

    def spy_build(self):
        built.append((self.indices, self.distances))
        return real_build(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(openTSNE.affinity, "get_knn_index", spy_search)
        patch.setattr(openTSNE.nearest_neighbors.PrecomputedNeighbors, "build", spy_build)
        runs = [
            compute_tsne(graph, start, n_iter=250, seed=4, n_jobs=n_jobs) for n_jobs in (1, 1, 2)
        ]
    return runs, calls, built


def test_tsne_uses_the_given_graph(tsne_runs, blobs):
    _, calls, built = tsne_runs
    graph = blobs[2]
    assert calls == []
    assert len(built) == 3
    indices, distances = built[0]
    assert np.array_equal(indices, graph.indices[:, :90])
    assert np.array_equal(distances, graph.distances[:, :90])


def test_tsne_output_and_parameters(tsne_runs):
    projection = tsne_runs[0][0]
    assert (projection.key, projection.method) == ("tsne-2d", "tsne")
    assert projection.coordinates.shape == (300, 2)
    assert projection.coordinates.dtype == np.float32
    assert projection.coordinates.flags.c_contiguous
    assert np.isfinite(projection.coordinates).all()
    assert projection.parameters == {
        "perplexity": 30.0,
        "n_neighbors": 90,
        "n_iter": 250,
        "early_exaggeration_iter": 250,
        "early_exaggeration": 12.0,
        "learning_rate": "auto",
        "negative_gradient_method": "bh",  # faster than FFT below 5,000 points
        "init": "pca",
        "metric": "cosine",
        "seed": 4,
    }
    assert projection.notes == ()
    assert projection.axis_titles == ("t-SNE 1", "t-SNE 2")


def test_tsne_is_deterministic_whatever_the_threads(tsne_runs):
    first, again, two_threads = tsne_runs[0]
    assert np.array_equal(first.coordinates, again.coordinates)
    assert np.array_equal(first.coordinates, two_threads.coordinates)


def test_tsne_keeps_blobs_apart(tsne_runs, blobs):
    assert knn_accuracy(tsne_runs[0][0].coordinates, blobs[1]) > 0.95


def test_tsne_fft_is_deterministic_whatever_the_threads(monkeypatch, blobs):
    vectors, labels, graph = blobs
    monkeypatch.setattr("reportgen.analysis.projections.tsne._TSNE_FFT_MIN_N", 100)
    start = compute_pca(vectors).coordinates
    one, two = (compute_tsne(graph, start, n_iter=100, n_jobs=n_jobs) for n_jobs in (1, 2))
    assert one.parameters["negative_gradient_method"] == "fft"
    assert np.array_equal(one.coordinates, two.coordinates)
    assert knn_accuracy(one.coordinates, labels) > 0.95


def test_tsne_layout_follows_the_graph_not_the_start(blobs):
    # A structureless start with the blobs' graph: only the graph can separate the blobs.
    _, labels, graph = blobs
    start = np.random.default_rng(0).normal(size=(len(labels), 2))
    projection = compute_tsne(graph, start, n_iter=100, seed=1)
    assert knn_accuracy(projection.coordinates, labels) > 0.95


def test_tsne_lowers_perplexity_to_a_narrow_graph(blobs):
    vectors, _, graph = blobs
    narrow = narrowed(graph, 15)
    projection = compute_tsne(narrow, compute_pca(vectors).coordinates, n_iter=50)
    assert projection.parameters["perplexity"] == 5.0
    assert projection.parameters["n_neighbors"] == 15
    assert projection.notes == (
        "perplexity lowered from 30 to 5: the kNN graph holds 15 neighbours per point",
    )


def test_tsne_3d_uses_barnes_hut(blobs):
    vectors, labels, graph = blobs
    projection = compute_tsne(graph, compute_pca(vectors).coordinates, 3, n_iter=100)
    assert projection.key == "tsne-3d"
    assert projection.coordinates.shape == (300, 3)
    assert projection.parameters["negative_gradient_method"] == "bh"
    assert knn_accuracy(projection.coordinates, labels) > 0.95


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("n", [3, 5])
def test_tsne_of_tiny_data(n, dims):
    vectors = tiny(n)
    graph = make_graph(vectors, k=n - 1)
    start = compute_pca(vectors).coordinates
    first, second = (compute_tsne(graph, start, dims, seed=2) for _ in range(2))
    assert first.coordinates.shape == (n, dims)
    assert np.isfinite(first.coordinates).all()
    assert np.array_equal(first.coordinates, second.coordinates)
    perplexity = (n - 1) / 3
    assert first.parameters["perplexity"] == perplexity
    assert first.parameters["n_neighbors"] == n - 1
    assert first.notes == (f"perplexity lowered from 30 to {round(perplexity, 2):g}: N = {n}",)


def test_tsne_starts_at_random_when_pca_is_flat():
    vectors = tiny(5)
    projection = compute_tsne(make_graph(vectors, k=4), np.zeros((5, 3)), n_iter=50)
    assert projection.parameters["init"] == "random"
    assert "init 'random' instead of 'pca'" in projection.notes[-1]
    assert np.isfinite(projection.coordinates).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_components": 1}, "n_components=1 must be one of"),
        ({"perplexity": 0.2}, r"perplexity=0.2 must be >= 1/3"),
        ({"perplexity": float("inf")}, r"perplexity=inf must be >= 1/3"),
        ({"n_iter": 0}, "n_iter=0 must be >= 1"),
        ({"n_iter": "9"}, "n_iter='9' must be an integer >= 1"),
        ({"n_jobs": 0}, "n_jobs=0 must be >= 1"),
        ({"seed": 2**32}, "seed=4294967296 must be between 0 and"),
    ],
)
def test_tsne_checks_its_parameters_first(blobs, kwargs, message):
    _, _, graph = blobs
    with pytest.raises(AnalysisError, match=message):
        compute_tsne(graph, np.zeros((300, 3)), **kwargs)


def test_tsne_checks_the_initialization(blobs):
    with pytest.raises(AnalysisError, match=r"shape \(300, 1\) must be \(N = 300, >= 2\)"):
        compute_tsne(blobs[2], np.zeros((300, 1)))


# --- custom ----------------------------------------------------------------------------


@pytest.fixture
def line():
    """Rows along dimension 0 (a at -2, m at 0, b at +2), spread along dimension 2."""
    rng = np.random.default_rng(11)
    values = ["a"] * 10 + ["m"] * 10 + ["b"] * 10
    vectors = rng.normal(scale=0.05, size=(30, 4))
    vectors[:, 0] += np.repeat([-2.0, 0.0, 2.0], 10)
    vectors[:, 2] += np.tile(np.linspace(-1, 1, 10), 3)
    vectors += [5.0, 1.0, 0.0, 0.0]  # off the origin: the axis must not depend on it
    return vectors.astype(np.float32), values


def test_custom_axis_runs_between_the_two_centroids(line):
    vectors, values = line
    projection = compute_custom(vectors, values, column="label", left="^a$", right="^b$")
    x = projection.coordinates[:, 0]
    assert (projection.key, projection.method, projection.dims) == ("custom", "custom", 2)
    assert projection.coordinates.dtype == np.float32
    assert x[:10].max() < x[10:20].min() and x[10:20].max() < x[20:].min()
    length = projection.parameters["x_centroid_distance"]
    assert length == pytest.approx(4.0, abs=0.05)
    assert x[:10].mean() == pytest.approx(-length / 2, abs=1e-5)
    assert x[20:].mean() == pytest.approx(length / 2, abs=1e-5)
    assert projection.parameters["matches"] == {"^a$": 10, "^b$": 10}
    assert projection.axis_titles[0] == "^a$ → ^b$"


def test_custom_y_defaults_to_the_residual_first_component(line):
    vectors, values = line
    projection = compute_custom(vectors, values, column="label", left="a", right="b")
    y = projection.coordinates[:, 1]
    # What x does not show is the spread along dimension 2.
    assert abs(np.corrcoef(y, vectors[:, 2])[0, 1]) > 0.99
    assert "first principal component" in projection.notes[-1]


def test_custom_y_from_up_and_down(line):
    vectors, values = line
    vectors = vectors.copy()
    vectors[:10, 1] += 3.0  # the "a" rows are also "up" along dimension 1
    projection = compute_custom(
        vectors, values, column="label", left="a", right="b", up="a", down="m|b"
    )
    y = projection.coordinates[:, 1]
    assert y[:10].min() > y[10:].max()
    assert -1 < projection.parameters["axes_cosine"] < 0
    assert projection.axis_titles == ("a → b", "m|b → a")


@pytest.mark.parametrize("pattern", ["zebra", "^A$"])
def test_custom_regex_that_matches_nothing(line, pattern):
    vectors, values = line
    message = f"custom axis regex '{pattern}' matches no value of column 'label'"
    with pytest.raises(AnalysisError, match=re.escape(message)):
        compute_custom(vectors, values, column="label", left="a", right=pattern)


def test_custom_invalid_regex(line):
    vectors, values = line
    with pytest.raises(AnalysisError, match=r"custom axis regex 'a\(' is invalid"):
        compute_custom(vectors, values, column="label", left="a(", right="b")


def test_custom_identical_centroids(line):
    vectors, values = line
    message = "the rows matching 'a' and the rows matching '^a' in column 'label' have the same"
    with pytest.raises(AnalysisError, match=re.escape(message)):
        compute_custom(vectors, values, column="label", left="a", right="^a")


def test_custom_needs_both_up_and_down(line):
    vectors, values = line
    with pytest.raises(AnalysisError, match="both the up and the down regex"):
        compute_custom(vectors, values, column="label", left="a", right="b", up="m")


def test_custom_needs_one_value_per_row(line):
    vectors, values = line
    with pytest.raises(AnalysisError, match="29 values for N = 30"):
        compute_custom(vectors, values[:-1], column="label", left="a", right="b")


# --- import cost -----------------------------------------------------------------------


@pytest.mark.slow
def test_importing_projections_loads_neither_umap_nor_numba():
    code = (
        "import sys, reportgen.analysis.projections; "
        "print(sorted(m for m in ('umap', 'numba', 'openTSNE', 'pynndescent') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
