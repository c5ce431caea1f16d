"""Low-dimensional projections of the vectors: PCA, UMAP, t-SNE and custom axes."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from reportgen.engine import LOCAL, Engine
from reportgen.errors import AnalysisError

if TYPE_CHECKING:
    # Only for annotations: neighbors.py may import heavy libraries (pynndescent, numba)
    # that this module must not load until a projection actually needs them.
    from reportgen.analysis.neighbors import KnnGraph


@dataclass(frozen=True)
class Projection:
    """One view's coordinates.

    Attributes:
        key: "pca-2d", "pca-3d", "umap-2d", "umap-3d", "tsne-2d", "tsne-3d" or "custom".
        method: "pca", "umap", "tsne" or "custom".
        coordinates: float32 (N, 2) or (N, 3), C order, finite.
        parameters: the parameters that actually ran (after any lowering for small N),
            JSON-able, e.g. {"n_neighbors": 15, "min_dist": 0.1, "n_epochs": 500}.
        notes: sentences for the report, e.g. "perplexity lowered from 30 to 1.33: N = 5".
        axis_titles: one title per axis ("PC1 (31.2 % of variance)", "UMAP 1", ...).
    """

    key: str
    method: str
    coordinates: np.ndarray
    parameters: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    axis_titles: tuple[str, ...] = ()

    @property
    def dims(self) -> int:
        """2 or 3."""
        return int(self.coordinates.shape[1])


# PCA: how many explained-variance ratios are kept, and how many coordinates every PCA view
# gets (pca-3d always has 3 columns; missing components are padded with zeros).
_PCA_RATIOS = 10
_PCA_COORDINATES = 3

# A principal component whose variance is below this fraction of the first one's is
# rounding noise (float32 data, float64 sums), not structure: it is set to exactly 0 so a
# plot's autoscaled axis does not blow the noise up into a picture.
_PCA_RANK_TOLERANCE = 1e-10

# UMAP's spectral initialisation needs the eigensolver's Lanczos basis (2 x (dims + 1) + 1
# vectors) to fit into N: below that, scipy fails outright (N <= dims + 1) or falls back to
# a dense solver. Smaller sets start from umap-learn's seeded random layout instead.
_UMAP_MIN_N_SPECTRAL = {2: 7, 3: 9}

# umap-learn's default number of epochs: 500 up to 10,000 points, else 200.
_UMAP_SMALL_N = 10_000

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

# Relative size under which two custom-axis centroids count as the same point (float32
# data carries ~7 significant digits).
_CENTROID_TOLERANCE = 1e-6

_MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class PcaResult:
    """The PCA of the vectors, computed once and shared by the PCA views and t-SNE's start.

    Attributes:
        coordinates: float32 (N, 3), C order: the vectors' coordinates on the first three
            principal components. Components that do not exist (D < 3, or N - 1 < 3 since
            N centred points span at most N - 1 dimensions) or carry no variance are
            exactly 0.
        explained_variance_ratio: the share of the total variance carried by each of the
            first min(10, D, N) components, largest first (0.0 for an empty component).
        notes: sentences for the report, e.g. "PC3 is 0: N = 3 points span only 2 dimensions".
    """

    coordinates: np.ndarray
    explained_variance_ratio: tuple[float, ...]
    notes: tuple[str, ...] = ()


def compute_pca(vectors: np.ndarray, seed: int = 0, *, engine: Engine = LOCAL) -> PcaResult:
    """The first principal components of ``vectors``.

    The covariance matrix is accumulated in float64 over the engine's blocks of rows
    (centred first, so
    no precision is lost to a large mean), then diagonalised with LAPACK's symmetric
    eigensolver: deterministic, exact (not randomised), and it never copies or upcasts the
    whole matrix, so a read-only memory map of a million rows costs only a D x D matrix and
    one block. (scikit-learn's PCA copies a read-only memory map and, with its
    "covariance_eigh" solver, sums an uncentred float32 Gram matrix.) It agrees with
    ``sklearn.decomposition.PCA(svd_solver="full")`` up to float32 rounding, including the
    sign convention: each component's largest-magnitude loading is positive (the first
    such entry on a tie). Cost: two passes over the data and O(N D^2) flops; memory O(D^2),
    so D should stay in the low thousands.

    Args:
        vectors: float (N, D), N >= 1, D >= 1; a memory map is read block by block.
        seed: accepted so that every projection takes one; the solver draws no random
            numbers, so the result does not depend on it.
        engine: runs the two passes over the rows (the sums and Gram, then the projection).

    Returns:
        A PcaResult; its coordinates always have 3 columns.

    Raises:
        AnalysisError: ``vectors`` is not a non-empty 2-D array, or ``seed`` is invalid.
    """
    _check_vectors(vectors)
    _check_seed(seed)
    n, d = vectors.shape
    mean, covariance = _covariance(vectors, engine)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    # eigh sorts ascending: largest first, as PCA lists them.
    eigenvalues = np.clip(eigenvalues[::-1], 0.0, None)
    eigenvectors = eigenvectors[:, ::-1]
    total = float(eigenvalues.sum())
    # N centred points span at most N - 1 dimensions; anything beyond, or far below the
    # first component, is rounding noise.
    rank = min(d, n - 1)
    if total > 0.0:
        rank = min(rank, int(np.count_nonzero(eigenvalues > eigenvalues[0] * _PCA_RANK_TOLERANCE)))
    else:
        rank = 0
    eigenvalues[rank:] = 0.0
    components = _fix_signs(eigenvectors[:, : min(rank, _PCA_COORDINATES)].T)

    coordinates = np.zeros((n, _PCA_COORDINATES), dtype=np.float32)
    if len(components):
        coordinates[:, : len(components)] = engine.project(vectors, mean, components.T)
    n_ratios = min(_PCA_RATIOS, d, n)
    ratios = eigenvalues[:n_ratios] / total if total > 0.0 else np.zeros(n_ratios)

    notes = []
    if total == 0.0:
        notes.append("all vectors are identical: every principal component is 0")
    elif rank < _PCA_COORDINATES:
        missing = ", ".join(f"PC{i + 1}" for i in range(rank, _PCA_COORDINATES))
        if d <= rank:
            why = f"the vectors have D = {d} dimensions"
        elif n - 1 <= rank:
            why = f"N = {n} points span only {n - 1} dimensions"
        else:
            why = f"the vectors vary along only {rank} dimensions"
        notes.append(f"{missing} {'is' if rank == 2 else 'are'} 0: {why}")
    return PcaResult(
        coordinates=coordinates,
        explained_variance_ratio=tuple(float(r) for r in ratios),
        notes=tuple(notes),
    )


def pca_projections(pca: PcaResult) -> list[Projection]:
    """The "pca-2d" and "pca-3d" views of a PcaResult (2D is the first two columns of 3D).

    parameters: {"components": 2 or 3, "explained_variance_ratio": [up to 10 floats]};
    axis titles such as "PC1 (31.2 % of variance)".
    """
    ratios = list(pca.explained_variance_ratio)
    padded = ratios + [0.0] * (_PCA_COORDINATES - len(ratios))
    titles = tuple(f"PC{i + 1} ({100 * r:.1f} % of variance)" for i, r in enumerate(padded))
    views = []
    for dims in (2, 3):
        views.append(
            Projection(
                key=f"pca-{dims}d",
                method="pca",
                coordinates=np.ascontiguousarray(pca.coordinates[:, :dims]),
                parameters={"components": dims, "explained_variance_ratio": ratios},
                notes=tuple(note for note in pca.notes if _note_concerns(note, dims)),
                axis_titles=titles[:dims],
            )
        )
    return views


def fit_to_size(
    n: int, graph_k: int, n_neighbors: int, perplexity: float
) -> tuple[int, float, tuple[str, ...]]:
    """UMAP's ``n_neighbors`` and t-SNE's ``perplexity`` as they can run on this data.

    UMAP needs n_neighbors <= N - 1 and, since column 0 is the point itself, at most
    ``graph_k + 1`` columns; t-SNE uses int(3 x perplexity) neighbours, at most
    min(graph_k, N - 1), so perplexity is lowered to that / 3.

    Returns:
        (n_neighbors, perplexity, notes): the values that will run and one note per lowered
        value, e.g. "perplexity lowered from 30 to 1.33: N = 5".
    """
    umap_n, umap_note = _fit_n_neighbors(n, graph_k, n_neighbors)
    tsne_p, _, tsne_note = _fit_perplexity(n, graph_k, perplexity)
    return umap_n, tsne_p, tuple(note for note in (umap_note, tsne_note) if note)


def compute_umap(
    vectors: np.ndarray,
    graph: KnnGraph,
    n_components: int,
    *,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    n_epochs: int | None = None,
    seed: int = 0,
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

    Returns:
        A Projection with float32 (N, n_components) coordinates; parameters hold the
        n_neighbors, min_dist, n_epochs (resolved), init, metric and seed that ran.

    Raises:
        AnalysisError: a parameter is out of range, ``vectors`` and ``graph`` disagree, or
            N < 3.
    """
    _check_components(n_components, (2, 3))
    _check_vectors(vectors)
    _check_graph(graph, vectors.shape[0])
    if isinstance(n_neighbors, bool) or not isinstance(n_neighbors, int) or n_neighbors < 2:
        raise AnalysisError(f"UMAP n_neighbors={n_neighbors!r} must be an integer >= 2")
    if not 0.0 <= min_dist <= 1.0:
        raise AnalysisError(f"UMAP min_dist={min_dist!r} must be between 0 and 1")
    if n_epochs is not None and (
        isinstance(n_epochs, bool) or not isinstance(n_epochs, int) or n_epochs < 1
    ):
        raise AnalysisError(f"UMAP n_epochs={n_epochs!r} must be an integer >= 1 or None")
    _check_seed(seed)
    n = graph.n
    if n < 3:
        raise AnalysisError(f"UMAP needs at least 3 points, got N = {n}")

    notes = []
    used_neighbors, note = _fit_n_neighbors(n, graph.k, n_neighbors)
    if note:
        notes.append(note)
    epochs = n_epochs if n_epochs is not None else (500 if n <= _UMAP_SMALL_N else 200)
    init = "spectral"
    if n < _UMAP_MIN_N_SPECTRAL[n_components]:
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
            "init": init,
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
    _check_components(n_components, (2, 3))
    if not isinstance(perplexity, (int, float)) or isinstance(perplexity, bool):
        raise AnalysisError(f"t-SNE perplexity={perplexity!r} must be a number")
    if not (np.isfinite(perplexity) and perplexity * 3 >= 1):
        raise AnalysisError(
            f"t-SNE perplexity={perplexity!r} must be >= 1/3 (it uses int(3 x perplexity) "
            "neighbours)"
        )
    if isinstance(n_iter, bool) or not isinstance(n_iter, int) or n_iter < 1:
        raise AnalysisError(f"t-SNE n_iter={n_iter!r} must be an integer >= 1")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise AnalysisError(f"t-SNE n_jobs={n_jobs!r} must be an integer >= 1")
    if not ints_in_interval > 0:
        raise AnalysisError(f"t-SNE ints_in_interval={ints_in_interval!r} must be > 0")
    _check_seed(seed)
    n = graph.n
    _check_graph(graph, n)
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
    used_perplexity, k, note = _fit_perplexity(n, graph.k, perplexity)
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


