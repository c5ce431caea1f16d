"""``report.json`` (every figure the site shows, for CI) and the provenance it carries."""

from __future__ import annotations

import json
import platform
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from reportgen._version import __version__
from reportgen.analysis.results import Analysis, cluster_names
from reportgen.config import Config
from reportgen.dataset import Dataset, SourceFile
from reportgen.render.scatter import fit_sentence

SCHEMA = "reportgen/report/v1"

# Libraries whose versions change the numbers or the pages, in the order they are listed.
# Read from the installed distributions' metadata: importing umap just to ask its version
# would cost its numba start-up.
_LIBRARIES = (
    "numpy",
    "scikit-learn",
    "umap-learn",
    "openTSNE",
    "faiss-cpu",
    "pynndescent",
    "plotly",
    "matplotlib",
    "jinja2",
    "pillow",
    "pyarrow",
)


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries that shape the output (missing ones left out)."""
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def build_provenance(
    dataset: Dataset, config: Config, compared: Sequence[SourceFile] = ()
) -> dict[str, Any]:
    """Where the site came from, without timestamps: versions, seed, config, input hashes
    (``compared``: the files of the run compared with, as "compared vectors" …)."""
    inputs = [{"role": s.role, "name": s.name, "sha256": s.sha256} for s in dataset.sources]
    inputs += [{"role": f"compared {s.role}", "name": s.name, "sha256": s.sha256} for s in compared]
    return {
        "reportgen": __version__,
        "libraries": library_versions(),
        "seed": config.seed,
        "config": config.to_dict(for_provenance=True),
        "inputs": inputs,
    }


def provenance_line(provenance: dict[str, Any]) -> str:
    """The one-line provenance shown in every page's footer and in ``summary.md``."""
    libs = provenance["libraries"]
    shown = ", ".join(
        f"{name} {libs[name]}" for name in ("numpy", "scikit-learn", "plotly") if name in libs
    )
    inputs = "; ".join(f"{i['name']} sha256:{i['sha256'][:12]}" for i in provenance["inputs"])
    return f"reportgen {provenance['reportgen']} ({shown}) · seed {provenance['seed']} · {inputs}"


def build_report(dataset: Dataset, analysis: Analysis, provenance: dict[str, Any]) -> dict:
    """The content of ``report.json`` as plain JSON values."""
    summary = analysis.summary
    counts = summary.label_counts
    norms = summary.norms
    return {
        "schema": SCHEMA,
        "dataset": {
            "name": dataset.name,
            "n": summary.n,
            "dim": summary.dim,
            "label_column": dataset.label_column,
            "text_column": dataset.text_column,
            "columns": [c.name for c in dataset.columns],
            "label_counts": dict(zip(counts.labels, counts.counts, strict=True))
            if counts
            else None,
            "norms": {
                "min": norms.min,
                "max": norms.max,
                "mean": norms.mean,
                "median": norms.median,
                "std": norms.std,
            },
            "zero_vectors": norms.zero_vectors,
            "dropped_rows": list(dataset.dropped_rows),
            "images": dataset.images is not None,
        },
        "neighbors": {
            "k": analysis.k,
            "graph_k": analysis.graph.k,
            "metric": analysis.graph.metric,
            "method": analysis.graph.method,
            # Recall@graph_k against exact search on probe_size seeded rows (null: exact).
            "recall": analysis.graph.recall,
            "probe_size": analysis.graph.probe_size,
            # The neighbours were searched among this many fit-sample points (null: all N).
            "among_sample": analysis.graph.among or None,
            # ... in this many of the sample's principal components (null: all dimensions).
            "search_dims": analysis.graph.search_dims or None,
        },
        "projections": {
            view.key: {
                "method": view.projection.method,
                "dims": view.projection.dims,
                "knn_recall": view.quality.knn_recall,
                "trustworthiness": view.quality.trustworthiness,
                "trustworthiness_sample": view.quality.trustworthiness_sample,
                "k": view.quality.k,
                "fit": fit_sentence(view.projection),
                "parts": {
                    part.name: {
                        "points": part.points,
                        "knn_recall": part.knn_recall,
                        "trustworthiness": part.trustworthiness,
                        "trustworthiness_queries": part.queries,
                    }
                    for part in view.quality.parts
                },
                "parameters": view.projection.parameters,
                "notes": list(view.projection.notes),
            }
            for view in analysis.views
        },
        "clusters": _clusters_section(analysis),
        "similarity": _similarity_section(analysis),
        "findings": _findings_section(analysis),
        "comparison": _comparison_section(analysis),
        "notes": list(analysis.notes),
        "provenance": provenance,
    }


def _comparison_section(analysis: Analysis) -> dict | None:
    """What changed against --compare-with's run: per item (the same items), or as two
    sets (drift)."""
    if analysis.comparison is not None:
        return analysis.comparison.to_json()
    if analysis.drift is not None:
        return analysis.drift.to_json()
    return None


def _clusters_section(analysis: Analysis) -> dict | None:
    clustering = analysis.clustering
    if clustering is None:
        return None
    return {
        "k": clustering.k,
        "method": clustering.method,
        "metric": clustering.metric,
        "choice_reason": clustering.choice_reason,
        "warnings": list(clustering.warnings),
        "k_curve": [{"k": k, "silhouette": score} for k, score in clustering.k_curve],
        "silhouette": clustering.silhouette,
        "choice_sample": clustering.choice_sample_size,
        "fitted_on": clustering.n,
        "silhouette_sample": clustering.silhouette_sample_size,
        "silhouette_per_cluster": list(clustering.silhouette_per_cluster),
        "ari": clustering.ari,
        "nmi": clustering.nmi,
        "homogeneity": clustering.homogeneity,
        "completeness": clustering.completeness,
        "sizes": list(clustering.sizes),
        "names": cluster_names(clustering),
        "representatives": [list(map(int, rows)) for rows in clustering.representatives],
    }


def _similarity_section(analysis: Analysis) -> dict | None:
    similarity = analysis.similarity
    if similarity is None:
        return None
    return {
        "by": analysis.similarity_by,
        "within_label_mean": similarity.within_mean,
        "between_label_mean": similarity.between_mean,
        "confusable_pairs": list(similarity.confusable_pairs),
        "knn_confusion": list(analysis.knn_confusion),
    }


def _findings_section(analysis: Analysis) -> dict:
    findings = analysis.findings
    return {
        "knn_label_accuracy": findings.knn_label_accuracy,
        "near_duplicates": findings.near_duplicates.to_json(),
        "zero_vectors": findings.zero_vectors.to_json(),
        "outliers": findings.outliers.to_json(),
        "hubness": findings.hubness,
    }


def encode_report(report: dict) -> bytes:
    """``report.json``'s bytes: sorted keys, two-space indent, UTF-8, final newline."""
    text = json.dumps(report, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")
