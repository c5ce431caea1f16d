"""PCA: exact, from the covariance accumulated block by block; views "pca-2d", "pca-3d".

The "pca" analysis step computes the PcaResult once (t-SNE starts from it too); the two
views are slices of it, so they are not cached on their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from reportgen.analysis.projections.base import (
    PCA_RANK_TOLERANCE,
    MethodInputs,
    Projection,
    ProjectionMethod,
    ViewSpec,
    axes_by_method,
    check_vectors,
    fix_signs,
    mean_and_covariance,
)
from reportgen.engine import LOCAL, Engine
from reportgen.validation import SEED, validate_params

if TYPE_CHECKING:
    from reportgen.config import Config

# PCA: how many explained-variance ratios are kept, and how many coordinates every PCA view
# gets (pca-3d always has 3 columns; missing components are padded with zeros).
_PCA_RATIOS = 10
_PCA_COORDINATES = 3

# compute_pca's parameters (it draws no random numbers; the seed is checked all the same).
PCA_PARAMETERS = {"seed": SEED}


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
    check_vectors(vectors)
    validate_params("PCA", PCA_PARAMETERS, {"seed": seed})
    n, d = vectors.shape
    mean, covariance = mean_and_covariance(vectors, engine)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    # eigh sorts ascending: largest first, as PCA lists them.
    eigenvalues = np.clip(eigenvalues[::-1], 0.0, None)
    eigenvectors = eigenvectors[:, ::-1]
    total = float(eigenvalues.sum())
    # N centred points span at most N - 1 dimensions; anything beyond, or far below the
    # first component, is rounding noise.
    rank = min(d, n - 1)
    if total > 0.0:
        rank = min(rank, int(np.count_nonzero(eigenvalues > eigenvalues[0] * PCA_RANK_TOLERANCE)))
    else:
        rank = 0
    eigenvalues[rank:] = 0.0
    components = fix_signs(eigenvectors[:, : min(rank, _PCA_COORDINATES)].T)

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


def _note_concerns(note: str, dims: int) -> bool:
    """Whether a PCA note matters for a view of ``dims`` columns (PC3 notes: 3D only)."""
    if note.startswith("PC3 is"):
        return dims >= 3
    return True


def _selected(config: Config) -> tuple[str, ...]:
    return ("pca-2d", "pca-3d") if config.projections.pca else ()


def _compute(inputs: MethodInputs, view: ViewSpec, params: Mapping[str, Any]) -> Projection:
    views = {p.key: p for p in pca_projections(inputs.parents["pca"])}
    return views[view.key]


def _bookmark_fields(
    projection: Projection | None, config: Config, label_column: str | None
) -> dict[str, Any]:
    # The Projector's PCA panel: which components are on the axes.
    dims = projection.dims if projection is not None else 3
    return {"pcaComponentDimensions": list(range(dims))}


METHOD = ProjectionMethod(
    key="pca",
    title="PCA",
    views=(ViewSpec("pca-2d", 2, "PCA 2D"), ViewSpec("pca-3d", 3, "PCA 3D")),
    order=0,
    rank=2,
    parents=("pca",),
    libraries=("numpy",),
    selected=_selected,
    params=lambda config: {},
    compute=_compute,
    projector_axes=axes_by_method,
    bookmark_fields=_bookmark_fields,
    cached=False,
)
