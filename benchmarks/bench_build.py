"""Speed, layout quality and page weight of a default build against plain peer pipelines.

Run with ``make bench`` (or ``python benchmarks/bench_build.py --n 20000 --dim 384``). Every
pipeline runs in a fresh process, in one run of this script, so that the ratios compare like
with like on a shared, noisy machine:

  (a) ``reportgen build`` with the default views;
  (b) one plain ``umap.UMAP().fit_transform`` as a user would run it (unseeded: both cores);
  (c) the seeds' naive pipeline: umap-learn 2D and 3D separately, scikit-learn's TSNE and
      Plotly ``write_html`` per figure.

Reported: wall seconds and peak RSS of each, (a)/(b) and (c)/(b), the kNN recall@10 of (a)'s
and (b)'s UMAP 2D layouts against the exact neighbours, and the bytes Chromium loads when
``projections.html`` opens (plotly.min.js excluded), per point. Nothing here is asserted:
the numbers go into the closing notes and ``benchmarks/results.md``.
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

import numpy as np

HERE = Path(__file__).resolve().parent


def make_data(folder: Path, n: int, dim: int, clusters: int, seed: int) -> tuple[Path, Path]:
    """Clusters with local structure, and one label column.

    Each cluster is a 6-dimensional Gaussian cloud mapped into ``dim`` dimensions by its own
    random linear map, plus a little isotropic noise: points have true near neighbours (as
    real embeddings do), so kNN recall can tell a good layout from a poor one. Isotropic
    blobs would not: inside a blob every neighbour is as near as any other.
    """
    rng = np.random.default_rng(seed)
    latent = 6
    centers = rng.normal(size=(clusters, dim)) * 3
    maps = rng.normal(size=(clusters, latent, dim)) / np.sqrt(latent)
    assignment = rng.integers(0, clusters, size=n)
    vectors = np.empty((n, dim), dtype=np.float32)
    for c in range(clusters):
        rows = np.flatnonzero(assignment == c)
        cloud = rng.normal(size=(len(rows), latent)) @ maps[c]
        vectors[rows] = centers[c] + cloud + 0.05 * rng.normal(size=(len(rows), dim))
    return _save(folder, vectors, [f"cluster-{c:02d}" for c in assignment])


def digits_data(folder: Path) -> tuple[Path, Path]:
    """scikit-learn's digits (1,797 x 64), the demo's data."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return _save(folder, digits.data.astype(np.float32), [str(t) for t in digits.target])


def _save(folder: Path, vectors: np.ndarray, labels: list[str]) -> tuple[Path, Path]:
    vectors_path = folder / "vectors.npy"
    np.save(vectors_path, vectors.astype(np.float32))
    metadata_path = folder / "metadata.tsv"
    # One column: the Projector's rule says no header row.
    metadata_path.write_text("".join(f"{label}\n" for label in labels))
    return vectors_path, metadata_path


def run(command: list[str], cwd: Path) -> dict[str, float]:
    """Run ``command`` in a fresh process; wall seconds and peak RSS (MiB) of that process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{command[:3]} failed with status {status}")
    return {"seconds": seconds, "peak_mib": usage.ru_maxrss / 1024}


PLAIN_UMAP = """
import sys, numpy as np, umap
X = np.load(sys.argv[1])
np.save(sys.argv[2], umap.UMAP().fit_transform(X).astype(np.float32))
"""

NAIVE = """
import sys, numpy as np, umap, plotly.graph_objects as go
from sklearn.manifold import TSNE
X = np.load(sys.argv[1])
labels = open(sys.argv[2]).read().split()
codes = np.unique(labels, return_inverse=True)[1]
out = sys.argv[3]
marker = dict(color=codes, colorscale="Turbo", size=3)
for dims in (2, 3):
    emb = umap.UMAP(n_components=dims, metric="cosine", random_state=0).fit_transform(X)
    if dims == 2:
        trace = go.Scattergl(x=emb[:, 0], y=emb[:, 1], mode="markers", text=labels, marker=marker)
    else:
        trace = go.Scatter3d(x=emb[:, 0], y=emb[:, 1], z=emb[:, 2], mode="markers", text=labels,
                             marker=marker)
    go.Figure(trace).write_html(f"{out}/umap{dims}d.html")
