"""The analysis pipeline: the order of the steps and what each hands the next.

``analyze`` orders the steps. The kNN graph is computed once, in the original dimensions,
wide enough for every consumer, and each consumer slices it: UMAP, t-SNE, the inspector and
the quality metrics.

With a cache, each step's result (the graph, PCA, each projection, each view's quality, the
clustering, the similarity, the hubness) is first looked up under its chained key
(``reportgen.cache``): the validated vectors' hash, then each step's parents' keys and the
parameters it is called with. What depends on the labels (the similarity, the clusters'
comparison with them) is keyed with their hash too, apart from what does not (k-means), so
new labels recompute no projection. The summary and the cheap findings always run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import numpy as np

from reportgen.analysis import records
from reportgen.analysis.browser import Categories, encode_categories, stratified_sample
from reportgen.analysis.clusters import Clustering, compute_clusters, describe_clusters
from reportgen.analysis.findings import (
    Finding,
    hubness,
    knn_label_accuracy,
    near_duplicates,
    outliers,
    zero_vectors,
)
from reportgen.analysis.neighbors import KnnGraph, compute_knn_graph, graph_method, graph_width
from reportgen.analysis.projections import (
    Projection,
    compute_custom,
    compute_pca,
    compute_tsne,
    compute_umap,
    pca_projections,
)
from reportgen.analysis.quality import ProjectionQuality, compute_quality
from reportgen.analysis.similarity import Similarity, compute_similarity, knn_confusion
from reportgen.analysis.summary import DatasetSummary, summarize
from reportgen.cache import Cache, array_key, step_key, text_key
from reportgen.config import Config
from reportgen.dataset import Dataset
from reportgen.errors import AnalysisError, ConfigError
from reportgen.progress import Progress, StepStatus

__all__ = ["Analysis", "ColumnCoding", "View", "analyze"]

T = TypeVar("T")

# A text column is offered as a colour when it has at most this many distinct values, or
# at most one per this many rows; otherwise it is free text (search and hover only).
_MAX_CATEGORIES = 200
_ROWS_PER_CATEGORY = 10

# openTSNE's threads give the same result bit for bit whatever their number. UMAP runs
# before, not beside it: its numba kernels hold the GIL, so a thread would gain nothing.
_TSNE_THREADS = 2

# The order of the view buttons and of every table.
_VIEW_ORDER = ("umap-2d", "umap-3d", "tsne-2d", "tsne-3d", "pca-2d", "pca-3d", "custom")

# The distributions whose versions shape each cached step's numbers (part of its key).
_UMAP_LIBRARIES = ("numpy", "scipy", "scikit-learn", "umap-learn", "pynndescent", "numba")
_TSNE_LIBRARIES = ("numpy", "scipy", "openTSNE")
_SKLEARN_LIBRARIES = ("numpy", "scipy", "scikit-learn")


@dataclass(frozen=True)
class View:
    """One projection and how far it can be trusted."""

    projection: Projection
    quality: ProjectionQuality

    @property
    def key(self) -> str:
        """The view's key: "umap-2d", "pca-3d", ..."""
        return self.projection.key


@dataclass(frozen=True)
class ColumnCoding:
    """How a metadata column is offered in the browser.

    ``kind`` is "category" (coloured by palette; ``categories`` set), "number" (coloured by
    a scale) or "text" (searched and shown on hover only).
    """

    name: str
    kind: str
    categories: Categories | None = None


# The colour option of the k-means clusters (named so that no metadata column can clash).
CLUSTER_COLUMN = "k-means cluster"


@dataclass(frozen=True)
class Findings:
    """What the embedding tells about itself (each finding lists its first 100 rows).

    ``knn_label_accuracy`` is None without labels; ``hubness`` is
    {"k", "skewness", "top_hubs"}.
    """

    knn_label_accuracy: dict | None
    near_duplicates: Finding
    zero_vectors: Finding
    outliers: Finding
    hubness: dict


