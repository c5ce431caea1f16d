"""The scale benchmark's own tools: the mixture generator and the layout quality it reports."""

import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness
from sklearn.neighbors import NearestNeighbors

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_scale
import mixture


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 250 rows, so that a few hundred rows cross chunk boundaries."""
    monkeypatch.setattr(mixture, "CHUNK_ROWS", 250)


def test_mixture_is_deterministic_normalised_and_unbalanced(tmp_path, small_chunks):
    first = mixture.write(tmp_path / "a", 900, 16, 10, 1.0, seed=3)
    mixture.write(tmp_path / "b", 900, 16, 10, 1.0, seed=3)
    other = mixture.write(tmp_path / "c", 900, 16, 10, 1.0, seed=4)
    for name in ("vectors.npy", "metadata.tsv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert first["sha256"] != other["sha256"]

    vectors = np.load(tmp_path / "a" / "vectors.npy", mmap_mode="r")
    assert vectors.shape == (900, 16) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    lines = (tmp_path / "a" / "metadata.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "label\ttext"
    labels = [line.split("\t")[0] for line in lines[1:]]
    counts = sorted(first["label_counts"].values(), reverse=True)
    assert len(labels) == 900 == sum(counts)
    assert sorted((labels.count(name) for name in set(labels)), reverse=True) == counts
    assert counts[0] > 3 * counts[-1] >= 3 * mixture.MIN_LABEL_ROWS


def test_mixture_refuses_too_few_rows_for_its_labels():
    with pytest.raises(SystemExit, match="below --labels"):
        mixture.label_sizes(100, 10, 1.0)


def test_layout_quality_equals_sklearn_and_brute_force_on_all_points(tmp_path, monkeypatch):
    monkeypatch.setattr(bench_scale, "BLOCK_ROWS", 97)  # several blocks, one partial
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(400, 12)).astype(np.float32)
    vectors[:200, :3] += 3.0  # two groups: the PCA layout is better than a random one
    layouts = {"pca": PCA(2).fit_transform(vectors), "random": rng.normal(size=(400, 2))}

    got = bench_scale.layout_quality(vectors, np.arange(400), layouts)

    high = NearestNeighbors(n_neighbors=11, metric="cosine").fit(vectors)
    high_nn = high.kneighbors(vectors, return_distance=False)[:, 1:]
    for name, layout in layouts.items():
        expected = trustworthiness(vectors, layout, n_neighbors=10, metric="cosine")
        # float32 distances here, float64 in scikit-learn: a few near-ties rank differently
        assert got[name]["trustworthiness"] == pytest.approx(expected, abs=2e-5)
        low_nn = NearestNeighbors(n_neighbors=11).fit(layout).kneighbors(layout)[1][:, 1:]
        shared = sum(len(set(a) & set(b)) for a, b in zip(high_nn, low_nn, strict=True))
        assert got[name]["knn_recall"] == pytest.approx(shared / 4000)
    assert got["pca"]["trustworthiness"] > got["random"]["trustworthiness"] + 0.05


def test_read_layout_reads_the_view_columns_in_row_order(tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "coordinates.csv").write_text(
        "index,label,pca_x,pca_y,umap-2d_x,umap-2d_y\n1,b,0,0,3.5,4\n0,a,0,0,1,-2\n"
    )
    layout = bench_scale.read_layout(tmp_path, 2)
    np.testing.assert_array_equal(layout, [[1.0, -2.0], [3.5, 4.0]])
    with pytest.raises(SystemExit, match="missing"):
        bench_scale.read_layout(tmp_path, 3)
