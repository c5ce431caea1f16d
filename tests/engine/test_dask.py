"""reportgen/engine/dask.py: the shards read on a real Dask cluster (two worker processes).

One LocalCluster serves the whole module (starting one costs seconds); builds reach it with
--scheduler, as a user's CI would reach a running cluster.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import cloudpickle
import distributed
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reportgen.cli import main
from reportgen.config import InputConfig
from reportgen.engine.dask import THREAD_VARIABLES, dask_shard_mapper, start_client
from reportgen.errors import EngineError, InputError
from reportgen.io.inputs import _read_vectors
from tests.helpers import read_tree

# The reader that kills its worker is pickled by value: the workers need not import tests/.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

N_SHARDS = 24
ROWS = 30
DIM = 16
FAST = ["--quiet", "--no-tsne", "--umap-n-epochs", "20", "--no-cache"]


@pytest.fixture(scope="module")
def scheduler() -> str:
    """The address of a two-worker LocalCluster (processes, as on a real cluster)."""
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        memory_limit="1GB",
        dashboard_address=":0",
    )
    # Starting it sets the BLAS thread variables in this process; later tests must not see it.
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    yield cluster.scheduler_address
    cluster.close()


def _last_shard_read() -> str | None:
    from reportgen.io import shards

    return shards._LAST_SHARD.get("key")


def _write_shards(folder: Path, *, nan_in: int | None = None, wide: int | None = None) -> None:
    """24 Parquet shards of a list column, a label and a text column."""
    rng = np.random.default_rng(3)
    folder.mkdir(parents=True)
    for i in range(N_SHARDS):
        block = rng.normal(size=(ROWS, DIM + (1 if i == wide else 0))).astype(np.float32)
        if i == nan_in:
            block[5, 2] = np.nan
        rows = range(i * ROWS, (i + 1) * ROWS)
        table = pa.table(
            {
                "embedding": pa.array(block.tolist(), pa.list_(pa.float32())),
                "label": [f"class-{r % 7}" for r in rows],
                "text": [f"item {r}" for r in rows],
            }
        )
        pq.write_table(table, folder / f"part-{i}.parquet")


def test_a_dask_build_is_the_local_build_byte_for_byte(tmp_path, monkeypatch, scheduler):
    monkeypatch.chdir(tmp_path)
    _write_shards(tmp_path / "shards")
    args = ["build", "shards/*.parquet", "--text-column", "text", *FAST]
    assert main([*args, "--out", "local"]) == 0
    assert main([*args, "--out", "dask", "--engine", "dask", "--scheduler", scheduler]) == 0
    local, on_dask = read_tree(tmp_path / "local"), read_tree(tmp_path / "dask")
    assert local.keys() == on_dask.keys()
    assert [name for name in local if local[name] != on_dask[name]] == []
    assert b"part-23.parquet" in local["report.json"]
    # The analysis' reductions over all rows ran on the workers, which read the rows from
    # this test's shards (the load alone keeps no shard there).
    with distributed.Client(scheduler, set_as_default=False) as client:
        last = client.run(_last_shard_read)
    assert any(name and str(tmp_path) in name for name in last.values()), last


def test_one_file_read_on_dask_is_the_local_build(tmp_path, monkeypatch, scheduler):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(5)
    np.save("v.npy", rng.normal(size=(200, 8)).astype(np.float32))
    Path("meta.tsv").write_text("label\tn\n" + "".join(f"c{i % 3}\t{i}\n" for i in range(200)))
    args = ["build", "v.npy", "--metadata", "meta.tsv", *FAST]
    assert main([*args, "--out", "local"]) == 0
    assert main([*args, "--out", "dask", "--engine", "dask", "--scheduler", scheduler]) == 0
    assert read_tree(tmp_path / "local") == read_tree(tmp_path / "dask")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"nan_in": 7}, r"shards/part-7\.parquet: row 5, column 2: NaN in a vector"),
        ({"wide": 11}, r"shards/part-11\.parquet: has 17 dimensions; the first shard"),
    ],
    ids=["nan", "width"],
)
def test_a_bad_shard_is_named_and_the_site_kept(
    tmp_path, monkeypatch, capsys, scheduler, bad, message
):
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--demo", "digits", "--out", "site", "--no-umap", *FAST]) == 0
    before = read_tree(tmp_path / "site")
    _write_shards(tmp_path / "shards", **bad)
    args = ["build", "shards/*.parquet", "--out", "site", *FAST]
    assert main([*args, "--engine", "dask", "--scheduler", scheduler]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reportgen: error: "), lines
    assert "Traceback" not in lines[0]
    assert re.search(message, lines[0]), lines[0]
    assert read_tree(tmp_path / "site") == before


def test_the_first_bad_shard_in_order_is_reported_whichever_finished_first(
    tmp_path, monkeypatch, capsys, scheduler
):
    monkeypatch.chdir(tmp_path)
    _write_shards(tmp_path / "shards", nan_in=20, wide=3)
    args = ["build", "shards/*.parquet", "--out", "site", *FAST]
    assert main([*args, "--engine", "dask", "--scheduler", scheduler]) == 2
    assert "part-3.parquet: has 17 dimensions" in capsys.readouterr().err


def test_an_unreachable_scheduler_is_one_line_within_its_timeout(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _write_shards(tmp_path / "shards")
    start = time.monotonic()
    code = main(
        [
            "build",
            "shards/*.parquet",
            *FAST,
            "--engine",
            "dask",
            "--scheduler",
            "tcp://127.0.0.1:9",  # the discard port: nothing listens there
            "--scheduler-timeout",
            "2",
        ]
    )
    elapsed = time.monotonic() - start
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(lines) == 1
    assert lines[0].startswith("reportgen: error: cannot reach the Dask scheduler at tcp://127")
    # Not a speed measurement: the build must give up, rather than wait for ever. The bound
    # is loose (the timeout is 2 s) because this machine is shared.
    assert elapsed < 60
    assert not (tmp_path / "site").exists()


class KillFirstReader:
    """Reads a shard, but the first call anywhere kills the worker process it runs in."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __call__(self, path: Path, inp: InputConfig):
        if path.name == "part-5.parquet" and not self.marker.exists():
            self.marker.touch()
            os._exit(1)  # the worker dies mid-pass, as under the OOM killer
        return _read_vectors(path, inp)


