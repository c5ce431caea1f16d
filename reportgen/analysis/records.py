"""The cacheable results as stored records, and back: numeric arrays + plain JSON values.

Each ``encode_*`` splits a result into ``(arrays, value)``: the arrays keep their exact
dtype and bytes, ``value`` holds the rest as JSON (floats round-trip exactly). Each
``decode_*`` rebuilds the result and checks it against what the build expects (dtype,
shape, ranges, field types), raising ValueError, KeyError or TypeError on anything that does
not fit, so that a damaged or foreign entry is recomputed rather than trusted. Pure
functions: the cache (``reportgen.cache``) does the file work.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from reportgen.analysis.clusters import Clustering, keyword_names
from reportgen.analysis.neighbors import KnnGraph
from reportgen.analysis.projections import PcaResult, Projection
from reportgen.analysis.quality import PartQuality, ProjectionQuality
from reportgen.analysis.scale import FitNearest
from reportgen.analysis.similarity import Similarity

Arrays = Mapping[str, np.ndarray]
Record = tuple[dict[str, np.ndarray], dict[str, Any]]


def encode_graph(graph: KnnGraph) -> Record:
    arrays = {
        "indices": graph.indices,
        "distances": graph.distances,
        "similarities": graph.similarities,
    }
    value = {
        "metric": graph.metric,
        "method": graph.method,
        "recall": graph.recall,
        "probe_size": graph.probe_size,
    }
    if graph.among:
        value["among"] = graph.among
    if graph.search_dims:
        value["search_dims"] = graph.search_dims
    return arrays, value


def decode_graph(
    arrays: Arrays, value: Any, *, n: int, k: int, metric: str, among: int = 0
) -> KnnGraph:
    indices = _array(arrays, "indices", np.int32, (n, k))
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        raise ValueError("neighbour index out of range")
    graph = KnnGraph(
        indices=indices,
        distances=_array(arrays, "distances", np.float32, (n, k)),
        similarities=_array(arrays, "similarities", np.float32, (n, k)),
        metric=_text(value, "metric"),
        method=_text(value, "method"),
        recall=None if value["recall"] is None else _float(value, "recall"),
        probe_size=_int(value, "probe_size"),
        among=_int(value, "among") if "among" in value else 0,
        search_dims=_int(value, "search_dims") if "search_dims" in value else 0,
    )
    if (graph.method == "pca") != (graph.search_dims > 0):
        raise ValueError(f"graph search dims {graph.search_dims} do not fit {graph.method!r}")
    if graph.among != among:
        raise ValueError(f"graph among {graph.among} points, expected {among}")
    if graph.metric != metric:
        raise ValueError(f"graph metric {graph.metric!r}, expected {metric!r}")
    if (graph.method == "exact") != (graph.recall is None) or not 0 <= (graph.recall or 0) <= 1:
        raise ValueError(f"graph recall {graph.recall!r} does not fit method {graph.method!r}")
    return graph


def encode_fit_nearest(nearest: FitNearest) -> Record:
    value = {
        "searched": nearest.searched,
        "method": nearest.method,
        "recall": nearest.recall,
        "tune_size": nearest.tune_size,
    }
    if nearest.search_dims:
        value["search_dims"] = nearest.search_dims
    return {"positions": nearest.positions}, value


def decode_fit_nearest(arrays: Arrays, value: Any, *, n: int, m: int) -> FitNearest:
    positions = _array(arrays, "positions", np.int32, (n,))
    if positions.size and (positions.min() < 0 or positions.max() >= m):
        raise ValueError("fit sample position out of range")
    nearest = FitNearest(
        positions=positions,
        searched=_int(value, "searched"),
        method=_text(value, "method"),
        recall=None if value["recall"] is None else _float(value, "recall"),
        tune_size=_int(value, "tune_size"),
        search_dims=_int(value, "search_dims") if "search_dims" in value else 0,
    )
    if nearest.method not in ("", "exact", "faiss", "pca"):
        raise ValueError(f"unknown search method {nearest.method!r}")
    if (nearest.method == "pca") != (nearest.search_dims > 0):
        raise ValueError(f"search dims {nearest.search_dims} do not fit {nearest.method!r}")
    return nearest


def encode_pca(pca: PcaResult) -> Record:
    value = {"explained_variance_ratio": list(pca.explained_variance_ratio), "notes": pca.notes}
    return {"coordinates": pca.coordinates}, value


def decode_pca(arrays: Arrays, value: Any, *, n: int) -> PcaResult:
    return PcaResult(
        coordinates=_array(arrays, "coordinates", np.float32, (n, 3)),
        explained_variance_ratio=tuple(_floats(value, "explained_variance_ratio")),
        notes=_texts(value, "notes"),
    )


def encode_projection(projection: Projection) -> Record:
    value = {
        "key": projection.key,
        "method": projection.method,
        "parameters": projection.parameters,
        "notes": projection.notes,
        "axis_titles": projection.axis_titles,
    }
    return {"coordinates": projection.coordinates}, value


def decode_projection(arrays: Arrays, value: Any, *, n: int, key: str, dims: int) -> Projection:
    coordinates = _array(arrays, "coordinates", np.float32, (n, dims))
    if not np.isfinite(coordinates).all():
        raise ValueError("non-finite coordinates")
    if _text(value, "key") != key:
        raise ValueError(f"projection {value['key']!r}, expected {key!r}")
    parameters = value["parameters"]
    if not isinstance(parameters, dict):
        raise TypeError("parameters must be a mapping")
    return Projection(
        key=key,
        method=_text(value, "method"),
        coordinates=coordinates,
        parameters=parameters,
        notes=_texts(value, "notes"),
        axis_titles=_texts(value, "axis_titles"),
    )


def encode_quality(quality: ProjectionQuality) -> Record:
    value = {
        "k": quality.k,
        "knn_recall": quality.knn_recall,
        "trustworthiness": quality.trustworthiness,
        "trustworthiness_sample": quality.trustworthiness_sample,
        "parts": [dataclasses.asdict(part) for part in quality.parts],
    }
    return {"preservation": quality.preservation}, value


def decode_quality(arrays: Arrays, value: Any, *, n: int, k: int) -> ProjectionQuality:
    if _int(value, "k") != k:
        raise ValueError(f"quality k={value['k']}, expected {k}")
    sample = value["trustworthiness_sample"]
    return ProjectionQuality(
        k=k,
        knn_recall=_float(value, "knn_recall"),
        trustworthiness=_float(value, "trustworthiness"),
        trustworthiness_sample=None if sample is None else _int(value, "trustworthiness_sample"),
        preservation=_array(arrays, "preservation", np.float32, (n,)),
        parts=tuple(
            PartQuality(
                name=_text(part, "name"),
                points=_int(part, "points"),
                knn_recall=_float(part, "knn_recall"),
                trustworthiness=_float(part, "trustworthiness"),
                queries=_int(part, "queries"),
            )
            for part in value["parts"]
        ),
    )


def encode_qualities(qualities: Mapping[str, ProjectionQuality]) -> Record:
    """Every view's quality in one record: view -> its ``encode_quality`` value, and its
    arrays under "view.name"."""
    arrays, value = {}, {}
    for key, quality in qualities.items():
        view_arrays, value[key] = encode_quality(quality)
        arrays.update({f"{key}.{name}": array for name, array in view_arrays.items()})
    return arrays, value


def decode_qualities(
    arrays: Arrays, value: Any, *, n: int, k: int, keys: list[str]
) -> dict[str, ProjectionQuality]:
    if not isinstance(value, dict) or sorted(value) != sorted(keys):
        raise ValueError(f"qualities of {sorted(value)!r}, expected {sorted(keys)!r}")
    decoded = {}
    for key in keys:
        prefix = f"{key}."
        view_arrays = {
            name[len(prefix) :]: array for name, array in arrays.items() if name.startswith(prefix)
        }
        decoded[key] = decode_quality(view_arrays, value[key], n=n, k=k)
    return decoded


def encode_partition(clustering: Clustering) -> Record:
    """The clustering's label-free part (what k-means and the silhouettes cost); the
    comparison with labels and the keywords are recomputed (``describe_clusters``)."""
    arrays = {
        "assignments": clustering.assignments,
        "centroids": clustering.centroids,
        "distance_to_centroid": clustering.distance_to_centroid,
    }
    value = {
        "sizes": clustering.sizes,
        "metric": clustering.metric,
        "method": clustering.method,
        "k_curve": clustering.k_curve,
        "choice_reason": clustering.choice_reason,
        "choice_sample_size": clustering.choice_sample_size,
        "silhouette": clustering.silhouette,
        "silhouette_per_cluster": clustering.silhouette_per_cluster,
        "silhouette_sample_size": clustering.silhouette_sample_size,
        "representatives": clustering.representatives,
    }
    return arrays, value


def decode_partition(arrays: Arrays, value: Any, *, n: int, dim: int) -> Clustering:
    """A Clustering with no label comparison and no keywords (see ``describe_clusters``)."""
    sizes = tuple(_int_list(value, "sizes"))
    k = len(sizes)
    if k < 1 or sum(sizes) != n:
        raise ValueError(f"cluster sizes {sizes} do not add up to N = {n}")
    assignments = _array(arrays, "assignments", np.int32, (n,))
    if not np.array_equal(np.bincount(assignments, minlength=k), sizes):
        raise ValueError("assignments do not match the cluster sizes")
    per_cluster = value["silhouette_per_cluster"]
    representatives = value["representatives"]
    if len(per_cluster) != k or len(representatives) != k:
        raise ValueError("per-cluster lists do not have one entry per cluster")
    silhouette = value["silhouette"]
    choice_size = value["choice_sample_size"]
    if choice_size is not None and not 1 <= _int(value, "choice_sample_size") <= n:
        raise ValueError(f"choice sample of {choice_size} rows, expected 1..N = {n}")
    return Clustering(
        assignments=assignments,
        sizes=sizes,
        centroids=_array(arrays, "centroids", np.float32, (k, dim)),
        distance_to_centroid=_array(arrays, "distance_to_centroid", np.float32, (n,)),
        metric=_text(value, "metric"),
        method=_text(value, "method"),
        k_curve=tuple((int(kk), float(score)) for kk, score in value["k_curve"]),
        choice_reason=_text(value, "choice_reason"),
        choice_sample_size=choice_size,
        silhouette=None if silhouette is None else float(silhouette),
        silhouette_per_cluster=tuple(None if s is None else float(s) for s in per_cluster),
        silhouette_sample_size=_int(value, "silhouette_sample_size"),
        representatives=tuple(tuple(_index(i, n) for i in row) for row in representatives),
    )


def encode_description(clustering: Clustering) -> Record:
    """What ``describe_clusters`` adds: the comparison with the labels and the keywords."""
    arrays = {} if clustering.contingency is None else {"contingency": clustering.contingency}
    value = {
        "ari": clustering.ari,
        "nmi": clustering.nmi,
        "homogeneity": clustering.homogeneity,
        "completeness": clustering.completeness,
        "label_names": clustering.label_names,
        "keywords": clustering.keywords,
    }
    return arrays, value


def decode_description(arrays: Arrays, value: Any, *, partition: Clustering) -> Clustering:
    """``partition`` (from ``decode_partition``) with its stored description."""
    k = partition.k
    names = value["label_names"]
    scores = {name: value[name] for name in ("ari", "nmi", "homogeneity", "completeness")}
    if names is None:
        if "contingency" in arrays or any(score is not None for score in scores.values()):
            raise ValueError("label scores without label names")
        contingency = None
    else:
        names = _texts(value, "label_names")
        contingency = _array(arrays, "contingency", np.int64, (k, len(names)))
        scores = {name: _float(value, name) for name in scores}
    keywords = value["keywords"]
    if keywords is not None:
        if not isinstance(keywords, list) or len(keywords) != k:
            raise ValueError("keywords must list one tuple per cluster")
        keywords = tuple(_texts({"terms": terms}, "terms") for terms in keywords)
    return dataclasses.replace(
        partition,
        **scores,
        contingency=contingency,
        label_names=None if names is None else tuple(names),
        keywords=keywords,
        names=keyword_names(keywords),
    )


def decode_hubness(arrays: Arrays, value: Any, *, k: int, n: int) -> dict:
    """``findings.hubness``'s plain result, checked."""
    if _int(value, "k") != k or set(value) != {"k", "skewness", "top_hubs"}:
        raise ValueError("hubness record does not fit")
    hubs = value["top_hubs"]
    if not isinstance(hubs, list):
        raise TypeError("top_hubs must be a list")
    for hub in hubs:
        if set(hub) != {"row", "occurrences"}:
            raise ValueError("a hub must have a row and its occurrences")
        _index(hub["row"], n)
        _int(hub, "occurrences")
    return {"k": k, "skewness": _float(value, "skewness"), "top_hubs": hubs}


