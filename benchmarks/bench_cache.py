"""Cold against warm builds: what the analysis cache saves.

Run with ``python benchmarks/bench_cache.py --n 20000 --dim 384``. Every build runs in a fresh
process (so a warm build pays its own imports, as in CI), against a fresh, empty cache folder:

  cold     the first build: every step computed, every result stored;
  warm     the same build again: nothing recomputed (the goal: at most 5 % of cold);
  changed  the same with ``--umap-min-dist 0.2``: only UMAP 2D/3D and their quality run.

Reported: wall seconds of each, warm / cold, each step's seconds (from ``--timings``), the
steps each build took from the cache, and the cache's size. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_build import make_data  # noqa: E402


def build(folder: Path, cache: Path, out: str, *extra: str) -> dict[str, object]:
    """One ``reportgen build`` in a fresh process: wall seconds, step seconds, cached steps."""
    timings = folder / f"{out}-timings.json"
    command = [
        sys.executable,
        "-m",
        "reportgen",
        "build",
        "vectors.npy",
        "--metadata",
        "metadata.tsv",
        "--out",
        out,
        "--timings",
        str(timings),
        *extra,
    ]
    env = {**os.environ, "REPORTGEN_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"build failed ({done.returncode}):\n{done.stderr}")
    lines = [line for line in done.stderr.splitlines() if line.startswith("reportgen: ")]
    steps = json.loads(timings.read_text())["steps"]
    return {
        "seconds": round(seconds, 2),
        "steps": {name: round(value, 3) for name, value in sorted(steps.items())},
        "cached_steps": [line.split()[1] for line in lines if " (cached) " in line],
        "partly_cached_steps": [line.split()[1] for line in lines if " cached) " in line],
    }


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--clusters", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reportgen-bench-cache-") as tmp:
        folder = Path(tmp)
        make_data(folder, args.n, args.dim, args.clusters, seed=0)
        cache = folder / "cache"
        results: dict[str, object] = {"n": args.n, "dim": args.dim, "cores": os.cpu_count()}
        results["cold"] = build(folder, cache, "cold")
        results["warm"] = build(folder, cache, "warm")
        results["changed"] = build(folder, cache, "changed", "--umap-min-dist", "0.2")
        results["warm_to_cold"] = round(results["warm"]["seconds"] / results["cold"]["seconds"], 4)
        results["warm_site_identical"] = _tree(folder / "cold") == _tree(folder / "warm")
        results["cache_mib"] = round(
            sum(p.stat().st_size for p in cache.iterdir() if p.is_file()) / 2**20, 1
        )
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
