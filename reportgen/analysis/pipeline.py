"""The analysis pipeline: the table of steps, read top to bottom, and ``analyze``.

The kNN graph is computed once, in the original dimensions, wide enough for every consumer
(its width comes from the plan), and each consumer slices it: UMAP, t-SNE, the inspector,
the quality metrics and the findings. The projection steps come from the registry of
projection methods (``reportgen.analysis.projections``): one step per view a method
computes, then one quality step per view.

Each cached step's key chains its parents' keys from the validated vectors' hash, then its
parameters and fingerprint (``reportgen.analysis.steps``). What depends on the labels (the
similarity, the clusters' comparison with them) is keyed with their hash too, apart from
what does not (k-means), so new labels recompute no projection.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from reportgen.analysis import records
from reportgen.analysis.browser import Categories, encode_categories, stratified_sample
from reportgen.analysis.clusters import (
    Clustering,
    compute_clusters,
    describe_clusters,
    label_k_candidates,
)
from reportgen.analysis.compare import (
    COMPARE_MAP_MAX,
    MAP_POINTS,
    Comparison,
    RowMatch,
    compare_runs,
    first_duplicate,
    map_sample,
    match_rows,
)
from reportgen.analysis.density import compute_density, density_bins
from reportgen.analysis.drift import DRIFT_MAP_POINTS, Drift, drift_numbers, set_sample
from reportgen.analysis.findings import (
    hubness,
    knn_label_accuracy,
    near_duplicates,
    outliers,
    zero_vectors,
)
from reportgen.analysis.map_labels import MAX_CLASS_LABELS, MapLabel, cluster_texts, map_labels
from reportgen.analysis.neighbors import (
    compute_knn_graph,
    graph_method,
    graph_width,
    sample_knn_graph,
)
from reportgen.analysis.projections import (
    MethodInputs,
    ProjectionMethod,
    ViewSpec,
    all_views,
    compute_pca,
    methods,
)
from reportgen.analysis.quality import compute_qualities
from reportgen.analysis.results import (
    CLUSTER_COLUMN,
    Analysis,
    ColumnCoding,
    Findings,
    View,
    cluster_names,
)
from reportgen.analysis.scale import (
    EXACT_SEARCH_WORK,
    PLACEMENT,
    fit_sample_size,
    hash_sample,
    nearest_fitted,
    place_projection,
)
from reportgen.analysis.similarity import compute_similarity, knn_confusion
from reportgen.analysis.steps import DATA, Codec, Step, StepContext, run_steps
from reportgen.analysis.summary import summarize
from reportgen.cache import Cache, array_key, text_key
from reportgen.config import Config
from reportgen.dataset import Dataset
from reportgen.engine import LOCAL, Engine
from reportgen.errors import ConfigError, InputError
from reportgen.progress import Progress

__all__ = [
    "CLUSTER_COLUMN",
    "Analysis",
    "ColumnCoding",
    "View",
    "analysis_steps",
    "analyze",
    "cluster_names",
]

# A text column is offered as a colour when it has at most this many distinct values, or
# at most one per this many rows; otherwise it is free text (search and hover only).
_MAX_CATEGORIES = 200
_ROWS_PER_CATEGORY = 10

_SKLEARN_LIBRARIES = ("numpy", "scipy", "scikit-learn")


def analyze(
    dataset: Dataset,
    config: Config,
    progress: Progress,
    cache: Cache | None = None,
    *,
    engine: Engine = LOCAL,
    other: Dataset | None = None,
) -> Analysis:
    """Run the analysis steps in order, reporting each to ``progress``; every pass over
    all N rows goes through ``engine`` (passed down like the seed).

    ``other``: a run of the same items to compare with (``--compare-with``): the
    result's ``comparison``.

    With a ``cache``, a step whose key is found there is read instead of computed (its
    progress line says "cached"), and a computed one is stored; the result is the same
    either way. Without one, everything is computed and nothing is written.

    Raises ConfigError when the config names a column the data does not have, and
    AnalysisError when a step cannot run with the data and parameters given (a custom-axis
    regex that matches nothing, for instance).
    """
    _check_columns(dataset, config)
    context = StepContext(dataset, config, engine, other)
    run_steps(analysis_steps(), context, progress, cache)
    return _assemble(context)


def analysis_steps() -> tuple[Step, ...]:
    """Every step, in the order they run; ``wanted`` says which a build runs."""
    views = _view_steps()
    return (
        Step("plan", _plan, params=_plan_params),
        Step("summary", _summary, progress="summarize"),
        Step("columns", _columns, progress="summarize"),
        # First, so that runs that cannot be matched stop the build before the analysis.
        Step("compare-match", _compare_match, wanted=_comparing),
        Step(
            "fit-sample",
            _fit_sample,
            uses=("plan", "columns"),
            params=lambda c: {"size": c["plan"].fit_size, "seed": c.config.seed},
            fingerprint=_fit_sample_fingerprint,
            wanted=lambda c: c["plan"].fit_size is not None,
        ),
        Step(
            "knn-graph",
            _graph,
            parents=(DATA,),
            uses=("plan", "fit-sample"),
            params=_graph_params,
            fingerprint=_graph_fingerprint,
            # The approximate graph's numbers depend on faiss or pynndescent too; listing them
            # always costs an exact graph only a new key when one of them is upgraded.
            libraries=("numpy", "faiss-cpu", "pynndescent", "numba"),
            codec=Codec(records.encode_graph, _decode_graph),
            progress="neighbors",
        ),
        Step(
            "fit-graph",
            _fit_graph,
            parents=(DATA, "fit-sample"),
            uses=("plan",),
            params=_fit_graph_params,
            libraries=("numpy", "faiss-cpu", "pynndescent", "numba"),
            codec=Codec(records.encode_graph, _decode_fit_graph),
            progress="neighbors",
            wanted=lambda c: c.get("fit-sample") is not None,
        ),
        Step(
            "fit-nearest",
            _fit_nearest,
            parents=(DATA, "fit-sample", "knn-graph"),
            uses=("plan",),
            params=_fit_nearest_params,
            libraries=("numpy", "faiss-cpu"),
            codec=Codec(records.encode_fit_nearest, _decode_fit_nearest),
            progress="neighbors",
            wanted=lambda c: c.get("fit-sample") is not None,
        ),
        Step(
            "pca",
            _pca,
            parents=(DATA,),
            codec=Codec(records.encode_pca, _decode_pca),
            progress="pca",
            wanted=_pca_wanted,
        ),
        *views,
        _quality_step(),
        *(_density_step(view) for view in all_views() if view.dims == 2),
        Step(
            "clusters",
            _kmeans,
            parents=(DATA,),
            params=_kmeans_params,
            libraries=_SKLEARN_LIBRARIES,
            codec=Codec(records.encode_partition, _decode_partition),
            progress="clusters",
            wanted=lambda c: c.config.clusters.enabled,
            optional=_clusters_optional,
        ),
        Step(
            "clusters-labels",
            _describe_clusters,
            parents=("clusters",),
            fingerprint=_clusters_labels_fingerprint,
            libraries=_SKLEARN_LIBRARIES,
            codec=Codec(records.encode_description, _decode_description),
            progress="clusters",
            wanted=_describe_wanted,
        ),
        Step("groups", _groups, uses=("columns", "clusters", "clusters-labels")),
        Step(
            "similarity",
            _similarity,
            parents=(DATA,),
            uses=("groups",),
            params=_similarity_params,
            fingerprint=_similarity_fingerprint,
            libraries=("numpy", "scipy"),
            codec=Codec(records.encode_similarity, _decode_similarity),
            progress="similarity",
            wanted=lambda c: c.get("groups") is not None,
        ),
        Step(
            "knn-confusion", _confusion, uses=("knn-graph", "plan", "groups"), progress="similarity"
        ),
        # The only finding that needs scipy.stats (a second to import): cached.
        Step(
            "hubness",
            _hubness,
            parents=("knn-graph",),
            uses=("plan",),
            params=lambda c: {"k": c["plan"].k},
            libraries=("numpy", "scipy"),
            codec=Codec(lambda hubs: ({}, hubs), _decode_hubness),
            progress="findings",
        ),
        Step("findings", _findings, uses=("knn-graph", "plan", "hubness"), progress="findings"),
        # What changed against another run (--compare-with): each run's own graph and
        # k-means on the matched rows, then the measures of analysis/compare.py.
        Step(
            "compare-graph-a",
            _compare_graph_a,
            parents=(DATA,),
            uses=("compare-match",),
            params=_compare_graph_params,
            fingerprint=_compare_rows_fingerprint,
            libraries=("numpy", "faiss-cpu", "pynndescent", "numba"),
            codec=Codec(records.encode_graph, _decode_compare_graph),
            progress="compare",
            wanted=_compare_graph_a_wanted,
        ),
        Step(
            "compare-graph-b",
            _compare_graph_b,
            uses=("compare-match",),
            params=_compare_graph_params,
            fingerprint=_compare_other_fingerprint,
            libraries=("numpy", "faiss-cpu", "pynndescent", "numba"),
            codec=Codec(records.encode_graph, _decode_compare_graph),
            progress="compare",
            wanted=_matching,
        ),
        Step(
            "compare-clusters",
            _compare_clusters,
            uses=("compare-match", "clusters"),
            params=_compare_clusters_params,
            fingerprint=_compare_other_fingerprint,
            libraries=_SKLEARN_LIBRARIES,
            codec=Codec(records.encode_partition, _decode_compare_partition),
            progress="compare",
            wanted=lambda c: _matching(c) and c.get("clusters") is not None,
        ),
        Step(
            "compare-map",
            _compare_map,
            uses=("compare-match", "compare-graph-b", "umap-2d"),
            params=_compare_map_params,
            fingerprint=_compare_map_fingerprint,
            libraries=("numpy", "scipy", "scikit-learn", "umap-learn", "pynndescent", "numba"),
            codec=Codec(lambda c: ({"coordinates": c}, None), _decode_compare_map),
            progress="compare",
            wanted=_compare_map_wanted,
        ),
        Step(
            "comparison",
            _comparison,
            uses=(
                "compare-match",
                "compare-graph-a",
                "compare-graph-b",
                "compare-clusters",
                "compare-map",
            ),
            progress="compare",
            wanted=_matching,
        ),
        # Two different sets of items: how far apart they are, and both on one UMAP.
        Step(
            "drift",
            _drift,
            parents=(DATA,),
            uses=("compare-match", "columns"),
            params=_drift_params,
            fingerprint=_drift_fingerprint,
            libraries=_SKLEARN_LIBRARIES,
            codec=Codec(lambda drift: ({}, drift.to_json()), _decode_drift),
            progress="compare",
            wanted=_drifting,
        ),
        Step(
            "drift-map",
            _drift_map,
            parents=(DATA,),
            uses=("compare-match",),
            params=_drift_map_params,
            fingerprint=lambda c: {"other": array_key(_other(c).vectors)},
            libraries=("numpy", "scipy", "scikit-learn", "umap-learn", "pynndescent", "numba"),
            codec=Codec(
                lambda shared: ({"points": shared[0], "sets": shared[1], "rows": shared[2]}, None),
                _decode_drift_map,
            ),
            progress="compare",
            wanted=lambda c: _drifting(c) and c.get("umap-2d") is not None,
        ),
        Step("samples", _samples, uses=("columns",)),
    )


# --------------------------------------------------------------------------------------
# The plan: what N allows of the configured sizes (with a note for each lowered one)


@dataclass(frozen=True)
class Plan:
    """Sizes every step agrees on, fitted to N.

    Attributes:
        k: neighbours the inspector lists (the configured k, at most N - 1).
        quality_k: neighbours the quality metrics compare (k < N / 2 for trustworthiness).
        graph_k: the one kNN graph's width: enough for every consumer that is on.
        graph_method: "exact", "faiss" or "nndescent".
        notes: one sentence per lowered size.
        fit_size: rows of the fit sample UMAP and t-SNE are fitted on (above ``[scale]
            fit_sample`` points); None when they are fitted on all N.
        fit_graph_k: the width of the fit sample's own kNN graph (0 without a sample).
        fit_graph_method: how that graph is built ("" without a sample).
        graph_among: 0 when the kNN graph lists each point's neighbours among all N; else
            the fit sample's size: above ``[neighbors] among_sample_above`` points they are
            searched among the fit sample (``sample_knn_graph``, ``graph_method`` "exact" or
            "faiss" as for the placement search, or "pca" with ``search_dims``).
        search_dims: the sample's principal components the searches among the fit sample
            run in (``[neighbors] search_dims`` when it is below D), else 0: all D.
    """

    k: int
    quality_k: int
    graph_k: int
    graph_method: str
    notes: tuple[str, ...]
    fit_size: int | None = None
    fit_graph_k: int = 0
    fit_graph_method: str = ""
    graph_among: int = 0
    search_dims: int = 0


def among_size(n: int, fit_sample: Any, among_sample_above: int, fits_on_sample: bool) -> int:
    """How many rows (the fit sample's) each point's neighbours are searched among, or 0
    for all N: above ``among_sample_above`` points, when a view is fitted on a sample."""
    fit_size = fit_sample_size(n, fit_sample)
    if not fits_on_sample or fit_size is None or n <= among_sample_above:
        return 0
    return fit_size


def client_needs_all_rows(config: Config, n: int) -> bool:
    """Whether the analysis of ``n`` rows reads all of them in this process: for the kNN
    graph of all N (up to ``among_sample_above``) or k-means fitted in memory (up to
    ``blocked_above``). Else every pass over all rows goes through the engine, and this
    process reads only samples (``--engine dask``: the rows stay in the shards)."""
    if config.clusters.enabled and n <= config.clusters.blocked_above:
        return True
    if config.compare.with_ is not None:
        # The comparison reads both runs' matched rows here (the other run is read by this
        # process whatever the engine).
        return True
    return not among_size(
        n, config.scale.fit_sample, config.neighbors.among_sample_above, _fits_on_sample(config)
    )


def _fits_on_sample(config: Config) -> bool:
    return any(method.fit_on_sample and method.selected(config) for method in methods())


def _plan_params(context: StepContext) -> dict[str, Any]:
    config = context.config
    return {
        "k": config.neighbors.k,
        "exact_max_n": config.neighbors.exact_max_n,
        "among_sample_above": config.neighbors.among_sample_above,
        "dim": context.dataset.dim,
        "method": config.neighbors.method,
        "umap_n_neighbors": config.umap.n_neighbors if config.projections.umap else 0,
        "tsne_perplexity": config.tsne.perplexity if config.projections.tsne else 0,
        "fit_sample": config.scale.fit_sample,
        "fits_on_sample": _fits_on_sample(config),
        "search_dims": config.neighbors.search_dims,
    }


def _plan(context: StepContext, params: dict[str, Any]) -> Plan:
    n = context.dataset.n
    notes = []
    k = min(params["k"], n - 1)
    if k < params["k"]:
        notes.append(f"inspector k lowered from {params['k']} to {k}: N = {n}")
    # Trustworthiness is defined for k < N / 2 only (as in scikit-learn).
    quality_k = min(k, (n - 1) // 2)
    if quality_k < k:
        notes.append(f"quality k lowered from {k} to {quality_k}: N = {n} (k < N/2)")
    umap_n_neighbors, perplexity = params["umap_n_neighbors"], params["tsne_perplexity"]
    method = graph_method(n, params["exact_max_n"], params["method"])
    fit_size = fit_sample_size(n, params["fit_sample"])
    if not params["fits_on_sample"] or fit_size is None:
        width = graph_width(n, k, umap_n_neighbors, perplexity)
        return Plan(k, quality_k, width, method, tuple(notes))
    # UMAP and t-SNE read the sample's own graph; the graph of all N serves the inspector
    # and the metrics (and the placement where it lists a fitted point: ``nearest_fitted``).
    among = among_size(n, params["fit_sample"], params["among_sample_above"], True)
    search_dims = params.get("search_dims", 0)
    if search_dims >= params["dim"]:
        notes.append(
            f"search_dims {search_dims} is not below D = {params['dim']}: "
            "the fit sample is searched in all dimensions"
        )
        search_dims = 0
    if among:
        # Each point's neighbours among the fit sample: every one is a fitted point, so
        # the placement reads them all from this graph.
        method = params["method"]
        if search_dims:
            method = "pca"
        elif method not in ("exact", "faiss"):
            method = "exact" if n * among * params["dim"] <= EXACT_SEARCH_WORK else "faiss"
    return Plan(
        k,
        quality_k,
        max(1, min(k, fit_size - 1)),
        method,
        tuple(notes),
        fit_size=fit_size,
        fit_graph_k=graph_width(fit_size, k, umap_n_neighbors, perplexity),
        fit_graph_method=graph_method(fit_size, params["exact_max_n"], params["method"]),
        graph_among=among,
        search_dims=search_dims,
    )


# --------------------------------------------------------------------------------------
# Summary, columns, the graph, PCA


def _summary(context: StepContext, params: dict[str, Any]) -> Any:
    return summarize(context.dataset.vectors, context.dataset.labels, engine=context.engine)


def _columns(context: StepContext, params: dict[str, Any]) -> tuple[ColumnCoding, ...]:
    """How each metadata column is offered in the browser (colour, scale or text)."""
    dataset = context.dataset
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


def _graph_params(context: StepContext) -> dict[str, Any]:
    plan = context["plan"]
    spec = _graph_spec(context, plan.graph_k, plan.graph_method)
    if plan.graph_among:  # (only then: the graph of all N keeps the keys it had)
        spec["among"] = plan.graph_among
        if plan.search_dims:
            spec["search_dims"] = plan.search_dims
    return spec


def _graph_fingerprint(context: StepContext) -> dict[str, Any]:
    if not context["plan"].graph_among:
        return {}
    return {"fit_rows": array_key(context["fit-sample"])}


def _graph_spec(context: StepContext, k: int, method: str) -> dict[str, Any]:
    """A kNN graph step's parameters (the graph of all N, or the fit sample's)."""
    return {
        "k": k,
        "metric": context.config.neighbors.metric,
        "method": method,
        # The exact graph draws no random numbers: a new seed keeps it.
        "seed": context.config.seed * (method != "exact"),
    }


def _graph_of(context: StepContext, vectors: np.ndarray, params: dict[str, Any]) -> Any:
    return compute_knn_graph(
        vectors,
        params["k"],
        metric=params["metric"],
        method=params["method"],
        seed=context.config.seed,
        engine=context.engine,
    )


def _graph(context: StepContext, params: dict[str, Any]) -> Any:
    if "among" in params:
        return sample_knn_graph(
            context.dataset.vectors,
            context["fit-sample"],
            params["k"],
            metric=params["metric"],
            method=params["method"],
            seed=context.config.seed,
            engine=context.engine,
            dims=params.get("search_dims", 0),
        )
    return _graph_of(context, context.dataset.vectors, params)


def _decode_graph(arrays: Any, value: Any, context: StepContext, params: dict[str, Any]) -> Any:
    return records.decode_graph(
        arrays,
        value,
        n=context.dataset.n,
        k=params["k"],
        metric=params["metric"],
        among=params.get("among", 0),
    )


def _among_rows(context: StepContext) -> np.ndarray | None:
    """The rows the graph's neighbours were searched among (the fit sample), or None: all."""
    return context["fit-sample"] if context["plan"].graph_among else None


