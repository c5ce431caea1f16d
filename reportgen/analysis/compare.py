"""What changed between two embedding runs of the same items (``--compare-with``).

The measures here take the two runs' results already matched row for row (``match_rows``):
row i of run A and row i of run B are the same item. Each is exact (no sample) and is
checked in the tests against a direct computation:

- ``neighbor_overlap``: per point, the Jaccard index of its k nearest neighbours in A and in
  B (both runs' own kNN graphs), and ``overlap_summary`` of it;
- ``linear_cka``: linear centred kernel alignment (Kornblith et al. 2019), which ignores a
  rotation and an isotropic scaling of either run and compares runs of different
  dimensions;
- ``label_changes``: kNN label accuracy per label in A and in B, sorted by change;
- ``cluster_agreement``: how well the two runs' k-means clusterings agree (ARI, NMI).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from reportgen.analysis.neighbors import KnnGraph
from reportgen.dataset import SourceFile
from reportgen.errors import AnalysisError

# Rows per block of the CKA's products: a float64 copy of a block of both runs stays under
# about 64 MiB at 768 + 768 dimensions.
_CKA_BLOCK_ROWS = 4096
# How many missing ids a match lists (all are counted).
_LISTED = 20
# How many of the items that moved most (lowest overlap) the comparison lists.
MOVED_LISTED = 20
# CKA reads every matched row up to this many; above, a seeded sample of this many (stated).
CKA_SAMPLE = 100_000
# What ``Comparison.votes`` codes mean, by code.
VOTE_NAMES = ("right in both", "wrong in both", "right only in A", "right only in B")
# The other run's map is a UMAP of all matched items (no sample yet): up to this many.
COMPARE_MAP_MAX = 200_000
# The comparison page's two maps draw at most this many matched items (a seeded sample).
MAP_POINTS = 5_000


@dataclass(frozen=True)
class RowMatch:
    """Which rows of run A and run B hold the same item.

    Attributes:
        rows_a, rows_b: int64 (M,): row rows_a[i] of A and row rows_b[i] of B are one item,
            in A's order.
        by: "id" (matched by an id column) or "position" (row i is row i).
        only_in_a, only_in_b: how many ids one run has and the other lacks.
        listed_only_in_a, listed_only_in_b: the first of them (up to 20), in each run's order.
    """

    rows_a: np.ndarray
    rows_b: np.ndarray
    by: str
    only_in_a: int = 0
    only_in_b: int = 0
    listed_only_in_a: tuple[str, ...] = ()
    listed_only_in_b: tuple[str, ...] = ()


def first_duplicate(ids: Sequence[str]) -> tuple[str, int, int] | None:
    """The first id that repeats, with the row it first appears on and the row it repeats
    on; None when all are unique."""
    seen: dict[str, int] = {}
    for row, item in enumerate(ids):
        if item in seen:
            return item, seen[item], row
        seen[item] = row
    return None


def _check_unique(ids: Sequence[str], run: str) -> None:
    duplicate = first_duplicate(ids)
    if duplicate is not None:
        item, first, row = duplicate
        raise AnalysisError(
            f"run {run}'s id {item!r} is on rows {first} and {row}: ids must be unique"
        )


def match_rows(
    n_a: int, n_b: int, ids_a: Sequence[str] | None = None, ids_b: Sequence[str] | None = None
) -> RowMatch | None:
    """The rows of A and B that hold the same items: by id when both runs have ids, else
    by position when both have the same number of rows; None when neither applies (the
    runs hold different items: compare them as two sets).

    Raises AnalysisError naming the first duplicated id (and its two rows), or when only
    one run has ids, or when no id is in both.
    """
    if (ids_a is None) != (ids_b is None):
        raise AnalysisError("only one run has the id column: give it to both, or to neither")
    if ids_a is None or ids_b is None:
        if n_a != n_b:
            return None
        rows = np.arange(n_a, dtype=np.int64)
        return RowMatch(rows, rows.copy(), "position")
    _check_unique(ids_a, "A")
    _check_unique(ids_b, "B")
    where_b = {item: row for row, item in enumerate(ids_b)}
    pairs = [(row, where_b[item]) for row, item in enumerate(ids_a) if item in where_b]
    if not pairs:
        raise AnalysisError("no id is in both runs: check the id column")
    in_a = set(ids_a)
    only_a = [item for item in ids_a if item not in where_b]
    only_b = [item for item in ids_b if item not in in_a]
    rows_a, rows_b = (np.array(side, dtype=np.int64) for side in zip(*pairs, strict=True))
    return RowMatch(
        rows_a,
        rows_b,
        "id",
        len(only_a),
        len(only_b),
        tuple(only_a[:_LISTED]),
        tuple(only_b[:_LISTED]),
    )


def shared_neighbors(indices_a: np.ndarray, indices_b: np.ndarray) -> np.ndarray:
    """int64 (N,): per point, how many of its k neighbours in run A it has in run B too.

    Args:
        indices_a, indices_b: int (N, k): each point's k nearest neighbours in each run, as
            rows of the same matched order; no row lists a neighbour twice.
    """
    if indices_a.shape != indices_b.shape:
        raise AnalysisError(
            f"neighbour lists of shapes {indices_a.shape} and {indices_b.shape}: "
            "the runs' graphs must have the same rows and k"
        )
    both = np.sort(np.concatenate([indices_a, indices_b], axis=1), axis=1)
    # Within a run a row's neighbours are distinct, so an equal adjacent pair is one shared
    # neighbour.
    return (both[:, 1:] == both[:, :-1]).sum(axis=1).astype(np.int64)


def neighbor_overlap(shared: np.ndarray, k: int) -> np.ndarray:
    """float64 (N,): each point's Jaccard index |A ∩ B| / |A ∪ B| of its k neighbours in
    the two runs, from ``shared_neighbors``."""
    if k < 1:
        raise AnalysisError(f"k={k} must be at least 1")
    return shared / (2 * k - shared)


def overlap_summary(shared: np.ndarray, k: int) -> dict:
    """The per-point overlap's mean, median and 10th percentile (numpy's linear
    interpolation), and the share of points that kept at least half of their k
    neighbours."""
    overlap = neighbor_overlap(shared, k)
    empty = len(overlap) == 0
    return {
        "k": int(k),
        "points": len(overlap),
        "mean": None if empty else float(overlap.mean()),
        "median": None if empty else float(np.median(overlap)),
        "p10": None if empty else float(np.percentile(overlap, 10)),
        "kept_half": None if empty else float((2 * shared >= k).mean()),
    }


def _centred_means(vectors: np.ndarray) -> np.ndarray:
    total = np.zeros(vectors.shape[1])
    for start in range(0, len(vectors), _CKA_BLOCK_ROWS):
        total += vectors[start : start + _CKA_BLOCK_ROWS].sum(axis=0, dtype=np.float64)
    return total / max(1, len(vectors))


def linear_cka(a: np.ndarray, b: np.ndarray) -> float:
    """Linear CKA of two runs' vectors of the same items (rows matched): ||A'ᵀB'||²_F /
    (||A'ᵀA'||_F ||B'ᵀB'||_F) with A', B' the column-centred rows, in float64 by blocks of
    rows. 1 for runs equal up to a rotation, a translation and an isotropic scaling; the
    dimensions may differ.

    Raises AnalysisError when the runs have different numbers of rows, or when either is
    constant (its centred rows are all zero).
    """
    if len(a) != len(b):
        raise AnalysisError(f"CKA needs matched rows; got {len(a)} and {len(b)}")
    mean_a, mean_b = _centred_means(a), _centred_means(b)
    ab = np.zeros((a.shape[1], b.shape[1]))
    aa = np.zeros((a.shape[1], a.shape[1]))
    bb = np.zeros((b.shape[1], b.shape[1]))
    for start in range(0, len(a), _CKA_BLOCK_ROWS):
        block_a = a[start : start + _CKA_BLOCK_ROWS].astype(np.float64) - mean_a
        block_b = b[start : start + _CKA_BLOCK_ROWS].astype(np.float64) - mean_b
        ab += block_a.T @ block_b
        aa += block_a.T @ block_a
        bb += block_b.T @ block_b
    scale = np.linalg.norm(aa) * np.linalg.norm(bb)
    if scale == 0:
        raise AnalysisError("CKA is undefined: a run's vectors are all the same")
    return float(np.linalg.norm(ab) ** 2 / scale)


def label_changes(
    accuracy_a: dict, accuracy_b: dict, counts: Mapping[str, int] | None = None
) -> list[dict]:
    """Per label in both runs: its kNN label accuracy in A and in B and the change, most
    regressed first (ties by label), with its number of ``items`` when ``counts`` gives
    them (a small label's accuracy moves in large steps). ``accuracy_*`` are
    ``knn_label_accuracy`` results."""
    per_a, per_b = accuracy_a["per_label"], accuracy_b["per_label"]
    rows = []
    for label in sorted(set(per_a) & set(per_b)):
        row = {"label": label, "a": per_a[label], "b": per_b[label]}
        row["change"] = per_b[label] - per_a[label]
        if counts is not None:
            row["items"] = int(counts[label])
        rows.append(row)
    return sorted(rows, key=lambda row: (row["change"], row["label"]))


def vote_changes(correct_a: np.ndarray, correct_b: np.ndarray) -> np.ndarray:
    """int8 codes of VOTE_NAMES from each item's vote being right in A and in B."""
    codes = np.where(correct_a, 0, 1).astype(np.int8)  # right in both / wrong in both
    codes[correct_a & ~correct_b] = 2
    codes[~correct_a & correct_b] = 3
    return codes


def label_similarity(vectors: np.ndarray, labels: Sequence[str]) -> dict:
    """Mean cosine similarity of distinct pairs of items with the same label ("within"),
    with different labels ("between"), and their difference ("gap": how much closer an
    item is to its own label's items than to the others'), exact over all rows (from each
    label's sum of unit vectors, like the similarity page)."""
    from reportgen.analysis.similarity import pair_means
    from reportgen.engine.local import group_sums_block

    names, codes = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
    codes = codes.reshape(-1).astype(np.int64)
    sums = np.zeros((len(names), vectors.shape[1]), dtype=np.float64)
    nonzero = np.zeros(len(names), dtype=np.int64)
    for start in range(0, len(vectors), _CKA_BLOCK_ROWS):
        block = slice(start, start + _CKA_BLOCK_ROWS)
        present, block_sums, block_nonzero = group_sums_block(
            vectors[block], codes[block], len(names), True
        )
        sums[present] += block_sums
        nonzero += block_nonzero
    sizes = np.bincount(codes, minlength=len(names)).astype(np.int64)
    _, within, between = pair_means(sums, sizes, nonzero)
    gap = None if within is None or between is None else within - between
    return {"within": within, "between": between, "gap": gap}


def confusion_growth(
    indices_a: np.ndarray, indices_b: np.ndarray, labels: Sequence[str], top: int = 10
) -> list[dict]:
    """The label pairs whose kNN confusion grew most from run A to run B: per unordered
    pair of different labels, the directed edges i -> j over each item's k neighbours
    joining them (as ``knn_confusion`` counts them) in A and in B; the ``top`` pairs whose
    count grew most (ties by the pair's names), growth above 0 only, each {"a", "b",
    "edges_a", "edges_b", "change"} with "a" < "b"."""
    names, codes = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
    codes = codes.reshape(-1).astype(np.int64)
    count = len(names)

    def pair_counts(indices: np.ndarray) -> dict[int, int]:
        source = np.repeat(codes, indices.shape[1])
        target = codes[indices.ravel()]
        differ = source != target
        low = np.minimum(source[differ], target[differ])
        high = np.maximum(source[differ], target[differ])
        keys, counts = np.unique(low * count + high, return_counts=True)
        return dict(zip(keys.tolist(), counts.tolist(), strict=True))

    in_a, in_b = pair_counts(indices_a), pair_counts(indices_b)
    rows = []
    for key in set(in_a) | set(in_b):
        change = in_b.get(key, 0) - in_a.get(key, 0)
        if change > 0:
            low, high = divmod(key, count)
            rows.append(
                {
                    "a": str(names[low]),
                    "b": str(names[high]),
                    "edges_a": in_a.get(key, 0),
                    "edges_b": in_b.get(key, 0),
                    "change": change,
                }
            )
    rows.sort(key=lambda row: (-row["change"], row["a"], row["b"]))
    return rows[:top]


def cluster_agreement(assignments_a: np.ndarray, assignments_b: np.ndarray) -> dict:
    """How well two clusterings of the same points agree: adjusted Rand index, normalised
    mutual information (scikit-learn's, arithmetic mean) and the cluster x cluster counts
    (rows A's clusters, columns B's)."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    if len(assignments_a) != len(assignments_b):
        raise AnalysisError(f"clusterings of {len(assignments_a)} and {len(assignments_b)} points")
    a = np.asarray(assignments_a, dtype=np.int64)
    b = np.asarray(assignments_b, dtype=np.int64)
    table = np.zeros((int(a.max(initial=-1)) + 1, int(b.max(initial=-1)) + 1), dtype=np.int64)
    np.add.at(table, (a, b), 1)
    return {
        "ari": float(adjusted_rand_score(a, b)),
        "nmi": float(normalized_mutual_info_score(a, b)),
        "table": table.tolist(),
    }


@dataclass(frozen=True)
class Comparison:
    """What changed between this run (A) and the run compared with (B), on their matched
    items (``compare_runs``).

    Attributes:
        match: which rows of A and B are one item.
        shared: int64 (M,): each matched item's neighbours in both runs (of k), A's order.
        overlap: ``overlap_summary`` of ``shared``.
        graphs: per run ("a", "b"), how its kNN graph was searched (method, recall).
        cka: linear CKA; cka_points: the rows it read (all M, or a seeded sample).
        accuracy_a, accuracy_b: kNN label accuracy on the matched items in each run
            (``knn_label_accuracy``), or None without labels.
        labels: ``label_changes``, most regressed first ([] without labels).
        clusters: ``cluster_agreement`` of the two runs' k-means with the same k, with
            "k"; None without clusters.
        confusion: ``confusion_growth`` with labels, else ().
        similarity: per run ("a", "b"), ``label_similarity`` of its matched items, with
            labels; else None.
        votes: int8 (M,) with labels, else None: each matched item's kNN vote in the two
            runs (VOTE_NAMES: right in both, wrong in both, right only in A, only in B).
        map_items: the matched items the page's maps draw (``map_sample``: positions among
            the M, sorted); None without UMAP.
        map_a, map_b: float32 (S, 2): those items on this run's UMAP 2D and on the other
            run's, started from this run's (None without UMAP).
        map_sampled: whether the other run's map is a UMAP of the S items alone (above
            COMPARE_MAP_MAX matched items), not of all M.
        moved: the MOVED_LISTED items with the lowest overlap (ties: the earlier item),
            lowest first, each {"row", "overlap", "neighbors_a", "neighbors_b"}: this run's
            row of the item and of its k neighbours in A and in B, nearest first.
    """

    match: RowMatch
    shared: np.ndarray
    k: int
    overlap: dict
    graphs: dict
    cka: float
    cka_points: int
    accuracy_a: dict | None
    accuracy_b: dict | None
    labels: list[dict]
    clusters: dict | None
    moved: tuple[dict, ...] = ()
    confusion: tuple[dict, ...] = ()
    map_a: np.ndarray | None = None
    map_b: np.ndarray | None = None
    map_items: np.ndarray | None = None
    map_sampled: bool = False
    sources: tuple[SourceFile, ...] = ()  # the other run's files, for the provenance
    similarity: dict | None = None
    votes: np.ndarray | None = None

    @property
    def item_overlap(self) -> np.ndarray:
        """float64 (M,): each matched item's neighbourhood overlap (Jaccard of its k
        neighbours in the two runs), in ``match``'s order."""
        return neighbor_overlap(self.shared, self.k)

    def to_json(self) -> dict:
        """The ``comparison`` section of report.json (``with`` is added by the report)."""
        match = self.match
        points = len(match.rows_a)
        accuracy = None
        if self.accuracy_a is not None and self.accuracy_b is not None:
            accuracy = {
                "k": self.accuracy_a["k"],
                "a": self.accuracy_a["overall"],
                "b": self.accuracy_b["overall"],
                "change": self.accuracy_b["overall"] - self.accuracy_a["overall"],
                "per_label": self.labels,
            }
        return {
            "mode": "items",
            "matched_by": match.by,
            "points": points,
            "only_in_a": match.only_in_a,
            "only_in_b": match.only_in_b,
            "listed_only_in_a": list(match.listed_only_in_a),
            "listed_only_in_b": list(match.listed_only_in_b),
            "neighbor_overlap": self.overlap,
            "graphs": self.graphs,
            "cka": {
                "value": self.cka,
                "points": self.cka_points,
                "sampled": self.cka_points < points,
            },
            "knn_label_accuracy": accuracy,
            "clusters": self.clusters,
            "moved": list(self.moved),
            "confusion_growth": list(self.confusion),
            "label_similarity": None
            if self.similarity is None
            else {**self.similarity, "gap_change": _gap_change(self.similarity)},
        }