emb = TSNE(n_components=2, random_state=0).fit_transform(X)
trace = go.Scattergl(x=emb[:, 0], y=emb[:, 1], mode="markers", text=labels, marker=marker)
go.Figure(trace).write_html(f"{out}/tsne.html")
"""


def knn_recall(vectors: np.ndarray, layout: np.ndarray, k: int = 10) -> float:
    """Share of each point's k nearest (cosine, exact) neighbours kept in the layout."""
    sys.path.insert(0, str(HERE.parent))
    from reportgen.analysis.neighbors import compute_knn_graph
    from reportgen.analysis.quality import compute_quality

    graph = compute_knn_graph(vectors, k, metric="cosine", exact_max_n=len(vectors))
    return compute_quality(vectors, graph, layout, k, metric="cosine").knn_recall


def page_weight(site: Path, n: int) -> dict[str, float]:
    """Bytes Chromium loads when projections.html opens, plotly.min.js excluded."""
    from playwright.sync_api import sync_playwright

    sizes: dict[str, int] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("REPORTGEN_CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        page.on("requestfinished", lambda r: sizes.__setitem__(r.url, 0))
        page.goto((site / "projections.html").resolve().as_uri())
        page.wait_for_selector("#rg-scatter[data-view] .main-svg", timeout=120_000)
        page.wait_for_timeout(1000)  # what loads right after the first view
        browser.close()
    files = {url: Path(url.removeprefix("file://")) for url in sizes}
    loaded = {
        path.relative_to(site).as_posix(): path.stat().st_size
        for path in files.values()
        if path.name != "plotly.min.js"
    }
    total = sum(loaded.values())
    return {"bytes": total, "bytes_per_point": total / n, "files": loaded}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--clusters", type=int, default=20)
    parser.add_argument(
        "--data",
        choices=("clusters", "digits"),
        default="clusters",
        help="synthetic clusters of --n x --dim, or the digits demo's 1,797 x 64",
    )
    parser.add_argument(
        "--text",
        type=Path,
        help="real text embeddings made by benchmarks/text_data.py (a folder with vectors.npy "
        "and metadata.tsv: label column 'module', text column 'text') instead of --data",
    )
    parser.add_argument("--skip-naive", action="store_true", help="skip (c), the slowest")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="reportgen-bench-") as tmp:
        folder = Path(tmp)
        label_flags: list[str] = []
        if args.text is not None:
            vectors_path, metadata_path = args.text / "vectors.npy", args.text / "metadata.tsv"
            label_flags = ["--label-column", "module", "--text-column", "text"]
        elif args.data == "digits":
            vectors_path, metadata_path = digits_data(folder)
        else:
            vectors_path, metadata_path = make_data(folder, args.n, args.dim, args.clusters, seed=0)
        n, dim = np.load(vectors_path, mmap_mode="r").shape
        results: dict[str, object] = {
            "data": str(args.text) if args.text is not None else args.data,
            "n": n,
            "dim": dim,
            "cores": os.cpu_count(),
        }
        results["reportgen"] = run(
            [
                python,
                "-m",
                "reportgen",
                "build",
                str(vectors_path),
                "--metadata",
                str(metadata_path),
                *label_flags,
                "--out",
                str(folder / "site"),
                # a fresh cache: this is a first (cold) build, cache writes included
                "--cache-dir",
                str(folder / "cache"),
                "--quiet",
                "--timings",
                str(folder / "timings.json"),
            ],
            folder,
        )
        results["reportgen"]["steps"] = json.loads((folder / "timings.json").read_text())["steps"]
        results["plain_umap"] = run(
            [python, "-c", PLAIN_UMAP, str(vectors_path), str(folder / "plain.npy")], folder
        )
        if not args.skip_naive and args.text is None:  # its label reader wants one column
            naive_out = folder / "naive"
            naive_out.mkdir()
            results["naive"] = run(
                [python, "-c", NAIVE, str(vectors_path), str(metadata_path), str(naive_out)], folder
            )
        base = results["plain_umap"]["seconds"]
        results["ratio_reportgen_to_plain"] = results["reportgen"]["seconds"] / base
        if "naive" in results:
            results["ratio_naive_to_plain"] = results["naive"]["seconds"] / base
        vectors = np.load(vectors_path)
        report = json.loads((folder / "site" / "report.json").read_text())
        ours = report["projections"]["umap-2d"]["knn_recall"]
        plain = knn_recall(vectors, np.load(folder / "plain.npy"))
        results["umap_2d_knn_recall"] = {
            "reportgen": ours,
            "plain_umap": plain,
            "ratio": ours / plain,
        }
        results["page"] = page_weight(folder / "site", n)
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