# --------------------------------------------------------------------------------------
# Large N: the fit sample and its own kNN graph


def _label_codes(context: StepContext) -> np.ndarray:
    labels = _labels(context)
    if labels is None:
        return np.zeros(context.dataset.n, dtype=np.int64)
    return np.asarray(labels.codes, dtype=np.int64)


def _fit_sample_fingerprint(context: StepContext) -> dict[str, Any]:
    # The sample is stratified by label: other labels, another sample.
    return {"labels": array_key(_label_codes(context))}


def _fit_sample(context: StepContext, params: dict[str, Any]) -> np.ndarray:
    return hash_sample(_label_codes(context), params["size"], params["seed"])


def _fit_graph_params(context: StepContext) -> dict[str, Any]:
    plan = context["plan"]
    return _graph_spec(context, plan.fit_graph_k, plan.fit_graph_method)


def _fit_graph(context: StepContext, params: dict[str, Any]) -> Any:
    rows = context["fit-sample"]
    return _graph_of(context, np.ascontiguousarray(context.dataset.vectors[rows]), params)


def _decode_fit_graph(arrays: Any, value: Any, context: StepContext, params: Any) -> Any:
    n = len(context["fit-sample"])
    return records.decode_graph(arrays, value, n=n, k=params["k"], metric=params["metric"])