def test_a_worker_killed_mid_read_is_replaced_and_the_result_unchanged(tmp_path, scheduler):
    from reportgen.io.shards import map_in_process, read_sharded_vectors

    _write_shards(tmp_path / "shards")
    pattern = str(tmp_path / "shards" / "*.parquet")
    inp = InputConfig(vectors=pattern)
    expected = read_sharded_vectors(pattern, inp, _read_vectors, map_in_process)
    marker = tmp_path / "killed"
    with distributed.Client(scheduler, set_as_default=False) as client:
        workers_before = set(client.scheduler_info()["workers"])
        got = read_sharded_vectors(pattern, inp, KillFirstReader(marker), dask_shard_mapper(client))
        client.wait_for_workers(2, timeout=60)
        workers_after = set(client.scheduler_info()["workers"])
    assert marker.exists()  # a worker did die
    assert workers_after != workers_before  # and the Nanny replaced it
    np.testing.assert_array_equal(got.raw.values, expected.raw.values)
    assert got.sources == expected.sources


class KillFirstBlock:
    """A pass-2 block function whose first call anywhere kills the worker it runs in."""

    def __init__(self, fn, marker: Path) -> None:
        self.fn, self.marker, self.__name__ = fn, marker, "kill-first-block"

    def __call__(self, block, *shared):
        if not self.marker.exists():
            self.marker.touch()
            os._exit(1)
        return self.fn(block, *shared)


