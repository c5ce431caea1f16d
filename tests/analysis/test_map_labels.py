"""The texts written on a 2D map and where (``analysis/map_labels.py``)."""

from __future__ import annotations

import numpy as np

from reportgen.analysis.clusters import Clustering
from reportgen.analysis.map_labels import (
    MapLabel,
    cluster_texts,
    group_anchors,
    map_labels,
)


def _clustering(k: int, **described) -> Clustering:
    return Clustering(
        assignments=np.zeros(4, dtype=np.int64), sizes=(1,) * k, centroids=np.zeros((k, 2)),
        distance_to_centroid=np.zeros(4), metric="cosine", method="kmeans", k_curve=(),
        choice_reason="", choice_sample_size=None, silhouette=None,
        silhouette_per_cluster=(None,) * k, silhouette_sample_size=4,
        representatives=((),) * k, **described,
    )  # fmt: skip


def test_a_group_in_two_islands_is_labelled_on_the_larger_not_between_them():
    rng = np.random.default_rng(0)
    big = rng.normal(size=(300, 2)) * 0.2 + [0, 0]
    small = rng.normal(size=(100, 2)) * 0.2 + [10, 10]
    other = rng.normal(size=(200, 2)) * 0.2 + [0, 10]
    coordinates = np.vstack([big, small, other])
    codes = np.r_[np.zeros(400, dtype=np.int64), np.ones(200, dtype=np.int64)]
    anchors, sizes = group_anchors(coordinates, codes, 3)
    assert sizes.tolist() == [400, 200, 0]
    assert np.linalg.norm(anchors[0] - [0, 0]) < 0.3  # the mean would be near (2.5, 2.5)
    assert np.linalg.norm(anchors[1] - [0, 10]) < 0.3
    assert np.isnan(anchors[2]).all()
    # The anchor is the median of the group's points in its fullest cell: a point of it.
    labels = map_labels(coordinates, codes, ["a", "b", "empty"])
    assert [(label.text, label.items) for label in labels] == [("a", 400), ("b", 200)]
    assert labels[0].to_json() == [round(labels[0].x, 4), round(labels[0].y, 4), "a", 400]
    assert map_labels(coordinates, codes, ["a", "b", "empty"], limit=1) == labels[:1]


def test_anchors_do_not_depend_on_the_order_of_the_points():
    rng = np.random.default_rng(1)
    coordinates = rng.normal(size=(500, 2))
    codes = rng.integers(0, 5, 500)
    order = rng.permutation(500)
    first = map_labels(coordinates, codes, list("abcde"))
    again = map_labels(coordinates[order], codes[order], list("abcde"))
    assert first == again
    assert all(isinstance(label, MapLabel) for label in first)


def test_ties_in_size_are_listed_by_text():
    coordinates = np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0], [6.0, 6.0]])
    codes = np.array([1, 1, 0, 0])
    assert [label.text for label in map_labels(coordinates, codes, ["zeta", "alpha"])] == [
        "alpha", "zeta",
    ]  # fmt: skip


def test_a_cluster_is_named_by_its_keywords_else_its_majority_label_and_share():
    named = _clustering(2, names=("time · date · clock", ""))
    assert cluster_texts(named) == ["time · date · clock", "cluster 1"]
    labelled = _clustering(
        2, contingency=np.array([[63, 37], [10, 30]]), label_names=("python", "rust")
    )
    assert cluster_texts(labelled) == ["python · 63 %", "rust · 75 %"]
    assert cluster_texts(_clustering(3)) == ["cluster 0", "cluster 1", "cluster 2"]


def test_a_build_labels_each_2d_view_and_no_3d_one(tmp_path):
    import json

    import reportgen

    rng = np.random.default_rng(2)
    labels = [f"g{i % 3}" for i in range(150)]
    vectors = np.stack([rng.normal(size=8) + 5 * (i % 3) for i in range(150)]).astype(np.float32)
    reportgen.build(vectors, labels=labels, umap=False, tsne=False, out=tmp_path / "site")
    page = (tmp_path / "site" / "projections.html").read_text()
    block = page.split('<script id="rg-page" type="application/json">')[1].split("</script>")[0]
    views = {view["key"]: view["mapLabels"] for view in json.loads(block)["views"]}
    assert views["pca-3d"] is None
    on_map = views["pca-2d"]
    assert sorted(text for _, _, text, _ in on_map["labels"]) == ["g0", "g1", "g2"]
    assert sum(items for *_, items in on_map["clusters"]) == 150