def _fit_nearest_params(context: StepContext) -> dict[str, Any]:
    config = context.config
    params = {
        "metric": config.neighbors.metric,
        "method": config.neighbors.method,
        "seed": config.seed,
    }
    if context["plan"].search_dims:  # (only then: the other searches keep their keys)
        params["search_dims"] = context["plan"].search_dims
    return params


def _fit_nearest(context: StepContext, params: dict[str, Any]) -> Any:
    return nearest_fitted(
        context.dataset.vectors,
        context["fit-sample"],
        context["knn-graph"],
        metric=params["metric"],
        method=params["method"],
        seed=params["seed"],
        engine=context.engine,
        dims=params.get("search_dims", 0),
    )


def _decode_fit_nearest(arrays: Any, value: Any, context: StepContext, params: Any) -> Any:
    return records.decode_fit_nearest(
        arrays, value, n=context.dataset.n, m=len(context["fit-sample"])
    )


def _pca_wanted(context: StepContext) -> bool:
    return any("pca" in method.parents and method.selected(context.config) for method in methods())


def _pca(context: StepContext, params: dict[str, Any]) -> Any:
    # PCA draws no random numbers (its seed argument is only checked).
    return compute_pca(context.dataset.vectors, seed=context.config.seed, engine=context.engine)


