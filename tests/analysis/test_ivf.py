"""The IVF index searched list by list: it finds what an exhaustive scan of the probed lists
finds, excludes a query's own row, and is exact when every list is probed."""

from __future__ import annotations

import numpy as np
import pytest

from reportgen.analysis.ivf import build_list_index, nearest_lists, search_lists
from reportgen.analysis.neighbors import _row_preparer
from reportgen.engine import LOCAL, LocalEngine


def _clustered(n: int = 3000, dim: int = 16, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(12, dim)) * 3
    return (centres[rng.integers(12, size=n)] + rng.normal(size=(n, dim))).astype(np.float32)


def _prepared(vectors: np.ndarray, metric: str) -> np.ndarray:
    if metric == "cosine":
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors - vectors.mean(axis=0)


def _brute(data: np.ndarray, queries: np.ndarray, candidates: list, metric: str, k: int):
    """Each query's k nearest among its candidate rows, by a plain loop (sets)."""
    result = []
    for query, allowed in zip(queries, candidates, strict=True):
        allowed = np.asarray(sorted(allowed), dtype=np.int64)
        if metric == "cosine":
            gaps = -(data[allowed] @ data[query])
        else:
            gaps = ((data[allowed] - data[query]) ** 2).sum(axis=1)
        result.append(set(allowed[np.argsort(gaps, kind="stable")[:k]].tolist()))
    return result


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_every_list_probed_is_exact_search(metric):
    vectors = _clustered()
    prepare = _row_preparer(vectors, metric, LOCAL)
    rows = np.arange(len(vectors))
    index = build_list_index(rows, prepare, metric, 0, LOCAL)
    assert index.nlist == round(2 * np.sqrt(len(vectors)))
    queries = np.arange(0, 3000, 37)
    found = search_lists(index, queries, prepare, 5, index.nlist, LOCAL, own=queries)
    others = [set(range(3000)) - {int(q)} for q in queries]
    expected = _brute(_prepared(vectors, metric), queries, others, metric, 5)
    assert [set(row.tolist()) for row in found] == expected


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_a_query_gets_the_nearest_members_of_its_probed_lists(metric):
    vectors = _clustered(seed=2)
    prepare = _row_preparer(vectors, metric, LOCAL)
    index = build_list_index(np.arange(3000), prepare, metric, 3, LOCAL)
    queries = np.arange(5, 3000, 11)
    # Small blocks: the result does not depend on them.
    engine = LocalEngine(block_bytes=4 * 16 * 40)
    found = search_lists(index, queries, prepare, 6, 4, engine, own=queries)
    probes = nearest_lists(prepare(queries), index.centroids, metric, 4)
    members = []
    for query, lists in zip(queries, probes, strict=True):
        allowed = set()
        for lst in lists:
            allowed |= set(index.positions[index.starts[lst] : index.starts[lst + 1]].tolist())
        members.append(allowed - {int(query)})
    expected = _brute(_prepared(vectors, metric), queries, members, metric, 6)
    assert [set(row.tolist()) for row in found] == expected
    again = search_lists(index, queries, prepare, 6, 4, LOCAL, own=queries)
    assert [set(row.tolist()) for row in again] == expected


def test_the_lists_hold_every_reference_row_once_and_pad_short_results():
    vectors = _clustered(n=400)
    prepare = _row_preparer(vectors, "cosine", LOCAL)
    sample = np.arange(0, 400, 4)
    index = build_list_index(sample, prepare, "cosine", 0, LOCAL)
    assert sorted(index.positions.tolist()) == list(range(100))
    assert index.starts[0] == 0 and index.starts[-1] == 100
    np.testing.assert_array_equal(index.slot[index.positions], np.arange(100))
    # One list probed and more neighbours asked than it holds: -1 fills the rest.
    found = search_lists(index, np.array([1, 2]), prepare, 99, 1, LOCAL)
    assert (found == -1).any() and (found >= -1).all() and found.max() < 100
