"""Benchmark the kNN graph's methods: wall time and recall@k against exact search.

Each method runs in a fresh process (pynndescent's JIT compilation is part of its cost, as
in a build) on the same synthetic data: clusters inside clusters (50 groups of 8 clusters,
each a 24-dimensional Gaussian cloud mapped into D dimensions, plus isotropic noise), or on
real embeddings (``--vectors file.npy``). The recall is the graph's own (``KnnGraph.recall``,
measured on 2,000 seeded probe rows); the exact graph is timed only up to ``--exact-max``.
Two runs of one method must print the same sha256 (the graph's bytes).

    python benchmarks/bench_neighbors.py --n 60000 --dim 384 --k 90 --out results.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def make_vectors(n: int, dim: int, seed: int = 0) -> np.ndarray:
    """Clusters inside clusters: float32 (n, dim)."""
    rng = np.random.default_rng(seed)
    groups, per_group, latent = 50, 8, 24
    middles = rng.normal(size=(groups, dim)) * 2
    centers = (middles[:, None, :] + rng.normal(size=(groups, per_group, dim))).reshape(-1, dim)
    which = rng.integers(0, len(centers), size=n)
    vectors = np.empty((n, dim), dtype=np.float32)
    for c in range(len(centers)):
        rows = np.flatnonzero(which == c)
        shape = rng.normal(size=(latent, dim)).astype(np.float32) / np.sqrt(latent)
        cloud = rng.normal(size=(len(rows), latent)).astype(np.float32) @ shape
        vectors[rows] = centers[c] + cloud + 0.3 * rng.normal(size=(len(rows), dim))
    return vectors


def child(path: str, k: int, method: str) -> None:
    """Build one graph and print its figures as JSON (runs in its own process)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from reportgen.analysis.neighbors import compute_knn_graph

    vectors = np.load(path, mmap_mode="r")
    start, cpu = time.perf_counter(), time.process_time()
    graph = compute_knn_graph(vectors, k, method=method, seed=0)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    digest = hashlib.sha256(graph.indices.tobytes() + graph.distances.tobytes()).hexdigest()
    # CPU seconds (all threads) say more than wall time on a shared machine.
    figures = {"seconds": seconds, "cpu_seconds": cpu, "recall": graph.recall, "sha256": digest}
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=60_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--k", type=int, default=90, help="graph width (a default build: 90)")
    parser.add_argument("--vectors", help="a .npy of real embeddings instead of synthetic data")
    parser.add_argument("--methods", default="faiss,faiss,nndescent,exact")
    parser.add_argument("--exact-max", type=int, default=60_000, help="largest N to time exact")
    parser.add_argument("--work", default="/tmp/bench-neighbors")
    parser.add_argument("--out", help="write the results as JSON here")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.child[2])
        return
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    if args.vectors:
        path, name = Path(args.vectors), Path(args.vectors).name
        n, dim = np.load(path, mmap_mode="r").shape
    else:
        n, dim, name = args.n, args.dim, "synthetic"
        path = work / f"vectors-{n}x{dim}.npy"
        if not path.exists():
            np.save(path, make_vectors(n, dim))
    results = {"data": name, "n": int(n), "dim": int(dim), "k": args.k, "runs": []}
    for method in args.methods.split(","):
        if method == "exact" and n > args.exact_max:
            continue
        command = [sys.executable, __file__, "--child", str(path), str(args.k), method]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        run = {"method": method, **json.loads(output.strip().splitlines()[-1])}
        results["runs"].append(run)
        print(json.dumps(run), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