def _decode_pca(arrays: Any, value: Any, context: StepContext, params: dict[str, Any]) -> Any:
    return records.decode_pca(arrays, value, n=context.dataset.n)


# --------------------------------------------------------------------------------------
# The views: one step per view of each registered projection method, then their quality


def _view_steps() -> list[Step]:
    steps = []
    for method in methods():
        for view in method.views:
            steps.append(_view_step(method, view))
    return steps


def _view_step(method: ProjectionMethod, view: ViewSpec) -> Step:
    def params(context: StepContext) -> dict[str, Any]:
        values = dict(method.params(context.config))
        if _fitted_on_sample(method, context):
            values[_PLACEMENT] = PLACEMENT
        return values

    def compute(context: StepContext, params: dict[str, Any]) -> Any:
        if not _fitted_on_sample(method, context):
            parents = {name: context[name] for name in method.parents}
            inputs = MethodInputs(
                context.dataset, parents, context.engine, advance=context.status.advance
            )
            return method.compute(inputs, view, params)
        rows = context["fit-sample"]
        parents = {name: _restricted(context, name, rows) for name in method.parents}
        inputs = MethodInputs(
            context.dataset, parents, context.engine, rows=rows, advance=context.status.advance
        )
        method_params = {name: value for name, value in params.items() if name != _PLACEMENT}
        fitted = method.compute(inputs, view, method_params)
        return place_projection(
            fitted,
            rows,
            context["fit-nearest"],
            context.config.seed,
            advance=context.status.advance,
        )

    def decode(arrays: Any, value: Any, context: StepContext, params: dict[str, Any]) -> Any:
        return records.decode_projection(
            arrays, value, n=context.dataset.n, key=view.key, dims=view.dims
        )

    # A method fitted on the sample also reads the sample's graph and every point's nearest
    # fitted point (when there is a sample).
    sample_parents = ("fit-graph", "fit-nearest") if method.fit_on_sample else ()
    return Step(
        view.key,
        compute,
        parents=(*(method.parents or (DATA,)), *sample_parents),
        params=params,
        fingerprint=lambda c: method.fingerprint(c.dataset, c.config),
        libraries=method.libraries,
        codec=Codec(records.encode_projection, decode) if method.cached else None,
        # A view that is a slice of its parent is reported on its parent's line.
        progress=view.key if method.cached else method.parents[0],
        wanted=lambda c: view.key in method.selected(c.config),
    )


# A parameter of a view fitted on the sample (absent without one): how the other points
# were placed, so that a change of placement is a new cache key.
_PLACEMENT = "placement"


def _fitted_on_sample(method: ProjectionMethod, context: StepContext) -> bool:
    return method.fit_on_sample and context.get("fit-sample") is not None


def _sampled_views(context: StepContext) -> set[str]:
    """The views fitted on the sample in this build (none without one)."""
    return {
        view.key
        for method in methods()
        if _fitted_on_sample(method, context)
        for view in method.views
    }


def _restricted(context: StepContext, name: str, rows: np.ndarray) -> Any:
    """A parent's result restricted to the fit sample's rows: the sample's own kNN graph,
    or the rows' coordinates of a layout (t-SNE's PCA start)."""
    if name == "knn-graph":
        return context["fit-graph"]
    value = context[name]
    if hasattr(value, "coordinates"):
        return replace(value, coordinates=np.ascontiguousarray(value.coordinates[rows]))
    raise RuntimeError(f"a method fitted on the sample cannot restrict its parent {name!r}")


