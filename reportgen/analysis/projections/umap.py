"""UMAP (umap-learn) over the build's kNN graph: views "umap-2d" and "umap-3d"."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from reportgen.analysis.projections.base import (
    ConfigSection,
    MethodInputs,
    Projection,
    ProjectionMethod,
    ViewSpec,
    axes_by_method,
    check_components,
    check_graph,
    check_vectors,
    fit_n_neighbors,
)
from reportgen.config.declare import option
from reportgen.errors import AnalysisError
from reportgen.validation import NONE, SEED, Interval, validate_params

if TYPE_CHECKING:
    from reportgen.analysis.neighbors import KnnGraph
    from reportgen.config import Config

# UMAP's spectral initialisation needs the eigensolver's Lanczos basis (2 x (dims + 1) + 1
# vectors) to fit into N: below that, scipy fails outright (N <= dims + 1) or falls back to
# a dense solver. Smaller sets start from umap-learn's seeded random layout instead.
_UMAP_MIN_N_SPECTRAL = {2: 7, 3: 9}

# umap-learn's default number of epochs: 500 up to 10,000 points, else 200.
_UMAP_SMALL_N = 10_000

# compute_umap's parameters; the [umap] options point at the same constraints.
UMAP_PARAMETERS = {
    "n_neighbors": (Interval(int, 2),),
    "min_dist": (Interval(float, 0.0, 1.0),),
    "n_epochs": (Interval(int, 1), NONE),
    "seed": SEED,
}


@dataclass(frozen=True)
class UmapConfig:
    """umap-learn's parameters."""

    n_neighbors: int = option(
        15,
        "size of the local neighbourhood UMAP preserves",
        constraint=UMAP_PARAMETERS["n_neighbors"],
    )
    min_dist: float = option(
        0.1, "how tightly UMAP packs points together", constraint=UMAP_PARAMETERS["min_dist"]
    )
    n_epochs: int | None = option(
        None,
        "optimisation epochs (default: umap-learn's, 500 up to 10,000 points, else 200)",
        constraint=UMAP_PARAMETERS["n_epochs"],
    )


