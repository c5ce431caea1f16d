"""A whole build from Parquet shards on disk: ``--engine dask`` on a LocalCluster against
``--engine local``, one after the other, each in a fresh process.

    python benchmarks/mixture.py --n 10000000 --dim 384 --parquet --out /work/data/mix10m-384
    python benchmarks/bench_dask_build.py '/work/data/mix10m-384/shards/*.parquet' \\
        --work /work/data/bench10m --json benchmarks/results-dask-build-mix10m.json

Each build is ``reportgen build SHARDS --vector-columns embedding --label-column label
--text-column text --exports-format parquet --exports-dir WORK/exports --no-cache`` plus
``--extra`` (at 10M rows the per-row exports are several GB: Parquet parts outside the
site, as a user at that size would write them); the exports are then moved to
WORK/exports-ENGINE, so that both sites name the same exports folder. While a build runs,
the process and each of its descendants (the LocalCluster's worker processes) are sampled
every half second: reported are the wall time, the build's step seconds (``--timings``),
the peak RSS of the reportgen process (the client) and of each worker, and the peak of
their sum. Afterwards the two sites and the two exports folders are compared file by file
(sha256).

The machine is shared and noisy: compare the two engines within one run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil


def _tree_rss(root: psutil.Process) -> dict[int, tuple[str, int]]:
    """RSS in bytes of ``root`` and of each descendant, by pid, with a short name."""
    found: dict[int, tuple[str, int]] = {}
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return found
    for process in processes:
        try:
            line = " ".join(process.cmdline())
            rss = process.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        name = "client" if process.pid == root.pid else _child_name(line)
        found[process.pid] = (name, rss)
    return found


def _child_name(cmdline: str) -> str:
    if "multiprocessing" in cmdline and ("spawn_main" in cmdline or "forkserver" in cmdline):
        return "worker"
    return "other"


def run_build(command: list[str], env: dict[str, str]) -> dict[str, object]:
    """Run ``command``; its wall seconds and the peak RSS of it and of its descendants."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env)
    root = psutil.Process(process.pid)
    peaks: dict[int, tuple[str, int]] = {}
    peak_total = 0
    while process.poll() is None:
        sampled = _tree_rss(root)
        peak_total = max(peak_total, sum(rss for _, rss in sampled.values()))
        for pid, (name, rss) in sampled.items():
            if rss > peaks.get(pid, (name, 0))[1]:
                peaks[pid] = (name, rss)
        time.sleep(0.5)
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"{shlex.join(command[:4])} ... failed with status {process.returncode}")
    mib = 2**20
    workers = sorted((rss / mib for name, rss in peaks.values() if name == "worker"), reverse=True)
    return {
        "seconds": round(seconds, 1),
        "client_peak_mib": round(peaks.get(root.pid, ("client", 0))[1] / mib, 1),
        "worker_peak_mib": [round(value, 1) for value in workers],
        "peak_of_sum_mib": round(peak_total / mib, 1),
    }


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path."""
    digests = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while block := handle.read(1 << 24):
                digest.update(block)
        digests[str(path.relative_to(folder))] = digest.hexdigest()
    return digests


def _differences(a: dict[str, str], b: dict[str, str]) -> list[str]:
    return sorted(name for name in a.keys() | b.keys() if a.get(name) != b.get(name))


def _size_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shards", help="glob of the Parquet shards")
    parser.add_argument("--work", type=Path, required=True, help="sites and exports go here")
    parser.add_argument("--engines", default="dask,local", help="in this order (dask,local)")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers")
    parser.add_argument("--memory-limit", default="4GB", help="each worker's memory limit")
    parser.add_argument("--extra", default="", help="more reportgen build flags, one string")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    shards = sorted(Path("/").glob(args.shards.lstrip("/")))
    rows = 0
    dim = 0
    import pyarrow.parquet as pq

    for shard in shards:
        meta = pq.ParquetFile(shard)
        rows += meta.metadata.num_rows
        dim = dim or meta.schema_arrow.field("embedding").type.list_size
    results: dict[str, object] = {
        "cores": os.cpu_count(),
        "shards": len(shards),
        "rows": rows,
        "dim": dim,
        "input_float32_gib": round(rows * dim * 4 / 2**30, 2),
        "input_on_disk_gib": round(sum(s.stat().st_size for s in shards) / 2**30, 2),
        "memory_bound_mib": round(2 * rows * dim * 4 / 2**20 + 2048, 1),
        "builds": {},
    }
    env = dict(os.environ)
    for engine in args.engines.split(","):
        site = args.work / f"site-{engine}"
        exports = args.work / "exports"
        timings = args.work / f"timings-{engine}.json"
        command = [sys.executable, "-m", "reportgen", "build", args.shards]
        command += ["--vector-columns", "embedding", "--label-column", "label"]
        command += ["--text-column", "text", "--exports-format", "parquet"]
        command += ["--exports-dir", str(exports), "--out", str(site), "--force"]
        command += ["--no-cache", "--timings", str(timings), "--engine", engine]
        if engine == "dask":
            command += ["--n-workers", str(args.workers), "--memory-limit", args.memory_limit]
        command += shlex.split(args.extra)
        print(f"== {engine}: {shlex.join(command)}", file=sys.stderr, flush=True)
        build = run_build(command, env)
        build["command"] = shlex.join(command[1:])
        build["steps"] = {
            step: round(seconds, 1)
            for step, seconds in json.loads(timings.read_text())["steps"].items()
        }
        build["site_mb"] = _size_mb(site)
        build["exports_mb"] = _size_mb(exports)
        kept = args.work / f"exports-{engine}"
        if kept.exists():
            shutil.rmtree(kept)
        exports.rename(kept)
        results["builds"][engine] = build
        print(json.dumps(build, indent=1), file=sys.stderr, flush=True)
    engines = list(results["builds"])
    if len(engines) == 2:
        first, second = (args.work / f"site-{e}" for e in engines)
        site_diff = _differences(tree_digest(first), tree_digest(second))
        first, second = (args.work / f"exports-{e}" for e in engines)
        exports_diff = _differences(tree_digest(first), tree_digest(second))
        results["sites_identical"] = not site_diff
        results["exports_identical"] = not exports_diff
        results["differing_files"] = site_diff + [f"exports/{name}" for name in exports_diff]
        a, b = (results["builds"][e]["seconds"] for e in engines)
        results[f"ratio_{engines[0]}_to_{engines[1]}"] = round(a / b, 3)
    text = json.dumps(results, indent=1) + "\n"
    print(text)
    if args.json:
        args.json.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
