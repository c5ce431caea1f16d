"""t-SNE (openTSNE) over the build's kNN graph, started from PCA: "tsne-2d", "tsne-3d"."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
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
    fit_perplexity,
)
from reportgen.config.declare import option
from reportgen.errors import AnalysisError
from reportgen.validation import SEED, Interval, validate_params

if TYPE_CHECKING:
    from reportgen.analysis.neighbors import KnnGraph
    from reportgen.config import Config

# t-SNE's negative gradients: FFT interpolation costs a fixed ~12 ms per iteration on its
# smallest grid, so below this N Barnes-Hut is faster (100x at N = 300, 3.5x at 1,000, 1.4x
# at 3,000; FFT wins from about 5,000: 23 s against 36 s at 8,000 for 750 iterations).
# openTSNE's own "auto" switches at 10,000. FFT is 2D only: 3D always uses Barnes-Hut.
_TSNE_FFT_MIN_N = 5_000

# openTSNE's defaults for the early exaggeration phase, recorded with the parameters.
_TSNE_EXAGGERATION_ITER = 250
_TSNE_EXAGGERATION = 12.0

# openTSNE's PCA initialisation: first coordinate scaled to this standard deviation, then
# jittered by this fraction of it so that duplicate points do not start exactly on top of
# each other.
_TSNE_INIT_STD = 1e-4
_TSNE_INIT_JITTER = 0.01

# openTSNE's threads give the same result bit for bit whatever their number. UMAP runs
# before, not beside it: its numba kernels hold the GIL, so a thread would gain nothing.
_TSNE_THREADS = 2

# How often (in iterations) t-SNE reports how far it is.
_TSNE_REPORT_EVERY = 50

# The learning rate a bookmark gives the Projector's t-SNE panel: its own default, 10. The
# panel stores the exponent of its slider, not the rate (vz-projector-projections-panel:
# learningRate = 10 ** slider value, and bookmarks hold the slider's value), so the
# bookmark carries log10(10) = 1; writing 10 put the slider at its top, a rate of 100.
_PROJECTOR_TSNE_LEARNING_RATE = 10
PROJECTOR_TSNE_LEARNING_RATE_EXPONENT = round(math.log10(_PROJECTOR_TSNE_LEARNING_RATE))

# compute_tsne's parameters; the [tsne] options point at the same constraints.
TSNE_PARAMETERS = {
    # int(3 x perplexity) neighbours must be at least 1.
    "perplexity": (Interval(float, 1 / 3, low_text="1/3"),),
    "n_iter": (Interval(int, 1),),
    "n_jobs": (Interval(int, 1),),
    "ints_in_interval": (Interval(float, 0.0, closed="neither"),),
    "seed": SEED,
}


@dataclass(frozen=True)
class TsneConfig:
    """openTSNE's parameters."""

    perplexity: float = option(
        30.0,
        "effective number of neighbours t-SNE balances",
        constraint=TSNE_PARAMETERS["perplexity"],
    )
    n_iter: int = option(
        500,
        "optimisation iterations after early exaggeration",
        constraint=TSNE_PARAMETERS["n_iter"],
    )
    ints_in_interval: float = option(
        2.0,
        "FFT interpolation interval width: 1 is openTSNE's default (slower on spread layouts)",
        constraint=TSNE_PARAMETERS["ints_in_interval"],
    )


