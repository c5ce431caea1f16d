"""The engine seam: the O(N x D) work of a build behind one small interface.

Everything that touches all N rows (norms, sums, the Gram matrix, the PCA projection, the
exact kNN search, hashing, streaming the tensors and exports) goes through an ``Engine``,
passed down like the seed (an ``engine`` keyword argument, ``LOCAL`` by default). An
operation maps over blocks of rows, returns partial results, and combines them in block
order; it keeps no state between calls, so an engine that runs the blocks elsewhere (Dask,
later) gives the same numbers as long as it keeps the blocks and the order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO, Protocol, TypeVar, runtime_checkable

import numpy as np

from reportgen.engine.local import (
    BLOCK_BYTES,
    LocalEngine,
    Space,
    nonfinite_rows,
    smallest_k,
    unit_rows,
    zero_rows,
)

T = TypeVar("T")

__all__ = [
    "BLOCK_BYTES",
    "LOCAL",
    "Engine",
    "LocalEngine",
    "Space",
    "nonfinite_rows",
    "smallest_k",
    "unit_rows",
    "zero_rows",
]


@runtime_checkable
class Engine(Protocol):
    """What an engine does; ``LocalEngine`` documents each operation's shapes."""

    block_bytes: int

    def row_blocks(self, n_rows: int, row_bytes: int, share: int = 1) -> tuple[slice, ...]:
        """The blocks of ``n_rows`` rows in row order (a pure function of the arguments)."""
        ...

    def map_blocks(
        self, fn: Callable[[slice], T], n_rows: int, row_bytes: int, share: int = 1
    ) -> list[T]:
        """fn of each block, returned in block order."""
        ...

    def map_rows(
        self,
        fn: Callable[..., T],
        vectors: np.ndarray,
        rows: np.ndarray,
        row_bytes: int,
        share: int = 1,
        shared: tuple = (),
        with_rows: bool = False,
    ) -> list[T]:
        """fn(vectors[rows[part]], *shared) per part of the chosen ``rows``, in order
        (``with_rows``: fn(rows[part], vectors[rows[part]], *shared))."""
        ...

    def row_norms(self, vectors: np.ndarray, *, squared: bool = False) -> np.ndarray:
        """float64 (N,) L2 norms (or their squares)."""
        ...

    def select_rows(
        self, vectors: np.ndarray, test: Callable[[np.ndarray], np.ndarray]
    ) -> np.ndarray:
        """int64 (R,) rows, in order, where ``test`` (block (B, D) -> bool (B,)) holds."""
        ...

    def transform_rows(
        self,
        vectors: np.ndarray,
        *,
        shift: np.ndarray | None = None,
        scale: np.ndarray | None = None,
    ) -> np.ndarray:
        """float32 (N, D): (vectors - shift) * scale[:, None]."""
        ...

    def project(
        self, vectors: np.ndarray, center: np.ndarray, directions: np.ndarray
    ) -> np.ndarray:
        """float32 (N, m): (vectors - center) @ directions, in float64."""
        ...

    def column_sums(self, vectors: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """float64 (D,): sum of the (masked) rows."""
        ...

    def gram(self, vectors: np.ndarray, center: np.ndarray | None = None) -> np.ndarray:
        """float64 (D, D): sum of (x - center)^T (x - center)."""
        ...

    def group_sums(
        self, vectors: np.ndarray, groups: np.ndarray, n_groups: int, *, unit: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """float64 (L, D) per-group sums (of unit rows) and int64 (L,) nonzero counts."""
        ...

    def prepare_space(self, vectors: np.ndarray, metric: str) -> Space:
        """The rows prepared for distances (unit rows or centred), float32."""
        ...

    def map_distances(
        self, fn: Callable[[slice, np.ndarray], T], space: Space, rows: np.ndarray
    ) -> list[T]:
        """fn(positions, float32 distances to all N) per block of query rows, in order."""
        ...

    def nearest(self, space: Space, rows: np.ndarray, k: int) -> np.ndarray:
        """int64 (R, k): exact k nearest neighbours, ties to the smaller index."""
        ...

    def nearest_to(self, space: Space, vectors: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
        """int64 (R, k): the exact k nearest rows of ``space`` to ``vectors[rows]``."""
        ...

    def sha256(self, array: np.ndarray, header: bytes = b"") -> str:
        """Hex sha256 of header + the array's C-order bytes."""
        ...

    def stream(
        self,
        target: BinaryIO,
        n_rows: int,
        encode: Callable[[slice], bytes],
        row_bytes: int,
    ) -> None:
        """Write encode(block) for each block, in row order."""
        ...


# The default engine of every compute function (immutable, so a safe default argument).
LOCAL: Engine = LocalEngine()