def _quality_step() -> Step:
    """One step for every view's quality: the views share their query points, so one pass
    over the distances from them to all N ranks every view's neighbours (a changed view
    recomputes all of them, at about the cost of one view alone)."""

    def params(context: StepContext) -> dict[str, Any]:
        config = context.config
        return {
            "k": context["plan"].quality_k,
            "metric": config.neighbors.metric,
            "exact_max_n": config.projections.trustworthiness_exact_max_n,
            "sample_size": config.projections.trustworthiness_sample,
            "seed": config.seed,
        }

    def computed_views(context: StepContext) -> list[str]:
        return [view.key for view in all_views() if view.key in context.results]

    def compute(context: StepContext, params: dict[str, Any]) -> Any:
        keys = computed_views(context)
        sampled = _sampled_views(context)
        fitted = {key: context.get("fit-sample") if key in sampled else None for key in keys}
        rest = {name: value for name, value in params.items() if name != "k"}
        return compute_qualities(
            context.dataset.vectors,
            context["knn-graph"],
            {key: context[key].coordinates for key in keys},
            params["k"],
            engine=context.engine,
            fitted_rows=fitted,
            among=_among_rows(context),
            **rest,
        )

    def decode(arrays: Any, value: Any, context: StepContext, params: dict[str, Any]) -> Any:
        return records.decode_qualities(
            arrays, value, n=context.dataset.n, k=params["k"], keys=computed_views(context)
        )

    return Step(
        "quality",
        compute,
        parents=(*(view.key for view in all_views()), "knn-graph"),
        uses=("plan",),
        params=params,
        libraries=("numpy", "scipy"),
        codec=Codec(records.encode_qualities, decode),
        progress="quality",
        wanted=lambda c: bool(computed_views(c)),
    )


def _density_step(view: ViewSpec) -> Step:
    """The histogram of all N points of a 2D view that the browser samples (drawn under
    its sample). Not cached: one integer pass over N x 2 coordinates costs less than
    reading an entry back."""

    def wanted(context: StepContext) -> bool:
        projection = context.get(view.key)
        budget = context.config.render.max_points_2d
        return projection is not None and projection.dims == 2 and context.dataset.n > budget

    def compute(context: StepContext, params: dict[str, Any]) -> Any:
        return compute_density(view.key, context[view.key].coordinates, params["bins"])

    return Step(
        f"density-{view.key}",
        compute,
        parents=(view.key,),
        params=lambda c: {"bins": density_bins(c.dataset.n)},
        wanted=wanted,
    )


# --------------------------------------------------------------------------------------
# Clusters: k-means without the labels (so new labels reuse it), then their description


def _kmeans_params(context: StepContext) -> dict[str, Any]:
    config = context.config
    cfg = config.clusters
    return {
        "k": cfg.k,
        "metric": config.neighbors.metric,
        "k_min": cfg.k_min,
        "k_max": cfg.k_max,
        "k_beyond": _label_k_beyond(context),
        "silhouette_sample": cfg.silhouette_sample,
        "choose_sample": cfg.choose_sample,
        "blocked_above": cfg.blocked_above,
        "seed": config.seed,
    }


def _label_k_beyond(context: StepContext) -> list[int]:
    """The k above k_max the automatic choice also tries: up to the number of labels."""
    cfg = context.config.clusters
    labels = context.dataset.labels
    if cfg.k is not None or not cfg.follow_labels or labels is None:
        return []
    return list(label_k_candidates(len(set(labels)), cfg.k_max))


def _kmeans(context: StepContext, params: dict[str, Any]) -> Clustering:
    return compute_clusters(context.dataset.vectors, engine=context.engine, **params)


def _clusters_optional(context: StepContext) -> bool:
    # Too few points, or no automatic k fits: say so. A configured k that cannot work is
    # the user's to fix, so it stays an error.
    return context.dataset.n < 4 or context.config.clusters.k is None


def _decode_partition(arrays: Any, value: Any, context: StepContext, params: Any) -> Any:
    dataset = context.dataset
    return records.decode_partition(arrays, value, n=dataset.n, dim=dataset.dim)


def _texts(context: StepContext) -> list[str] | None:
    dataset = context.dataset
    return dataset.column(dataset.text_column).as_text() if dataset.text_column else None


def _describe_wanted(context: StepContext) -> bool:
    has_words = context.dataset.labels is not None or context.dataset.text_column is not None
    return context.get("clusters") is not None and has_words


def _clusters_labels_fingerprint(context: StepContext) -> dict[str, Any]:
    labels, texts = context.dataset.labels, _texts(context)
    return {
        "labels": None if labels is None else text_key(labels),
        "texts": None if texts is None else text_key(texts),
    }


def _describe_clusters(context: StepContext, params: dict[str, Any]) -> Clustering:
    # Cheap next to k-means, but it needs scikit-learn, which a cached rebuild can skip.
    return describe_clusters(
        context["clusters"], labels=context.dataset.labels, texts=_texts(context)
    )


def _decode_description(arrays: Any, value: Any, context: StepContext, params: Any) -> Any:
    return records.decode_description(arrays, value, partition=context["clusters"])


def _map_labels(
    views: tuple[View, ...], clustering: Clustering | None, labels: list[str] | None
) -> dict[str, dict[str, tuple[MapLabel, ...]]]:
    """Per 2D view, the texts written on its map: one per cluster ("clusters") and one per
    label class ("labels"), each at its group's anchor over all N points."""
    class_codes = class_names = None
    if labels is not None:
        class_names, class_codes = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
    found = {}
    for view in views:
        if view.projection.dims != 2:
            continue
        coordinates = view.projection.coordinates
        on_map: dict[str, tuple[MapLabel, ...]] = {}
        if clustering is not None:
            texts = cluster_texts(clustering)
            on_map["clusters"] = tuple(map_labels(coordinates, clustering.assignments, texts))
        if class_codes is not None and class_names is not None:
            names = [str(name) for name in class_names]
            on_map["labels"] = tuple(
                map_labels(coordinates, class_codes.reshape(-1), names, MAX_CLASS_LABELS)
            )
        found[view.key] = on_map
    return found


def _clustering(context: StepContext) -> Clustering | None:
    """k-means with its description when there is one."""
    return context.get("clusters-labels") or context.get("clusters")


# --------------------------------------------------------------------------------------
# Similarity by label (by cluster without labels) and the kNN confusion between groups


@dataclass(frozen=True)
class _Groups:
    by: str  # "label" or "cluster"
    codes: np.ndarray
    names: tuple[str, ...]


