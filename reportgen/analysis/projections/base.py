"""What every projection method shares: the Projection result, the method declaration
the registry holds, the argument checks and the blocked linear algebra."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from reportgen.engine import Engine
from reportgen.errors import AnalysisError

if TYPE_CHECKING:
    # Only for annotations: neighbors.py may import heavy libraries (pynndescent, numba)
    # that this module must not load until a projection actually needs them.
    from reportgen.analysis.neighbors import KnnGraph
    from reportgen.config import Config
    from reportgen.dataset import Dataset


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


# A principal component whose variance is below this fraction of the first one's is
# rounding noise (float32 data, float64 sums), not structure: it is set to exactly 0 so a
# plot's autoscaled axis does not blow the noise up into a picture.
PCA_RANK_TOLERANCE = 1e-10


@dataclass(frozen=True)
class ViewSpec:
    """One view a method can compute: its key ("umap-2d"), dimensions and button title."""

    key: str
    dims: int
    title: str


def _no_advance(done: int, total: int, unit: str) -> None:
    return None


@dataclass(frozen=True)
class MethodInputs:
    """What a method's compute function may read: the dataset (its vectors, its columns),
    the results of the analysis steps the method names as its parents, and the engine its
    passes over all rows go through.

    When the method is fitted on a sample, ``rows`` are the sample's rows: ``vectors`` are
    theirs and the parents are already restricted to them.
    """

    dataset: Dataset
    parents: Mapping[str, Any]
    engine: Engine
    rows: np.ndarray | None = None
    # advance(done, total, unit): how far a long fit is, for the progress line.
    advance: Callable[[int, int, str], None] = _no_advance

    @property
    def vectors(self) -> np.ndarray:
        """float32 (N, D): the validated vectors (the fit sample's, in row order)."""
        if self.rows is None:
            return self.dataset.vectors
        return np.ascontiguousarray(self.dataset.vectors[self.rows])


@dataclass(frozen=True)
class ConfigSection:
    """A method's own config section: ``[umap]`` with flags ``--umap-...``."""

    name: str
    options: type  # a frozen dataclass of option() fields
    flag_prefix: str
    help: str


def _no_fingerprint(dataset: Dataset, config: Config) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class ProjectionMethod:
    """A projection method as the registry holds it: one module declares one.

    The pipeline makes one analysis step per selected view, the site lists the views in
    ``rank`` order, the thresholds get ``<key>_recall`` / ``<key>_trustworthiness``
    aliases for its first 2D view when ``aliases``, and the Embedding Projector export
    asks it for its bookmark fields.

    Attributes:
        key: "umap": the views' prefix.
        title: "UMAP": how the site names it.
        views: every view it can compute.
        order: its place in lists of metrics (thresholds, the baseline table: PCA first).
        rank: the place of its views among all methods' (view buttons, tables; UMAP first).
        parents: the analysis steps it reads ("knn-graph", "pca"), handed to ``compute``.
        libraries: the distributions whose versions shape its numbers (its cache key).
        selected: the view keys a build with this config computes (empty: none).
        params: its parameters from the config: they go into the cache key and ``compute``.
        compute: ``compute(inputs, view, params) -> Projection``; pure.
        fingerprint: the data besides the vectors its result depends on (hashed into the
            key), e.g. the custom view's column.
        cached: whether its views are cached (False when they are cheap slices of a cached
            parent, like PCA's).
        section: its own config section, if any.
        aliases: whether the thresholds get short aliases for its first 2D view.
        projector_axes: the names under which the Projector stores a view's coordinates.
        bookmark_fields: ``bookmark_fields(projection, config, label_column)``: its fields
            of a Projector State; ``projection`` is None for another method's view (the
            State always carries every field).
        not_selected_hint: the flag that turns a view on, for "not computed" messages.
        fit_on_sample: whether, above ``[scale] fit_sample`` points, it is fitted on the
            seeded fit sample (its parents restricted to those rows: the kNN graph among
            them, their PCA coordinates) and every other point is placed from its nearest
            fitted points. ``compute`` then sees only the sample and need not know.
    """

    key: str
    title: str
    views: tuple[ViewSpec, ...]
    order: int
    rank: int
    parents: tuple[str, ...]
    libraries: tuple[str, ...]
    selected: Callable[[Config], tuple[str, ...]]
    params: Callable[[Config], dict[str, Any]]
    compute: Callable[[MethodInputs, ViewSpec, Mapping[str, Any]], Projection]
    projector_axes: Callable[[Projection], list[str]]
    bookmark_fields: Callable[[Projection | None, Config, str | None], dict[str, Any]]
    fingerprint: Callable[[Dataset, Config], dict[str, Any]] = _no_fingerprint
    cached: bool = True
    section: ConfigSection | None = None
    aliases: bool = True
    not_selected_hint: Callable[[str], str] | None = None
    fit_on_sample: bool = False

    def view(self, key: str) -> ViewSpec:
        """The view of this method called ``key``."""
        for view in self.views:
            if view.key == key:
                return view
        raise KeyError(key)


def axes_by_method(projection: Projection) -> list[str]:
    """The Projector's usual names for a view's coordinates: "umap-0", "umap-1", ..."""
    return [f"{projection.method}-{axis}" for axis in range(projection.dims)]


def check_vectors(vectors: np.ndarray) -> None:
    """Raise AnalysisError unless ``vectors`` is a non-empty 2-D array (or rows that stay
    in their shards, ``reportgen.io.shards.ShardedRows``, read a block at a time)."""
    if getattr(vectors, "ndim", None) != 2 or 0 in vectors.shape or not hasattr(vectors, "take"):
        shape = getattr(vectors, "shape", None)
        raise AnalysisError(f"vectors must be a non-empty (N, D) array, got shape {shape}")


def check_components(n_components: int, allowed: tuple[int, ...]) -> None:
    """Raise AnalysisError unless ``n_components`` is one of ``allowed``."""
    if n_components not in allowed:
        raise AnalysisError(f"n_components={n_components!r} must be one of {allowed}")


def check_graph(graph: KnnGraph, n: int) -> None:
    """Raise AnalysisError unless ``graph`` has ``n`` rows and some neighbours."""
    if graph.n != n:
        raise AnalysisError(f"the kNN graph has {graph.n} rows for N = {n} vectors")
    if graph.k < 1:
        raise AnalysisError("the kNN graph has no neighbours (k = 0)")


def fit_n_neighbors(n: int, graph_k: int, wanted: int) -> tuple[int, str | None]:
    """UMAP's n_neighbors within N - 1 and graph_k + 1 (column 0 is the point itself)."""
    used = min(wanted, n - 1, graph_k + 1)
    if used == wanted:
        return used, None
    if n - 1 <= graph_k + 1:
        why = f"N = {n}"
    else:
        why = f"the kNN graph holds {graph_k} neighbours per point"
    return used, f"n_neighbors lowered from {wanted} to {used}: {why}"


def fit_perplexity(n: int, graph_k: int, wanted: float) -> tuple[float, int, str | None]:
    """t-SNE's perplexity and neighbour count (int(3 x perplexity) <= min(graph_k, N - 1))."""
    k = int(3 * wanted)
    available = min(graph_k, n - 1)
    if k <= available:
        return float(wanted), k, None
    used = available / 3
    why = f"N = {n}" if n - 1 <= graph_k else f"the kNN graph holds {graph_k} neighbours per point"
    return used, available, f"perplexity lowered from {wanted:g} to {round(used, 2):g}: {why}"


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
    umap_n, umap_note = fit_n_neighbors(n, graph_k, n_neighbors)
    tsne_p, _, tsne_note = fit_perplexity(n, graph_k, perplexity)
    return umap_n, tsne_p, tuple(note for note in (umap_note, tsne_note) if note)


def mean_and_covariance(vectors: np.ndarray, engine: Engine) -> tuple[np.ndarray, np.ndarray]:
    """float64 mean (D,) and covariance (D, D) (divided by N - 1): two passes of the engine."""
    mean = engine.column_sums(vectors) / vectors.shape[0]
    covariance = engine.gram(vectors, mean)
    covariance /= max(vectors.shape[0] - 1, 1)
    return mean, covariance


def fix_signs(components: np.ndarray) -> np.ndarray:
    """Each row's largest-magnitude entry made positive (the first one on a tie)."""
    components = np.array(components, dtype=np.float64)
    if components.size:
        pivots = np.argmax(np.abs(components), axis=1)
        signs = np.sign(components[np.arange(len(components)), pivots])
        components *= np.where(signs == 0, 1.0, signs)[:, None]
    return components
