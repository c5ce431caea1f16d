"""Quality gates for CI: metrics of ``report.json``, compared with limits and a baseline.

A metric is named by its dotted path into ``report.json`` (``projections.umap-2d.knn_recall``)
or by a short alias (``knn_label_accuracy``). ``--fail-under KEY=VALUE`` fails the build
(exit code 3, after the report is written) when the metric is below VALUE; with
``--baseline OLD/report.json``, ``--fail-if-drop KEY=DELTA`` fails it when the metric fell
by more than DELTA. A key that no report can hold is a config error listing the valid keys;
a valid key that this build did not compute is an error saying why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportgen.errors import ConfigError, InputError, ReportgenError

VIEW_KEYS = ("pca-2d", "pca-3d", "umap-2d", "umap-3d", "tsne-2d", "tsne-3d", "custom")
QUALITY_FIELDS = ("knn_recall", "trustworthiness")

ALIASES: dict[str, str] = {
    "knn_label_accuracy": "findings.knn_label_accuracy.overall",
    "ari": "clusters.ari",
    "nmi": "clusters.nmi",
    "silhouette": "clusters.silhouette",
    "homogeneity": "clusters.homogeneity",
    "completeness": "clusters.completeness",
    "within_label_mean": "similarity.within_label_mean",
    "between_label_mean": "similarity.between_label_mean",
    "near_duplicates": "findings.near_duplicates.count",
    "zero_vectors": "findings.zero_vectors.count",
    "outliers": "findings.outliers.count",
    "hubness_skew": "findings.hubness.skewness",
    "pca_recall": "projections.pca-2d.knn_recall",
    "pca_trustworthiness": "projections.pca-2d.trustworthiness",
    "umap_recall": "projections.umap-2d.knn_recall",
    "umap_trustworthiness": "projections.umap-2d.trustworthiness",
    "tsne_recall": "projections.tsne-2d.knn_recall",
    "tsne_trustworthiness": "projections.tsne-2d.trustworthiness",
}

# Every numeric path a report can hold, except the per-label accuracies (any label name).
METRIC_PATHS: tuple[str, ...] = (
    *(f"projections.{view}.{field}" for view in VIEW_KEYS for field in QUALITY_FIELDS),
    "findings.knn_label_accuracy.overall",
    "clusters.k",
    "clusters.silhouette",
    "clusters.ari",
    "clusters.nmi",
    "clusters.homogeneity",
    "clusters.completeness",
    "similarity.within_label_mean",
    "similarity.between_label_mean",
    "findings.near_duplicates.count",
    "findings.zero_vectors.count",
    "findings.outliers.count",
    "findings.hubness.skewness",
    "dataset.n",
    "dataset.dim",
    "dataset.zero_vectors",
)
_PER_LABEL = re.compile(r"^findings\.knn_label_accuracy\.per_label\..+$")

_VIEW_TITLES = {
    "pca-2d": "PCA 2D",
    "pca-3d": "PCA 3D",
    "umap-2d": "UMAP 2D",
    "umap-3d": "UMAP 3D",
    "tsne-2d": "t-SNE 2D",
    "tsne-3d": "t-SNE 3D",
    "custom": "Custom",
}
_FIELD_TITLES = {"knn_recall": "kNN recall", "trustworthiness": "trustworthiness"}

# The metrics summary.md and the overview compare with a baseline, in their order.
COMPARED: tuple[tuple[str, str], ...] = (
    *(
        (f"projections.{view}.{field}", f"{_VIEW_TITLES[view]} {_FIELD_TITLES[field]}")
        for view in VIEW_KEYS
        for field in QUALITY_FIELDS
    ),
    ("findings.knn_label_accuracy.overall", "kNN label accuracy"),
    ("clusters.ari", "ARI (clusters vs labels)"),
    ("clusters.nmi", "NMI (clusters vs labels)"),
    ("clusters.silhouette", "silhouette"),
    ("findings.near_duplicates.count", "near-duplicate pairs"),
    ("findings.outliers.count", "outliers"),
    ("findings.zero_vectors.count", "zero vectors"),
    ("findings.hubness.skewness", "hubness skew"),
)


class ThresholdError(ReportgenError):
    """One or more quality gates failed; the report was written all the same."""

    exit_code = 3


class MissingMetricError(ReportgenError):
    """A gate names a metric this build (or the baseline) does not have."""

    exit_code = 2


def resolve_key(key: str) -> str:
    """The dotted path an alias or a path stands for."""
    return ALIASES.get(key, key)


def is_valid_key(key: str) -> bool:
    """Whether some report could hold the metric ``key`` (alias or dotted path)."""
    path = resolve_key(key)
    return path in METRIC_PATHS or bool(_PER_LABEL.match(path))


def check_keys(mapping: Mapping[str, float] | None, option: str, problems: list[str]) -> None:
    """Config problems for the unknown keys of ``--fail-under``/``--fail-if-drop``."""
    for key in mapping or {}:
        if not is_valid_key(key):
            problems.append(
                f"{option}: unknown metric '{key}'; the short names are "
                f"{', '.join(sorted(ALIASES))}; or a dotted path into report.json: "
                f"{', '.join(METRIC_PATHS)}, findings.knn_label_accuracy.per_label.LABEL"
            )


def lookup(report: Mapping[str, Any], path: str) -> float | None:
    """The number at ``path`` in ``report``, or None when it is not there."""
    value: Any = report
    section, _, rest = path.partition(".")
    if section == "findings" and rest.startswith("knn_label_accuracy.per_label."):
        label = rest[len("knn_label_accuracy.per_label.") :]
        accuracy = (report.get("findings") or {}).get("knn_label_accuracy") or {}
        value = (accuracy.get("per_label") or {}).get(label)
        return float(value) if isinstance(value, (int, float)) else None
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def why_missing(report: Mapping[str, Any], path: str) -> str:
    """Why this build's report has no value at ``path``, in words."""
    parts = path.split(".")
    if parts[0] == "projections":
        view = parts[1]
        method = view.split("-")[0]
        flag = {"tsne-3d": "--tsne-3d", "custom": "--custom-column/--custom-left/--custom-right"}
        if view in flag:
            return f"the {view} view was not asked for ({flag[view]})"
        return f"the {view} view was not computed (--no-{method}?)"
    if path.startswith("findings.knn_label_accuracy"):
        if not (report.get("dataset") or {}).get("label_column"):
            return "there is no label column"
        return "there is no such label"
    if parts[0] == "clusters":
        if report.get("clusters") is None:
            return "clustering was turned off or could not run (see the report's notes)"
        return "it needs a label column to compare the clusters with"
    if parts[0] == "similarity":
        return "there are no labels or clusters to group the vectors by"
    return "this build did not compute it"