def compute_custom(
    vectors: np.ndarray,
    values: Sequence[str],
    *,
    column: str,
    left: str,
    right: str,
    up: str | None = None,
    down: str | None = None,
    engine: Engine = LOCAL,
) -> Projection:
    """The Embedding Projector's custom projection ("custom"): axes between two centroids.

    Each regex selects the rows whose value in ``column`` it matches (``re.search``). The
    x axis is the unit vector from the centroid of the ``left`` rows to the centroid of the
    ``right`` rows; a point's x is its offset from the midpoint of the two centroids along
    that vector (so the left centroid sits at -d/2 and the right one at +d/2, d their
    distance). With ``up`` and ``down``, y is built the same way (from ``down`` to ``up``);
    the two axes are not forced to be orthogonal, as in the Projector, and their cosine is
    recorded. Without them, y is the first principal component of the vectors once the x
    direction is removed: the most varied direction that x does not already show.

    Args:
        vectors: float (N, D); read block by block.
        values: the N values of ``column`` as text.
        column: the metadata column's name (for messages and the record).
        left, right: regexes of the x axis's ends.
        up, down: regexes of the y axis's ends; both or neither.
        engine: runs the passes over the rows (centroids, covariance, projection).

    Returns:
        A Projection with float32 (N, 2) coordinates.

    Raises:
        AnalysisError: a regex is invalid or matches no value, only one of up/down is
            given, two ends have the same centroid, or ``values`` has not N entries.
    """
    _check_vectors(vectors)
    n = vectors.shape[0]
    if len(values) != n:
        raise AnalysisError(
            f"custom projection: column {column!r} has {len(values)} values for N = {n} vectors"
        )
    if (up is None) != (down is None):
        raise AnalysisError("custom projection: give both the up and the down regex, or neither")
    masks = {}
    for pattern in (left, right, up, down):
        if pattern is not None and pattern not in masks:
            masks[pattern] = _match_rows(values, pattern, column)

    x_axis, x_center, x_length = _axis(
        vectors, masks[left], masks[right], left, right, column, engine
    )
    parameters: dict[str, Any] = {
        "column": column,
        "left": left,
        "right": right,
        "up": up,
        "down": down,
        "matches": {pattern: int(mask.sum()) for pattern, mask in masks.items()},
    }
    notes = []
    if up is not None and down is not None:
        y_axis, y_center, _ = _axis(vectors, masks[down], masks[up], down, up, column, engine)
        cosine = float(x_axis @ y_axis)
        parameters["axes_cosine"] = cosine
        if abs(cosine) >= 0.9:
            notes.append(f"the two custom axes are nearly parallel (cosine {cosine:.2f})")
        y_title = f"{down} → {up}"
    else:
        # The residual's covariance is P C P with P the projector orthogonal to x.
        mean, covariance = _covariance(vectors, engine)
        projector = np.eye(len(x_axis)) - np.outer(x_axis, x_axis)
        eigenvalues, eigenvectors = np.linalg.eigh(projector @ covariance @ projector)
        y_axis = _fix_signs(eigenvectors[:, -1:].T)[0]
        if eigenvalues[-1] <= max(float(np.trace(covariance)), 0.0) * _PCA_RANK_TOLERANCE:
            y_axis = np.zeros_like(x_axis)
            notes.append("y is 0: the vectors do not vary beyond the x axis")
        y_center = mean
        notes.append(
            "y axis: first principal component of the vectors after removing the x direction"
        )
        y_title = "PC1 of the rest"
    x = engine.project(vectors, x_center, x_axis[:, None])[:, 0]
    y = engine.project(vectors, y_center, y_axis[:, None])[:, 0]
    parameters["x_centroid_distance"] = x_length
    return Projection(
        key="custom",
        method="custom",
        coordinates=np.ascontiguousarray(np.stack([x, y], axis=1), dtype=np.float32),
        parameters=parameters,
        notes=tuple(notes),
        axis_titles=(f"{left} → {right}", y_title),
    )