def _labels(context: StepContext) -> Categories | None:
    label_column = context.dataset.label_column
    return next((c.categories for c in context["columns"] if c.name == label_column), None)


def _groups(context: StepContext, params: dict[str, Any]) -> _Groups | None:
    """What the similarity and the kNN confusion group the points by: the labels, else the
    k-means clusters, else nothing."""
    labels = _labels(context)
    if labels is not None:
        return _Groups("label", np.asarray(labels.codes), tuple(labels.names))
    clustering = _clustering(context)
    if clustering is not None:
        return _Groups(
            "cluster", np.asarray(clustering.assignments), tuple(cluster_names(clustering))
        )
    return None


def _similarity_params(context: StepContext) -> dict[str, Any]:
    config = context.config
    return {
        "group_names": context["groups"].names,
        "sample_size": min(config.similarity.sample_size, context.dataset.n),
        "seed": config.seed,
    }


def _similarity_fingerprint(context: StepContext) -> dict[str, Any]:
    return {"groups": array_key(np.asarray(context["groups"].codes, dtype=np.int64))}


def _similarity(context: StepContext, params: dict[str, Any]) -> Any:
    codes = np.asarray(context["groups"].codes, dtype=np.int64)
    return compute_similarity(context.dataset.vectors, codes, engine=context.engine, **params)


def _decode_similarity(arrays: Any, value: Any, context: StepContext, params: Any) -> Any:
    return records.decode_similarity(
        arrays, value, n=context.dataset.n, group_names=tuple(params["group_names"])
    )


def _confusion(context: StepContext, params: dict[str, Any]) -> tuple[dict, ...]:
    groups = context["groups"]
    if groups is None:
        return ()
    graph, k = context["knn-graph"], context["plan"].k
    return tuple(knn_confusion(graph, groups.codes, k, group_names=groups.names))


# --------------------------------------------------------------------------------------
# Findings and the browser's samples


def _hubness(context: StepContext, params: dict[str, Any]) -> dict:
    return hubness(context["knn-graph"], params["k"], among=_among_rows(context))


def _decode_hubness(arrays: Any, value: Any, context: StepContext, params: Any) -> dict:
    plan = context["plan"]
    return records.decode_hubness(
        arrays, value, k=min(params["k"], plan.graph_k), n=context.dataset.n
    )


def _findings(context: StepContext, params: dict[str, Any]) -> Findings:
    graph, k, labels = context["knn-graph"], context["plan"].k, context.dataset.labels
    threshold = context.config.similarity.near_duplicate_threshold
    return Findings(
        knn_label_accuracy=knn_label_accuracy(graph, labels, k) if labels else None,
        near_duplicates=near_duplicates(graph, threshold),
        zero_vectors=zero_vectors(context.dataset.vectors, engine=context.engine),
        outliers=outliers(graph, k),
        hubness=context["hubness"],
    )


def _samples(context: StepContext, params: dict[str, Any]) -> dict[int, np.ndarray | None]:
    """The rows the 2D and 3D views show (None: all), stratified by label, seeded."""
    labels, n = _labels(context), context.dataset.n
    groups = labels.codes if labels is not None else np.zeros(n, dtype=np.uint8)
    render, seed = context.config.render, context.config.seed
    budgets = {2: render.max_points_2d, 3: render.max_points_3d}
    return {
        dims: None if n <= budget else stratified_sample(groups, budget, seed)
        for dims, budget in budgets.items()
    }


# --------------------------------------------------------------------------------------
# The Analysis: the results bundled in display order


def _assemble(context: StepContext) -> Analysis:
    plan = context["plan"]
    views = tuple(
        View(context[view.key], context["quality"][view.key])
        for view in all_views()
        if view.key in context.results
    )
    notes = [*plan.notes]
    notes.extend(f"{v.key}: {note}" for v in views for note in v.projection.notes)
    notes.extend(context.notes)
    columns = context["columns"]
    clustering = _clustering(context)
    if clustering is not None:
        codes = clustering.assignments.astype(np.uint8 if clustering.k <= 256 else np.uint16)
        names = tuple(cluster_names(clustering))
        cluster_column = ColumnCoding(
            CLUSTER_COLUMN, "category", Categories(codes, names, other=False)
        )
        columns = (*columns, cluster_column)
    pca = context.get("pca")
    groups = context["groups"]
    samples = context["samples"]
    densities = {
        view.key: context[f"density-{view.key}"]
        for view in views
        if context.get(f"density-{view.key}") is not None
    }
    return Analysis(
        map_labels=MappingProxyType(_map_labels(views, clustering, context.dataset.labels)),
        summary=context["summary"],
        graph=context["knn-graph"],
        k=plan.k,
        views=views,
        pca_variance=pca.explained_variance_ratio if pca is not None else (),
        sample_2d=samples[2],
        sample_3d=samples[3],
        densities=MappingProxyType(densities),
        labels=_labels(context),
        columns=columns,
        clustering=clustering,
        similarity=context.get("similarity"),
        similarity_by=groups.by if groups is not None else None,
        knn_confusion=context["knn-confusion"],
        findings=context["findings"],
        comparison=context.get("comparison"),
        drift=_drift_with_map(context),
        notes=tuple(notes),
        skipped=MappingProxyType(dict(context.skipped)),
    )


# --------------------------------------------------------------------------------------
# What changed against another run


def _comparing(context: StepContext) -> bool:
    return context.other is not None


def _matching(context: StepContext) -> bool:
    """Comparing the same items (rows matched): compare.html's per-item measures."""
    return _comparing(context) and context.get("compare-match") is not None


def _drifting(context: StepContext) -> bool:
    """Comparing two different sets of items (no match): compare.html's drift measures."""
    return _comparing(context) and context.get("compare-match") is None


