"""The search among the fit sample in all D against the same search in a few of the
sample's principal components (``--neighbors-search-dims``), in one run.

    python benchmarks/bench_search_dims.py --data /work/data/text20k --dims 32,64,128 \
        --json benchmarks/results-search-dims-text20k.json

For the same data, k (the inspector's 10) and fit sample (the label-stratified hash sample
of 15,000 rows, or a quarter of N), every row's k nearest sample rows (``sample_knn_graph``)
are searched exactly in all D, then exactly in the sample's first r components with their
candidates ranked in all D, for each r of ``--dims``. Reported per r: seconds, the speed-up,
the recall the graph states (measured on its 500 tuning rows), the recall over every row
(``graph_recall`` against the exact graph: a neighbour counts when it is no farther than the
row's k-th exact one), and kNN label accuracy. Not a test: numbers for the README. The
machine is shared and noisy: compare within one run.
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
from reportgen.analysis.neighbors import graph_recall, sample_knn_graph  # noqa: E402
from reportgen.analysis.scale import fit_sample_size, hash_sample  # noqa: E402


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main() -> None:
    """Search both ways and print (or write) the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="vectors.npy + metadata.tsv")
    parser.add_argument("--vectors", type=Path, help="other vectors for the same metadata")
    parser.add_argument("--dims", default="32,64,128", help="principal components to try")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--sample", type=int, help="rows searched among (default: the fit sample)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    vectors = np.load(args.vectors or args.data / "vectors.npy", mmap_mode="r")
    lines = (args.data / "metadata.tsv").read_text(encoding="utf-8").splitlines()[1:]
    labels = [line.split("\t", 1)[0] for line in lines]
    n, dim = vectors.shape
    codes = np.unique(labels, return_inverse=True)[1]
    sample = hash_sample(codes, args.sample or fit_sample_size(n, None), 0)
    every = np.arange(n)
    results: dict = {
        "data": str(args.vectors or args.data),
        "n": n,
        "dim": dim,
        "k": args.k,
        "sample": len(sample),
    }
    exact, seconds = _timed(lambda: sample_knn_graph(vectors, sample, args.k))
    results["all_dims"] = {
        "seconds": round(seconds, 2),
        "knn_label_accuracy": knn_label_accuracy(exact, labels, args.k)["overall"],
    }
    print(json.dumps(results), flush=True)
    for dims in (int(value) for value in args.dims.split(",")):
        graph, seconds = _timed(
            lambda dims=dims: sample_knn_graph(vectors, sample, args.k, method="pca", dims=dims)
        )
        results[f"pca_{dims}"] = {
            "seconds": round(seconds, 2),
            "speed_up": round(results["all_dims"]["seconds"] / seconds, 2),
            "stated_recall": graph.recall,
            "stated_on": graph.probe_size,
            "recall_all_rows": graph_recall(vectors, graph.indices, every, exact.indices, "cosine"),
            "knn_label_accuracy": knn_label_accuracy(graph, labels, args.k)["overall"],
        }
        print(json.dumps(results[f"pca_{dims}"]), flush=True)
    text = json.dumps(results, indent=1, sort_keys=True)
    print(text)
    if args.json is not None:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