def _check_vectors(vectors: np.ndarray) -> None:
    if not isinstance(vectors, np.ndarray) or vectors.ndim != 2 or 0 in vectors.shape:
        shape = getattr(vectors, "shape", None)
        raise AnalysisError(f"vectors must be a non-empty (N, D) array, got shape {shape}")


def _check_seed(seed: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise AnalysisError(f"seed={seed!r} must be an integer")
    if not 0 <= seed <= _MAX_SEED:
        raise AnalysisError(f"seed={seed} must be between 0 and {_MAX_SEED}")


def _check_components(n_components: int, allowed: tuple[int, ...]) -> None:
    if n_components not in allowed:
        raise AnalysisError(f"n_components={n_components!r} must be one of {allowed}")


def _check_graph(graph: KnnGraph, n: int) -> None:
    if graph.n != n:
        raise AnalysisError(f"the kNN graph has {graph.n} rows for N = {n} vectors")
    if graph.k < 1:
        raise AnalysisError("the kNN graph has no neighbours (k = 0)")


def _fit_n_neighbors(n: int, graph_k: int, wanted: int) -> tuple[int, str | None]:
    """UMAP's n_neighbors within N - 1 and graph_k + 1 (column 0 is the point itself)."""
    used = min(wanted, n - 1, graph_k + 1)
    if used == wanted:
        return used, None
    if n - 1 <= graph_k + 1:
        why = f"N = {n}"
    else:
        why = f"the kNN graph holds {graph_k} neighbours per point"
    return used, f"n_neighbors lowered from {wanted} to {used}: {why}"


def _fit_perplexity(n: int, graph_k: int, wanted: float) -> tuple[float, int, str | None]:
    """t-SNE's perplexity and neighbour count (int(3 x perplexity) <= min(graph_k, N - 1))."""
    k = int(3 * wanted)
    available = min(graph_k, n - 1)
    if k <= available:
        return float(wanted), k, None
    used = available / 3
    why = f"N = {n}" if n - 1 <= graph_k else f"the kNN graph holds {graph_k} neighbours per point"
    return used, available, f"perplexity lowered from {wanted:g} to {round(used, 2):g}: {why}"


def _covariance(vectors: np.ndarray, engine: Engine) -> tuple[np.ndarray, np.ndarray]:
    """float64 mean (D,) and covariance (D, D) (divided by N - 1): two passes of the engine."""
    mean = engine.column_sums(vectors) / vectors.shape[0]
    covariance = engine.gram(vectors, mean)
    covariance /= max(vectors.shape[0] - 1, 1)
    return mean, covariance


def _fix_signs(components: np.ndarray) -> np.ndarray:
    """Each row's largest-magnitude entry made positive (the first one on a tie)."""
    components = np.array(components, dtype=np.float64)
    if components.size:
        pivots = np.argmax(np.abs(components), axis=1)
        signs = np.sign(components[np.arange(len(components)), pivots])
        components *= np.where(signs == 0, 1.0, signs)[:, None]
    return components


def _note_concerns(note: str, dims: int) -> bool:
    """Whether a PCA note matters for a view of ``dims`` columns (PC3 notes: 3D only)."""
    if note.startswith("PC3 is"):
        return dims >= 3
    return True


def _match_rows(values: Sequence[str], pattern: str, column: str) -> np.ndarray:
    try:
        regex = re.compile(pattern)
    except re.error as error:
        raise AnalysisError(f"custom axis regex {pattern!r} is invalid: {error}") from None
    mask = np.fromiter(
        (value is not None and regex.search(value) is not None for value in values),
        dtype=bool,
        count=len(values),
    )
    if not mask.any():
        raise AnalysisError(f"custom axis regex {pattern!r} matches no value of column {column!r}")
    return mask


def _centroid(vectors: np.ndarray, mask: np.ndarray, engine: Engine) -> np.ndarray:
    return engine.column_sums(vectors, mask) / mask.sum()


def _axis(
    vectors: np.ndarray,
    start_mask: np.ndarray,
    end_mask: np.ndarray,
    start: str,
    end: str,
    column: str,
    engine: Engine,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Unit vector from one centroid to the other, their midpoint and their distance."""
    first = _centroid(vectors, start_mask, engine)
    second = _centroid(vectors, end_mask, engine)
    length = float(np.linalg.norm(second - first))
    scale = max(float(np.linalg.norm(first)), float(np.linalg.norm(second)))
    if length <= scale * _CENTROID_TOLERANCE:
        raise AnalysisError(
            f"custom axis: the rows matching {start!r} and the rows matching {end!r} in "
            f"column {column!r} have the same centroid"
        )
    return (second - first) / length, (first + second) / 2, length
