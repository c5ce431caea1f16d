import json

import numpy as np
import pytest
from sklearn import metrics
from sklearn.preprocessing import normalize

from reportgen.analysis import records
from reportgen.analysis.clusters import Clustering, choice_rows, compute_clusters
from reportgen.analysis.scale import row_keys
from reportgen.engine import LOCAL
from reportgen.errors import AnalysisError

METRICS = ["cosine", "euclidean"]


def _blobs(rng: np.random.Generator, centers: int, per: int, dim: int = 8) -> np.ndarray:
    """``centers`` well-separated blobs of ``per`` points, shuffled; float32 (centers*per, dim)."""
    middles = rng.normal(size=(centers, dim)) * 6
    rows = np.repeat(middles, per, axis=0) + rng.normal(size=(centers * per, dim)) * 0.5
    return rows[rng.permutation(len(rows))].astype(np.float32)


@pytest.fixture
def blobs(rng: np.random.Generator) -> np.ndarray:
    """4 blobs of 60 points in 8-D."""
    return _blobs(rng, 4, 60)


def _space(vectors: np.ndarray, metric: str) -> np.ndarray:
    return normalize(vectors.astype(np.float64)) if metric == "cosine" else vectors


def _assert_equal(a: Clustering, b: Clustering) -> None:
    for name in Clustering.__dataclass_fields__:
        left, right = getattr(a, name), getattr(b, name)
        if isinstance(left, np.ndarray):
            np.testing.assert_array_equal(left, right)
        else:
            assert left == right, name


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("centers", [4, 6])
def test_automatic_k_finds_the_planted_blobs(rng, metric, centers):
    vectors = _blobs(rng, centers, 60)
    result = compute_clusters(vectors, metric=metric, k_max=8)
    assert result.k == centers
    assert [k for k, _ in result.k_curve] == list(range(2, 9))
    assert max(result.k_curve, key=lambda kv: kv[1])[0] == centers
    assert result.choice_reason.startswith(f"k = {centers}: the highest silhouette")
    assert f"of k = 2..8 on all {centers * 60} points" in result.choice_reason
    assert result.method == "kmeans"


@pytest.mark.parametrize("metric", METRICS)
def test_shapes_and_invariants(blobs, metric):
    result = compute_clusters(blobs, metric=metric, k=4)
    n = len(blobs)
    assert result.assignments.dtype == np.int32 and result.assignments.shape == (n,)
    assert result.centroids.dtype == np.float32 and result.centroids.shape == (4, 8)
    assert result.distance_to_centroid.dtype == np.float32
    assert result.distance_to_centroid.shape == (n,)
    assert (result.distance_to_centroid >= -1e-6).all()
    assert sum(result.sizes) == n
    assert result.sizes == tuple(np.bincount(result.assignments).tolist())
    assert result.k_curve == () and result.choice_reason == "k = 4: as configured"
    space = _space(blobs, metric)
    for c in range(4):
        np.testing.assert_allclose(
            result.centroids[c], space[result.assignments == c].mean(axis=0), atol=1e-5
        )


def test_numbered_by_size_largest_first(rng):
    middles = rng.normal(size=(3, 8)) * 8
    sizes = [10, 50, 25]
    rows = np.repeat(middles, sizes, axis=0) + rng.normal(size=(85, 8)) * 0.3
    result = compute_clusters(rows.astype(np.float32), k=3, metric="euclidean")
    assert result.sizes == (50, 25, 10)
    # The planted groups map to clusters 1, 0, 2 (by size).
    np.testing.assert_array_equal(result.assignments, np.repeat([2, 0, 1], sizes))


def test_size_ties_number_by_first_member(rng):
    vectors = _blobs(rng, 4, 60)
    result = compute_clusters(vectors, k=4, metric="euclidean")
    assert result.sizes == (60, 60, 60, 60)
    firsts = [int(np.flatnonzero(result.assignments == c)[0]) for c in range(4)]
    assert firsts == sorted(firsts) and firsts[0] == 0