def read_baseline(path: Path) -> dict[str, Any]:
    """A previous run's ``report.json``; InputError when it cannot be one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("baseline report not found", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the baseline report: {exc}", path=path) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg}", path=path, line=exc.lineno, column=exc.colno
        ) from None
    schema = data.get("schema") if isinstance(data, dict) else None
    if not isinstance(schema, str) or not schema.startswith("reportgen/report/"):
        raise InputError("is not a reportgen report.json (no 'schema' key)", path=path)
    return data


@dataclass(frozen=True)
class Comparison:
    """One metric of the baseline comparison: old, new and their difference."""

    path: str
    title: str
    old: float | None
    new: float | None

    @property
    def change(self) -> float | None:
        """new - old, when both exist."""
        if self.old is None or self.new is None:
            return None
        return self.new - self.old


def compare(report: Mapping[str, Any], baseline: Mapping[str, Any]) -> list[Comparison]:
    """The compared metrics that either report has."""
    rows = []
    for path, title in COMPARED:
        old, new = lookup(baseline, path), lookup(report, path)
        if old is not None or new is not None:
            rows.append(Comparison(path, title, old, new))
    return rows


def _format(value: float) -> str:
    return f"{value:.4g}" if not float(value).is_integer() else str(int(value))


def evaluate(
    report: Mapping[str, Any],
    fail_under: Mapping[str, float] | None,
    fail_if_drop: Mapping[str, float] | None,
    baseline: Mapping[str, Any] | None,
) -> list[str]:
    """Check the gates; return one line per passed gate (for the log).

    Raises MissingMetricError (exit 2) when a gate's metric is not in this report or the
    baseline, and ThresholdError (exit 3) listing every failed gate, by how much.
    """
    missing: list[str] = []
    failed: list[str] = []
    passed: list[str] = []
    for key, limit in sorted((fail_under or {}).items()):
        path = resolve_key(key)
        value = lookup(report, path)
        shown = key if key == path else f"{key} ({path})"
        if value is None:
            missing.append(f"--fail-under {shown}: not in this report: {why_missing(report, path)}")
        elif value < limit:
            failed.append(
                f"{shown} = {_format(value)} is under {_format(limit)} "
                f"(by {_format(limit - value)})"
            )
        else:
            passed.append(f"{shown} = {_format(value)} ≥ {_format(limit)}")
    if fail_if_drop and baseline is None:
        raise ConfigError(
            "--fail-if-drop compares with a baseline: give --baseline OLD/report.json"
        )
    for key, delta in sorted((fail_if_drop or {}).items()):
        path = resolve_key(key)
        value = lookup(report, path)
        shown = key if key == path else f"{key} ({path})"
        old = lookup(baseline or {}, path)
        if value is None:
            missing.append(
                f"--fail-if-drop {shown}: not in this report: {why_missing(report, path)}"
            )
        elif old is None:
            missing.append(f"--fail-if-drop {shown}: the baseline report has no value for it")
        elif old - value > delta:
            failed.append(
                f"{shown} fell from {_format(old)} to {_format(value)}: by "
                f"{_format(old - value)}, more than {_format(delta)}"
            )
        else:
            passed.append(f"{shown} = {_format(value)} (baseline {_format(old)})")
    if missing:
        raise MissingMetricError("; ".join(missing))
    if failed:
        count = f"{len(failed)} threshold{'s' if len(failed) > 1 else ''} failed"
        raise ThresholdError(f"{count} (the report was written): " + "; ".join(failed))
    return passed