def encode_similarity(similarity: Similarity) -> Record:
    arrays = {
        "centroid_similarity": similarity.centroid_similarity,
        "sample_rows": similarity.sample_rows,
        "sample_similarity": similarity.sample_similarity,
        "sample_similarity_u8": similarity.sample_similarity_u8,
    }
    value = {
        name: getattr(similarity, name)
        for name in (
            "group_names",
            "group_sizes",
            "centroid_order",
            "ordered_names",
            "bin_edges",
            "within_hist",
            "between_hist",
            "within_mean",
            "between_mean",
            "within_mean_per_group",
            "confusable_pairs",
        )
    }
    return arrays, value


def decode_similarity(
    arrays: Arrays, value: Any, *, n: int, group_names: tuple[str, ...]
) -> Similarity:
    names = _texts(value, "group_names")
    if names != tuple(group_names):
        raise ValueError("the groups differ")
    groups = len(names)
    rows = arrays["sample_rows"]
    s = rows.shape[0] if rows.ndim == 1 else -1
    sample_rows = _array(arrays, "sample_rows", np.int64, (s,))
    if s and (sample_rows.min() < 0 or sample_rows.max() >= n):
        raise ValueError("sample row out of range")
    within_per_group = value["within_mean_per_group"]
    pairs = value["confusable_pairs"]
    if len(within_per_group) != groups or not all(isinstance(p, dict) for p in pairs):
        raise ValueError("per-group lists do not fit the groups")

    def optional(item: Any) -> float | None:
        return None if item is None else float(item)

    return Similarity(
        group_names=names,
        group_sizes=tuple(_int_list(value, "group_sizes")),
        centroid_order=tuple(_int_list(value, "centroid_order")),
        ordered_names=_texts(value, "ordered_names"),
        centroid_similarity=_array(arrays, "centroid_similarity", np.float32, (groups, groups)),
        sample_rows=sample_rows,
        sample_similarity=_array(arrays, "sample_similarity", np.float32, (s, s)),
        sample_similarity_u8=_array(arrays, "sample_similarity_u8", np.uint8, (s, s)),
        bin_edges=tuple(_floats(value, "bin_edges")),
        within_hist=tuple(_int_list(value, "within_hist")),
        between_hist=tuple(_int_list(value, "between_hist")),
        within_mean=optional(value["within_mean"]),
        between_mean=optional(value["between_mean"]),
        within_mean_per_group=tuple(optional(item) for item in within_per_group),
        confusable_pairs=tuple(pairs),
    )