@pytest.mark.parametrize("metric", METRICS)
def test_silhouette_equals_sklearn_on_the_same_sample(rng, metric):
    vectors = _blobs(rng, 4, 60)
    result = compute_clusters(vectors, metric=metric, k_max=6, silhouette_sample=100, seed=3)
    assert result.silhouette_sample_size == 100
    assert "a seeded sample of 100 of 240 points" in result.choice_reason
    sample = np.sort(np.random.default_rng(3).choice(240, size=100, replace=False))
    labels = result.assignments[sample]
    expected = metrics.silhouette_score(vectors[sample], labels, metric=metric)
    assert result.silhouette == pytest.approx(expected, rel=1e-5)
    assert dict(result.k_curve)[result.k] == pytest.approx(expected, rel=1e-5)
    values = metrics.silhouette_samples(vectors[sample], labels, metric=metric)
    for c, mean in enumerate(result.silhouette_per_cluster):
        assert mean == pytest.approx(values[labels == c].mean(), rel=1e-5)


def test_cluster_without_sampled_member_has_none_silhouette(rng):
    middles = rng.normal(size=(2, 8)) * 8
    rows = np.concatenate([np.repeat(middles, [200, 2], axis=0), [middles[0] * -1]])
    rows = (rows + rng.normal(size=rows.shape) * 0.2).astype(np.float32)
    results = [
        compute_clusters(rows, k=3, metric="euclidean", silhouette_sample=10, seed=seed)
        for seed in range(20)
    ]
    assert any(None in r.silhouette_per_cluster for r in results)
    for r in results:
        assert len(r.silhouette_per_cluster) == 3


def test_label_scores_equal_sklearn(blobs, rng):
    truth = [f"class {i % 5}" for i in range(len(blobs))]
    truth[:40] = ["class 3"] * 40  # uneven frequencies
    result = compute_clusters(blobs, k=4, labels=truth)
    assert result.ari == pytest.approx(metrics.adjusted_rand_score(truth, result.assignments))
    assert result.nmi == pytest.approx(
        metrics.normalized_mutual_info_score(truth, result.assignments)
    )
    assert result.homogeneity == pytest.approx(metrics.homogeneity_score(truth, result.assignments))
    assert result.completeness == pytest.approx(
        metrics.completeness_score(truth, result.assignments)
    )
    assert result.label_names[0] == "class 3"
    counts = [truth.count(name) for name in result.label_names]
    assert counts == sorted(counts, reverse=True)
    assert result.contingency.dtype == np.int64 and result.contingency.shape == (4, 5)
    assert result.contingency.sum(axis=1).tolist() == list(result.sizes)
    assert result.contingency.sum(axis=0).tolist() == counts
    for c in range(4):
        for j, name in enumerate(result.label_names):
            members = result.assignments == c
            assert result.contingency[c, j] == sum(
                1 for i in np.flatnonzero(members) if truth[i] == name
            )


def test_planted_labels_are_recovered(blobs):
    reference = compute_clusters(blobs, k=4)
    truth = [f"group {c}" for c in reference.assignments]
    result = compute_clusters(blobs, k=4, labels=truth)
    assert result.ari == pytest.approx(1.0) and result.nmi == pytest.approx(1.0)
    assert (np.count_nonzero(result.contingency, axis=1) == 1).all()


