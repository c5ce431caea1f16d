"""The final k-means fit on all N, three ways, from the same centres (the choice sample's fit).

    python benchmarks/bench_lloyd.py --vectors /work/data/mix200k/vectors.npy --k 12 \
        --json benchmarks/results-lloyd-mix200k.json

Above ``[clusters] blocked_above`` points reportgen fits all N with ``blocked_lloyd``: Lloyd
iterations over blocks of rows through the engine, without a copy of all N. Before, it was
scikit-learn's MiniBatchKMeans on the unit rows of all N. This times, in one run, each way's
fit of the same k from the same starting centres (a KMeans fit on the 5,000-row choice
sample, as ``compute_clusters`` makes them):

  (a) what ``compute_clusters`` does above ``blocked_above``: KMeans from those centres on a
      seeded sample of ``blocked_above`` (50,000) rows in memory, then ``blocked_lloyd``
      with the local engine over all N (the vectors memory-mapped); and ``blocked_lloyd``
      alone from the choice sample's centres, for the passes the refinement saves;
  (b) scikit-learn's ``MiniBatchKMeans`` on a float32 copy of the unit rows (the earlier
      default above 50,000 points);
  (c) scikit-learn's ``KMeans`` (Lloyd) on the same copy, to convergence: the reference.

For each: seconds, the k-means objective (sum of squared distances of the unit rows to their
cluster's mean, computed the same way for all three, lower is better), and the adjusted Rand
index against (c). Not a test: numbers for the README. The machine is shared and noisy:
compare within one run.
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

from sklearn.metrics import adjusted_rand_score  # noqa: E402

from reportgen.analysis import clusters  # noqa: E402
from reportgen.engine import LOCAL  # noqa: E402


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def objective(space: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Sum over rows of the squared distance to their cluster's float64 mean:
    sum |x|^2 - sum over clusters of n_c |m_c|^2, in blocks of rows."""
    squares = 0.0
    sums = np.zeros((k, space.shape[1]))
    for start in range(0, len(space), 65_536):
        block = np.asarray(space[start : start + 65_536], dtype=np.float64)
        squares += float((block * block).sum())
        np.add.at(sums, labels[start : start + 65_536], block)
    counts = np.bincount(labels, minlength=k)
    return squares - float(((sums * sums).sum(axis=1) / np.maximum(counts, 1)).sum())


def main() -> None:
    """Fit the three ways and print (or write) the figures as JSON."""
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from threadpoolctl import threadpool_limits

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vectors", type=Path, required=True)
    parser.add_argument("--k", type=int, default=12)
    parser.add_argument("--refine", type=int, default=50_000, help="[clusters] blocked_above")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    vectors = np.load(args.vectors, mmap_mode="r")
    n, dim = vectors.shape
    rows = clusters.choice_rows(n, clusters.CHOOSE_SAMPLE, 0)
    sample_space = clusters._clustering_space(np.asarray(vectors[rows]), "cosine", LOCAL)
    _, centres = clusters._fit(sample_space, args.k, 0)
    results: dict = {"vectors": str(args.vectors), "n": n, "dim": dim, "k": args.k}

    def refined_then_blocked():
        refine_rows = clusters.choice_rows(n, args.refine, 0)
        space = clusters._clustering_space(np.asarray(vectors[refine_rows]), "cosine", LOCAL)
        start = clusters._refit(space, centres, 0)[1]
        return clusters.blocked_lloyd(vectors, start, "cosine")

    blocked, seconds = _timed(refined_then_blocked)
    results["blocked_lloyd"] = {
        "seconds": seconds,
        "refine_sample": args.refine,
        "iterations": blocked.iterations,
        "changed_in_last": blocked.changed,
    }
    alone, seconds = _timed(lambda: clusters.blocked_lloyd(vectors, centres, "cosine"))
    results["blocked_lloyd_unrefined"] = {
        "seconds": seconds,
        "iterations": alone.iterations,
        "changed_in_last": alone.changed,
    }
    print(json.dumps(results), flush=True)

    space, copy_seconds = _timed(lambda: LOCAL.prepare_space(vectors, "cosine").data)
    results["copy_of_unit_rows_seconds"] = copy_seconds
    with threadpool_limits(limits=1, user_api="openmp"):  # as reportgen runs scikit-learn
        mini, seconds = _timed(
            lambda: MiniBatchKMeans(
                args.k, init=centres, n_init=1, batch_size=4096, random_state=0
            ).fit_predict(space)
        )
        results["minibatch_kmeans"] = {"seconds": seconds}
        print(json.dumps(results), flush=True)
        model = KMeans(args.k, init=centres, n_init=1, max_iter=300, random_state=0)
        full, seconds = _timed(lambda: model.fit_predict(space))
        results["kmeans"] = {"seconds": seconds, "iterations": int(model.n_iter_)}
    found = {
        "blocked_lloyd": blocked.labels,
        "blocked_lloyd_unrefined": alone.labels,
        "minibatch_kmeans": mini,
    }
    for name, labels in found.items():
        results[name]["ari_vs_kmeans"] = float(adjusted_rand_score(full, labels))
    for name, labels in (
        *found.items(),
        ("kmeans", full),
    ):
        results[name]["objective"] = objective(space, np.asarray(labels), args.k)
    text = json.dumps(results, indent=1, sort_keys=True)
    print(text)
    if args.json is not None:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