@dataclass(frozen=True)
class Analysis:
    """Every number the site shows, computed once per build.

    Attributes:
        summary: the dataset card's numbers.
        graph: the kNN graph (original space), ``graph.k`` >= ``k``.
        k: neighbours the inspector lists and the quality metrics use.
        views: the projections in display order, each with its quality.
        pca_variance: explained variance ratio of the first (up to 10) components, or ().
        sample_2d, sample_3d: sorted rows the 2D / 3D views show, None for all rows.
        labels: the label column coded for colour, or None.
        columns: every metadata column's coding, in the dataset's order, then the clusters'.
        clustering: k-means, or None (turned off, or fewer than 4 points).
        similarity: cosine similarity by label (by cluster without labels), or None.
        similarity_by: "label", "cluster" or None.
        knn_confusion: the group pairs with most kNN edges between them.
        findings: kNN label accuracy, near-duplicates, zero vectors, outliers, hubness.
        notes: what was changed or chosen and why (parameters lowered, methods used).
    """

    summary: DatasetSummary
    graph: KnnGraph
    k: int
    views: tuple[View, ...]
    pca_variance: tuple[float, ...]
    sample_2d: np.ndarray | None
    sample_3d: np.ndarray | None
    labels: Categories | None
    columns: tuple[ColumnCoding, ...]
    clustering: Clustering | None
    similarity: Similarity | None
    similarity_by: str | None
    knn_confusion: tuple[dict, ...]
    findings: Findings
    notes: tuple[str, ...]


def _code_columns(dataset: Dataset) -> tuple[ColumnCoding, ...]:
    codings = []
    for column in dataset.columns:
        if column.is_numeric and column.name != dataset.label_column:
            codings.append(ColumnCoding(column.name, "number"))
            continue
        values = column.as_text()
        distinct = len(set(values))
        is_category = column.name == dataset.label_column or (
            column.name != dataset.text_column
            and (distinct <= _MAX_CATEGORIES or distinct * _ROWS_PER_CATEGORY <= len(values))
        )
        if is_category:
            codings.append(ColumnCoding(column.name, "category", encode_categories(values)))
        else:
            codings.append(ColumnCoding(column.name, "text"))
    return tuple(codings)


def _sample(groups: np.ndarray, budget: int, seed: int) -> np.ndarray | None:
    return None if len(groups) <= budget else stratified_sample(groups, budget, seed)