def compute_tsne(
    graph: KnnGraph,
    initialization: np.ndarray,
    n_components: int = 2,
    *,
    perplexity: float = 30.0,
    n_iter: int = 500,
    seed: int = 0,
    n_jobs: int = 1,
    ints_in_interval: float = 1.0,
    advance: Callable[[int, int, str], None] | None = None,
) -> Projection:
    """t-SNE ("tsne-2d" or "tsne-3d") with openTSNE over the build's kNN graph.

    The affinities come from the graph's first int(3 x perplexity) neighbours
    (``PrecomputedNeighbors``), so openTSNE never searches for neighbours itself; when the
    graph or N is too small, perplexity is lowered to min(graph.k, N - 1) / 3 with a note
    (openTSNE would lower it silently, and only when perplexity > k). The start is the PCA
    layout as openTSNE's own "pca" initialisation makes it: the first coordinate scaled to
    a standard deviation of 1e-4, then a seeded jitter of 1 % of that. 2D from 5,000 points
    uses FFT-interpolated gradients; 3D (FFT is 2D only) and smaller 2D sets use Barnes-Hut,
    which is faster there. Then openTSNE's defaults: 250 iterations of early exaggeration
    12, then ``n_iter`` more, learning rate N / exaggeration.

    The result depends on the seed but not on ``n_jobs``: bit for bit the same with 1, 2,
    3 and 8 threads (checked with FFT and Barnes-Hut at N = 3,000 and FFT at 20,000; the
    tests check 1 against 2). openTSNE's loops release the GIL, but umap-learn's numba
    epochs hold it, so beside UMAP in a thread t-SNE mostly waits (20,000 points: 32 s
    alone, 36 s beside UMAP 2D; alone with n_jobs=2, 19 s).

    Args:
        graph: the kNN graph (its metric is recorded; openTSNE only sees the distances).
        initialization: float (N, >= n_components): PCA coordinates, e.g.
            ``compute_pca(vectors).coordinates``; the first n_components columns are used.
        n_components: 2 or 3.
        perplexity: >= 1/3 (int(3 x perplexity) neighbours must be at least 1).
        n_iter: iterations after early exaggeration, >= 1.
        seed: the random state (jitter), 0 <= seed < 2**32.
        n_jobs: openTSNE's threads (>= 1); does not change the result.
        advance: called with (iterations done, iterations in all, "iterations") every
            ``_TSNE_REPORT_EVERY`` iterations (openTSNE's callbacks; they do not change the
            layout).
        ints_in_interval: width of the FFT interpolation intervals (openTSNE's default 1).
            The FFT grid grows with the layout's extent; 2 halves its boxes per axis: on
            20,000 x 384 clustered data, 17.5 s instead of 47 s for kNN recall@10 0.438
            instead of 0.464 (trustworthiness 0.998 both). Barnes-Hut ignores it.

    Returns:
        A Projection with float32 (N, n_components) coordinates.

    Raises:
        AnalysisError: a parameter is out of range, the initialisation does not fit the
            graph, or N < 3.
    """
    check_components(n_components, (2, 3))
    validate_params(
        "t-SNE",
        TSNE_PARAMETERS,
        {
            "perplexity": perplexity,
            "n_iter": n_iter,
            "n_jobs": n_jobs,
            "ints_in_interval": ints_in_interval,
            "seed": seed,
        },
    )
    n = graph.n
    check_graph(graph, n)
    if n < 3:
        raise AnalysisError(f"t-SNE needs at least 3 points, got N = {n}")
    initialization = np.asarray(initialization)
    if (
        initialization.ndim != 2
        or initialization.shape[0] != n
        or initialization.shape[1] < n_components
    ):
        raise AnalysisError(
            f"t-SNE initialization of shape {initialization.shape} must be "
            f"(N = {n}, >= {n_components})"
        )

    from openTSNE import TSNE, affinity, nearest_neighbors
    from openTSNE import initialization as tsne_init

    from reportgen.analysis.neighbors import tsne_knn

    notes = []
    used_perplexity, k, note = fit_perplexity(n, graph.k, perplexity)
    if note:
        notes.append(note)
    start = np.array(initialization[:, :n_components], dtype=np.float64)
    if not np.isfinite(start).all():
        raise AnalysisError("t-SNE initialization has non-finite values")
    if np.std(start[:, 0]) > 0.0:
        start = tsne_init.rescale(start, inplace=True, target_std=_TSNE_INIT_STD)
        start = tsne_init.jitter(start, inplace=True, scale=_TSNE_INIT_JITTER, random_state=seed)
        init_name = "pca"
    else:
        start = tsne_init.random(n, n_components, random_state=seed)
        init_name = "random"
        notes.append("init 'random' instead of 'pca': the PCA coordinates are all equal")

    affinities = affinity.PerplexityBasedNN(
        perplexity=used_perplexity,
        knn_index=nearest_neighbors.PrecomputedNeighbors(*tsne_knn(graph, used_perplexity)),
        n_jobs=n_jobs,
        random_state=seed,
        verbose=False,
    )
    method = "fft" if n_components == 2 and n >= _TSNE_FFT_MIN_N else "bh"
    callbacks = None
    if advance is not None:
        total = _TSNE_EXAGGERATION_ITER + n_iter
        done = [0]

        def report(iteration: int, error: float, embedding: Any) -> bool:
            done[0] = min(total, done[0] + _TSNE_REPORT_EVERY)
            advance(done[0], total, "iterations")
            return False  # never stop early

        callbacks = [report]
    embedding = TSNE(
        n_components=n_components,
        n_iter=n_iter,
        early_exaggeration_iter=_TSNE_EXAGGERATION_ITER,
        early_exaggeration=_TSNE_EXAGGERATION,
        negative_gradient_method=method,
        ints_in_interval=ints_in_interval,
        n_jobs=n_jobs,
        random_state=seed,
        verbose=False,
        callbacks=callbacks,
        callbacks_every_iters=_TSNE_REPORT_EVERY,
    ).fit(affinities=affinities, initialization=start)

    coordinates = np.ascontiguousarray(np.asarray(embedding), dtype=np.float32)
    if not np.isfinite(coordinates).all():
        raise AnalysisError("t-SNE gave non-finite coordinates")
    return Projection(
        key=f"tsne-{n_components}d",
        method="tsne",
        coordinates=coordinates,
        parameters={
            "perplexity": used_perplexity,
            "n_neighbors": k,
            "n_iter": n_iter,
            "early_exaggeration_iter": _TSNE_EXAGGERATION_ITER,
            "early_exaggeration": _TSNE_EXAGGERATION,
            "learning_rate": "auto",
            "negative_gradient_method": method,
            **({"ints_in_interval": ints_in_interval} if method == "fft" else {}),
            "init": init_name,
            "metric": graph.metric,
            "seed": seed,
        },
        notes=tuple(notes),
        axis_titles=tuple(f"t-SNE {i + 1}" for i in range(n_components)),
    )


