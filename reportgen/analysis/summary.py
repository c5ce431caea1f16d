"""What the dataset card shows: label counts and vector norm statistics."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from reportgen.engine import LOCAL, Engine

# The bar chart shows this many labels; the rest are summed into one "other" bar.
CHART_TOP_LABELS = 30


@dataclass(frozen=True)
class LabelCounts:
    """How many rows carry each label.

    ``labels`` and ``counts`` are sorted by count, largest first, ties by label text; an
    empty label is the empty string. ``chart_labels``/``chart_counts`` are the same cut to
    the top ``CHART_TOP_LABELS`` plus one "other" entry, and ``other_labels`` says how many
    labels that entry sums.
    """

    labels: tuple[str, ...]
    counts: tuple[int, ...]
    chart_labels: tuple[str, ...]
    chart_counts: tuple[int, ...]
    other_labels: int


@dataclass(frozen=True)
class NormStats:
    """Statistics of the vectors' L2 norms (computed in float64 over all rows)."""

    min: float
    max: float
    mean: float
    median: float
    std: float
    zero_vectors: int


@dataclass(frozen=True)
class DatasetSummary:
    """The dataset card's numbers."""

    n: int
    dim: int
    norms: NormStats
    label_counts: LabelCounts | None


def compute_norms(vectors: np.ndarray, *, engine: Engine = LOCAL) -> np.ndarray:
    """L2 norm of each row, float64, shape (N,), scanned by the engine (memory maps welcome)."""
    return engine.row_norms(vectors)


def compute_norm_stats(vectors: np.ndarray, *, engine: Engine = LOCAL) -> NormStats:
    """Min, max, mean, median and standard deviation of the row norms; zero rows counted."""
    norms = compute_norms(vectors, engine=engine)
    return NormStats(
        min=float(norms.min()),
        max=float(norms.max()),
        mean=float(norms.mean()),
        median=float(np.median(norms)),
        std=float(norms.std()),
        zero_vectors=int(np.count_nonzero(norms == 0.0)),
    )


def count_labels(labels: list[str], top: int = CHART_TOP_LABELS) -> LabelCounts:
    """Count each label; keep the ``top`` most frequent for the chart plus "other"."""
    ordered = sorted(Counter(labels).items(), key=lambda item: (-item[1], item[0]))
    names = tuple(name for name, _ in ordered)
    counts = tuple(count for _, count in ordered)
    if len(ordered) <= top + 1:  # an "other" bar for a single label would hide its name
        return LabelCounts(names, counts, names, counts, 0)
    rest = len(ordered) - top
    return LabelCounts(
        labels=names,
        counts=counts,
        chart_labels=(*names[:top], f"other ({rest} labels)"),
        chart_counts=(*counts[:top], sum(counts[top:])),
        other_labels=rest,
    )


def summarize(
    vectors: np.ndarray, labels: list[str] | None, *, engine: Engine = LOCAL
) -> DatasetSummary:
    """The dataset card's numbers for ``vectors`` (N, D) and optional per-row labels."""
    return DatasetSummary(
        n=int(vectors.shape[0]),
        dim=int(vectors.shape[1]),
        norms=compute_norm_stats(vectors, engine=engine),
        label_counts=count_labels(labels) if labels is not None else None,
    )