# --- checks ----------------------------------------------------------------------------------


def _array(arrays: Arrays, name: str, dtype: type, shape: tuple[int, ...]) -> np.ndarray:
    array = arrays[name]
    if array.dtype != dtype or array.shape != shape:
        raise ValueError(
            f"{name} is {array.dtype} {array.shape}, expected {np.dtype(dtype)} {shape}"
        )
    return np.ascontiguousarray(array)


def _text(value: Any, name: str) -> str:
    item = value[name]
    if not isinstance(item, str):
        raise TypeError(f"{name} must be text")
    return item


def _texts(value: Any, name: str) -> tuple[str, ...]:
    items = value[name]
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise TypeError(f"{name} must be a list of text")
    return tuple(items)


def _int(value: Any, name: str) -> int:
    item = value[name]
    if isinstance(item, bool) or not isinstance(item, int):
        raise TypeError(f"{name} must be an integer")
    return item


def _int_list(value: Any, name: str) -> list[int]:
    items = value[name]
    if not isinstance(items, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in items
    ):
        raise TypeError(f"{name} must be a list of integers")
    return items


def _float(value: Any, name: str) -> float:
    item = value[name]
    if isinstance(item, bool) or not isinstance(item, (int, float)):
        raise TypeError(f"{name} must be a number")
    return float(item)


def _floats(value: Any, name: str) -> list[float]:
    items = value[name]
    if not isinstance(items, list):
        raise TypeError(f"{name} must be a list of numbers")
    return [float(item) for item in items]


def _index(item: Any, n: int) -> int:
    if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item < n:
        raise ValueError(f"row index {item!r} out of range")
    return item
