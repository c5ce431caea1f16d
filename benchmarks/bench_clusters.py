"""Benchmark the clusters step: k chosen on a seeded sample, then one fit on all N.

For each size, on the synthetic clustered data of ``bench_build.make_data`` (20 planted
clusters with local structure) or on a given ``vectors.npy``, this times ``compute_clusters``
with each ``choose_sample`` and with the full procedure (every k fitted on all N: the
behaviour before ``choose_sample``), and reports the chosen k and the adjusted Rand index of
each partition against the full one. It also times the final fit alone three ways (KMeans
from the sample's centres, KMeans from k-means++ with 3 restarts, ``blocked_lloyd`` from the
sample's centres). Not a test: numbers for the README.

    python benchmarks/bench_clusters.py --n 20000 60000 --out benchmarks/results-clusters.json
    python benchmarks/bench_clusters.py --vectors /work/data/text10k/vectors.npy
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# This checkout's reportgen (a script's own folder, not the working directory, leads sys.path).
sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]

from bench_build import make_data  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from reportgen.analysis import clusters  # noqa: E402


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def inertia(vectors: np.ndarray, result: clusters.Clustering) -> float:
    """The k-means objective of a partition: squared distances of the (unit) rows to their
    cluster's mean, summed; lower is better."""
    space = clusters._clustering_space(vectors, result.metric, clusters.LOCAL)
    return float(((space - result.centroids[result.assignments]) ** 2).sum(dtype=np.float64))


def measure(
    vectors: np.ndarray, samples: list[int], name: str, planted: np.ndarray | None, old: Path | None
) -> dict:
    """compute_clusters with every sample size and with all N; final-fit variants."""
    n = len(vectors)
    print(f"reportgen from {clusters.__file__}", flush=True)
    full, full_seconds = _timed(lambda: clusters.compute_clusters(vectors, choose_sample=n))
    print(f"{name}: all {n:,}: {full_seconds:.1f} s, k = {full.k}", flush=True)
    before = np.load(old) if old is not None and old.exists() else None

    def scores(result: clusters.Clustering) -> dict:
        found = {"inertia": inertia(vectors, result)}
        if planted is not None:
            found["ari_vs_planted"] = float(adjusted_rand_score(planted, result.assignments))
        if before is not None:
            found["ari_vs_before"] = float(adjusted_rand_score(before, result.assignments))
        return found

    rows = []
    for size in samples:
        if size >= n:
            continue
        result, seconds = _timed(lambda s=size: clusters.compute_clusters(vectors, choose_sample=s))
        ari = float(adjusted_rand_score(full.assignments, result.assignments))
        row = {"choose_sample": size, "seconds": seconds, "k": result.k, "ari_vs_full": ari}
        rows.append({**row, **scores(result)})
        print(f"  {json.dumps(rows[-1])}", flush=True)
    return {
        "name": name,
        "n": n,
        "dim": int(vectors.shape[1]),
        "full": {"seconds": full_seconds, "k": full.k, "method": full.method, **scores(full)},
        "sampled": rows,
        "final_fit": final_fits(vectors, full.k, clusters.CHOOSE_SAMPLE),
    }


def final_fits(vectors: np.ndarray, k: int, size: int) -> dict:
    """Seconds and ARI (against KMeans++ x 3 on all N) of the ways to fit k on all N."""
    space = clusters._clustering_space(vectors, "cosine", clusters.LOCAL)
    rows = clusters.choice_rows(len(vectors), size, 0)
    (_, centres), sample_seconds = _timed(lambda: clusters._fit(space[rows], k, 0))
    (fresh, _), fresh_seconds = _timed(lambda: clusters._fit(space, k, 0))
    (warm, _), warm_seconds = _timed(lambda: clusters._refit(space, centres, 0))
    blocked, blocked_seconds = _timed(lambda: clusters.blocked_lloyd(vectors, centres, "cosine"))
    found = {
        "k": k,
        "sample": size,
        "sample_fit_seconds": sample_seconds,
        "kmeans_plusplus_x3_seconds": fresh_seconds,
        "kmeans_from_sample_centres_seconds": warm_seconds,
        "kmeans_from_sample_centres_ari": float(adjusted_rand_score(fresh, warm)),
        "blocked_lloyd_from_sample_centres_seconds": blocked_seconds,
        "blocked_lloyd_from_sample_centres_ari": float(adjusted_rand_score(fresh, blocked.labels)),
        "blocked_lloyd_iterations": blocked.iterations,
    }
    print(f"  final fit of k = {k}: {json.dumps(found)}", flush=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="*", default=[60_000])
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--vectors", type=Path, help="a vectors.npy instead of synthetic data")
    parser.add_argument("--samples", type=int, nargs="*", default=[5_000, 10_000, 20_000])
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--before",
        type=Path,
        nargs="*",
        default=[],
        help="per size, an assignments .npy made by the code before choose_sample",
    )
    args = parser.parse_args()
    results = []
    if args.vectors:
        vectors = np.load(args.vectors, mmap_mode="r")
        before = args.before[0] if args.before else None
        vectors = np.asarray(vectors, np.float32)
        results.append(measure(vectors, args.samples, str(args.vectors), None, before))
    else:
        for position, n in enumerate(args.n):
            with tempfile.TemporaryDirectory() as folder:
                path, labels = make_data(Path(folder), n, args.dim, 20, seed=0)
                vectors = np.load(path)
                planted = np.array(labels.read_text().split())
            before = args.before[position] if position < len(args.before) else None
            name = f"synthetic {n} x {args.dim}"
            results.append(measure(vectors, args.samples, name, planted, before))
    text = json.dumps(results, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
