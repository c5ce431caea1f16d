"""The Dask engine's throughput: rows per second per worker for the reductions over all rows.

    python benchmarks/bench_dask.py --json benchmarks/results-dask.json

For each width D (384 and 4,096 by default) it writes .npy shards of float32 rows to a
temporary folder, then times, in one run:

  (a) the load through ``--engine dask``'s shard mapper (each worker reads and checks its
      shards, the client gathers them);
  (b) pass 1 as the build runs it on the workers: norms, column sums, the Gram matrix
      (``DaskEngine`` over ``ShardedRows``), checked equal to the local engine's bytes;
  (c) the same reductions with the local engine in this process, for the ratio;
  (d) every row's PCA coordinates on the workers (``project``, 2 directions), a part of
      pass 2;
  (e) pass 2's placement search: every row outside a seeded sample of 15,000 (the largest
      default fit sample) gets its nearest sample row, exactly and with the IVF index of the
      sample, on the workers (``DaskEngine.map_rows``) and in this process, checked equal;
  (f) pass 2's k-means: Lloyd passes of the blocked final fit (``blocked_lloyd``, k = 12
      from 12 seeded rows, 3 passes), on the workers and in this process, checked equal.

Rows per second per worker = rows / seconds / workers. The machine is shared and noisy:
compare the ratios within one run, not seconds across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np


def _write_shards(folder: Path, rows: int, dim: int, n_shards: int) -> None:
    rng = np.random.default_rng(0)
    per = rows // n_shards
    for i in range(n_shards):
        np.save(folder / f"part-{i:03d}.npy", rng.standard_normal((per, dim), dtype=np.float32))


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def measure(rows: int, dim: int, n_shards: int, n_workers: int) -> dict:
    """One width's figures (see the module docstring)."""
    import distributed

    from reportgen.config import InputConfig
    from reportgen.engine import LocalEngine
    from reportgen.engine.dask import DaskEngine, dask_shard_mapper
    from reportgen.io.inputs import _read_vectors
    from reportgen.io.shards import ShardedRows, read_sharded_vectors

    with tempfile.TemporaryDirectory(prefix="reportgen-bench-dask-") as tmp:
        folder = Path(tmp)
        _write_shards(folder, rows, dim, n_shards)
        pattern = str(folder / "*.npy")
        inp = InputConfig(vectors=pattern)
        saved = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
        with (
            distributed.LocalCluster(
                n_workers=n_workers, threads_per_worker=1, dashboard_address=":0"
            ) as cluster,
            distributed.Client(cluster, set_as_default=False) as client,
        ):
            for key, value in saved.items():  # the client keeps its own thread counts
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            sharded, load_s = _timed(
                lambda: read_sharded_vectors(pattern, inp, _read_vectors, dask_shard_mapper(client))
            )
            values = sharded.raw.values
            engine = DaskEngine(client=client)
            shards = ShardedRows.of(sharded)

            def pass1(eng, data):
                return eng.row_norms(data), eng.column_sums(data), eng.gram(data)

            on_dask, pass1_s = _timed(lambda: pass1(engine, shards))
            local, local_s = _timed(lambda: pass1(LocalEngine(), values))
            same = all(a.tobytes() == b.tobytes() for a, b in zip(on_dask, local, strict=True))
            directions = np.eye(dim)[:, :2]
            _, project_s = _timed(lambda: engine.project(shards, np.zeros(dim), directions))
            placement = _placement(client, shards, values)
            lloyd = _lloyd(client, shards, values)
    n = values.shape[0]
    return {
        "rows": n,
        "dim": dim,
        "shards": n_shards,
        "workers": n_workers,
        "float32_mib": values.nbytes / 2**20,
        "load_seconds": load_s,
        "load_rows_per_second_per_worker": n / load_s / n_workers,
        "pass1_seconds": pass1_s,
        "pass1_rows_per_second_per_worker": n / pass1_s / n_workers,
        "pass1_local_seconds": local_s,
        "pass1_local_rows_per_second": n / local_s,
        "pass1_equals_local_bytes": same,
        "project_seconds": project_s,
        "project_rows_per_second_per_worker": n / project_s / n_workers,
        **{
            f"place_{method}_{key}": value
            for method, figures in placement.items()
            for key, value in figures.items()
        },
        **lloyd,
        "place_rows_per_second_per_worker": {
            method: figures["queries"] / figures["dask_seconds"] / n_workers
            for method, figures in placement.items()
        },
    }


def _placement(client, shards, values: np.ndarray, sample_size: int = 15_000) -> dict:
    """Seconds of the placement search of all rows outside the sample, on the workers and
    here, per method, and whether both found the same rows."""
    from reportgen.analysis.neighbors import search_sample
    from reportgen.engine import LocalEngine
    from reportgen.engine.dask import DaskEngine

    n = values.shape[0]
    sample = np.sort(
        np.random.default_rng(1).choice(n, size=min(sample_size, n // 2), replace=False)
    )
    queries = np.setdiff1d(np.arange(n), sample)
    on_dask = DaskEngine(client=client, mirror=shards, array=values)
    figures = {}
    for method in ("exact", "faiss"):
        there, dask_s = _timed(
            lambda method=method: search_sample(
                values, queries, sample, 1, method=method, engine=on_dask
            )
        )
        here, local_s = _timed(
            lambda method=method: search_sample(
                values, queries, sample, 1, method=method, engine=LocalEngine()
            )
        )
        figures[method] = {
            "queries": len(queries),
            "sample": len(sample),
            "dask_seconds": dask_s,
            "local_seconds": local_s,
            "equal": there.positions.tobytes() == here.positions.tobytes(),
        }
    return figures


def _lloyd(client, shards, values: np.ndarray, k: int = 12, passes: int = 3) -> dict:
    """Seconds per Lloyd pass of the blocked k-means fit, on the workers and here."""
    from reportgen.analysis.clusters import blocked_lloyd
    from reportgen.engine import LocalEngine
    from reportgen.engine.dask import DaskEngine

    n = values.shape[0]
    rows = np.sort(np.random.default_rng(2).choice(n, size=k, replace=False))
    norms = np.linalg.norm(values[rows], axis=1, keepdims=True)
    centres = (values[rows] / norms).astype(np.float32)
    on_dask = DaskEngine(client=client, mirror=shards, array=values)

    def fit(engine):
        return blocked_lloyd(
            values, centres, "cosine", tolerance=0.0, iterations=passes, engine=engine
        )

    there, dask_s = _timed(lambda: fit(on_dask))
    here, local_s = _timed(lambda: fit(LocalEngine()))
    return {
        "lloyd_pass_seconds": dask_s / there.iterations,
        "lloyd_pass_local_seconds": local_s / here.iterations,
        "lloyd_rows_per_second_per_worker": n * there.iterations / dask_s / len(client.nthreads()),
        "lloyd_equals_local_bytes": there.labels.tobytes() == here.labels.tobytes()
        and there.centres.tobytes() == here.centres.tobytes(),
    }


def main() -> None:
    """Measure each width and print (or write) the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    # About 300 MiB of float32 per width: large enough that reading and BLAS dominate.
    cases = [(200_000, 384, 20), (20_000, 4_096, 20)]
    results = {"cores": os.cpu_count(), "cases": []}
    for rows, dim, n_shards in cases:
        results["cases"].append(measure(rows, dim, n_shards, args.workers))
        print(json.dumps(results["cases"][-1], indent=1), flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
