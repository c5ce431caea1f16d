"""Decisions about what the browser is sent, made here where they are tested and seeded:
which points a view shows beyond its budget, and how a column's categories are coded."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

# Categories beyond this many are summed into one "other" (the palette has this many
# distinguishable colours; a legend of hundreds helps nobody).
TOP_CATEGORIES = 20
OTHER = "other"


@dataclass(frozen=True)
class Categories:
    """A text column coded for colouring: ``codes[i]`` indexes ``names``.

    ``names`` are the most frequent values (largest first, ties by text); when there are
    more than ``TOP_CATEGORIES`` values, the rest share the last name, ``other_name`` ("other
    (12 values)"), and ``other`` says so. An empty cell is the value "".
    """

    codes: np.ndarray  # uint8 or uint16 (N,)
    names: tuple[str, ...]
    other: bool


def encode_categories(values: list[str], top: int = TOP_CATEGORIES) -> Categories:
    """Code ``values`` as the ``top`` most frequent names plus, if needed, "other"."""
    ordered = [v for v, _ in sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0]))]
    other = len(ordered) > top + 1  # one leftover value is shown rather than hidden
    kept = ordered[:top] if other else ordered
    names = (*kept, f"{OTHER} ({len(ordered) - top} values)") if other else tuple(kept)
    lookup = {name: code for code, name in enumerate(kept)}
    fallback = len(kept)
    dtype = np.uint8 if len(names) <= 256 else np.uint16
    codes = np.fromiter((lookup.get(v, fallback) for v in values), dtype=dtype, count=len(values))
    return Categories(codes=codes, names=tuple(names), other=other)


def stratified_sample(groups: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Sorted row indices of a seeded sample of ``size`` rows, stratified by ``groups``.

    Each group gets its share of ``size`` by the largest-remainder rule (a group's share is
    never more than its rows), so small classes keep their proportion; rows are drawn
    without replacement with ``np.random.default_rng(seed)``. All rows when ``size >= N``.
    """
    n = len(groups)
    if size >= n:
        return np.arange(n, dtype=np.int64)
    if size < 1:
        raise ValueError(f"size={size} must be at least 1")
    rng = np.random.default_rng(seed)
    labels, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    exact = counts * (size / n)
    shares = np.floor(exact).astype(np.int64)
    order = np.lexsort((np.arange(len(labels)), -(exact - shares)))
    shares[order[: size - int(shares.sum())]] += 1
    chosen = []
    for group, share in enumerate(shares):
        if share:
            members = np.flatnonzero(inverse == group)
            chosen.append(rng.choice(members, size=int(share), replace=False))
    return np.sort(np.concatenate(chosen)).astype(np.int64)