def _selected(config: Config) -> tuple[str, ...]:
    if not config.projections.tsne:
        return ()
    return ("tsne-2d", "tsne-3d") if config.projections.tsne_3d else ("tsne-2d",)


def _params(config: Config) -> dict[str, Any]:
    tsne = config.tsne
    return {
        "perplexity": tsne.perplexity,
        "n_iter": tsne.n_iter,
        "ints_in_interval": tsne.ints_in_interval,
        "seed": config.seed,
    }


def _compute(inputs: MethodInputs, view: ViewSpec, params: Mapping[str, Any]) -> Projection:
    # The number of threads does not change the result: not a parameter of the key.
    graph, pca = inputs.parents["knn-graph"], inputs.parents["pca"]
    return compute_tsne(
        graph, pca.coordinates, view.dims, n_jobs=_TSNE_THREADS, advance=inputs.advance, **params
    )


def _bookmark_fields(
    projection: Projection | None, config: Config, label_column: str | None
) -> dict[str, Any]:
    parameters = projection.parameters if projection is not None else {}
    return {
        "tSNEIteration": int(parameters.get("n_iter", 0)),
        "tSNEPerplexity": float(parameters.get("perplexity", config.tsne.perplexity)),
        "tSNELearningRate": PROJECTOR_TSNE_LEARNING_RATE_EXPONENT,
        "tSNEis3d": projection is not None and projection.dims == 3,
    }


METHOD = ProjectionMethod(
    key="tsne",
    title="t-SNE",
    views=(ViewSpec("tsne-2d", 2, "t-SNE 2D"), ViewSpec("tsne-3d", 3, "t-SNE 3D")),
    order=2,
    rank=1,
    parents=("knn-graph", "pca"),
    libraries=("numpy", "scipy", "openTSNE"),
    selected=_selected,
    params=_params,
    compute=_compute,
    projector_axes=axes_by_method,
    bookmark_fields=_bookmark_fields,
    section=ConfigSection("tsne", TsneConfig, "tsne-", "t-SNE"),
    fit_on_sample=True,
    not_selected_hint=lambda view: "--tsne-3d" if view == "tsne-3d" else "",
)