def _compare_match(context: StepContext, params: dict[str, Any]) -> RowMatch | None:
    """Which rows of the two runs are one item; None for two different sets of items."""
    dataset, other = context.dataset, context.other
    assert other is not None  # wanted only then
    column, as_sets = context.config.compare.id_column, context.config.compare.sets
    if as_sets and column is not None:
        raise ConfigError(
            "--compare-sets compares two different sets of items and --id-column matches "
            "the same items: give one of them"
        )
    ids_a = ids_b = None
    if column is not None:
        ids_a = _id_values(dataset, column, "this run")
        ids_b = _id_values(other, column, "the run compared with")
    match = None if as_sets else match_rows(dataset.n, other.n, ids_a, ids_b)
    if match is None:
        # Two different sets of items: compared as two samples of one space (drift).
        if dataset.dim != other.dim:
            raise ConfigError(
                f"this run has {dataset.n} rows of {dataset.dim} dimensions and the run "
                f"compared with {other.n} of {other.dim}: their rows cannot be matched by "
                "position, and two different sets of items are compared in one space, which "
                "needs the same dimension; give --id-column to match the same items"
            )
        return None
    if len(match.rows_a) <= context.config.compare.k:
        raise ConfigError(
            f"only {len(match.rows_a)} items are in both runs: comparing "
            f"{context.config.compare.k} neighbours needs more (lower --compare-k)"
        )
    return match


def _id_values(dataset: Dataset, column: str, run: str) -> list[str]:
    """The id column of one run, unique (else an InputError naming the run's file, the
    row the id repeats on and the column)."""
    try:
        ids = dataset.column(column).as_text()
    except KeyError:
        names = ", ".join(c.name for c in dataset.columns) or "none"
        raise ConfigError(
            f"--id-column {column!r}: {run} has no such column (its columns: {names})"
        ) from None
    duplicate = first_duplicate(ids)
    if duplicate is not None:
        item, first, row = duplicate
        files = [s.name for s in dataset.sources if s.role == "metadata"] or [
            s.name for s in dataset.sources
        ]
        raise InputError(
            f"id {item!r} of {run} is on rows {first} and {row}: ids must be unique",
            path=files[0] if files else None,
            row=row,
            column=column,
        )
    return ids


def _all_in_order(rows: np.ndarray, n: int) -> bool:
    """Whether matched ``rows`` are all ``n`` rows of a run, in order."""
    return len(rows) == n and bool(np.all(rows == np.arange(n)))


def _whole_match(context: StepContext) -> bool:
    """Whether the runs match row for row over all of this run's rows (then this run's
    own kNN graph is the one to compare, when it lists neighbours among all N)."""
    return _all_in_order(context["compare-match"].rows_a, context.dataset.n)


def _compare_graph_a_wanted(context: StepContext) -> bool:
    if not _matching(context):
        return False
    graph = context["knn-graph"]
    usable = graph.among == 0 and graph.k >= context.config.compare.k
    return not (usable and _whole_match(context))


def _compare_graph_params(context: StepContext) -> dict[str, Any]:
    n = len(context["compare-match"].rows_a)
    neighbors = context.config.neighbors
    method = graph_method(n, neighbors.exact_max_n, neighbors.method)
    # Wide enough for the other run's UMAP too, when its map is drawn (sliced to k for the
    # overlap).
    width = context.config.compare.k
    if _compare_map_wanted(context) and not _compare_map_sampled(context):
        width = max(width, context.config.umap.n_neighbors - 1)
    return _graph_spec(context, min(width, n - 1), method)


def _compare_map_wanted(context: StepContext) -> bool:
    """Whether the other run gets a UMAP 2D beside this one's (compare.html)."""
    return _matching(context) and context.get("umap-2d") is not None


def _compare_map_sampled(context: StepContext) -> bool:
    """Whether the other run's map is fitted on the maps' sample alone (above
    COMPARE_MAP_MAX matched items) rather than on all of them."""
    return len(context["compare-match"].rows_a) > COMPARE_MAP_MAX


def _map_items(context: StepContext) -> np.ndarray:
    return map_sample(len(context["compare-match"].rows_a), context.config.seed)


def _map_umap_params(context: StepContext) -> dict[str, Any]:
    """The build's UMAP settings, for the comparison's maps."""
    umap = context.config.umap
    return {
        "n_neighbors": umap.n_neighbors,
        "min_dist": umap.min_dist,
        "n_epochs": umap.n_epochs,
        "seed": context.config.seed,
    }


def _compare_map_params(context: StepContext) -> dict[str, Any]:
    return {
        **_map_umap_params(context),
        "sampled": _compare_map_sampled(context),
        "map_points": MAP_POINTS,
    }


def _compare_map_fingerprint(context: StepContext) -> dict[str, Any]:
    start = context["umap-2d"].coordinates[context["compare-match"].rows_a]
    return {**_compare_other_fingerprint(context), "start": array_key(start)}


def _compare_map(context: StepContext, params: dict[str, Any]) -> np.ndarray:
    """float32 (S, 2): the other run's UMAP 2D of the maps' S sampled items (``map_sample``),
    started from this run's map of them, so that an item that did not move stays where it
    was. Up to COMPARE_MAP_MAX matched items the UMAP is of all of them over the other run's
    graph (the sample's rows are kept); above, of the sample alone over its own exact graph."""
    from reportgen.analysis.projections.umap import compute_umap

    other = context.other
    assert other is not None
    match = context["compare-match"]
    items = _map_items(context)
    start = context["umap-2d"].coordinates[match.rows_a].astype(np.float64)
    umap = {key: params[key] for key in ("n_neighbors", "min_dist", "n_epochs", "seed")}
    if not params["sampled"]:
        projection = compute_umap(
            _matched(other.vectors, match.rows_b),
            context["compare-graph-b"],
            2,
            start=start,
            **umap,
        )
        return projection.coordinates[items]
    vectors = np.ascontiguousarray(other.vectors[match.rows_b[items]], dtype=np.float32)
    graph = compute_knn_graph(
        vectors,
        min(params["n_neighbors"] - 1, len(vectors) - 1),
        metric=context.config.neighbors.metric,
        method="exact",
        seed=context.config.seed,
    )
    return compute_umap(vectors, graph, 2, start=start[items], **umap).coordinates


def _decode_compare_map(arrays: Any, value: Any, context: StepContext, params: Any) -> Any:
    coordinates = arrays["coordinates"]
    if coordinates.shape != (len(_map_items(context)), 2):
        raise ValueError("a cached map of other rows")
    return coordinates


def _compare_rows_fingerprint(context: StepContext) -> dict[str, Any]:
    match = context["compare-match"]
    return {"rows": array_key(match.rows_a)}


def _compare_other_fingerprint(context: StepContext) -> dict[str, Any]:
    match, other = context["compare-match"], context.other
    assert other is not None
    return {"other": array_key(other.vectors), "rows": array_key(match.rows_b)}