def test_a_worker_killed_in_pass_2_is_replaced_and_the_search_unchanged(tmp_path, scheduler):
    """The search of every row against the sample (the scattered sample reaching the new
    worker from the other one) loses nothing when a worker dies in the middle of it."""
    from reportgen.analysis.neighbors import sample_rows_block
    from reportgen.engine import LocalEngine
    from reportgen.engine.dask import DaskEngine
    from reportgen.io.shards import ShardedRows, read_sharded_vectors

    _write_shards(tmp_path / "shards")
    pattern = str(tmp_path / "shards" / "*.parquet")
    sharded = read_sharded_vectors(pattern, InputConfig(vectors=pattern), _read_vectors)
    values = sharded.raw.values
    block_bytes = 4 * DIM * 40
    local = LocalEngine(block_bytes=block_bytes)
    space = local.prepare_space(values[::5], "cosine")
    rows = np.arange(len(values))
    shared = (space, 3, None, 0, local)
    row_bytes = 4 * space.n + 8 * 3 * DIM
    expected = local.map_rows(sample_rows_block, values, rows, row_bytes, shared=shared)
    marker = tmp_path / "killed"
    with distributed.Client(scheduler, set_as_default=False) as client:
        workers_before = set(client.scheduler_info()["workers"])
        engine = DaskEngine(
            block_bytes=block_bytes, client=client, mirror=ShardedRows.of(sharded), array=values
        )
        killer = KillFirstBlock(sample_rows_block, marker)
        got = engine.map_rows(killer, values, rows, row_bytes, shared=shared)
        client.wait_for_workers(2, timeout=60)
        workers_after = set(client.scheduler_info()["workers"])
    assert marker.exists() and workers_after != workers_before
    assert len(got) == len(expected) > 2
    for there, here in zip(got, expected, strict=True):
        assert all(a.tobytes() == b.tobytes() for a, b in zip(there, here, strict=True))


def test_a_local_cluster_leaves_the_client_thread_variables_alone(monkeypatch):
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    seen = {}
    with start_client(None, n_workers=1, memory_limit="500MB") as client:
        seen = {name: os.environ.get(name) for name in THREAD_VARIABLES}
        assert client.run(lambda: os.environ.get("OMP_NUM_THREADS"))  # the workers' own
    assert seen == {"OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": None, "OPENBLAS_NUM_THREADS": None}
    assert {name: os.environ.get(name) for name in THREAD_VARIABLES} == seen


def test_without_distributed_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with (
        pytest.raises(EngineError, match=r"pip install 'reportgen\[dask\]'"),
        start_client("tcp://127.0.0.1:9"),
    ):
        pass


def test_an_input_error_survives_pickling_with_its_place():
    error = InputError("NaN in a vector", path="s/part-2.npy", row=4, column=1)
    back = cloudpickle.loads(cloudpickle.dumps(error))
    assert (back.path, back.row, back.column, str(back)) == (
        "s/part-2.npy",
        4,
        1,
        str(error),
    )


def test_shards_larger_in_total_than_a_worker_s_memory_limit_load_without_a_death(tmp_path):
    """24 shards of 16 MB (384 MB of float32) through workers limited to 300 MB each: every
    worker holds one shard at a time, none is restarted for memory, and the rows are exact."""
    from reportgen.io.shards import read_sharded_vectors

    rng = np.random.default_rng(11)
    folder = tmp_path / "big"
    folder.mkdir()
    rows, dim = 4_000, 1_024
    checksum = np.zeros(dim)
    for i in range(N_SHARDS):
        block = rng.standard_normal((rows, dim), dtype=np.float32)
        checksum += block.sum(axis=0, dtype=np.float64)
        np.save(folder / f"part-{i:02d}.npy", block)
    pattern = str(folder / "*.npy")
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, memory_limit="300MB", dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        workers_before = set(client.scheduler_info()["workers"])
        got = read_sharded_vectors(
            pattern, InputConfig(vectors=pattern), _read_vectors, dask_shard_mapper(client)
        )
        workers_after = set(client.scheduler_info()["workers"])
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    assert workers_after == workers_before  # no worker was killed and replaced
    assert got.raw.values.shape == (N_SHARDS * rows, dim)
    assert got.raw.values.nbytes > 300 * 2**20
    np.testing.assert_allclose(got.raw.values.sum(axis=0, dtype=np.float64), checksum)