def test_label_names_ties_by_text(blobs):
    truth = ["b", "a"] * (len(blobs) // 2)
    result = compute_clusters(blobs, k=4, labels=truth)
    assert result.label_names == ("a", "b")


def test_single_label_does_not_crash(blobs):
    result = compute_clusters(blobs, k=4, labels=["same"] * len(blobs))
    assert result.label_names == ("same",)
    assert result.contingency.shape == (4, 1)
    assert -1.0 <= result.ari <= 1.0
    for value in (result.nmi, result.homogeneity, result.completeness):
        assert 0.0 <= value <= 1.0


def test_no_labels_no_texts_gives_none(blobs):
    result = compute_clusters(blobs, k=4)
    for name in ("ari", "nmi", "homogeneity", "completeness", "contingency", "label_names"):
        assert getattr(result, name) is None
    assert result.keywords is None and result.names is None


def test_deterministic(blobs):
    words = [f"w{i % 7} topic" for i in range(len(blobs))]
    labels = [str(i % 3) for i in range(len(blobs))]
    first = compute_clusters(blobs, labels=labels, texts=words, seed=5)
    second = compute_clusters(blobs.copy(), labels=labels, texts=words, seed=5)
    _assert_equal(first, second)


def test_above_blocked_above_the_fit_is_blocked_lloyd(blobs):
    result = compute_clusters(blobs, blocked_above=100, k_max=6)
    assert result.method == "blocked-lloyd"
    assert result.k == 4
    assert result.choice_reason.startswith(
        "k = 4: the highest silhouette (0.990) of k = 2..6 on all 240 points; then fitted on all "
        "240 points by "
    )
    assert result.choice_reason.count("fitted on all") == 1


@pytest.mark.parametrize("metric", METRICS)
def test_blocked_lloyd_equals_scikit_learn_s_lloyd_from_the_same_centres(rng, metric):
    """From the same start, the blocked iterations reach scikit-learn's partition and its
    centres, whatever the blocks; distances are those to the assigned centre."""
    from sklearn.cluster import KMeans

    from reportgen.analysis.clusters import blocked_lloyd
    from reportgen.engine import LocalEngine

    vectors = _blobs(rng, 5, 300, dim=12)
    space = _space(vectors, metric).astype(np.float32)
    start = space[rng.choice(len(space), 5, replace=False)]
    reference = KMeans(5, init=start, n_init=1, max_iter=300, tol=0, algorithm="lloyd").fit(space)
    tiny = LocalEngine(block_bytes=8 * 12 * 37)  # blocks of a few rows
    fits = [blocked_lloyd(vectors, start, metric, tolerance=0, engine=e) for e in (tiny, LOCAL)]
    for fit in fits:
        assert fit.changed == 0 and fit.iterations < 30
        assert metrics.adjusted_rand_score(reference.labels_, fit.labels) == 1.0
        np.testing.assert_allclose(fit.centres, reference.cluster_centers_, atol=1e-5)
        own = fit.centres[fit.labels].astype(np.float64)
        if metric == "cosine":
            expected = 1 - np.einsum("ij,ij->i", space, normalize(own))
        else:
            expected = np.linalg.norm(space - own, axis=1)
        np.testing.assert_allclose(fit.distances, expected, atol=1e-5)
    # Other blocks add the float32 block sums in another order: the same partition, centres
    # equal to float32 rounding (every engine runs the same blocks, so it gets the same bits).
    assert fits[0].labels.tobytes() == fits[1].labels.tobytes()
    np.testing.assert_allclose(fits[0].centres, fits[1].centres, rtol=1e-6, atol=1e-6)


def test_blocked_lloyd_stops_at_its_tolerance_and_says_so(rng):
    from reportgen.analysis.clusters import blocked_lloyd

    vectors = _blobs(rng, 3, 200)
    start = _space(vectors, "cosine")[:3].astype(np.float32)  # a poor start: many passes
    one = blocked_lloyd(vectors, start, "cosine", iterations=1)
    assert one.iterations == 1 and one.changed == len(vectors)
    assert one.describe(len(vectors)) == (
        "fitted on all 600 points by 1 Lloyd iteration in blocks (600 of 600 points changed "
        "cluster in the last)"
    )
    loose = blocked_lloyd(vectors, start, "cosine", tolerance=0.5)
    assert loose.changed <= 300 and loose.iterations <= 2


@pytest.mark.parametrize("metric", METRICS)
def test_representatives_are_nearest_members(blobs, metric):
    result = compute_clusters(blobs, k=4, metric=metric, representatives=3)
    space = _space(blobs, metric).astype(np.float64)
    assert len(result.representatives) == 4
    for c, chosen in enumerate(result.representatives):
        members = np.flatnonzero(result.assignments == c)
        centroid = space[members].mean(axis=0)
        if metric == "cosine":
            dist = 1 - space[members] @ (centroid / np.linalg.norm(centroid))
        else:
            dist = np.linalg.norm(space[members] - centroid, axis=1)
        np.testing.assert_allclose(result.distance_to_centroid[members], dist, rtol=1e-4, atol=1e-5)
        assert list(chosen) == members[np.argsort(dist, kind="stable")][:3].tolist()


def test_representatives_of_a_small_cluster_are_all_its_members(rng):
    middles = rng.normal(size=(2, 8)) * 8
    rows = (np.repeat(middles, [30, 2], axis=0) + rng.normal(size=(32, 8)) * 0.2).astype(np.float32)
    result = compute_clusters(rows, k=2, metric="euclidean", representatives=5)
    assert sorted(result.representatives[1]) == [30, 31]
    assert len(result.representatives[0]) == 5


def test_zero_rows_stay_zero_under_cosine(blobs):
    vectors = blobs.copy()
    vectors[7] = 0
    result = compute_clusters(vectors, k=4)
    assert result.distance_to_centroid[7] == pytest.approx(1.0)
    assert np.isfinite(result.centroids).all()


def test_keywords_pick_the_planted_words(rng):
    vectors = _blobs(rng, 3, 20)
    reference = compute_clusters(vectors, k=3)
    planted = ["volcano lava", "galaxy nebula", "violin cello"]
    filler = ["the report", "an item", "some notes about it"]
    texts = [
        f"{planted[c]} {filler[i % 3]} {planted[c].split()[0]}"
        for i, c in enumerate(reference.assignments)
    ]
    result = compute_clusters(vectors, k=3, texts=texts)
    for c in range(3):
        first, second = planted[c].split()
        assert result.keywords[c][:2] == (first, second)
        assert result.names[c].startswith(f"{first} · {second}")
        assert len(result.keywords[c]) <= 5


def test_keyword_ties_break_by_term(rng):
    vectors = _blobs(rng, 2, 10)
    texts = ["zebra apple"] * 20
    result = compute_clusters(vectors, k=2, texts=texts)
    assert result.keywords == (("apple", "zebra"), ("apple", "zebra"))
    assert result.names == ("apple · zebra", "apple · zebra")


def test_stop_words_only_gives_no_keywords(blobs):
    result = compute_clusters(blobs, k=4, texts=["the and of"] * len(blobs))
    assert result.keywords is None and result.names is None


def test_k_not_below_n_raises(rng):
    vectors = _blobs(rng, 2, 5)
    with pytest.raises(AnalysisError, match=r"k=10 must be >= 2 and < N = 10"):
        compute_clusters(vectors, k=10)
    with pytest.raises(AnalysisError, match=r"k=1 must be >= 2"):
        compute_clusters(vectors, k=1)


def test_too_few_points_raises(rng):
    with pytest.raises(AnalysisError, match=r"at least 4 points, got N = 3"):
        compute_clusters(rng.normal(size=(3, 4)).astype(np.float32))


def test_four_points_cluster_automatically():
    vectors = np.array([[0, 0], [0, 1], [10, 10], [10, 11]], dtype=np.float32)
    result = compute_clusters(vectors, metric="euclidean")
    assert result.k == 2 and [k for k, _ in result.k_curve] == [2, 3]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metric": "manhattan"}, "metric='manhattan' must be one of cosine, euclidean"),
        ({"k_min": 1}, "k_min=1 must be >= 2"),
        ({"k_min": 5, "k_max": 3}, "k_max=3 must be >= k_min=5"),
        ({"silhouette_sample": 3}, "silhouette_sample=3 must be >= 4"),
        ({"choose_sample": 3}, "choose_sample=3 must be >= 4"),
        ({"k_max": 12, "k_min": 10, "choose_sample": 8}, "rows k is chosen on - 1 = 7"),
        ({"representatives": 0}, "representatives=0 must be >= 1"),
        ({"blocked_above": -1}, "blocked_above=-1 must be >= 0"),
        ({"labels": ["a"] * 3}, "labels has 3 values, expected one per point: N = 240"),
        ({"texts": ["a"] * 3}, "texts has 3 values, expected one per point: N = 240"),
        ({"k_min": 30, "k_max": 40, "silhouette_sample": 20}, "k_min=30 leaves no candidate"),
    ],
)
def test_bad_parameters_raise(blobs, kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        compute_clusters(blobs, **kwargs)


def test_vectors_must_be_2d():
    with pytest.raises(AnalysisError, match=r"2-D array"):
        compute_clusters(np.zeros(10, dtype=np.float32))


# --- k chosen on a sample, then one fit on all N (issue 11) -----------------------------------


def test_choice_rows_are_the_smallest_row_keys(rng):
    rows = choice_rows(1000, 100, seed=7)
    keys = row_keys(np.arange(1000), 7)
    np.testing.assert_array_equal(rows, np.sort(np.argsort(keys, kind="stable")[:100]))
    assert rows.dtype == np.int64 and len(np.unique(rows)) == 100
    assert not np.array_equal(rows, choice_rows(1000, 100, seed=8))
    np.testing.assert_array_equal(choice_rows(50, 100, seed=7), np.arange(50))
    # The first 300 rows' key order does not depend on the rows after them: a row chosen
    # among 300 of a 1000-row file is chosen among the first file of a split, too.
    first = choice_rows(300, 30, seed=7)
    assert set(first) == set(np.argsort(keys[:300], kind="stable")[:30])


@pytest.mark.parametrize("metric", METRICS)
def test_k_is_chosen_on_the_sample_as_the_full_procedure_would_on_it(rng, metric):
    vectors = _blobs(rng, 5, 80)  # 400 points
    result = compute_clusters(
        vectors, metric=metric, k_max=8, choose_sample=150, silhouette_sample=60, seed=2
    )
    rows = choice_rows(400, 150, seed=2)
    on_sample = compute_clusters(
        vectors[rows], metric=metric, k_max=8, choose_sample=150, silhouette_sample=60, seed=2
    )
    assert on_sample.choice_sample_size == 150  # all of its 150 points: the old procedure
    assert result.k == on_sample.k == 5
    assert result.k_curve == on_sample.k_curve
    assert result.choice_sample_size == 150 and result.silhouette_sample_size == 60
    assert result.choice_reason == (
        f"k = 5: the highest silhouette ({dict(result.k_curve)[5]:.3f}) of k = 2..8, each "
        "fitted on a seeded sample of 150 of 400 points and scored on 60 of them; then "
        "fitted on all 400 points"
    )
    assert result.silhouette_basis == "a seeded sample of 60 of 400 points"


def test_every_point_is_assigned_by_the_fit_on_all_points(rng):
    vectors = _blobs(rng, 4, 100)
    result = compute_clusters(vectors, metric="euclidean", k_max=6, choose_sample=40)
    assert result.k == 4 and result.assignments.shape == (400,)
    assert sum(result.sizes) == 400 and sorted(result.sizes) == [100] * 4
    # Points outside the sample are assigned to their nearest centroid, as k-means leaves
    # them (planted blobs far apart: nearest centroid = own blob).
    outside = np.setdiff1d(np.arange(400), choice_rows(400, 40, seed=0))
    nearest = np.argmin(
        ((vectors[outside, None, :] - result.centroids[None]) ** 2).sum(axis=2), axis=1
    )
    np.testing.assert_array_equal(result.assignments[outside], nearest)


def test_silhouette_is_of_the_final_partition_on_its_stated_sample(rng):
    vectors = _blobs(rng, 4, 100)
    result = compute_clusters(
        vectors, metric="euclidean", choose_sample=120, silhouette_sample=50, seed=4
    )
    scored = choice_rows(400, 120, seed=4)[
        np.sort(np.random.default_rng(4).choice(120, size=50, replace=False))
    ]
    expected = metrics.silhouette_score(
        vectors[scored], result.assignments[scored], metric="euclidean"
    )
    assert result.silhouette == pytest.approx(expected, rel=1e-5)


def test_small_n_uses_every_point_and_one_fit(blobs):
    result = compute_clusters(blobs, k_max=6, choose_sample=240)
    assert result.choice_sample_size == 240
    assert result.choice_reason.endswith("of k = 2..6 on all 240 points")
    assert result.silhouette_basis == "all 240 points"
    assert compute_clusters(blobs, k=3, choose_sample=50).choice_sample_size is None


def test_sampled_choice_is_deterministic(rng):
    vectors = _blobs(rng, 4, 100)
    kwargs = {"k_max": 6, "choose_sample": 60, "silhouette_sample": 30, "seed": 5}
    _assert_equal(compute_clusters(vectors, **kwargs), compute_clusters(vectors, **kwargs))


def test_blocked_final_fit_assigns_every_point(rng):
    vectors = _blobs(rng, 4, 100)
    result = compute_clusters(vectors, k_max=6, choose_sample=60, blocked_above=100)
    assert result.method == "blocked-lloyd" and result.k == 4
    assert sorted(result.sizes) == [100] * 4
    given = compute_clusters(vectors, k=4, choose_sample=60, blocked_above=100)
    assert given.choice_reason.startswith(
        "k = 4: as configured, fitted on a seeded sample of 60 of 400 points; then refined on "
        "a seeded sample of 100 points and fitted on all 400 points by "
    )
    assert metrics.adjusted_rand_score(result.assignments, given.assignments) == 1.0


def test_partition_record_round_trips_the_choice_sample(rng):
    vectors = _blobs(rng, 4, 100)
    for result in (
        compute_clusters(vectors, k_max=6, choose_sample=60),
        compute_clusters(vectors, k=4),
    ):
        arrays, value = records.encode_partition(result)
        value = json.loads(json.dumps(value))  # as the cache stores it
        decoded = records.decode_partition(arrays, value, n=400, dim=8)
        assert decoded.choice_sample_size == result.choice_sample_size
        assert decoded.choice_reason == result.choice_reason
    with pytest.raises(ValueError, match="choice sample"):
        records.decode_partition(arrays, {**value, "choice_sample_size": 401}, n=400, dim=8)
    without = {key: v for key, v in value.items() if key != "choice_sample_size"}
    with pytest.raises(KeyError):
        records.decode_partition(arrays, without, n=400, dim=8)


def test_blocked_lloyd_gives_the_same_bits_whatever_the_blas_threads(rng):
    """The Dask workers run one BLAS thread, this process may run more: a pass's sums must
    not depend on it (a BLAS product of the assignment with 10,000 rows x 384 does)."""
    from threadpoolctl import threadpool_limits

    from reportgen.analysis.clusters import blocked_lloyd

    vectors = _blobs(rng, 12, 834, dim=384).astype(np.float32)
    start = _space(vectors, "cosine")[:: len(vectors) // 12][:12].astype(np.float32)
    many = blocked_lloyd(vectors, start, "cosine", tolerance=0, iterations=2)
    with threadpool_limits(limits=1):
        one = blocked_lloyd(vectors, start, "cosine", tolerance=0, iterations=2)
    for field in ("labels", "distances", "centres"):
        assert getattr(many, field).tobytes() == getattr(one, field).tobytes(), field


def test_a_k_at_the_top_of_its_range_and_weak_clusters_are_said():
    from reportgen.analysis.clusters import compute_clusters

    rng = np.random.default_rng(5)
    # Twelve tight, separated blobs, chosen from 2..6: the best k is the largest tried.
    centres = rng.normal(size=(12, 8)) * 20
    blobs = (centres[np.arange(600) % 12] + rng.normal(size=(600, 8))).astype(np.float32)
    edge = compute_clusters(blobs, metric="euclidean", k_min=2, k_max=6, seed=0)
    assert edge.k == 6 and edge.k_curve[-1][0] == 6
    assert any("top of the range it was chosen from (2..6)" in w for w in edge.warnings)
    assert all("weak" not in w for w in edge.warnings)
    # One round cloud: no structure, a low silhouette, and a k inside the range.
    cloud = rng.normal(size=(600, 8)).astype(np.float32)
    weak = compute_clusters(cloud, metric="euclidean", k_min=2, k_max=8, seed=0)
    assert weak.silhouette < 0.1
    assert any(w.startswith("silhouette") and "weak" in w for w in weak.warnings)
    # A configured k is never "at the top of its range".
    fixed = compute_clusters(blobs, metric="euclidean", k=12, seed=0)
    assert fixed.k_curve == () and fixed.warnings == ()


def test_the_warnings_reach_report_json_the_clusters_page_and_the_overview(tmp_path):
    import json

    import reportgen

    cloud = np.random.default_rng(6).normal(size=(300, 64)).astype(np.float32)
    reportgen.build(cloud, out=tmp_path / "site", umap=False, tsne=False)
    warnings = json.loads((tmp_path / "site" / "report.json").read_text())["clusters"]["warnings"]
    assert any("the clusters are weak" in warning for warning in warnings)
    page = (tmp_path / "site" / "clusters.html").read_text()
    assert page.count('class="rg-warning"') == len(warnings)
    assert "Silhouette 0." in page and "weak" in (tmp_path / "site" / "index.html").read_text()


def test_with_more_labels_than_k_max_the_choice_tries_k_up_to_their_number():
    from reportgen.analysis.clusters import compute_clusters, label_k_candidates

    assert label_k_candidates(12, 12) == ()
    assert label_k_candidates(18, 12) == (16, 18)
    assert label_k_candidates(58, 12) == (16, 20, 24, 32, 40, 50)
    assert label_k_candidates(30, 20) == (24, 30)
    rng = np.random.default_rng(8)
    # Twenty well separated blobs: 2..12 alone would stop at its top; 16 and 20 reach them.
    centres = rng.normal(size=(20, 6)) * 30
    blobs = (centres[np.arange(800) % 20] + rng.normal(size=(800, 6))).astype(np.float32)
    found = compute_clusters(blobs, metric="euclidean", k_beyond=label_k_candidates(20, 12))
    assert [k for k, _ in found.k_curve][-2:] == [16, 20] and found.k == 20
    assert "of k = 2..12, 16, 20" in found.choice_reason
