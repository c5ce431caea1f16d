"""Site weight under the budgets (issue 11, item 6): total MB and the largest file.

``python benchmarks/bench_budget.py --n 60000 --dim 384 [--python OTHER_PYTHON]`` writes
clustered vectors with 50 unbalanced labels and a text column, runs ``reportgen build``
on them (PCA only, for speed: the budgets concern the files, not the layouts; each extra
view adds a few MB of coordinates) and prints the site's size, its largest files and the
budget's notes. ``--python`` runs another checkout's reportgen (the one before the
budgets) on the same data for a before/after. Nothing is asserted.
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


def make_data(folder: Path, n: int, dim: int, seed: int = 0) -> tuple[Path, Path]:
    """``vectors.npy`` (float32 clusters around 50 centres, unbalanced) and
    ``metadata.tsv`` (label, text)."""
    rng = np.random.default_rng(seed)
    weights = rng.pareto(1.2, 50) + 0.2
    codes = rng.choice(50, size=n, p=weights / weights.sum())
    centres = rng.normal(size=(50, dim)).astype(np.float32)
    vectors = centres[codes] + 0.8 * rng.normal(size=(n, dim)).astype(np.float32)
    np.save(folder / "vectors.npy", vectors.astype(np.float32))
    words = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta"]
    with open(folder / "metadata.tsv", "w", encoding="utf-8") as handle:
        handle.write("label\ttext\n")
        for i, code in enumerate(codes):
            text = " ".join(words[(i * 7 + j) % 8] for j in range(8))
            handle.write(f"module_{code:02d}\t{text} {i}\n")
    return folder / "vectors.npy", folder / "metadata.tsv"


def site_weight(site: Path) -> dict:
    """Total bytes, file count and the five largest files of a built site."""
    sizes = {
        path.relative_to(site).as_posix(): path.stat().st_size
        for path in site.rglob("*")
        if path.is_file()
    }
    largest = sorted(sizes.items(), key=lambda item: -item[1])[:5]
    return {"total_mb": sum(sizes.values()) / 1e6, "files": len(sizes), "largest": largest}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=60_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--python", default=sys.executable, help="the Python to build with")
    parser.add_argument("--folder", type=Path, default=None, help="keep the data and site here")
    args, extra = parser.parse_known_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="bench-budget-"))
    folder.mkdir(parents=True, exist_ok=True)
    vectors, metadata = make_data(folder, args.n, args.dim)
    command = [
        args.python,
        "-m",
        "reportgen",
        "build",
        str(vectors),
        "--metadata",
        str(metadata),
        "--text-column",
        "text",
        "--no-umap",
        "--no-tsne",
        "--out",
        str(folder / "site"),
        "--force",
        *extra,
    ]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())
    seconds = time.perf_counter() - start
    print(result.stderr, file=sys.stderr)
    if result.returncode != 0:
        raise SystemExit(result.returncode)
    report = json.loads((folder / "site" / "report.json").read_text())
    print(
        json.dumps(
            {
                "n": args.n,
                "dim": args.dim,
                "seconds": round(seconds, 1),
                **site_weight(folder / "site"),
                "budget": report.get("budget"),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