def test_the_dask_engine_reduces_on_the_workers_to_the_local_engine_s_bits(tmp_path, scheduler):
    """Norms, sums, the Gram matrix and label sums of all rows, read by the workers from
    uneven shards in blocks that straddle them, equal the local engine's bit for bit."""
    from reportgen.engine import LocalEngine
    from reportgen.engine import local as local_module
    from reportgen.engine.dask import DaskEngine
    from reportgen.io.shards import ShardedRows, map_in_process, read_sharded_vectors

    rng = np.random.default_rng(2)
    folder = tmp_path / "uneven"
    folder.mkdir()
    sizes = [37, 1, 120, 0, 64, 250, 9]
    for i, size in enumerate(sizes):
        np.save(folder / f"s-{i}.npy", (rng.normal(size=(size, 24)) * 10).astype(np.float32))
    pattern = str(folder / "*.npy")
    inp = InputConfig(vectors=pattern)
    sharded = read_sharded_vectors(pattern, inp, _read_vectors, map_in_process)
    values = sharded.raw.values
    rows = ShardedRows.of(sharded)
    assert rows.shape == values.shape
    block_bytes = 8 * 24 * 50  # 50 rows a block: blocks straddle most shard boundaries
    local = LocalEngine(block_bytes=block_bytes)
    groups = rng.integers(0, 5, size=len(values))
    center = values.mean(axis=0, dtype=np.float64)
    with distributed.Client(scheduler, set_as_default=False) as client:
        engine = DaskEngine(block_bytes=block_bytes, client=client)
        results = {
            "norms": (engine.row_norms(rows), local.row_norms(values)),
            "sums": (engine.column_sums(rows), local.column_sums(values)),
            "gram": (engine.gram(rows, center), local.gram(values, center)),
            "groups": (
                np.concatenate([*engine.group_sums(rows, groups, 5, unit=True)], axis=None),
                np.concatenate([*local.group_sums(values, groups, 5, unit=True)], axis=None),
            ),
        }
        # 300 groups: their codes travel as int16 (5 as int8), the sums still the same.
        many = rng.integers(0, 300, size=len(values))
        results["300 groups"] = (
            np.concatenate([*engine.group_sums(rows, many, 300)], axis=None),
            np.concatenate([*local.group_sums(values, many, 300)], axis=None),
        )
        # More group parts than a node adds: the tree's nodes are added on the workers.
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(local_module, "GRAM_FAN_IN", 2)
            assert len(local.gram_groups(*values.shape)) > 2
            results["gram tree"] = (engine.gram(rows, center), local.gram(values, center))
        prefixes = client.run_on_scheduler(
            lambda dask_scheduler: list(dask_scheduler.task_prefixes)
        )
    assert "reportgen-gram-node" in prefixes
    for name, (on_dask, here) in results.items():
        assert on_dask.dtype == here.dtype, name
        assert on_dask.tobytes() == here.tobytes(), name
    np.testing.assert_allclose(results["gram tree"][0], results["gram"][0], rtol=1e-12)


def test_the_build_s_array_is_reduced_from_its_shards_on_the_workers(tmp_path, scheduler):
    """The engine recognises the build's array of all rows (by identity) and reduces the
    shards it came from instead: given a stand-in array of zeros, it still returns the
    shards' Gram matrix; any other array is reduced here."""
    from reportgen.engine import LocalEngine
    from reportgen.engine.dask import DaskEngine
    from reportgen.engine.local import zero_rows
    from reportgen.io.shards import ShardedRows, read_sharded_vectors

    _write_shards(tmp_path / "shards")
    pattern = str(tmp_path / "shards" / "*.parquet")
    sharded = read_sharded_vectors(pattern, InputConfig(vectors=pattern), _read_vectors)
    values = sharded.raw.values
    stand_in = np.zeros_like(values)
    local = LocalEngine()
    directions = np.eye(DIM)[:, :2]
    with distributed.Client(scheduler, set_as_default=False) as client:
        engine = DaskEngine(client=client, mirror=ShardedRows.of(sharded), array=stand_in)
        assert engine.gram(stand_in).tobytes() == local.gram(values).tobytes()
        assert engine.project(stand_in, np.zeros(DIM), directions).tobytes() == (
            local.project(values, np.zeros(DIM), directions).tobytes()
        )
        assert len(engine.select_rows(stand_in, zero_rows)) == 0  # the shards have no zero row
        assert not engine.gram(stand_in.copy()).any()  # another array: reduced here


