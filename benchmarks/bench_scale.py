"""Issue 11's scale benchmark: a default build against one plain UMAP, at large N.

Run on a folder made by ``text_data.py`` or ``mixture.py`` (``--data DIR``), or let it make
a mixture first (``--mixture N --dim D``)::

    python benchmarks/bench_scale.py --data /work/data/text20k --json results-text20k.json
    python benchmarks/bench_scale.py --mixture 200000 --dim 768 --json results-mix200k.json
    python benchmarks/bench_scale.py --data /work/data/text20k --reportgen-args "--fit-sample 5000"

Each pipeline runs in a fresh process, in one run of this script, so that the ratio compares
like with like on a shared, noisy machine:

  (a) ``reportgen build`` with the defaults (``--no-cache``: a first build), plus
      ``--reportgen-args`` if given;
  (b) one plain ``umap.UMAP().fit_transform(vectors)`` as a user would run it
      (``--plain-timeout S`` stops it after S seconds; its time is then at least S, and
      the ratio is reported as ``ratio_reportgen_to_plain_at_most``).

Reported: wall seconds and peak RSS (the process's ``ru_maxrss``) of each, (a)/(b), the
memory bound of issue 11 (2 x the input's float32 size + 2 GB) and whether (a) kept it, the
site's total and largest file in MB, UMAP 2D trustworthiness@10 and kNN recall@10 of (a)'s
layout (read from ``exports/coordinates.csv``) and (b)'s, measured here the same way for
both, and the projections page in Chromium: seconds to the first drawn view and the bytes
loaded on open (plotly.min.js excluded). Nothing is asserted: the numbers go into notes.

The quality is measured on ``--sample`` query points (default 2,000, ``default_rng(seed)``)
against an exact reference over all N: each query's 10 nearest neighbours by cosine in the
original space (brute force, by blocks of rows, so 1M x 768 runs in bounded memory) and in
the layout (exact, KD-tree). kNN recall@10 is the share of the first kept in the second;
trustworthiness@10 is Venna & Kaski's, as ``sklearn.manifold.trustworthiness`` defines it,
its sum taken over the queries only and scaled by N / sample (an unbiased estimate; with
``--sample`` >= N it is the exact value, ties apart).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_build import PLAIN_UMAP, run  # noqa: E402

K = 10
BLOCK_ROWS = 20_000  # rows of the original space per pass: sample x block float32 in memory
VIEW = "umap-2d"
# Distances within TIE of a layout neighbour's count as ties, not nearer: the neighbour's own
# distance is computed twice (einsum, block product) and float32 rounding differs in the
# last bits, which would otherwise count the neighbour as nearer than itself.
TIE = 1e-6


def label_flags(data: Path) -> list[str]:
    """``--label-column`` / ``--text-column`` from metadata.tsv's header (text_data or mixture)."""
    with (data / "metadata.tsv").open(encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
    flags = ["--label-column", header[0]]
    if "text" in header:
        flags += ["--text-column", "text"]
    return flags


def site_sizes(site: Path) -> dict[str, object]:
    """Total and largest file of the site, in MB (10^6 bytes, as GitHub counts)."""
    files = [p for p in site.rglob("*") if p.is_file()]
    sizes = {p.relative_to(site).as_posix(): p.stat().st_size for p in files}
    largest = max(sizes, key=lambda name: sizes[name])
    return {
        "total_mb": sum(sizes.values()) / 1e6,
        "largest_file": largest,
        "largest_file_mb": sizes[largest] / 1e6,
        "files": len(sizes),
    }


def read_layout(site: Path, n: int, view: str = VIEW) -> np.ndarray:
    """A view's coordinates of all N rows from ``exports/coordinates.csv`` (or ``.csv.gz``)."""
    exports = site / "exports"
    parts = sorted(exports.glob("coordinates*.csv")) + sorted(exports.glob("coordinates*.csv.gz"))
    if not parts:
        raise SystemExit(f"no exports/coordinates*.csv in {site}: cannot read the {view} layout")
    layout = np.full((n, 2), np.nan)
    for part in parts:
        opener = gzip.open if part.suffix == ".gz" else open
        with opener(part, "rt", encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            if f"{view}_x" not in header:
                raise SystemExit(f"{part} has no {view}_x column: {header[:6]}...")
            ix, iy = header.index(f"{view}_x"), header.index(f"{view}_y")
            for row in reader:
                layout[int(row[0])] = (float(row[ix]), float(row[iy]))
    if np.isnan(layout).any():
        raise SystemExit(f"{site}: coordinates of {int(np.isnan(layout[:, 0]).sum())} rows missing")
    return layout


def _unit(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


def _layout_neighbours(layout: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Each query's K nearest other rows in the layout (exact, KD-tree)."""
    from sklearn.neighbors import KDTree

    _, found = KDTree(layout).query(layout[queries], k=K + 1)
    return np.array([[j for j in row if j != i][:K] for i, row in zip(queries, found, strict=True)])


def layout_quality(
    vectors: np.ndarray, queries: np.ndarray, layouts: dict[str, np.ndarray]
) -> dict[str, dict[str, float]]:
    """kNN recall@K and trustworthiness@K of each layout on the queries (see module doc).

    One pass over the rows of ``vectors`` by blocks of BLOCK_ROWS (memory maps welcome):
    each block's cosine distances to the queries update their exact K nearest and count,
    for each layout neighbour j of query i, the rows nearer to i than j by more than TIE (its
    rank in the original space, minus one). Self is left out by index.
    """
    n = vectors.shape[0]
    q = _unit(vectors[queries])
    lows = {name: _layout_neighbours(lay, queries) for name, lay in layouts.items()}
    # cosine distance from each query to its layout neighbours, computed directly
    thresholds = {
        name: 1.0 - np.einsum("qd,qkd->qk", q, _unit(vectors[low.ravel()]).reshape(*low.shape, -1))
        for name, low in lows.items()
    }
    nearer = {name: np.zeros(low.shape, dtype=np.int64) for name, low in lows.items()}
    best_d = np.full((len(queries), K), np.inf, dtype=np.float32)
    best_i = np.zeros((len(queries), K), dtype=np.int64)
    for start in range(0, n, BLOCK_ROWS):
        block = _unit(vectors[start : start + BLOCK_ROWS])
        dist = 1.0 - q @ block.T
        own = (queries >= start) & (queries < start + len(block))
        dist[np.flatnonzero(own), queries[own] - start] = np.inf
        top = np.argpartition(dist, K - 1, axis=1)[:, :K] if dist.shape[1] > K else None
        cand_d = np.take_along_axis(dist, top, axis=1) if top is not None else dist
        cand_i = (
            start + top
            if top is not None
            else np.broadcast_to(np.arange(start, start + len(block)), dist.shape)
        )
        both_d = np.concatenate([best_d, cand_d], axis=1)
        both_i = np.concatenate([best_i, cand_i], axis=1)
        keep = np.argsort(both_d, axis=1, kind="stable")[:, :K]
        best_d = np.take_along_axis(both_d, keep, axis=1)
        best_i = np.take_along_axis(both_i, keep, axis=1)
        dist.sort(axis=1)
        for name, limit in thresholds.items():
            for row in range(len(queries)):
                nearer[name][row] += np.searchsorted(dist[row], limit[row] - TIE, side="left")
    results = {}
    for name, low in lows.items():
        shared = sum(len(set(a) & set(b)) for a, b in zip(best_i, low, strict=True))
        penalty = np.maximum(nearer[name] + 1 - K, 0).sum() * (n / len(queries))
        trust = 1.0 - 2.0 * penalty / (n * K * (2.0 * n - 3.0 * K - 1.0))
        results[name] = {"knn_recall": shared / (len(queries) * K), "trustworthiness": trust}
    return results


def page_open(site: Path) -> dict[str, object]:
    """Seconds until projections.html draws its first view, and the bytes it loaded by then."""
    from playwright.sync_api import sync_playwright

    loaded: set[str] = set()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("REPORTGEN_CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("requestfinished", lambda r: loaded.add(r.url))
        start = time.perf_counter()
        page.goto((site / "projections.html").resolve().as_uri())
        page.wait_for_selector("#rg-scatter[data-view] .main-svg", timeout=600_000)
        first_view = time.perf_counter() - start
        page.wait_for_timeout(1000)  # what loads right after the first view
        browser.close()
    files = {Path(url.removeprefix("file://")) for url in loaded if url.startswith("file://")}
    sizes = {
        p.relative_to(site).as_posix(): p.stat().st_size
        for p in files
        if p.name != "plotly.min.js" and p.is_file()
    }
    return {
        "first_view_seconds": first_view,
        "bytes_on_open": sum(sizes.values()),
        "files": sizes,
        "console_errors": errors,
    }


def run_for(command: list[str], cwd: Path, timeout: float | None) -> dict[str, object]:
    """``run`` with a time limit: a process still running after ``timeout`` seconds is
    killed and reported as ``timed_out`` (its seconds are then a lower bound)."""
    if timeout is None:
        return dict(run(command, cwd))
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd)
    deadline = start + timeout
    while time.perf_counter() < deadline:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            if status != 0:
                raise SystemExit(f"{command[:3]} failed with status {status}")
            seconds = time.perf_counter() - start
            return {"seconds": seconds, "peak_mib": usage.ru_maxrss / 1024}
        time.sleep(1.0)
    process.kill()
    _, _, usage = os.wait4(process.pid, 0)
    return {"seconds": timeout, "peak_mib": usage.ru_maxrss / 1024, "timed_out": True}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path, help="folder with vectors.npy and metadata.tsv")
    source.add_argument("--mixture", type=int, metavar="N", help="make an N-row mixture first")
    parser.add_argument("--dim", type=int, default=768, help="--mixture's dimensions")
    parser.add_argument("--seed", type=int, default=0, help="--mixture's and the sample's seed")
    parser.add_argument("--work", type=Path, help="keep the mixture and the sites here")
    parser.add_argument("--sample", type=int, default=2000, help="query points of the quality")
    parser.add_argument(
        "--reportgen-args",
        default="",
        help='extra reportgen build flags, one string: "--fit-sample 5000 --max-file-mb 50"',
    )
    parser.add_argument("--skip-plain", action="store_true", help="skip (b), the plain UMAP")
    parser.add_argument(
        "--plain-timeout",
        type=float,
        help="stop (b) after this many seconds: the ratio is then an upper bound",
    )
    parser.add_argument("--skip-page", action="store_true", help="skip the Chromium part")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="reportgen-scale-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        results: dict[str, object] = {"cores": os.cpu_count()}
        if args.mixture is not None:
            data = work / f"mixture-{args.mixture}x{args.dim}"
            command = [python, str(HERE / "mixture.py"), "--n", str(args.mixture)]
            command += ["--dim", str(args.dim), "--seed", str(args.seed), "--out", str(data)]
            results["make_mixture"] = run([*command, "--no-hash"], work)
        else:
            data = args.data.resolve()
        vectors = np.load(data / "vectors.npy", mmap_mode="r")
        n, dim = vectors.shape
        input_mb = n * dim * 4 / 2**20
        results |= {"data": str(data), "n": n, "dim": dim, "input_float32_mib": input_mb}
        site = work / "site"
        extra = shlex.split(args.reportgen_args)
        command = [python, "-m", "reportgen", "build", str(data / "vectors.npy")]
        command += ["--metadata", str(data / "metadata.tsv"), *label_flags(data)]
        command += ["--out", str(site), "--no-cache", "--quiet", "--force"]
        command += ["--timings", str(work / "timings.json"), *extra]
        results["reportgen_args"] = extra
        results["reportgen"] = run(command, Path.cwd())
        results["reportgen"]["steps"] = json.loads((work / "timings.json").read_text())["steps"]
        bound = 2 * input_mb + 2048
        results["memory_bound_mib"] = bound
        results["reportgen"]["within_memory_bound"] = results["reportgen"]["peak_mib"] <= bound
        results["site"] = site_sizes(site)
        report = json.loads((site / "report.json").read_text())
        results["reportgen"]["report_umap_2d"] = {
            key: value
            for key, value in report["projections"][VIEW].items()
            if isinstance(value, (int, float, str, type(None)))
        }
        layouts = {"reportgen": read_layout(site, n)}
        if not args.skip_plain:
            plain_out = work / "plain.npy"
            command = [python, "-c", PLAIN_UMAP, str(data / "vectors.npy"), str(plain_out)]
            plain = run_for(command, work, args.plain_timeout)
            results["plain_umap"] = plain
            plain["within_memory_bound"] = plain["peak_mib"] <= bound
            ratio = results["reportgen"]["seconds"] / plain["seconds"]
            if plain.get("timed_out"):
                # The plain fit took longer than it ran: the ratio is at most this.
                results["ratio_reportgen_to_plain_at_most"] = ratio
            else:
                results["ratio_reportgen_to_plain"] = ratio
                layouts["plain_umap"] = np.load(plain_out)

        started = time.perf_counter()
        sample = min(args.sample, n)
        queries = np.sort(np.random.default_rng(args.seed).choice(n, size=sample, replace=False))
        quality: dict[str, object] = dict(layout_quality(vectors, queries, layouts))
        if "plain_umap" in quality:
            for key in ("knn_recall", "trustworthiness"):
                quality[f"{key}_ratio"] = (
                    quality["reportgen"][key] / quality["plain_umap"][key]  # type: ignore[index]
                )
        quality |= {"k": K, "sample": sample, "seconds": time.perf_counter() - started}
        results["umap_2d_quality"] = quality
        if not args.skip_page:
            results["page"] = page_open(site)
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
