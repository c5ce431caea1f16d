import hashlib
import io

import numpy as np
import pytest

from reportgen.engine import (
    LOCAL,
    Engine,
    LocalEngine,
    nonfinite_rows,
    smallest_k,
    zero_rows,
)

METRICS = ["cosine", "euclidean"]
# One row per block, a few rows per block, and the default (one block for these sizes).
BUDGETS = [1, 8 * 5 * 7, LOCAL.block_bytes]


@pytest.fixture
def vectors(rng: np.random.Generator) -> np.ndarray:
    """90 x 5 float32 with exact duplicates, a zero row and many ties (integer values)."""
    rows = rng.integers(-2, 3, size=(90, 5)).astype(np.float32)
    rows[10] = rows[3]
    rows[40] = 0
    return rows


def test_local_engine_is_an_engine():
    assert isinstance(LOCAL, Engine)
    assert isinstance(LocalEngine(block_bytes=1), Engine)
    with pytest.raises(ValueError, match="block_bytes=0 must be >= 1"):
        LocalEngine(block_bytes=0)


@pytest.mark.parametrize(("n", "row_bytes", "share"), [(0, 8, 1), (1, 8, 1), (23, 8 * 3, 1)])
@pytest.mark.parametrize("block_bytes", [1, 50, 10**6])
def test_blocks_cover_the_rows_once_in_order(n, row_bytes, share, block_bytes):
    blocks = LocalEngine(block_bytes).row_blocks(n, row_bytes, share)
    covered = [i for block in blocks for i in range(block.start, block.stop)]
    assert covered == list(range(n))
    step = max(1, share * block_bytes // row_bytes)
    assert all(block.stop - block.start == step for block in blocks[:-1])


def test_blocks_take_their_share_of_the_budget():
    engine = LocalEngine(block_bytes=1000)
    assert len(engine.row_blocks(100, 40)) == 4  # 25 rows per block
    assert len(engine.row_blocks(100, 40, 4)) == 1  # 100 rows per block


def test_map_blocks_returns_the_partials_in_block_order():
    engine = LocalEngine(block_bytes=3)
    parts = engine.map_blocks(lambda rows: (rows.start, rows.stop), 10, 1)
    assert parts == [(0, 3), (3, 6), (6, 9), (9, 10)]


@pytest.mark.parametrize("block_bytes", BUDGETS)
def test_norms_match_numpy_and_do_not_depend_on_the_blocks(vectors, block_bytes):
    engine = LocalEngine(block_bytes)
    squared = engine.row_norms(vectors, squared=True)
    np.testing.assert_array_equal(squared, (vectors.astype(np.float64) ** 2).sum(axis=1))
    np.testing.assert_array_equal(engine.row_norms(vectors), LOCAL.row_norms(vectors))


def test_norms_of_a_float32_row_are_the_same_in_any_block(rng):
    # The norms feed the kNN graph: a block of one row must round as a block of many.
    rows = rng.normal(size=(257, 384)).astype(np.float32)
    whole = LOCAL.row_norms(rows)
    for block_bytes in (1, 8 * 384 * 10, 8 * 384 * 100):
        np.testing.assert_array_equal(LocalEngine(block_bytes).row_norms(rows), whole)


def test_column_sums_and_gram(vectors):
    engine = LocalEngine(8 * 5 * 7)
    x = vectors.astype(np.float64)
    np.testing.assert_allclose(engine.column_sums(vectors), x.sum(axis=0), rtol=1e-12)
    mask = np.arange(90) % 3 == 0
    np.testing.assert_allclose(engine.column_sums(vectors, mask), x[mask].sum(axis=0))
    np.testing.assert_allclose(engine.gram(vectors), x.T @ x, rtol=1e-12)
    center = x.mean(axis=0)
    np.testing.assert_allclose(engine.gram(vectors, center), (x - center).T @ (x - center))
    gram = engine.gram(vectors, center)
    np.testing.assert_array_equal(gram, gram.T)


def test_sums_of_integers_do_not_depend_on_the_blocks(vectors):
    # Small integers sum exactly in float64 in any order: the blocks cannot show.
    results = [LocalEngine(b).gram(vectors) for b in BUDGETS]
    for result in results[1:]:
        np.testing.assert_array_equal(result, results[0])


def test_sums_are_folded_in_block_order(rng):
    # Values whose float64 sum depends on the order: the fold adds block 0, then 1, ...
    vectors = np.array([[1e16], [1.0], [-1e16], [1.0]], dtype=np.float64)
    engine = LocalEngine(block_bytes=8)  # one row per block
    expected = 0.0
    for value in vectors[:, 0]:
        expected += value
    assert engine.column_sums(vectors)[0] == expected == 1.0


def test_group_sums_match_a_loop(vectors):
    groups = np.arange(90) % 4
    sums, nonzero = LocalEngine(8 * 5 * 7).group_sums(vectors, groups, 5, unit=True)
    x = vectors.astype(np.float64)
    norms = np.linalg.norm(x, axis=1)
    unit = np.divide(x, norms[:, None], out=np.zeros_like(x), where=norms[:, None] > 0)
    for g in range(5):
        np.testing.assert_allclose(sums[g], unit[groups == g].sum(axis=0), atol=1e-12)
        assert nonzero[g] == np.count_nonzero(norms[groups == g])
    assert nonzero[4] == 0 and not sums[4].any()


@pytest.mark.parametrize("block_bytes", BUDGETS)
def test_project_and_transform(vectors, block_bytes):
    engine = LocalEngine(block_bytes)
    center = vectors.mean(axis=0, dtype=np.float64)
    directions = np.eye(5)[:, :2]
    expected = (vectors.astype(np.float64) - center)[:, :2].astype(np.float32)
    np.testing.assert_array_equal(engine.project(vectors, center, directions), expected)
    scale = np.arange(90, dtype=np.float32)
    shifted = engine.transform_rows(vectors, shift=np.ones(5, np.float32), scale=scale)
    np.testing.assert_array_equal(shifted, (vectors - 1) * scale[:, None])


@pytest.mark.parametrize("block_bytes", BUDGETS)
def test_select_rows(vectors, block_bytes):
    engine = LocalEngine(block_bytes)
    rows = vectors.copy()
    rows[[0, 44, 89], [1, 2, 4]] = [np.nan, np.inf, -np.inf]
    np.testing.assert_array_equal(engine.select_rows(rows, nonfinite_rows), [0, 44, 89])
    expected = np.flatnonzero(~vectors.any(axis=1))
    np.testing.assert_array_equal(engine.select_rows(vectors, zero_rows), expected)
    assert engine.select_rows(vectors, zero_rows).dtype == np.int64


def _brute_force(data: np.ndarray, k: int, metric: str) -> np.ndarray:
    """The k nearest of every row by (distance, index), itself excluded, float64 distances."""
    x = data.astype(np.float64)
    if metric == "cosine":
        distances = 1.0 - x @ x.T
    else:
        distances = ((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(distances, np.inf)
    columns = np.broadcast_to(np.arange(len(x)), distances.shape)
    return np.lexsort((columns, distances), axis=-1)[:, :k]


@pytest.mark.parametrize("block_bytes", [1, 90 * 7, LOCAL.block_bytes])
def test_nearest_is_the_brute_force_with_ties_to_the_smaller_index(vectors, block_bytes):
    # Rows and their negations: the mean is exactly 0 and every squared euclidean distance
    # is a small integer, exact in float32 whatever the BLAS order, so ties are real ties
    # and every budget must give the same neighbours.
    rows = np.concatenate([vectors[:45], -vectors[:45]])
    engine = LocalEngine(block_bytes)
    found = engine.nearest(engine.prepare_space(rows, "euclidean"), np.arange(90), 6)
    expected = _brute_force(rows, 6, "euclidean")
    np.testing.assert_array_equal(np.sort(found, axis=1), np.sort(expected, axis=1))


@pytest.mark.parametrize("block_bytes", [1, 90 * 7, LOCAL.block_bytes])
def test_cosine_nearest_is_the_brute_force_up_to_rounding(vectors, block_bytes):
    # Unit rows are rounded to float32, and a block of one row is a matrix-vector product
    # that may round differently from a block of many: near-ties may swap, so compare the
    # neighbours' true distances, not their indices.
    engine = LocalEngine(block_bytes)
    found = engine.nearest(engine.prepare_space(vectors, "cosine"), np.arange(90), 6)
    assert not (found == np.arange(90)[:, None]).any()  # never the point itself
    x = vectors.astype(np.float64)
    norms = np.linalg.norm(x, axis=1)
    unit = np.divide(x, norms[:, None], out=np.zeros_like(x), where=norms[:, None] > 0)
    true = 1.0 - unit @ unit.T
    np.fill_diagonal(true, np.inf)
    got = np.sort(np.take_along_axis(true, found, axis=1), axis=1)
    np.testing.assert_allclose(got, np.sort(true, axis=1)[:, :6], atol=1e-6)


def test_nearest_of_some_rows(vectors):
    space = LOCAL.prepare_space(vectors, "euclidean")
    rows = np.array([5, 40, 3])
    all_rows = LOCAL.nearest(space, np.arange(90), 4)
    np.testing.assert_array_equal(
        np.sort(LocalEngine(1).nearest(space, rows, 4), axis=1), np.sort(all_rows[rows], axis=1)
    )


@pytest.mark.parametrize("k", [1, 3, 12])
def test_smallest_k_breaks_ties_by_index(rng, k):
    # Few distinct values: most rows tie at the k-th place. 400 columns also take the
    # candidate cut (stride > 1) for every k here.
    block = rng.integers(0, 6, size=(40, 400)).astype(np.float32)
    block[np.arange(40), np.arange(40)] = np.inf
    chosen = np.sort(smallest_k(block.copy(), k), axis=1)
    columns = np.broadcast_to(np.arange(400), block.shape)
    expected = np.sort(np.lexsort((columns, block), axis=-1)[:, :k], axis=1)
    np.testing.assert_array_equal(chosen, expected)


def test_map_distances_passes_each_query_block_once(vectors):
    space = LOCAL.prepare_space(vectors, "cosine")
    queries = np.array([2, 7, 9, 30, 31])
    parts = LocalEngine(90 * 2).map_distances(
        lambda part, block: (part.start, block.shape), space, queries
    )
    assert parts == [(0, (2, 90)), (2, (2, 90)), (4, (1, 90))]


@pytest.mark.parametrize("block_bytes", [1, 100, LOCAL.block_bytes])
@pytest.mark.parametrize(
    "array",
    [
        np.arange(60, dtype=np.float32).reshape(12, 5),
        np.arange(7, dtype=np.int64),
        np.zeros((0, 3), dtype=np.float32),
        np.asfortranarray(np.arange(12.0).reshape(4, 3)),
    ],
)
def test_hash_is_sha256_of_the_c_order_bytes(array, block_bytes):
    expected = hashlib.sha256(b"head" + np.ascontiguousarray(array).tobytes()).hexdigest()
    assert LocalEngine(block_bytes).sha256(array, b"head") == expected


def test_hash_reads_a_memory_map(tmp_path, vectors):
    np.save(tmp_path / "v.npy", vectors)
    mapped = np.load(tmp_path / "v.npy", mmap_mode="r")
    assert LocalEngine(64).sha256(mapped) == hashlib.sha256(vectors.tobytes()).hexdigest()


@pytest.mark.parametrize("block_bytes", [1, 100, LOCAL.block_bytes])
def test_stream_writes_the_blocks_in_order(block_bytes):
    target = io.BytesIO()
    LocalEngine(block_bytes).stream(
        target, 25, lambda rows: "".join(f"{i}\n" for i in range(rows.start, rows.stop)).encode(), 4
    )
    assert target.getvalue() == "".join(f"{i}\n" for i in range(25)).encode()


def test_gram_groups_keep_each_part_a_fraction_of_its_rows():
    from reportgen.engine.local import GRAM_PART_RATIO

    engine = LocalEngine()
    # Up to D = 724 a group is one block: the Gram matrix is added block by block as before.
    assert {len(g) for g in engine.gram_groups(100_000, 384)} == {1}
    groups = engine.gram_groups(100_000, 4_096)
    assert len(groups[0]) == 32
    covered = [rows for group in groups for rows in group]
    assert covered == list(engine.row_blocks(100_000, 8 * 4_096))
    part_bytes, group_bytes = 8 * 4_096**2, 32 * engine.block_bytes
    assert part_bytes * GRAM_PART_RATIO <= group_bytes


def test_a_grouped_gram_matrix_equals_the_float64_reference():
    rng = np.random.default_rng(4)
    vectors = rng.normal(size=(1_000, 24)).astype(np.float32)
    # 30 rows a block; a 4.5 KiB part needs 8 x its bytes of rows: 7 blocks a group.
    engine = LocalEngine(block_bytes=8 * 24 * 30)
    assert len(engine.gram_groups(1_000, 24)[0]) == 7
    center = vectors.mean(axis=0, dtype=np.float64)
    wide = vectors.astype(np.float64) - center
    np.testing.assert_allclose(engine.gram(vectors, center), wide.T @ wide, rtol=1e-12, atol=1e-9)
    # A group's blocks run a few at a time but are added in order, as a worker adds them.
    from reportgen.engine.local import gram_group

    in_order = np.zeros((24, 24))
    for group in engine.gram_groups(1_000, 24):
        in_order += gram_group(vectors, group, center)
    for threads in (1, 2, 3):
        at_once = LocalEngine(block_bytes=8 * 24 * 30, threads=threads)
        assert at_once.gram(vectors, center).tobytes() == in_order.tobytes()


def test_the_gram_matrix_s_group_parts_are_added_in_a_fixed_tree(monkeypatch):
    """More group parts than a node's fan-in are added a fan-in at a time, level by level,
    the root into zeros: the order a Dask cluster adds them in too."""
    from reportgen.engine import local
    from reportgen.engine.local import add_parts, gram_fan_in, gram_group, tree_levels

    assert tree_levels(5, 32) == [5]  # up to a fan-in: added in order into zeros, as before
    assert tree_levels(30_518, 8) == [30_518, 3_815, 477, 60, 8]
    assert gram_fan_in(384) == 32 and gram_fan_in(4_096) == 8  # 8 x 128 MiB at a node
    rng = np.random.default_rng(8)
    vectors = (rng.normal(size=(1_000, 24)) * 100).astype(np.float32)
    engine = LocalEngine(block_bytes=8 * 24 * 30)  # 34 blocks of 30 rows, 7 a group: 5 groups
    groups = engine.gram_groups(1_000, 24)
    parts = [gram_group(vectors, group, None) for group in groups]
    monkeypatch.setattr(local, "GRAM_FAN_IN", 2)
    assert tree_levels(len(parts), gram_fan_in(24)) == [5, 3, 2]
    nodes = [add_parts(*parts[0:2]), add_parts(*parts[2:4]), add_parts(parts[4])]
    expected = np.zeros((24, 24))
    for node in (add_parts(*nodes[0:2]), add_parts(nodes[2])):
        expected += node
    assert engine.gram(vectors).tobytes() == expected.tobytes()
    for threads in (1, 2):  # the blocks of a group run a few at a time: the same tree
        assert LocalEngine(engine.block_bytes, threads=threads).gram(vectors).tobytes() == (
            expected.tobytes()
        )
    wide = vectors.astype(np.float64)
    np.testing.assert_allclose(engine.gram(vectors), wide.T @ wide, rtol=1e-12)


def test_blocks_give_the_same_bits_whatever_the_threads(rng):
    """A Dask worker runs one BLAS thread and this process may run several: every block's
    products must not depend on it (OpenBLAS splits a product differently by threads, and
    its rounding with it), nor on how many blocks run at once."""
    from threadpoolctl import threadpool_limits

    from reportgen.engine.local import nearest_block

    vectors = rng.normal(size=(6000, 384)).astype(np.float32)
    directions = rng.normal(size=(384, 50))
    center = vectors.mean(axis=0, dtype=np.float64)
    space = LocalEngine().prepare_space(vectors[:3000], "cosine")
    rows = np.arange(3000, 6000)

    def run(engine: LocalEngine) -> list[bytes]:
        return [
            engine.gram(vectors, center).tobytes(),
            engine.project(vectors, center, directions).tobytes(),
            engine.map_rows(nearest_block, vectors, rows, 4 * space.n, 4, shared=(space, 5))[
                0
            ].tobytes(),
            engine.map_rows(_product, vectors, rows, 4 * 384, shared=(space.data[:2000],))[
                0
            ].tobytes(),
        ]

    engine = LocalEngine(block_bytes=2**20)
    reference = run(LocalEngine(block_bytes=2**20, threads=1))
    assert run(LocalEngine(block_bytes=2**20, threads=2)) == reference
    with threadpool_limits(limits=1):
        assert run(engine) == reference
    assert run(engine) == reference


def _product(block: np.ndarray, data: np.ndarray) -> np.ndarray:
    return block @ data.T
