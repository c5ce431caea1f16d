"""The Embedding Projector's custom projection: axes between the centroids of the rows a
regex selects in a metadata column ("custom")."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from reportgen.analysis.projections.base import (
    PCA_RANK_TOLERANCE,
    MethodInputs,
    Projection,
    ProjectionMethod,
    ViewSpec,
    check_vectors,
    fix_signs,
    mean_and_covariance,
)
from reportgen.engine import LOCAL, Engine
from reportgen.errors import AnalysisError

if TYPE_CHECKING:
    from reportgen.config import Config
    from reportgen.dataset import Dataset

# Relative size under which two custom-axis centroids count as the same point (float32
# data carries ~7 significant digits).
_CENTROID_TOLERANCE = 1e-6


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
    check_vectors(vectors)
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
        mean, covariance = mean_and_covariance(vectors, engine)
        projector = np.eye(len(x_axis)) - np.outer(x_axis, x_axis)
        eigenvalues, eigenvectors = np.linalg.eigh(projector @ covariance @ projector)
        y_axis = fix_signs(eigenvectors[:, -1:].T)[0]
        if eigenvalues[-1] <= max(float(np.trace(covariance)), 0.0) * PCA_RANK_TOLERANCE:
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


_AXES = ("left", "right", "up", "down")


def _selected(config: Config) -> tuple[str, ...]:
    return ("custom",) if config.projections.custom_column is not None else ()


def _params(config: Config) -> dict[str, Any]:
    projections = config.projections
    return {
        "column": projections.custom_column,
        **{axis: getattr(projections, f"custom_{axis}") for axis in _AXES},
    }


def _values(dataset: Dataset, column: str) -> list[str]:
    return dataset.column(column).as_text()


def _fingerprint(dataset: Dataset, config: Config) -> dict[str, Any]:
    from reportgen.cache import text_key

    return {"values": text_key(_values(dataset, config.projections.custom_column))}


def _compute(inputs: MethodInputs, view: ViewSpec, params: Mapping[str, Any]) -> Projection:
    values = _values(inputs.dataset, params["column"])
    return compute_custom(inputs.vectors, values, engine=inputs.engine, **params)


def _bookmark_fields(
    projection: Projection | None, config: Config, label_column: str | None
) -> dict[str, Any]:
    # Every State carries the custom panel's fields, whatever its view.
    custom = config.projections
    fields: dict[str, Any] = {
        "customSelectedSearchByMetadataOption": custom.custom_column or label_column or ""
    }
    for name, axis in (("XLeft", "left"), ("XRight", "right"), ("YUp", "up"), ("YDown", "down")):
        fields[f"custom{name}Text"] = getattr(custom, f"custom_{axis}") or ""
        fields[f"custom{name}Regex"] = True
    return fields


METHOD = ProjectionMethod(
    key="custom",
    title="Custom",
    views=(ViewSpec("custom", 2, "Custom"),),
    order=3,
    rank=3,
    parents=(),
    libraries=("numpy",),
    selected=_selected,
    params=_params,
    compute=_compute,
    fingerprint=_fingerprint,
    projector_axes=lambda projection: ["linear-x", "linear-y"],
    bookmark_fields=_bookmark_fields,
    aliases=False,
    not_selected_hint=lambda view: "--custom-column/--custom-left/--custom-right",
)