def test_searches_of_chosen_rows_run_on_the_workers_to_the_local_engine_s_bits(tmp_path, scheduler):
    """Pass 2's searches of the sample (exact, an IVF index of the sample, and exact in its
    first principal components) read their query rows from the shards on the workers and
    find what the local engine finds: given a stand-in array of zeros, the answers are
    still the shards' rows'."""
    from reportgen.analysis.neighbors import search_sample
    from reportgen.analysis.scale import row_keys
    from reportgen.engine import LocalEngine
    from reportgen.engine.dask import DaskEngine
    from reportgen.io.shards import ShardedRows, read_sharded_vectors

    _write_shards(tmp_path / "shards")
    pattern = str(tmp_path / "shards" / "*.parquet")
    sharded = read_sharded_vectors(pattern, InputConfig(vectors=pattern), _read_vectors)
    values = sharded.raw.values
    stand_in = np.zeros_like(values)
    sample = np.arange(0, len(values), 6)
    queries = np.setdiff1d(np.arange(len(values)), sample)
    block_bytes = 4 * 16 * 40  # a few rows a part: many parts, each on some worker
    local = LocalEngine(block_bytes=block_bytes)
    space = local.prepare_space(values[sample], "cosine")
    with distributed.Client(scheduler, set_as_default=False) as client:
        engine = DaskEngine(
            block_bytes=block_bytes, client=client, mirror=ShardedRows.of(sharded), array=stand_in
        )
        found = engine.nearest_to(space, stand_in, queries, 4)
        assert found.tobytes() == local.nearest_to(space, values, queries, 4).tobytes()
        for method in ("exact", "faiss", "pca"):
            # k = 1, the placement's search (k > 1 orders the k by distance on the client).
            dims = 4 if method == "pca" else 0
            here = search_sample(values, queries, sample, 1, method=method, engine=local, dims=dims)
            # The client reads the sample's rows and the (at most 500) rows that tune
            # faiss's nprobe from the array; the other 100 queries only the workers read.
            mixed = stand_in.copy()
            order = np.argsort(row_keys(queries, 0), kind="stable")
            for rows in (sample, queries[order[:500]]):
                mixed[rows] = values[rows]
            engine = DaskEngine(
                block_bytes=block_bytes, client=client, mirror=ShardedRows.of(sharded), array=mixed
            )
            there = search_sample(
                mixed, queries, sample, 1, method=method, engine=engine, dims=dims
            )
            assert there.positions.tobytes() == here.positions.tobytes(), method
            assert there.recall == here.recall
        prefixes = client.run_on_scheduler(
            lambda dask_scheduler: list(dask_scheduler.task_prefixes)
        )
    assert {"reportgen-nearest-block", "reportgen-sample-lists-block"} <= set(prefixes)


def test_a_build_that_places_points_searches_them_on_the_workers(tmp_path, monkeypatch, scheduler):
    """Fitted on 100 of 720 rows, the points whose graph neighbours hold no fitted point
    are searched against the sample on the workers: the site is the local build's."""
    monkeypatch.chdir(tmp_path)
    _write_shards(tmp_path / "shards")
    args = ["build", "shards/*.parquet", "--fit-sample", "100", *FAST]
    assert main([*args, "--out", "local"]) == 0
    with distributed.Client(scheduler, set_as_default=False) as client:
        client.run_on_scheduler(_forget_prefixes)
    assert main([*args, "--out", "dask", "--engine", "dask", "--scheduler", scheduler]) == 0
    local, on_dask = read_tree(tmp_path / "local"), read_tree(tmp_path / "dask")
    assert [name for name in local if local[name] != on_dask.get(name)] == []
    assert b"placement" in local["report.json"]
    with distributed.Client(scheduler, set_as_default=False) as client:
        prefixes = client.run_on_scheduler(
            lambda dask_scheduler: list(dask_scheduler.task_prefixes)
        )
    assert "reportgen-sample-rows-block" in prefixes