def _matched(vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """A run's matched rows: the run itself when they are all its rows in order (no copy)."""
    if _all_in_order(rows, len(vectors)):
        return vectors
    return np.ascontiguousarray(vectors[rows])


def _compare_graph_a(context: StepContext, params: dict[str, Any]) -> Any:
    rows = context["compare-match"].rows_a
    return _graph_of(context, _matched(context.dataset.vectors, rows), params)


def _compare_graph_b(context: StepContext, params: dict[str, Any]) -> Any:
    other = context.other
    assert other is not None
    rows = context["compare-match"].rows_b
    # The other run is in this process (read by the client, whatever the engine).
    return compute_knn_graph(
        _matched(other.vectors, rows),
        params["k"],
        metric=params["metric"],
        method=params["method"],
        seed=context.config.seed,
    )


def _decode_compare_graph(arrays: Any, value: Any, context: StepContext, params: Any) -> Any:
    n = len(context["compare-match"].rows_a)
    return records.decode_graph(arrays, value, n=n, k=params["k"], metric=params["metric"])


def _compare_clusters_params(context: StepContext) -> dict[str, Any]:
    params = _kmeans_params(context)
    # The other run is clustered into as many clusters as this one has: their agreement
    # is then a comparison of two partitions of one size.
    return {**params, "k": context["clusters"].k}


def _compare_clusters(context: StepContext, params: dict[str, Any]) -> Clustering:
    other = context.other
    assert other is not None
    rows = context["compare-match"].rows_b
    return compute_clusters(_matched(other.vectors, rows), **params)


def _decode_compare_partition(arrays: Any, value: Any, context: StepContext, params: Any) -> Any:
    other = context.other
    assert other is not None
    n = len(context["compare-match"].rows_b)
    return records.decode_partition(arrays, value, n=n, dim=other.dim)


def _comparison(context: StepContext, params: dict[str, Any]) -> Comparison:
    config = context.config
    match = context["compare-match"]
    k = config.compare.k
    graph_a = context.get("compare-graph-a") or context["knn-graph"]
    graph_b = context["compare-graph-b"]
    labels = context.dataset.labels
    matched_labels = None if labels is None else [labels[i] for i in match.rows_a]
    clusters_a, clusters_b = context.get("clusters"), context.get("compare-clusters")
    other = context.other
    assert other is not None
    return compare_runs(
        match,
        _matched(context.dataset.vectors, match.rows_a),
        _matched(other.vectors, match.rows_b),
        graph_a.indices[:, :k],
        graph_b.indices[:, :k],
        labels=matched_labels,
        clusters_a=None if clusters_a is None else clusters_a.assignments[match.rows_a],
        clusters_b=None if clusters_b is None else clusters_b.assignments,
        graph_a=graph_a,
        graph_b=graph_b,
        seed=config.seed,
        map_a=None
        if context.get("compare-map") is None
        else (context["umap-2d"].coordinates[match.rows_a[_map_items(context)]]),
        map_b=context.get("compare-map"),
        map_items=None if context.get("compare-map") is None else _map_items(context),
        map_sampled=_compare_map_sampled(context),
        sources=other.sources,
    )


def _other(context: StepContext) -> Dataset:
    other = context.other
    assert other is not None  # the compare steps are wanted only then
    return other


def _other_labels(context: StepContext) -> list[str] | None:
    """The other run's labels: its column of this run's label column's name, if it has one
    (a Parquet or CSV run, a Projector config's metadata, --compare-metadata)."""
    column = context.dataset.label_column
    if column is None or context.dataset.labels is None:
        return None
    try:
        return _other(context).column(column).as_text()
    except KeyError:
        return None


def _drift_params(context: StepContext) -> dict[str, Any]:
    return {
        "metric": context.config.neighbors.metric,
        "seed": context.config.seed,
        "label_column": context.dataset.label_column,
    }


def _drift_fingerprint(context: StepContext) -> dict[str, Any]:
    labels_a, labels_b = context.dataset.labels, _other_labels(context)
    return {
        "other": array_key(_other(context).vectors),
        "labels_a": None if labels_a is None or labels_b is None else text_key(labels_a),
        "labels_b": None if labels_b is None else text_key(labels_b),
    }


def _drift(context: StepContext, params: dict[str, Any]) -> Drift:
    labels_b = _other_labels(context)
    return drift_numbers(
        context.dataset.vectors,
        _other(context).vectors,
        metric=params["metric"],
        labels_a=context.dataset.labels if labels_b is not None else None,
        labels_b=labels_b,
        seed=params["seed"],
    )


def _decode_drift(arrays: Any, value: Any, context: StepContext, params: Any) -> Drift:
    return Drift.from_json(value)


def _drift_map_params(context: StepContext) -> dict[str, Any]:
    config = context.config
    return {
        **_map_umap_params(context),
        "metric": config.neighbors.metric,
        "points": DRIFT_MAP_POINTS,
    }


def _drift_map(
    context: StepContext, params: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded samples of both sets on one UMAP 2D (fitted on both): float32 (S, 2) with
    this run's points first, int8 (S,) 0 for this run, 1 for the other, and int64 (S,)
    each point's row in its own run."""
    from reportgen.analysis.projections.umap import compute_umap

    a, b = context.dataset.vectors, _other(context).vectors
    seed, size = params["seed"], params["points"]
    rows_a, rows_b = set_sample(len(a), size, seed), set_sample(len(b), size, seed + 1)
    pooled = np.ascontiguousarray(np.vstack([a[rows_a], b[rows_b]]), dtype=np.float32)
    graph = compute_knn_graph(
        pooled,
        min(params["n_neighbors"] - 1, len(pooled) - 1),
        metric=params["metric"],
        method="exact",
        seed=seed,
    )
    umap = {key: params[key] for key in ("n_neighbors", "min_dist", "n_epochs", "seed")}
    projection = compute_umap(pooled, graph, 2, **umap)
    sets = np.r_[np.zeros(len(rows_a), dtype=np.int8), np.ones(len(rows_b), dtype=np.int8)]
    return projection.coordinates, sets, np.r_[rows_a, rows_b]


def _decode_drift_map(arrays: Any, value: Any, context: StepContext, params: Any) -> Any:
    return arrays["points"], arrays["sets"], arrays["rows"]


def _drift_with_map(context: StepContext) -> Drift | None:
    drift = context.get("drift")
    if drift is None:
        return None
    drift = replace(drift, sources=tuple(_other(context).sources))
    shared = context.get("drift-map")
    if shared is None:
        return drift
    points, sets, rows = shared
    return replace(drift, map_points=points, map_sets=sets, map_rows=rows)


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
