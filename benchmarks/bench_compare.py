"""What ``--compare-with`` costs, and what it says, on two embeddings of the same texts.

Run (after ``text_data.py`` and ``lsa_vectors.py``)::

    .venv/bin/python benchmarks/bench_compare.py /work/data/text20k \\
        --other /work/data/text20k-lsa768.npy --json benchmarks/results-compare-text20k.json

Every build runs in a fresh process without a cache (cold, as a CI job's first build):

  plain    the default report of the dataset (``vectors.npy``, its labels and texts);
  compare  the same with ``--compare-with OTHER`` (rows matched by position);
  drift    the same vectors split in two different sets of items, compared as two sets:
           the rows of the first half of the labels (sorted) against the others, and
           two seeded random halves (which a drift test should not tell apart).

Reported: wall seconds and peak RSS of each build, (compare - plain) / plain (the issue's
target: at most 0.6), the comparison's step seconds, and the headline numbers of
``report.json``'s comparison. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# Run in the child: the build, then its own peak RSS (the child's alone, not the parent's).
_CHILD = """
import resource, sys
from reportgen.cli import main
code = main(sys.argv[1:])
print("peak-rss-kib", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def build(args: list[str], folder: Path, name: str) -> dict:
    """One cold ``reportgen build`` in a fresh process: seconds, peak RSS, step seconds."""
    timings = folder / f"{name}-timings.json"
    command = [sys.executable, "-c", _CHILD, "build", *args, "--out", str(folder / name)]
    command += ["--no-cache", "--quiet", "--timings", str(timings)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{name} failed ({done.returncode}):\n{done.stderr}")
    rss = next(line for line in done.stderr.splitlines() if line.startswith("peak-rss-kib"))
    steps = json.loads(timings.read_text())["steps"]
    report = json.loads((folder / name / "report.json").read_text())
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mib": round(int(rss.split()[1]) / 1024),
        "compare_steps_seconds": round(steps.get("compare", 0.0), 2),
        "comparison": report["comparison"],
    }


def _headline(comparison: dict) -> dict:
    """The numbers a reviewer reads first."""
    if comparison["mode"] == "drift":
        return {
            "auc": comparison["domain_classifier"]["auc"],
            "mmd2": comparison["mmd"]["mmd2"],
            "mmd_p_value": comparison["mmd"]["p_value"],
            "centroid_distance": comparison["centroid_distance"]["euclidean"],
            "labels_moved_most": [row["label"] for row in comparison["per_label"][:5]],
        }
    accuracy = comparison["knn_label_accuracy"]
    similarity = comparison["label_similarity"]
    return {
        "neighbor_overlap": comparison["neighbor_overlap"],
        "cka": comparison["cka"]["value"],
        "knn_label_accuracy": [accuracy["a"], accuracy["b"]],
        "regressed_most": accuracy["per_label"][:5],
        "improved_most": accuracy["per_label"][-5:],
        "label_gap": [similarity["a"]["gap"], similarity["b"]["gap"]],
        "clusters_ari": comparison["clusters"]["ari"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path, help="a folder written by text_data.py")
    parser.add_argument("--other", type=Path, required=True, help="the other run's .npy")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    data = args.dataset
    inputs = [str(data / "vectors.npy"), "--metadata", str(data / "metadata.tsv")]
    inputs += ["--label-column", "module", "--text-column", "text"]
    results: dict = {"dataset": str(data), "other": str(args.other), "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="reportgen-bench-compare-") as tmp:
        folder = Path(tmp)
        plain = build(inputs, folder, "plain")
        compare = build([*inputs, "--compare-with", str(args.other)], folder, "compare")
        results["plain"] = {key: plain[key] for key in ("seconds", "peak_rss_mib")}
        results["compare"] = {key: compare[key] for key in ("seconds", "peak_rss_mib")}
        results["compare"]["steps_seconds"] = compare["compare_steps_seconds"]
        results["extra_ratio"] = round(
            (compare["seconds"] - plain["seconds"]) / plain["seconds"], 3
        )
        results["compare"]["headline"] = _headline(compare["comparison"])
        # Drift: the same model's vectors of two different sets of items.
        vectors = np.load(data / "vectors.npy", mmap_mode="r")
        csv.field_size_limit(sys.maxsize)
        with (data / "metadata.tsv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        names = sorted({row["module"] for row in rows})
        first = set(names[: len(names) // 2])
        by_label = np.array([row["module"] in first for row in rows])
        by_chance = np.random.default_rng(0).permutation(len(rows)) < len(rows) // 2
        for split, in_a in (("labels", by_label), ("random", by_chance)):
            for side, mask in (("a", in_a), ("b", ~in_a)):
                np.save(folder / f"{split}-{side}.npy", np.asarray(vectors[mask]))
                with (folder / f"{split}-{side}.tsv").open("w", encoding="utf-8") as out:
                    out.write("module\ttext\n")
                    for row, keep in zip(rows, mask, strict=True):
                        if keep:
                            out.write(f"{row['module']}\t{row['text']}\n")
            drift_inputs = [
                str(folder / f"{split}-a.npy"),
                "--metadata",
                str(folder / f"{split}-a.tsv"),
            ]
            drift_inputs += ["--label-column", "module", "--text-column", "text"]
            drift_inputs += ["--compare-with", str(folder / f"{split}-b.npy")]
            drift_inputs += ["--compare-metadata", str(folder / f"{split}-b.tsv")]
            drift_inputs += ["--compare-sets"]  # the random halves have the same size
            drift = build(drift_inputs, folder, f"drift-{split}")
            results[f"drift_{split}"] = {
                "seconds": drift["seconds"],
                "steps_seconds": drift["compare_steps_seconds"],
                "points": [int(in_a.sum()), int((~in_a).sum())],
                "headline": _headline(drift["comparison"]),
            }
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
