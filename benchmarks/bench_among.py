"""The kNN graph of all N against each point's neighbours among the fit sample, in one run.

    python benchmarks/bench_among.py --data /work/data/mix200k \
        --json benchmarks/results-among-mix200k.json

Above ``[neighbors] among_sample_above`` points (2,000,000) reportgen searches each point's
neighbours among the fit sample (``sample_knn_graph``) instead of among all N
(``compute_knn_graph``: exact up to 40,000 points, IVF-Flat above). For the same data, the
same k (the inspector's 10) and the default fit sample (the label-stratified hash sample of
15,000 rows, or a quarter of N), this times both graphs in this process and reports what a
reader would see change: kNN label accuracy, the graph's recall where it is approximate,
and the search method each used. Not a test: numbers for the README. The machine is shared
and noisy: compare within one run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

# This checkout's reportgen (a script's own folder, not the working directory, leads sys.path).
sys.path[:0] = [str(Path(__file__).resolve().parents[1])]

from reportgen.analysis.findings import knn_label_accuracy  # noqa: E402
from reportgen.analysis.neighbors import compute_knn_graph, sample_knn_graph  # noqa: E402
from reportgen.analysis.scale import EXACT_SEARCH_WORK, fit_sample_size, hash_sample  # noqa: E402


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main() -> None:
    """Build both graphs and print (or write) the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="vectors.npy + metadata.tsv")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    vectors = np.load(args.data / "vectors.npy", mmap_mode="r")
    lines = (args.data / "metadata.tsv").read_text(encoding="utf-8").splitlines()[1:]
    labels = [line.split("\t", 1)[0] for line in lines]
    n, dim = vectors.shape
    codes = np.unique(labels, return_inverse=True)[1]
    sample = hash_sample(codes, fit_sample_size(n, None), 0)
    method = "exact" if n * len(sample) * dim <= EXACT_SEARCH_WORK else "faiss"
    results: dict = {"data": str(args.data), "n": n, "dim": dim, "k": args.k}

    among, seconds = _timed(lambda: sample_knn_graph(vectors, sample, args.k, method=method))
    results["among_sample"] = {
        "seconds": seconds,
        "sample": len(sample),
        "method": among.method,
        "recall": among.recall,
        "knn_label_accuracy": knn_label_accuracy(among, labels, args.k)["overall"],
    }
    print(json.dumps(results), flush=True)
    full, seconds = _timed(lambda: compute_knn_graph(vectors, args.k))
    results["all_n"] = {
        "seconds": seconds,
        "method": full.method,
        "recall": full.recall,
        "knn_label_accuracy": knn_label_accuracy(full, labels, args.k)["overall"],
    }
    text = json.dumps(results, indent=1, sort_keys=True)
    print(text)
    if args.json is not None:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