def compute_umap(
    vectors: np.ndarray,
    graph: KnnGraph,
    n_components: int,
    *,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    n_epochs: int | None = None,
    seed: int = 0,
    start: np.ndarray | None = None,
) -> Projection:
    """UMAP ("umap-2d" or "umap-3d") of the vectors over the build's kNN graph.

    umap-learn gets the graph through ``precomputed_knn`` (the point itself in column 0,
    then its n_neighbors - 1 nearest), so it never searches for neighbours itself. It is
    seeded, which makes umap-learn optimise on one thread and the result reproducible.
    ``n_neighbors`` is lowered to fit N and the graph (with a note). Below 7 points (2D) or
    9 (3D) the spectral initialisation fails (N <= dims + 1) or runs outside its
    eigensolver's range, so UMAP starts from its seeded random layout (with a note); if the
    spectral eigensolver fails on larger data, umap-learn falls back to the same and the
    note says so. Points whose neighbours are all at the
    metric's maximum distance are kept connected (``disconnection_distance=inf``) so that
    every coordinate is finite.

    Cost: umap-learn compiles its numba kernels on first use in a process (~10-30 s); it
    validates, hashes and copies ``vectors`` (one or two transient N x D float32 copies).

    Args:
        vectors: float32 (N, D), the vectors ``graph`` was built from.
        graph: the kNN graph of ``vectors``; its metric is UMAP's metric.
        n_components: 2 or 3.
        n_neighbors: UMAP's neighbourhood size (>= 2), lowered to min(N - 1, graph.k + 1).
        min_dist: 0 <= min_dist <= 1 (umap-learn's spread).
        n_epochs: >= 1, or None for umap-learn's default (500 up to 10,000 points, else 200).
        seed: the random state, 0 <= seed < 2**32.
        start: (N, n_components) starting coordinates instead of the spectral layout (the
            other run's map, so that a comparison's two maps line up); umap-learn rescales
            them to its own range first.

    Returns:
        A Projection with float32 (N, n_components) coordinates; parameters hold the
        n_neighbors, min_dist, n_epochs (resolved), init, metric and seed that ran.

    Raises:
        AnalysisError: a parameter is out of range, ``vectors`` and ``graph`` disagree, or
            N < 3.
    """
    check_components(n_components, (2, 3))
    check_vectors(vectors)
    check_graph(graph, vectors.shape[0])
    validate_params(
        "UMAP",
        UMAP_PARAMETERS,
        {"n_neighbors": n_neighbors, "min_dist": min_dist, "n_epochs": n_epochs, "seed": seed},
    )
    n = graph.n
    if n < 3:
        raise AnalysisError(f"UMAP needs at least 3 points, got N = {n}")

    if start is not None and start.shape != (n, n_components):
        raise AnalysisError(f"UMAP's start has shape {start.shape}, not ({n}, {n_components})")
    notes = []
    used_neighbors, note = fit_n_neighbors(n, graph.k, n_neighbors)
    if note:
        notes.append(note)
    epochs = n_epochs if n_epochs is not None else (500 if n <= _UMAP_SMALL_N else 200)
    init: str | np.ndarray = "spectral"
    if start is not None:
        init = start
    elif n < _UMAP_MIN_N_SPECTRAL[n_components]:
        init = "random"
        notes.append(
            f"init 'random' instead of 'spectral': N = {n} is too small for the spectral "
            f"initialisation (it needs N >= {_UMAP_MIN_N_SPECTRAL[n_components]})"
        )

    from reportgen.analysis.neighbors import umap_knn

    # umap-learn wants each point as its own first neighbour, at distance 0.
    knn_indices, knn_distances = umap_knn(graph, used_neighbors)

    import umap  # lazily: importing umap-learn loads numba (seconds)

    model = umap.UMAP(
        n_components=n_components,
        n_neighbors=used_neighbors,
        min_dist=min_dist,
        n_epochs=epochs,
        metric=graph.metric,
        init=init,
        random_state=seed,
        transform_seed=seed,
        n_jobs=1,
        disconnection_distance=np.inf,
        precomputed_knn=(knn_indices, knn_distances),
        verbose=False,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(vectors)
    for warning in caught:
        message = str(warning.message)
        if message.startswith(_UMAP_EXPECTED_WARNINGS):
            continue
        if message.startswith("Spectral initialisation failed"):
            init = "random"
            notes.append(
                "init 'random' instead of 'spectral': umap-learn's spectral eigensolver "
                "did not converge"
            )
            continue
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)

    coordinates = np.ascontiguousarray(model.embedding_, dtype=np.float32)
    if not np.isfinite(coordinates).all():
        raise AnalysisError(
            f"UMAP gave {int((~np.isfinite(coordinates)).any(axis=1).sum())} points "
            "non-finite coordinates"
        )
    return Projection(
        key=f"umap-{n_components}d",
        method="umap",
        coordinates=coordinates,
        parameters={
            "n_neighbors": used_neighbors,
            "min_dist": float(min_dist),
            "n_epochs": epochs,
            "init": init if isinstance(init, str) else "given",
            "metric": graph.metric,
            "seed": seed,
        },
        notes=tuple(notes),
        axis_titles=tuple(f"UMAP {i + 1}" for i in range(n_components)),
    )


# What umap-learn always says when it is given a kNN graph without a search index: we never
# call ``transform``, so these are expected and not worth a user's attention.
_UMAP_EXPECTED_WARNINGS = (
    "precomputed_knn[2] (knn_search_index) is not an NNDescent object",
    "gradient function is not yet implemented for",
)


def _selected(config: Config) -> tuple[str, ...]:
    return ("umap-2d", "umap-3d") if config.projections.umap else ()


def _params(config: Config) -> dict[str, Any]:
    umap = config.umap
    return {
        "n_neighbors": umap.n_neighbors,
        "min_dist": umap.min_dist,
        "n_epochs": umap.n_epochs,
        "seed": config.seed,
    }


def _compute(inputs: MethodInputs, view: ViewSpec, params: Mapping[str, Any]) -> Projection:
    return compute_umap(inputs.vectors, inputs.parents["knn-graph"], view.dims, **params)


def _bookmark_fields(
    projection: Projection | None, config: Config, label_column: str | None
) -> dict[str, Any]:
    parameters = projection.parameters if projection is not None else {}
    return {
        "umapIs3d": projection is not None and projection.dims == 3,
        "umapNeighbors": int(parameters.get("n_neighbors", config.umap.n_neighbors)),
        "umapMinDist": float(parameters.get("min_dist", config.umap.min_dist)),
    }


METHOD = ProjectionMethod(
    key="umap",
    title="UMAP",
    views=(ViewSpec("umap-2d", 2, "UMAP 2D"), ViewSpec("umap-3d", 3, "UMAP 3D")),
    order=1,
    rank=0,
    parents=("knn-graph",),
    libraries=("numpy", "scipy", "scikit-learn", "umap-learn", "pynndescent", "numba"),
    selected=_selected,
    params=_params,
    compute=_compute,
    projector_axes=axes_by_method,
    bookmark_fields=_bookmark_fields,
    section=ConfigSection("umap", UmapConfig, "umap-", "UMAP"),
    fit_on_sample=True,
)