def map_sample(points: int, seed: int) -> np.ndarray:
    """The matched items the comparison's maps draw (positions among the ``points``,
    sorted): all of them up to MAP_POINTS, else the MAP_POINTS with the smallest row keys."""
    from reportgen.analysis.scale import row_keys

    items = np.arange(points)
    if points > MAP_POINTS:
        items = np.sort(np.argsort(row_keys(items, seed), kind="stable")[:MAP_POINTS])
    return items


def _gap_change(similarity: dict) -> float | None:
    gap_a, gap_b = similarity["a"]["gap"], similarity["b"]["gap"]
    return None if gap_a is None or gap_b is None else gap_b - gap_a


def compare_runs(
    match: RowMatch,
    vectors_a: np.ndarray,
    vectors_b: np.ndarray,
    indices_a: np.ndarray,
    indices_b: np.ndarray,
    *,
    labels: list[str] | None,
    clusters_a: np.ndarray | None,
    clusters_b: np.ndarray | None,
    graph_a: KnnGraph,
    graph_b: KnnGraph,
    seed: int = 0,
    map_a: np.ndarray | None = None,
    map_b: np.ndarray | None = None,
    map_items: np.ndarray | None = None,
    map_sampled: bool = False,
    sources: Sequence[SourceFile] = (),
) -> Comparison:
    """Every measure of what changed, on the M matched items (rows of the arguments in
    ``match``'s order): neighbourhood overlap of the runs' k neighbours (``indices_*``,
    (M, k), rows among the matched items), CKA (on a seeded sample of CKA_SAMPLE rows
    above that), kNN label accuracy per run and per label, and cluster agreement."""
    from reportgen.analysis.findings import knn_vote_correct, vote_accuracy
    from reportgen.analysis.scale import row_keys

    k = indices_a.shape[1]
    shared = shared_neighbors(indices_a, indices_b)
    points = len(vectors_a)
    rows = np.arange(points)
    if points > CKA_SAMPLE:
        rows = np.sort(np.argsort(row_keys(rows, seed), kind="stable")[:CKA_SAMPLE])
    cka = (
        linear_cka(vectors_a[rows], vectors_b[rows])
        if len(rows) < points
        else (linear_cka(vectors_a, vectors_b))
    )
    accuracy_a = accuracy_b = None
    similarity = votes = None
    changes: list[dict] = []
    confusion: tuple[dict, ...] = ()
    if labels is not None:
        # Each run's votes once: the accuracies and each item's change come from them.
        correct_a = knn_vote_correct(graph_a, labels, k)
        correct_b = knn_vote_correct(graph_b, labels, k)
        accuracy_a = vote_accuracy(correct_a, labels, k)  # k <= both graphs' widths
        accuracy_b = vote_accuracy(correct_b, labels, k)
        changes = label_changes(accuracy_a, accuracy_b, Counter(labels))
        confusion = tuple(confusion_growth(indices_a, indices_b, labels))
        similarity = {
            "a": label_similarity(vectors_a, labels),
            "b": label_similarity(vectors_b, labels),
        }
        votes = vote_changes(correct_a, correct_b)
    clusters = None
    if clusters_a is not None and clusters_b is not None:
        clusters = {
            "k": int(clusters_a.max(initial=-1)) + 1,
            **cluster_agreement(clusters_a, clusters_b),
        }
    overlap = neighbor_overlap(shared, k)
    lowest = np.argsort(overlap, kind="stable")[:MOVED_LISTED]
    rows_a = match.rows_a  # an item's position among the matched -> this run's row
    moved = tuple(
        {
            "row": int(rows_a[item]),
            "overlap": float(overlap[item]),
            "neighbors_a": [int(rows_a[j]) for j in indices_a[item]],
            "neighbors_b": [int(rows_a[j]) for j in indices_b[item]],
        }
        for item in lowest
    )
    graphs = {
        run: {"method": graph.method, "recall": graph.recall}
        for run, graph in (("a", graph_a), ("b", graph_b))
    }
    return Comparison(
        match,
        shared,
        int(k),
        overlap_summary(shared, k),
        graphs,
        cka,
        len(rows),
        accuracy_a,
        accuracy_b,
        changes,
        clusters,
        moved,
        confusion,
        map_a,
        map_b,
        map_items,
        map_sampled,
        tuple(sources),
        similarity,
        votes,
    )
