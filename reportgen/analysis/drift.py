"""How far apart two sets of embeddings are, when the runs hold different items (drift).

``--compare-with`` a run whose rows cannot be matched to this one's (no ``--id-column``
and a different number of rows) compares the two runs as two samples of one space (both
must have the same dimension). Each measure says on how many points it was computed:

- ``domain_classifier_auc``: how well a classifier tells the two sets apart (logistic
  regression on standardised vectors, stratified k-fold cross-validation, seeded), as the
  ROC AUC of its out-of-fold scores: 0.5 when the sets are alike, 1 when they are
  separable. This is the method Evidently uses by default for embedding drift. Both sets
  give the same number of rows (a seeded sample of DRIFT_SAMPLE each at most), so 0.5 is
  chance.
- ``mmd_rbf``: the unbiased squared maximum mean discrepancy (Gretton et al. 2012) with an
  RBF kernel whose bandwidth is the median distance between the pooled points, and its
  permutation p-value (the share of random relabellings of the pooled points whose MMD²
  reaches the observed one, counting the observed one), on MMD_SAMPLE points of each set.
- centroid distance: the Euclidean (and the cosine) distance between the two sets' means,
  over every row of both (exact), and per label where both runs have the label column,
  each beside the distance that two samples of its sizes from one distribution would show
  by chance (from the sets' spread), so that a small label's noise is not read as drift.
  The Euclidean one leads: the mean of unit rows of a set with no common direction is
  near zero, where a cosine says nothing.

With the cosine metric, every measure reads the unit-length rows (the space the build's
neighbours live in); with the Euclidean metric, the rows as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reportgen.analysis.density import Density, axis_range, compute_density
from reportgen.analysis.scale import row_keys
from reportgen.dataset import SourceFile
from reportgen.engine.local import unit_rows
from reportgen.errors import AnalysisError

# Rows of each set the domain classifier reads at most (a seeded sample above).
DRIFT_SAMPLE = 5_000
# Folds of the classifier's cross-validation.
DRIFT_FOLDS = 5
# Rows of each set in the MMD and its permutation test at most: its kernel matrix of the
# pooled 2,000 points is 32 MB of float64.
MMD_SAMPLE = 1_000
MMD_PERMUTATIONS = 500
# Points of each set on the shared map at most.
DRIFT_MAP_POINTS = 5_000
# Cells per side of each set's density on the shared map: a few points per cell at 5,000.
MAP_DENSITY_BINS = 40
# How many labels the per-label table lists, those whose centroids moved most first.
LABELS_LISTED = 50
# Rows per block of the exact centroid sums.
_BLOCK_ROWS = 8192


def set_sample(n: int, size: int, seed: int) -> np.ndarray:
    """Sorted rows of a set of ``n``: all of them up to ``size``, else the ``size`` rows with
    the smallest ``row_keys`` (the same rows for the same n, size and seed)."""
    rows = np.arange(n, dtype=np.int64)
    if n <= size:
        return rows
    return np.sort(np.argsort(row_keys(rows, seed), kind="stable")[:size])


def _space(vectors: np.ndarray, metric: str) -> np.ndarray:
    """The rows in the metric's space, float64: unit rows for cosine."""
    return unit_rows(vectors) if metric == "cosine" else np.asarray(vectors, dtype=np.float64)