def test_the_blocked_k_means_fit_runs_on_the_workers_to_the_local_engine_s_bits(
    tmp_path, scheduler
):
    """Each Lloyd pass assigns the blocks on the workers that read them from the shards (a
    stand-in array of zeros on the client); the sums come back in block order, so labels,
    distances and centres are the local engine's, bit for bit."""
    from reportgen.analysis.clusters import blocked_lloyd
    from reportgen.engine import LocalEngine
    from reportgen.engine.dask import DaskEngine
    from reportgen.io.shards import ShardedRows, read_sharded_vectors

    _write_shards(tmp_path / "shards")
    pattern = str(tmp_path / "shards" / "*.parquet")
    sharded = read_sharded_vectors(pattern, InputConfig(vectors=pattern), _read_vectors)
    values = sharded.raw.values
    stand_in = np.zeros_like(values)
    centres = values[:: len(values) // 5][:5].astype(np.float32)
    block_bytes = 4 * DIM * 50
    local = blocked_lloyd(values, centres, "cosine", engine=LocalEngine(block_bytes=block_bytes))
    assert local.iterations > 1
    with distributed.Client(scheduler, set_as_default=False) as client:
        client.run_on_scheduler(_forget_prefixes)
        engine = DaskEngine(
            block_bytes=block_bytes, client=client, mirror=ShardedRows.of(sharded), array=stand_in
        )
        there = blocked_lloyd(stand_in, centres, "cosine", engine=engine)
        prefixes = client.run_on_scheduler(
            lambda dask_scheduler: list(dask_scheduler.task_prefixes)
        )
    for field in ("labels", "distances", "centres"):
        assert getattr(there, field).tobytes() == getattr(local, field).tobytes(), field
    assert (there.iterations, there.changed) == (local.iterations, local.changed)
    assert "reportgen-lloyd-block" in prefixes


def test_a_build_with_blocked_k_means_is_the_local_build(tmp_path, monkeypatch, scheduler):
    monkeypatch.chdir(tmp_path)
    _write_shards(tmp_path / "shards")
    args = ["build", "shards/*.parquet", "--clusters-blocked-above", "100", *FAST]
    assert main([*args, "--out", "local"]) == 0
    assert main([*args, "--out", "dask", "--engine", "dask", "--scheduler", scheduler]) == 0
    local, on_dask = read_tree(tmp_path / "local"), read_tree(tmp_path / "dask")
    assert [name for name in local if local[name] != on_dask.get(name)] == []
    assert b'"method": "blocked-lloyd"' in local["report.json"]


@pytest.mark.parametrize("search_dims", [0, 4], ids=["all-dims", "4-principal-components"])
def test_a_build_with_neighbours_among_the_sample_searches_all_rows_on_the_workers(
    tmp_path, monkeypatch, scheduler, search_dims
):
    """Every row's neighbours among the 100 fitted rows are searched where the rows are
    read (in all dimensions, or in the sample's first 4 principal components); the site
    is the local build's, its Parquet exports included."""
    monkeypatch.chdir(tmp_path)
    _write_shards(tmp_path / "shards")
    args = ["build", "shards/*.parquet", "--fit-sample", "100", *FAST]
    args += ["--neighbors-among-sample-above", "0", "--exports-format", "parquet"]
    args += ["--neighbors-search-dims", str(search_dims)]
    assert main([*args, "--out", "local"]) == 0
    with distributed.Client(scheduler, set_as_default=False) as client:
        client.run_on_scheduler(_forget_prefixes)
    assert main([*args, "--out", "dask", "--engine", "dask", "--scheduler", scheduler]) == 0
    local, on_dask = read_tree(tmp_path / "local"), read_tree(tmp_path / "dask")
    assert [name for name in local if local[name] != on_dask.get(name)] == []
    assert b'"among_sample": 100' in local["report.json"]
    neighbors = json.loads(local["report.json"])["neighbors"]
    assert neighbors["method"] == ("pca" if search_dims else "exact")
    assert "exports/neighbors/part-00000.parquet" in local
    with distributed.Client(scheduler, set_as_default=False) as client:
        prefixes = client.run_on_scheduler(
            lambda dask_scheduler: list(dask_scheduler.task_prefixes)
        )
    assert "reportgen-sample-rows-block" in prefixes


@pytest.mark.parametrize("method", ["exact", "faiss"])
def test_above_the_thresholds_the_client_reads_only_samples_of_the_rows(
    tmp_path, monkeypatch, scheduler, method
):
    """With each point's neighbours among the fit sample and k-means in blocks, no step
    reads all N rows into the client at once: the rows stay in the shards (the workers
    read them), this process reads samples and streams blocks. The site is the local one's."""
    from reportgen.io.shards import ShardedRows

    monkeypatch.chdir(tmp_path)
    _write_shards(tmp_path / "shards")
    args = ["build", "shards/*.parquet", "--fit-sample", "100", *FAST]
    args += ["--neighbors-among-sample-above", "0", "--clusters-blocked-above", "200"]
    args += ["--clusters-choose-sample", "150", "--trustworthiness-exact-max-n", "100"]
    args += ["--trustworthiness-sample", "50", "--similarity-sample-size", "120"]
    args += ["--neighbors-method", method]  # faiss: its recall tuned on a few rows' pairs
    assert main([*args, "--out", "local"]) == 0

    taken: list[int] = []
    take = ShardedRows.take

    def counted_take(self: ShardedRows, rows: np.ndarray) -> np.ndarray:
        taken.append(len(np.unique(rows)))
        return take(self, rows)

    def no_gather(self: ShardedRows) -> np.ndarray:
        raise AssertionError("the client gathered every row")

    monkeypatch.setattr(ShardedRows, "take", counted_take)
    monkeypatch.setattr(ShardedRows, "gather", no_gather)
    assert main([*args, "--out", "dask", "--engine", "dask", "--scheduler", scheduler]) == 0
    local, on_dask = read_tree(tmp_path / "local"), read_tree(tmp_path / "dask")
    assert [name for name in local if local[name] != on_dask.get(name)] == []
    # The largest: k-means' refinement sample (200 rows), or faiss's tuning rows with their
    # neighbours (500 distinct rows at most); never all 720.
    assert taken and max(taken) <= (200 if method == "exact" else 500) < N_SHARDS * ROWS


def test_a_comparison_with_another_run_on_dask_is_the_local_build(tmp_path, monkeypatch, scheduler):
    """--compare-with reads both runs' rows in this process, whatever the thresholds: the
    same items and two different sets give the local engine's sites."""
    monkeypatch.chdir(tmp_path)
    _write_shards(tmp_path / "shards")
    rng = np.random.default_rng(4)
    np.save(tmp_path / "same.npy", rng.normal(size=(N_SHARDS * ROWS, DIM)).astype(np.float32))
    np.save(tmp_path / "other.npy", rng.normal(size=(300, DIM)).astype(np.float32) + 0.5)
    args = ["build", "shards/*.parquet", "--fit-sample", "100", *FAST]
    args += ["--neighbors-among-sample-above", "0", "--clusters-blocked-above", "200"]
    for other in ("same.npy", "other.npy"):
        compared = [*args, "--compare-with", other]
        assert main([*compared, "--out", f"local-{other}"]) == 0
        dask = ["--engine", "dask", "--scheduler", scheduler]
        assert main([*compared, "--out", f"dask-{other}", *dask]) == 0
        local, on_dask = (
            read_tree(tmp_path / f"local-{other}"),
            read_tree(tmp_path / f"dask-{other}"),
        )
        assert local.keys() == on_dask.keys() and "compare.html" in local
        assert [name for name in local if local[name] != on_dask[name]] == []


def test_below_the_thresholds_the_client_gathers_the_rows_once(tmp_path, monkeypatch, scheduler):
    from reportgen.io.shards import ShardedRows

    monkeypatch.chdir(tmp_path)
    _write_shards(tmp_path / "shards")
    gathered = []
    gather = ShardedRows.gather
    monkeypatch.setattr(ShardedRows, "gather", lambda self: gathered.append(1) or gather(self))
    args = ["build", "shards/*.parquet", "--out", "dask", "--engine", "dask", *FAST]
    assert main([*args, "--scheduler", scheduler, "--no-umap"]) == 0
    assert gathered == [1]


def test_sharded_rows_read_like_an_array_but_never_all_at_once_unasked(tmp_path):
    from reportgen.config import InputConfig as Input
    from reportgen.io.shards import ReadShard, ShardedRows, read_sharded_vectors

    folder = tmp_path / "shards"
    folder.mkdir()
    rng = np.random.default_rng(0)
    values = rng.normal(size=(50, 4)).astype(np.float32)
    for i, (start, stop) in enumerate([(0, 20), (20, 20), (20, 50)]):  # one shard empty
        np.save(folder / f"part-{i}.npy", values[start:stop])
    sharded = read_sharded_vectors(str(folder / "*.npy"), Input(), _read_vectors, keep_values=False)
    rows = sharded.raw.values
    assert isinstance(rows, ShardedRows) and rows.shape == (50, 4) and len(rows) == 50
    assert rows.dtype == np.float32 and rows.ndim == 2
    np.testing.assert_array_equal(rows[10:30], values[10:30])
    np.testing.assert_array_equal(rows[np.array([49, 0, 21])], values[[49, 0, 21]])
    np.testing.assert_array_equal(rows[values[:, 0] > 0], values[values[:, 0] > 0])
    np.testing.assert_array_equal(rows[7], values[7])
    pairs = np.array([[3, 40], [21, 21], [0, 49]])
    np.testing.assert_array_equal(rows[pairs], values[pairs])
    np.testing.assert_array_equal(rows.gather(), values)
    with pytest.raises(TypeError, match="stay in their shards"):
        np.asarray(rows)
    with pytest.raises(TypeError):
        rows[::2]
    # Its cache key comes from the shards' sha256s: the same files, the same key; another
    # file, another key; no row read for it.
    from reportgen.cache import array_key

    again = read_sharded_vectors(str(folder / "*.npy"), Input(), _read_vectors, keep_values=False)
    assert array_key(again.raw.values) == array_key(rows) == rows.content_key()
    np.save(folder / "part-1.npy", values[:1])
    changed = read_sharded_vectors(str(folder / "*.npy"), Input(), _read_vectors, keep_values=False)
    assert array_key(changed.raw.values) != array_key(rows)
    # Each shard's read sends its shape and checks, not its rows.
    part, _, shape = ReadShard(Input(), _read_vectors, keep_values=False)(sharded.shards[2])
    assert part.values.shape == (0, 4) and shape == (30, 4)


def test_chosen_rows_read_once_are_kept_for_the_next_take(tmp_path, monkeypatch):
    """A sample's rows are read from their shards once: taking them again, or some of
    them with new ones, reads only the shards that hold the new ones; what is returned is
    values[rows] and a new array each time; rows over the limit are not kept."""
    import dataclasses

    from reportgen.config import InputConfig as Input
    from reportgen.io import shards
    from reportgen.io.shards import TakenRows, read_sharded_vectors

    folder = tmp_path / "shards"
    folder.mkdir()
    values = np.random.default_rng(1).normal(size=(60, 3)).astype(np.float32)
    for i in range(6):
        np.save(folder / f"part-{i}.npy", values[10 * i : 10 * (i + 1)])
    sharded = read_sharded_vectors(str(folder / "*.npy"), Input(), _read_vectors, keep_values=False)
    reads: list[str] = []

    def counting(shard):
        reads.append(Path(shard.name).name)
        return sharded.raw.values.reader(shard)

    rows = dataclasses.replace(sharded.raw.values, reader=counting, token="kept")
    monkeypatch.setattr(shards, "_TAKEN", TakenRows(limit=40 * 3 * 4))
    sample = np.array([55, 3, 21, 3, 47])
    first = rows.take(sample)
    np.testing.assert_array_equal(first, values[sample])
    assert sorted(reads) == ["part-0.npy", "part-2.npy", "part-4.npy", "part-5.npy"]
    reads.clear()
    first[:] = 0  # a new array: the kept rows are not touched
    np.testing.assert_array_equal(rows[np.array([[3, 55], [47, 21]])], values[[[3, 55], [47, 21]]])
    assert reads == []
    np.testing.assert_array_equal(rows.take(np.array([21, 15, 3])), values[[21, 15, 3]])
    assert reads == ["part-1.npy"]  # only the shard of row 15
    reads.clear()
    # Consecutive rows are a slice read, not kept; another build's token keeps nothing.
    np.testing.assert_array_equal(rows.take(np.arange(30, 40)), values[30:40])
    assert reads == ["part-3.npy"]
    other = dataclasses.replace(rows, token="another build")
    reads.clear()
    np.testing.assert_array_equal(other.take(np.array([3])), values[[3]])
    assert reads == ["part-0.npy"]
    # 41 new rows do not fit a limit of 40: read, returned, not kept (row 3 still is).
    many = np.setdiff1d(np.arange(60), [3])[:41][::-1]
    np.testing.assert_array_equal(other.take(many), values[many])
    assert shards._TAKEN.rows.tolist() == [3]


def _forget_prefixes(dask_scheduler: distributed.Scheduler) -> None:
    """Drop the scheduler's record of finished task prefixes (so a test sees its own)."""
    for name in [name for name in dask_scheduler.task_prefixes if name.startswith("reportgen-")]:
        prefix = dask_scheduler.task_prefixes[name]
        if not any(prefix.states.get(state) for state in ("processing", "waiting", "memory")):
            del dask_scheduler.task_prefixes[name]


def test_consecutive_rows_travel_to_their_task_as_a_range():
    from reportgen.engine.dask import _compact

    assert _compact(np.arange(5, 905)) == range(5, 905)
    scattered = np.array([3, 4, 9])
    assert _compact(scattered) is scattered
    assert _compact(np.array([7, 6, 5, 4])).tolist() == [7, 6, 5, 4]  # not increasing
    assert len(_compact(np.empty(0, np.int64))) == 0
