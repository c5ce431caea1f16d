"""Trustworthiness's rank pass, two ways, each in a fresh process: seconds and peak RSS.

    python benchmarks/bench_quality.py --vectors /work/data/mix200k/vectors.npy \
        --json benchmarks/results-quality-mix200k.json

Trustworthiness ranks each query point's neighbours on the map among all N by their original
distance: a (queries x N) block of distances. This times that pass (``_rank_penalties``) for
the same 2,000 queries (the default sample) and the neighbours of four layouts of all N
(two PCA planes, a 3D one, and a noisy one, k = 10):

  (a) ``parts``: what reportgen does now: one pass over all rows in parts, each counting
      the rows certainly nearer than every neighbour and computing the few within the
      float32 rounding margin again in float64 (no copy of all N; the parts run where the
      rows are);
  (b) ``whole``: the pass before it, reportgen at ``--before`` (the commit before the
      change, checked out in a temporary git worktree): a prepared float32 copy of all N
      (unit rows), then blocks of query rows against all N, BLAS on every thread.

Both must give the same penalties up to near-ties (printed: how many (query, layout)
penalties differ and by how much): (b) ranks by float32 distances, (a) by float64 ones.
Each runs in its own process (the peak RSS is the process's, the memory-mapped input's
pages included); the compile of numba's kernels is in both. Not a
test: numbers for the README; the machine is shared and noisy, so compare within one run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# The reportgen to time: this checkout's, or the --before worktree's (the child's --root).
if "--root" in sys.argv:
    sys.path[:0] = [sys.argv[sys.argv.index("--root") + 1]]
else:
    sys.path[:0] = [str(ROOT)]

BEFORE = "1e17757"  # the last commit with the prepared copy of all N


def _layout_neighbours(vectors: np.ndarray, queries: np.ndarray, k: int) -> list[np.ndarray]:
    from reportgen.analysis.quality import _lowdim_neighbors
    from reportgen.engine import LOCAL

    rng = np.random.default_rng(0)
    sample = np.asarray(vectors[np.sort(rng.choice(len(vectors), 20_000, replace=False))])
    center = sample.mean(axis=0, dtype=np.float64)
    _, _, directions = np.linalg.svd(sample - center, full_matrices=False)
    pca = LOCAL.project(vectors, center, directions[:4].T.astype(np.float64))
    noisy = pca[:, :2] + rng.normal(scale=pca[:, :2].std(), size=(len(pca), 2)).astype(np.float32)
    layouts = [pca[:, :2], pca[:, 2:4], pca[:, :3], noisy]
    return [_lowdim_neighbors(layout, k, queries=queries) for layout in layouts]


def child(args: argparse.Namespace) -> None:
    vectors = np.load(args.vectors, mmap_mode="r")
    rng = np.random.default_rng(0)
    queries = np.sort(rng.choice(len(vectors), args.queries, replace=False))
    lows = _layout_neighbours(vectors, queries, args.k)
    from reportgen.analysis import quality
    from reportgen.engine import LOCAL

    start = time.perf_counter()
    penalties = quality._rank_penalties(vectors, "cosine", queries, lows, args.k, LOCAL)
    seconds = time.perf_counter() - start
    np.save(args.out, np.stack(penalties))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": round(seconds, 2), "peak_rss_mib": round(peak)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vectors", required=True)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--json")
    parser.add_argument("--method", choices=("parts", "whole"), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.method:
        child(args)
        return
    vectors = np.load(args.vectors, mmap_mode="r")
    results: dict[str, object] = {
        "vectors": args.vectors,
        "shape": list(vectors.shape),
        "queries": args.queries,
        "k": args.k,
        "layouts": 4,
    }
    penalties = {}
    with tempfile.TemporaryDirectory() as folder:
        before = Path(folder) / "before"
        git = ["git", "-C", str(ROOT), "worktree"]
        subprocess.run([*git, "add", "--detach", str(before), args.before], check=True)
        try:
            for method, root in (("parts", ROOT), ("whole", before)):
                out = Path(folder) / f"{method}.npy"
                command = [sys.executable, __file__, "--vectors", args.vectors]
                command += ["--method", method, "--out", str(out), "--root", str(root)]
                command += ["--queries", str(args.queries), "--k", str(args.k)]
                line = subprocess.run(command, check=True, capture_output=True, text=True).stdout
                results[method] = json.loads(line.strip().splitlines()[-1])
                penalties[method] = np.load(out)
                print(method, results[method], flush=True)
        finally:
            subprocess.run([*git, "remove", "--force", str(before)], check=True)
    difference = np.abs(penalties["parts"] - penalties["whole"])
    results["queries_that_differ"] = int((difference > 0).sum())
    results["largest_difference"] = int(difference.max())
    results["penalty_total"] = int(penalties["whole"].sum())
    print(json.dumps(results, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