def analyze(
    dataset: Dataset, config: Config, progress: Progress, cache: Cache | None = None
) -> Analysis:
    """Run the analysis steps in order, reporting each to ``progress``.

    With a ``cache``, a step whose key is found there is read instead of computed (its
    progress line says "cached"), and a computed one is stored; the result is the same
    either way. Without one, everything is computed and nothing is written.

    Raises AnalysisError when a step cannot run with the data and parameters given (a
    custom-axis regex that matches nothing, for instance).
    """
    vectors, seed, n = dataset.vectors, config.seed, dataset.n
    proj, umap_cfg, tsne_cfg = config.projections, config.umap, config.tsne
    metric = config.neighbors.metric
    notes: list[str] = []
    steps = _Steps(cache, vectors)
    _check_columns(dataset, config)
    with progress.step("summarize"):
        summary = summarize(vectors, dataset.labels)
        columns = _code_columns(dataset)
    k = min(config.neighbors.k, n - 1)
    if k < config.neighbors.k:
        notes.append(f"inspector k lowered from {config.neighbors.k} to {k}: N = {n}")
    # Trustworthiness is defined for k < N / 2 only (as in scikit-learn).
    quality_k = min(k, (n - 1) // 2)
    if quality_k < k:
        notes.append(f"quality k lowered from {k} to {quality_k}: N = {n} (k < N/2)")
    width = graph_width(
        n,
        k,
        umap_cfg.n_neighbors if proj.umap else 0,
        tsne_cfg.perplexity if proj.tsne else 0,
    )
    method = graph_method(n, config.neighbors.exact_max_n)
    graph_key = steps.key(
        "knn-graph",
        [steps.data],
        # The exact graph draws no random numbers: a new seed keeps it.
        {"k": width, "metric": metric, "method": method, "seed": seed * (method != "exact")},
        ("numpy",) if method == "exact" else ("numpy", "pynndescent", "numba"),
    )
    with progress.step("neighbors") as status:
        graph = steps.run(
            status,
            "knn-graph",
            graph_key,
            records.encode_graph,
            partial(records.decode_graph, n=n, k=width, metric=metric),
            partial(
                compute_knn_graph,
                vectors,
                width,
                metric=metric,
                exact_max_n=config.neighbors.exact_max_n,
                seed=seed,
            ),
        )
    projections: list[Projection] = []
    # Each view's own key, the parent of its quality's.
    view_keys: dict[str, str] = {}
    pca_variance: tuple[float, ...] = ()
    pca = None
    if proj.pca or proj.tsne:
        # PCA draws no random numbers (its seed argument is ignored).
        pca_key = steps.key("pca", [steps.data], {}, ("numpy",))
        with progress.step("pca") as status:
            pca = steps.run(
                status,
                "pca",
                pca_key,
                records.encode_pca,
                partial(records.decode_pca, n=n),
                partial(compute_pca, vectors, seed=seed),
            )
        pca_variance = pca.explained_variance_ratio
        if proj.pca:
            projections.extend(pca_projections(pca))
            view_keys.update({"pca-2d": pca_key, "pca-3d": pca_key})

    # Each step's key hashes the very parameters it is called with.
    if proj.umap:
        umap_params = {
            "n_neighbors": umap_cfg.n_neighbors,
            "min_dist": umap_cfg.min_dist,
            "n_epochs": umap_cfg.n_epochs,
            "seed": seed,
        }
        for dims in (2, 3):
            name = f"umap-{dims}d"
            view_keys[name] = steps.key(name, [graph_key], umap_params, _UMAP_LIBRARIES)
            with progress.step(name) as status:
                compute = partial(compute_umap, vectors, graph, dims, **umap_params)
                projections.append(steps.run_view(status, name, view_keys[name], n, compute))
    if proj.tsne:
        tsne_params = {
            "perplexity": tsne_cfg.perplexity,
            "n_iter": tsne_cfg.n_iter,
            "ints_in_interval": tsne_cfg.ints_in_interval,
            "seed": seed,
        }
        for dims in [2, 3] if proj.tsne_3d else [2]:
            name = f"tsne-{dims}d"
            parents = [graph_key, pca_key]
            view_keys[name] = steps.key(name, parents, tsne_params, _TSNE_LIBRARIES)
            with progress.step(name) as status:
                # The number of threads does not change the result: not in the key.
                compute = partial(
                    compute_tsne,
                    graph,
                    pca.coordinates,
                    dims,
                    n_jobs=_TSNE_THREADS,
                    **tsne_params,
                )
                projections.append(steps.run_view(status, name, view_keys[name], n, compute))
    if proj.custom_column is not None:
        values = dataset.column(proj.custom_column).as_text()
        axes = {
            "left": proj.custom_left,
            "right": proj.custom_right,
            "up": proj.custom_up,
            "down": proj.custom_down,
        }
        view_keys["custom"] = steps.key(
            "custom",
            [steps.data],
            {"column": proj.custom_column, "values": text_key(values), **axes},
            ("numpy",),
        )
        with progress.step("custom") as status:
            compute = partial(compute_custom, vectors, values, column=proj.custom_column, **axes)
            projections.append(steps.run_view(status, "custom", view_keys["custom"], n, compute))
    projections.sort(key=lambda p: _VIEW_ORDER.index(p.key))
    views = []
    quality_params = {
        "metric": metric,
        "exact_max_n": proj.trustworthiness_exact_max_n,
        "sample_size": proj.trustworthiness_sample,
        "seed": seed,
    }
    with progress.step("quality") as status:
        for projection in projections:
            name = f"quality-{projection.key}"
            quality = steps.run(
                status,
                name,
                steps.key(
                    name,
                    [view_keys[projection.key], graph_key],
                    {"k": quality_k, **quality_params},
                    ("numpy", "scikit-learn"),
                ),
                records.encode_quality,
                partial(records.decode_quality, n=n, k=quality_k),
                partial(
                    compute_quality,
                    vectors,
                    graph,
                    projection.coordinates,
                    quality_k,
                    **quality_params,
                ),
            )
            views.append(View(projection, quality))
    for projection in projections:
        notes.extend(f"{projection.key}: {note}" for note in projection.notes)
    labels = next((c.categories for c in columns if c.name == dataset.label_column), None)
    label_text = dataset.labels
    clustering = None
    if config.clusters.enabled:
        with progress.step("clusters") as status:
            clustering = _cluster(dataset, config, notes, steps, status)
    if clustering is not None:
        names = tuple(cluster_names(clustering))
        codes = clustering.assignments.astype(np.uint8 if clustering.k <= 256 else np.uint16)
        columns = (
            *columns,
            ColumnCoding(CLUSTER_COLUMN, "category", Categories(codes, names, other=False)),
        )
    with progress.step("similarity") as status:
        if labels is not None:
            by, group_codes, group_names = "label", labels.codes, labels.names
        elif clustering is not None:
            by, group_codes = "cluster", clustering.assignments
            group_names = tuple(cluster_names(clustering))
        else:
            by = group_codes = group_names = None
        similarity, confusion = None, ()
        if by is not None:
            codes = np.asarray(group_codes, dtype=np.int64)
            similarity_params = {
                "group_names": tuple(group_names),
                "sample_size": min(config.similarity.sample_size, n),
                "seed": seed,
            }
            similarity = steps.run(
                status,
                "similarity",
                steps.key(
                    "similarity",
                    [steps.data],
                    {"groups": array_key(codes), **similarity_params},
                    ("numpy", "scipy"),
                ),
                records.encode_similarity,
                partial(records.decode_similarity, n=n, group_names=tuple(group_names)),
                partial(compute_similarity, vectors, codes, **similarity_params),
            )
            confusion = tuple(
                knn_confusion(graph, np.asarray(group_codes), k, group_names=tuple(group_names))
            )
    with progress.step("findings") as status:
        findings = Findings(
            knn_label_accuracy=knn_label_accuracy(graph, label_text, k) if label_text else None,
            near_duplicates=near_duplicates(graph, config.similarity.near_duplicate_threshold),
            zero_vectors=zero_vectors(vectors),
            outliers=outliers(graph, k),
            # The only finding that needs scipy.stats (a second to import): cached.
            hubness=steps.run(
                status,
                "hubness",
                steps.key("hubness", [graph_key], {"k": k}, ("numpy", "scipy")),
                lambda hubs: ({}, hubs),
                partial(records.decode_hubness, k=min(k, width), n=n),
                partial(hubness, graph, k),
            ),
        )
    groups = labels.codes if labels is not None else np.zeros(n, dtype=np.uint8)
    _say_cache_use(progress, cache)
    return Analysis(
        summary=summary,
        graph=graph,
        k=k,
        views=tuple(views),
        pca_variance=pca_variance,
        sample_2d=_sample(groups, config.render.max_points_2d, seed),
        sample_3d=_sample(groups, config.render.max_points_3d, seed),
        labels=labels,
        columns=columns,
        clustering=clustering,
        similarity=similarity,
        similarity_by=by,
        knn_confusion=confusion,
        findings=findings,
        notes=tuple(notes),
    )


def _cluster(
    dataset: Dataset, config: Config, notes: list[str], steps: _Steps, status: StepStatus
) -> Clustering | None:
    """k-means as configured, or None with a note when the data is too small for it.

    k-means runs (or comes from the cache) without the labels and texts; the comparison
    with the labels and the keywords are added after, so that new labels reuse it.
    """
    cfg = config.clusters
    text = dataset.column(dataset.text_column).as_text() if dataset.text_column else None
    parameters = {
        "k": cfg.k,
        "metric": config.neighbors.metric,
        "k_min": cfg.k_min,
        "k_max": cfg.k_max,
        "silhouette_sample": cfg.silhouette_sample,
        "minibatch_above": cfg.minibatch_above,
        "seed": config.seed,
    }
    key = steps.key("clusters", [steps.data], parameters, _SKLEARN_LIBRARIES)
    try:
        partition = steps.run(
            status,
            "clusters",
            key,
            records.encode_partition,
            partial(records.decode_partition, n=dataset.n, dim=dataset.dim),
            partial(compute_clusters, dataset.vectors, **parameters),
        )
    except AnalysisError as exc:
        if dataset.n >= 4 and cfg.k is not None:
            raise  # a configured k that cannot work is the user's to fix
        notes.append(f"no clusters: {exc}")
        return None
    labels = dataset.labels
    if labels is None and text is None:
        return partition
    # Cheap next to k-means, but it needs scikit-learn, which a cached rebuild can skip.
    return steps.run(
        status,
        "clusters-labels",
        steps.key(
            "clusters-labels",
            [key],
            {
                "labels": None if labels is None else text_key(labels),
                "texts": None if text is None else text_key(text),
            },
            _SKLEARN_LIBRARIES,
        ),
        records.encode_description,
        partial(records.decode_description, partition=partition),
        partial(describe_clusters, partition, labels=labels, texts=text),
    )


class _Steps:
    """Runs the cacheable steps: each result is read from the cache under its key, or
    computed and then stored. Without a cache, it just computes."""

    def __init__(self, cache: Cache | None, vectors: np.ndarray) -> None:
        self.cache = cache
        # The root of every key: the validated vectors' hash (only needed with a cache).
        self.data = array_key(vectors) if cache is not None else ""

    def key(
        self,
        step: str,
        parents: Sequence[str],
        params: Mapping[str, Any],
        libraries: Sequence[str],
    ) -> str:
        return step_key(step, parents, params, libraries) if self.cache is not None else ""

    def run(
        self,
        status: StepStatus,
        step: str,
        key: str,
        encode: Callable[[T], records.Record],
        decode: Callable[[Any, Any], T],
        compute: Callable[[], T],
    ) -> T:
        if self.cache is not None:
            found = self.cache.get(step, key, decode)
            if found is not None:
                status.from_cache += 1
                return found
        value = compute()
        status.computed += 1
        if self.cache is not None:
            self.cache.put(step, key, *encode(value))
        return value

    def run_view(
        self, status: StepStatus, name: str, key: str, n: int, compute: Callable[[], Projection]
    ) -> Projection:
        dims = 3 if name.endswith("-3d") else 2
        decode = partial(records.decode_projection, n=n, key=name, dims=dims)
        return self.run(status, name, key, records.encode_projection, decode, compute)


def _say_cache_use(progress: Progress, cache: Cache | None) -> None:
    """One closing line: how many of the cacheable steps came from the cache."""
    if cache is None:
        return
    use = progress.cache_use
    if not any(got for got, _ in use.values()):
        return  # a cold build: the step lines say enough
    computed = [name for name, (got, total) in use.items() if got < total]
    if not computed:
        progress.message(f"analysis: all {len(use)} steps from the cache")
    else:
        progress.message(
            f"analysis: {len(use) - len(computed)} of {len(use)} steps from the cache; "
            f"computed {', '.join(computed)}"
        )


def cluster_names(clustering: Clustering) -> list[str]:
    """Each cluster's display name: "3", or "3 · keyword · keyword" with a text column."""
    names = clustering.names or [""] * clustering.k
    return [f"{i}" + (f" · {name}" if name else "") for i, name in enumerate(names)]


def _check_columns(dataset: Dataset, config: Config) -> None:
    """Columns the config names must exist; all missing ones are reported at once."""
    names = [c.name for c in dataset.columns]
    wanted = []
    if config.projections.custom_column is not None:
        wanted.append(("projections.custom_column", config.projections.custom_column))
    for name in (config.render.hover_columns or "").split(","):
        if name.strip():
            wanted.append(("render.hover_columns", name.strip()))
    shown = ", ".join(names) or "none"
    problems = [
        f"{option}: column {name!r} not found; the columns are: {shown}"
        for option, name in wanted
        if name not in names
    ]
    if problems:
        raise ConfigError(problems)
