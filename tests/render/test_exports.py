import csv
import io

import numpy as np
import pytest

from reportgen.analysis.neighbors import KnnGraph
from reportgen.analysis.projections import Projection
from reportgen.render.exports import clusters_csv, coordinates_csv, neighbors_csv, neutralise


def _run(producer) -> list[list[str]]:
    buffer = io.BytesIO()
    producer(buffer)
    return list(csv.reader(io.StringIO(buffer.getvalue().decode("utf-8"))))


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("cat", "cat"),
        ("", ""),
    ],
)
def test_formula_cells_are_neutralised(cell, safe):
    assert neutralise(cell) == safe


def test_coordinates_csv_has_one_column_per_axis_and_exact_floats():
    rng = np.random.default_rng(0)
    two = Projection("umap-2d", "umap", rng.normal(size=(4, 2)).astype(np.float32))
    three = Projection("pca-3d", "pca", rng.normal(size=(4, 3)).astype(np.float32))
    rows = _run(coordinates_csv(["a", "=b", "c", "d"], [two, three]))
    assert rows[0] == [
        "index",
        "label",
        "umap-2d_x",
        "umap-2d_y",
        "pca-3d_x",
        "pca-3d_y",
        "pca-3d_z",
    ]
    assert [r[0] for r in rows[1:]] == ["0", "1", "2", "3"]
    assert rows[2][1] == "'=b"
    read = np.array([[np.float32(float(v)) for v in r[2:]] for r in rows[1:]])
    assert np.array_equal(read[:, :2], two.coordinates)
    assert np.array_equal(read[:, 2:], three.coordinates)


def test_neighbors_csv_lists_k_ranked_neighbours_with_angles():
    graph = KnnGraph(
        indices=np.array([[1, 2], [0, 2], [1, 0]], dtype=np.int32),
        distances=np.array([[0.0, 0.5], [0.0, 0.2], [0.2, 0.5]], dtype=np.float32),
        similarities=np.array([[1.0, 0.5], [1.0, 0.8], [0.8, 0.5]], dtype=np.float32),
        metric="cosine",
        method="exact",
    )
    rows = _run(neighbors_csv(graph, 2))
    assert rows[0] == ["index", "rank", "neighbor", "cosine", "angle_deg"]
    assert rows[1:3] == [["0", "1", "1", "1", "0.00"], ["0", "2", "2", "0.5", "60.00"]]
    assert len(rows) == 1 + 3 * 2
    assert rows[-1][:3] == ["2", "2", "0"]


def test_clusters_csv_needs_one_distance_per_assignment():
    with pytest.raises(ValueError, match="3 cluster assignments but 2 distances"):
        clusters_csv(np.zeros(3, dtype=np.int64), np.zeros(2))
