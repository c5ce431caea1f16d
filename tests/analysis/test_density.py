"""The density layer: a histogram of all N points of a sampled 2D view."""

import numpy as np
import pytest

from reportgen.analysis import pipeline
from reportgen.analysis.density import (
    DENSITY_BINS,
    MIN_BINS,
    compute_density,
    density_bins,
    log_levels,
)
from reportgen.config import Config, InputConfig, ProjectionsConfig, RenderConfig
from reportgen.io import dataset_from_arrays
from reportgen.progress import Progress


def _points(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, 2)) * [3.0, 1.0] + [10.0, -5.0]).astype(np.float32)


@pytest.mark.parametrize("bins", [1, 7, 64, 256])
def test_the_counts_sum_to_n_and_match_numpys_histogram(bins):
    points = _points(5_000)
    density = compute_density("umap-2d", points, bins)
    assert density.counts.shape == (bins, bins)
    assert density.n == int(density.counts.sum()) == 5_000
    assert density.x_range == (float(points[:, 0].min()), float(points[:, 0].max()))
    assert density.y_range == (float(points[:, 1].min()), float(points[:, 1].max()))
    # the reference: numpy's histogram over the same range (rows are y, columns x); on an
    # edge both may round a point either way, so compare where no point sits on one
    reference, _, _ = np.histogram2d(
        points[:, 1].astype(np.float64),
        points[:, 0].astype(np.float64),
        bins=bins,
        range=[density.y_range, density.x_range],
    )
    assert np.abs(density.counts - reference).sum() <= 2


def test_each_point_is_in_the_cell_that_holds_its_coordinates():
    points = np.array([[0.0, 0.0], [1.0, 1.0], [0.49, 0.99], [0.51, 0.0]], dtype=np.float32)
    counts = compute_density("pca-2d", points, 2).counts
    # row 0 is the lower half of y, column 0 the left half of x; the maximum is in the last
    assert counts.tolist() == [[1, 1], [1, 1]]
    # three equal points: a flat range either side of them, so the middle cell
    assert compute_density("pca-2d", points[:1].repeat(3, axis=0), 4).counts[2, 2] == 3


def test_the_result_does_not_depend_on_the_order_of_the_points():
    points = _points(3_000, seed=4)
    order = np.random.default_rng(1).permutation(len(points))
    first = compute_density("tsne-2d", points, 128)
    second = compute_density("tsne-2d", points[order], 128)
    assert np.array_equal(first.counts, second.counts)
    assert first.x_range == second.x_range and first.y_range == second.y_range


def test_a_flat_axis_gets_a_range_and_every_point_is_counted():
    points = np.column_stack([np.arange(10.0), np.zeros(10)]).astype(np.float32)
    density = compute_density("pca-2d", points, 8)
    assert density.y_range == (-0.5, 0.5)
    assert density.n == 10
    assert density.counts[4].sum() == 10  # y = 0 is the middle of [-0.5, 0.5]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="must be \\(N, 2\\)"):
        compute_density("pca-3d", np.zeros((4, 3)))
    with pytest.raises(ValueError, match="no coordinates"):
        compute_density("pca-2d", np.zeros((0, 2)))
    with pytest.raises(ValueError, match="bins=0"):
        compute_density("pca-2d", np.zeros((4, 2)), 0)


def test_the_grid_has_no_more_cells_than_points_within_its_limits():
    assert density_bins(301) == MIN_BINS
    assert density_bins(10_000) == 100
    assert density_bins(65_536) == density_bins(5_000_000) == DENSITY_BINS


def test_log_levels_are_zero_exactly_where_a_cell_is_empty():
    counts = np.array([[0, 1, 10], [100, 1000, 0]])
    levels = log_levels(counts)
    assert levels.dtype == np.uint8
    assert ((levels == 0) == (counts == 0)).all()
    assert levels[0, 1] == 1 and levels[1, 1] == 255
    assert levels[0, 2] < levels[1, 0] < levels[1, 1]  # monotone, on a log scale
    assert levels[1, 0] == round(1 + 254 * np.log(100) / np.log(1000))
    assert log_levels(np.array([[0, 1]])).tolist() == [[0, 255]]
    assert log_levels(np.zeros((2, 2), dtype=np.int64)).tolist() == [[0, 0], [0, 0]]


def _analyze(n: int, budget: int):
    rng = np.random.default_rng(2)
    vectors = rng.normal(size=(n, 8)).astype(np.float32)
    config = Config(
        input=InputConfig(),
        projections=ProjectionsConfig(umap=False, tsne=False, custom_column=None),
        render=RenderConfig(max_points_2d=budget, max_points_3d=budget),
    )
    dataset = dataset_from_arrays(vectors, labels=[f"l{i % 3}" for i in range(n)])
    return pipeline.analyze(dataset, config, Progress(mode="quiet"))


def test_a_sampled_2d_view_gets_the_density_of_all_its_points():
    analysis = _analyze(400, budget=100)
    assert len(analysis.sample_2d) == 100
    assert set(analysis.densities) == {"pca-2d"}  # 3D views: the sample only
    density = analysis.densities["pca-2d"]
    assert density.n == 400
    assert density.counts.shape == (density_bins(400),) * 2
    pca = next(v for v in analysis.views if v.key == "pca-2d").projection
    assert np.array_equal(density.counts, compute_density("pca-2d", pca.coordinates, 64).counts)
    again = _analyze(400, budget=100).densities["pca-2d"]
    assert np.array_equal(density.counts, again.counts)


def test_a_view_within_its_budget_has_no_density_layer():
    analysis = _analyze(100, budget=100)
    assert analysis.sample_2d is None
    assert dict(analysis.densities) == {}