def domain_classifier_auc(
    a: np.ndarray, b: np.ndarray, *, folds: int = DRIFT_FOLDS, seed: int = 0
) -> tuple[float, tuple[float, ...]]:
    """ROC AUC of a logistic regression telling ``a``'s rows (class 0) from ``b``'s
    (class 1), from its out-of-fold decision scores over ``folds`` stratified folds
    (shuffled with ``seed``), and each fold's own AUC.

    Raises AnalysisError when either set has fewer rows than folds.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if min(len(a), len(b)) < folds:
        raise AnalysisError(
            f"the domain classifier needs at least {folds} rows in each set "
            f"(this run has {len(a)}, the other {len(b)})"
        )
    features = np.vstack([a, b])
    target = np.r_[np.zeros(len(a), dtype=np.int64), np.ones(len(b), dtype=np.int64)]
    scores = np.empty(len(target), dtype=np.float64)
    fold_aucs = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(features, target):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        model.fit(features[train], target[train])
        scores[test] = model.decision_function(features[test])
        fold_aucs.append(float(roc_auc_score(target[test], scores[test])))
    return float(roc_auc_score(target, scores)), tuple(fold_aucs)


def _squared_distances(points: np.ndarray) -> np.ndarray:
    squared = np.einsum("ij,ij->i", points, points)
    distances = squared[:, None] + squared[None, :] - 2 * (points @ points.T)
    np.maximum(distances, 0, out=distances)
    np.fill_diagonal(distances, 0)
    return distances


def _mmd2_of(kernel: np.ndarray, in_b: np.ndarray) -> np.ndarray:
    """Unbiased MMD² for each row of ``in_b`` (P, 2m) bool: which pooled points are set B.
    The kernel's diagonal is 1 (RBF), so each within-set sum less its m ones is the sum over
    distinct pairs."""
    b = in_b.astype(np.float64)
    a = 1.0 - b
    m_a, m_b = a.sum(axis=1), b.sum(axis=1)
    kernel_a, kernel_b = a @ kernel, b @ kernel
    within_a = np.einsum("ij,ij->i", kernel_a, a) - m_a
    within_b = np.einsum("ij,ij->i", kernel_b, b) - m_b
    across = np.einsum("ij,ij->i", kernel_a, b)
    return within_a / (m_a * (m_a - 1)) + within_b / (m_b * (m_b - 1)) - 2 * across / (m_a * m_b)


def mmd_rbf(
    a: np.ndarray, b: np.ndarray, *, permutations: int = MMD_PERMUTATIONS, seed: int = 0
) -> dict:
    """Unbiased MMD² between ``a`` and ``b`` (each at least 2 rows) with the RBF kernel
    exp(-|x - y|² / (2 bandwidth²)), bandwidth the median distance between distinct pooled
    points, and its permutation p-value: (1 + the permutations whose MMD² is at least the
    observed) / (1 + permutations), relabelling the pooled points with a seeded generator.

    Returns {"mmd2", "p_value", "bandwidth", "permutations", "points"} (points: of each set).
    """
    if min(len(a), len(b)) < 2:
        raise AnalysisError("MMD needs at least 2 rows in each set")
    pooled = np.vstack([a, b]).astype(np.float64)
    distances = _squared_distances(pooled)
    upper = distances[np.triu_indices(len(pooled), k=1)]
    bandwidth = float(np.sqrt(np.median(upper)))
    if bandwidth <= 0:  # every point the same: the sets cannot differ
        bandwidth = 1.0
    kernel = np.exp(-distances / (2 * bandwidth**2))
    observed_labels = np.r_[np.zeros(len(a), dtype=bool), np.ones(len(b), dtype=bool)]
    observed = float(_mmd2_of(kernel, observed_labels[None, :])[0])
    generator = np.random.default_rng(seed)
    shuffled = np.stack([generator.permutation(observed_labels) for _ in range(permutations)])
    null = np.concatenate([_mmd2_of(kernel, chunk) for chunk in np.array_split(shuffled, 10)])
    # The null's values are computed like the observed one; a tolerance keeps the exact ties
    # (a permutation that only swaps points within a set) from depending on rounding.
    reached = int(np.count_nonzero(null >= observed - 1e-12))
    return {
        "mmd2": observed,
        "p_value": (1 + reached) / (1 + permutations),
        "bandwidth": bandwidth,
        "permutations": permutations,
        "points": int(min(len(a), len(b))),
    }


def _moments(
    vectors: np.ndarray, metric: str, rows: np.ndarray | None = None
) -> tuple[np.ndarray, float, int]:
    """The float64 mean of the rows (all, or ``rows``) in the metric's space, their mean
    squared norm and their number, summed in blocks of rows in row order."""
    selected = np.arange(len(vectors)) if rows is None else rows
    total = np.zeros(vectors.shape[1], dtype=np.float64)
    squares = 0.0
    for start in range(0, len(selected), _BLOCK_ROWS):
        block = _space(vectors[selected[start : start + _BLOCK_ROWS]], metric)
        total += block.sum(axis=0)
        squares += float(np.einsum("ij,ij->", block, block))
    count = max(len(selected), 1)
    return total / count, squares / count, len(selected)


def _distances(
    moments_a: tuple[np.ndarray, float, int], moments_b: tuple[np.ndarray, float, int]
) -> dict:
    """Euclidean and cosine distance between two means, what the Euclidean one is expected
    to be by chance alone (two samples of these sizes from one distribution with the two
    sets' pooled spread: E|m_a - m_b|² = tr(Σ) (1/n_a + 1/n_b)) and the ratio of the two."""
    (mean_a, squares_a, n_a), (mean_b, squares_b, n_b) = moments_a, moments_b
    norms = float(np.linalg.norm(mean_a) * np.linalg.norm(mean_b))
    cosine = 1.0 - float(mean_a @ mean_b) / norms if norms > 0 else 0.0
    euclidean = float(np.linalg.norm(mean_a - mean_b))
    spread_a = max(squares_a - float(mean_a @ mean_a), 0.0)  # tr(Σ): the mean squared
    spread_b = max(squares_b - float(mean_b @ mean_b), 0.0)  # distance to the centroid
    pooled = (n_a * spread_a + n_b * spread_b) / max(n_a + n_b, 1)
    chance = float(np.sqrt(pooled * (1 / max(n_a, 1) + 1 / max(n_b, 1))))
    return {
        "cosine": cosine,
        "euclidean": euclidean,
        "chance": chance,
        "beyond_chance": euclidean / chance if chance > 0 else None,
    }


def label_drift(
    vectors_a: np.ndarray,
    labels_a: Sequence[str],
    vectors_b: np.ndarray,
    labels_b: Sequence[str],
    metric: str,
) -> list[dict]:
    """Per label in both runs: its items and share in each, the distances between its two
    centroids (Euclidean, and cosine), what the Euclidean one would be by chance for its
    sizes, and their ratio. The labels that moved most beyond chance come first (a label of
    a few items moves far by chance alone), then by label."""
    values_a, values_b = np.asarray(labels_a, dtype=str), np.asarray(labels_b, dtype=str)
    names_a, codes_a = np.unique(values_a, return_inverse=True)
    names_b, codes_b = np.unique(values_b, return_inverse=True)
    where_b = {str(name): code for code, name in enumerate(names_b)}
    rows = []
    for code_a, name in enumerate(names_a):
        code_b = where_b.get(str(name))
        if code_b is None:
            continue
        in_a, in_b = np.flatnonzero(codes_a == code_a), np.flatnonzero(codes_b == code_b)
        distance = _distances(_moments(vectors_a, metric, in_a), _moments(vectors_b, metric, in_b))
        rows.append(
            {
                "label": str(name),
                "items_a": len(in_a),
                "items_b": len(in_b),
                "share_a": len(in_a) / len(values_a),
                "share_b": len(in_b) / len(values_b),
                "centroid_distance": distance["euclidean"],
                "centroid_cosine_distance": distance["cosine"],
                "chance_distance": distance["chance"],
                "beyond_chance": distance["beyond_chance"],
            }
        )
    rows.sort(key=lambda row: (-(row["beyond_chance"] or 0.0), row["label"]))
    return rows


@dataclass(frozen=True)
class Drift:
    """How far apart this run's set (A) and the other run's (B) are (``compute_drift``).

    Attributes:
        points_a, points_b: rows in each set.
        auc, auc_folds, auc_points: the domain classifier's cross-validated ROC AUC, each
            fold's, and the rows of each set it read.
        mmd: ``mmd_rbf``'s result.
        centroid: ``{"cosine", "euclidean"}`` distance between the two sets' means (all rows).
        labels: ``label_drift`` (the LABELS_LISTED that moved most), [] unless both runs
            have the label column; labels_only_a, labels_only_b: labels one run lacks.
        sources: the other run's files (the provenance lists them).
        metric: the space of every measure ("cosine": unit rows).
        map_points, map_sets, map_rows: float32 (S, 2) the two samples on one UMAP 2D,
            A's points first; int8 (S,) 0 for A, 1 for B; int64 (S,) each point's row in
            its own run; None without UMAP.
    """

    points_a: int
    points_b: int
    auc: float
    auc_folds: tuple[float, ...]
    auc_points: int
    mmd: dict
    centroid: dict
    labels: list[dict]
    labels_only_a: int
    labels_only_b: int
    metric: str
    map_points: np.ndarray | None = None
    map_sets: np.ndarray | None = None
    map_rows: np.ndarray | None = None
    sources: tuple[SourceFile, ...] = ()  # the other run's files, for the provenance

    def densities(self, bins: int = MAP_DENSITY_BINS) -> tuple[Density, Density] | None:
        """Each set's histogram on the shared map, both over the whole map's range (one
        grid, so that the two can be drawn over each other); None without the map."""
        if self.map_points is None or self.map_sets is None:
            return None
        points = self.map_points
        x_range, y_range = axis_range(points[:, 0]), axis_range(points[:, 1])
        return (
            compute_density("a", points[self.map_sets == 0], bins, x_range, y_range),
            compute_density("b", points[self.map_sets == 1], bins, x_range, y_range),
        )

    @classmethod
    def from_json(cls, value: dict) -> Drift:
        """The numbers back from ``to_json`` (the cache's entry); no map."""
        classifier = value["domain_classifier"]
        value["centroid_distance"]["chance"]  # an entry of an older layout is a miss (KeyError)
        return cls(
            points_a=value["points_a"],
            points_b=value["points_b"],
            auc=classifier["auc"],
            auc_folds=tuple(classifier["folds"]),
            auc_points=classifier["points"],
            mmd=dict(value["mmd"]),
            centroid=dict(value["centroid_distance"]),
            labels=list(value["per_label"]),
            labels_only_a=value["labels_only_a"],
            labels_only_b=value["labels_only_b"],
            metric=value["metric"],
        )

    def to_json(self) -> dict:
        """The ``comparison`` section of report.json in drift mode."""
        return {
            "mode": "drift",
            "points_a": self.points_a,
            "points_b": self.points_b,
            "metric": self.metric,
            "domain_classifier": {
                "auc": self.auc,
                "folds": list(self.auc_folds),
                "points": self.auc_points,
                "model": "logistic regression on standardised vectors",
            },
            "mmd": dict(self.mmd),
            "centroid_distance": dict(self.centroid),
            "per_label": list(self.labels),
            "labels_only_a": self.labels_only_a,
            "labels_only_b": self.labels_only_b,
        }


def drift_numbers(
    vectors_a: np.ndarray,
    vectors_b: np.ndarray,
    *,
    metric: str = "cosine",
    labels_a: Sequence[str] | None = None,
    labels_b: Sequence[str] | None = None,
    seed: int = 0,
) -> Drift:
    """Every measure of how far apart the two sets are (without the map: ``with_map``).

    Raises AnalysisError when the dimensions differ (two sets are compared in one space),
    or when either set has too few rows.
    """
    if vectors_a.shape[1] != vectors_b.shape[1]:
        raise AnalysisError(
            f"this run has {vectors_a.shape[1]} dimensions and the other {vectors_b.shape[1]}: "
            "two different sets of items are compared in one space, which needs the same "
            "dimension (to compare the same items across models, match rows with --id-column)"
        )
    size = min(len(vectors_a), len(vectors_b), DRIFT_SAMPLE)
    sample_a = _space(vectors_a[set_sample(len(vectors_a), size, seed)], metric)
    sample_b = _space(vectors_b[set_sample(len(vectors_b), size, seed + 1)], metric)
    auc, folds = domain_classifier_auc(sample_a, sample_b, seed=seed)
    mmd_size = min(size, MMD_SAMPLE)
    mmd = mmd_rbf(
        sample_a[set_sample(size, mmd_size, seed)],
        sample_b[set_sample(size, mmd_size, seed + 1)],
        seed=seed,
    )
    labels: list[dict] = []
    only_a = only_b = 0
    if labels_a is not None and labels_b is not None:
        labels = label_drift(vectors_a, labels_a, vectors_b, labels_b, metric)
        shared = {row["label"] for row in labels}
        only_a = len(set(labels_a) - shared)
        only_b = len(set(labels_b) - shared)
    return Drift(
        points_a=len(vectors_a),
        points_b=len(vectors_b),
        auc=auc,
        auc_folds=folds,
        auc_points=size,
        mmd=mmd,
        centroid=_distances(_moments(vectors_a, metric), _moments(vectors_b, metric)),
        labels=labels[:LABELS_LISTED],
        labels_only_a=only_a,
        labels_only_b=only_b,
        metric=metric,
    )
