"""Quality gates for CI: metrics of ``report.json``, compared with limits and a baseline.

A metric is named by its dotted path into ``report.json`` (``projections.umap-2d.knn_recall``)
or by a short alias (``knn_label_accuracy``). ``--fail-under KEY=VALUE`` fails the build
(exit code 3, after the report is written) when the metric is below VALUE; with
``--baseline OLD/report.json``, ``--fail-if-drop KEY=DELTA`` fails it when the metric fell
by more than DELTA; ``--fail-over KEY=VALUE`` fails it when a metric where higher is worse
(near-duplicates, outliers) is above VALUE. A key that no report can hold is a config error
listing the valid keys; a valid key that this build did not compute is an error saying why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportgen.errors import ConfigError, InputError, ReportgenError

QUALITY_FIELDS = ("knn_recall", "trustworthiness")
_FIELD_TITLES = {"knn_recall": "kNN recall", "trustworthiness": "trustworthiness"}

# The aliases of metrics that are not a view's (those come from the projection methods).
_ALIASES: dict[str, str] = {
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
    # What changed against --compare-with's run.
    "neighbor_overlap": "comparison.neighbor_overlap.mean",
    "neighbor_overlap_p10": "comparison.neighbor_overlap.p10",
    "kept_half": "comparison.neighbor_overlap.kept_half",
    "cka": "comparison.cka.value",
    "knn_label_accuracy_change": "comparison.knn_label_accuracy.change",
    "compare_ari": "comparison.clusters.ari",
    "compare_nmi": "comparison.clusters.nmi",
    "label_gap_change": "comparison.label_similarity.gap_change",
    # How far apart --compare-with's different items are (drift): higher is worse.
    "drift_auc": "comparison.domain_classifier.auc",
    "mmd": "comparison.mmd.mmd2",
    "mmd_p_value": "comparison.mmd.p_value",
    "centroid_distance": "comparison.centroid_distance.euclidean",
}

# Every numeric path a report can hold besides the views' and the per-label accuracies.
_OTHER_PATHS: tuple[str, ...] = (
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
    "comparison.points",
    "comparison.neighbor_overlap.mean",
    "comparison.neighbor_overlap.median",
    "comparison.neighbor_overlap.p10",
    "comparison.neighbor_overlap.kept_half",
    "comparison.cka.value",
    "comparison.knn_label_accuracy.a",
    "comparison.knn_label_accuracy.b",
    "comparison.knn_label_accuracy.change",
    "comparison.clusters.ari",
    "comparison.clusters.nmi",
    "comparison.label_similarity.a.gap",
    "comparison.label_similarity.b.gap",
    "comparison.label_similarity.gap_change",
    "comparison.points_a",
    "comparison.points_b",
    "comparison.domain_classifier.auc",
    "comparison.mmd.mmd2",
    "comparison.mmd.p_value",
    "comparison.centroid_distance.euclidean",
    "comparison.centroid_distance.cosine",
)
_PER_LABEL = re.compile(r"^findings\.knn_label_accuracy\.per_label\..+$")

# The metrics summary.md and the overview compare with a baseline, after the views'.
_OTHER_COMPARED: tuple[tuple[str, str], ...] = (
    ("findings.knn_label_accuracy.overall", "kNN label accuracy"),
    ("clusters.ari", "ARI (clusters vs labels)"),
    ("clusters.nmi", "NMI (clusters vs labels)"),
    ("clusters.silhouette", "silhouette"),
    ("findings.near_duplicates.count", "near-duplicate pairs"),
    ("findings.outliers.count", "outliers"),
    ("findings.zero_vectors.count", "zero vectors"),
    ("findings.hubness.skewness", "hubness skew"),
)


def _views() -> list[tuple[str, str]]:
    """(key, title) of every view of every projection method, in the methods' order."""
    from reportgen.analysis.projections import methods

    return [(view.key, view.title) for method in methods() for view in method.views]


def aliases() -> dict[str, str]:
    """Short name -> dotted path: ``umap_recall`` is the UMAP 2D view's kNN recall."""
    from reportgen.analysis.projections import methods

    views = {}
    for method in methods():
        two_d = [view.key for view in method.views if view.dims == 2]
        if method.aliases and two_d:
            views[f"{method.key}_recall"] = f"projections.{two_d[0]}.knn_recall"
            views[f"{method.key}_trustworthiness"] = f"projections.{two_d[0]}.trustworthiness"
    return {**_ALIASES, **views}


def metric_paths() -> tuple[str, ...]:
    """Every numeric path a report can hold, except the per-label accuracies."""
    views = (f"projections.{key}.{field}" for key, _ in _views() for field in QUALITY_FIELDS)
    return (*views, *_OTHER_PATHS)


def compared() -> tuple[tuple[str, str], ...]:
    """(path, title) of the metrics compared with a baseline, in their table's order."""
    views = (
        (f"projections.{key}.{field}", f"{title} {_FIELD_TITLES[field]}")
        for key, title in _views()
        for field in QUALITY_FIELDS
    )
    return (*views, *_OTHER_COMPARED)


class ThresholdError(ReportgenError):
    """One or more quality gates failed; the report was written all the same."""

    exit_code = 3


class MissingMetricError(ReportgenError):
    """A gate names a metric this build (or the baseline) does not have."""

    exit_code = 2


def resolve_key(key: str) -> str:
    """The dotted path an alias or a path stands for."""
    return aliases().get(key, key)


def is_valid_key(key: str) -> bool:
    """Whether some report could hold the metric ``key`` (alias or dotted path)."""
    path = resolve_key(key)
    return path in metric_paths() or bool(_PER_LABEL.match(path))


def check_keys(mapping: Mapping[str, float] | None, option: str, problems: list[str]) -> None:
    """Config problems for the unknown keys of ``--fail-under``, ``--fail-if-drop`` and
    ``--fail-over``."""
    for key in mapping or {}:
        if not is_valid_key(key):
            problems.append(
                f"{option}: unknown metric '{key}'; the short names are "
                f"{', '.join(sorted(aliases()))}; or a dotted path into report.json: "
                f"{', '.join(metric_paths())}, findings.knn_label_accuracy.per_label.LABEL"
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
        from reportgen.analysis.projections import method_of

        view = parts[1]
        method = method_of(view)
        hint = method.not_selected_hint(view) if method.not_selected_hint else ""
        if hint:
            return f"the {view} view was not asked for ({hint})"
        return f"the {view} view was not computed (--no-{method.key}?)"
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
    if parts[0] == "comparison":
        if report.get("comparison") is None:
            return "nothing was compared: give --compare-with OTHER"
        drift = report["comparison"].get("mode") == "drift"
        if drift and parts[1] not in ("domain_classifier", "mmd", "centroid_distance"):
            return "the two runs hold different items (drift), so no item is compared with itself"
        if not drift and parts[1] in ("domain_classifier", "mmd", "centroid_distance"):
            return "the two runs hold the same items: drift compares two different sets"
        if parts[1] in ("knn_label_accuracy", "label_similarity"):
            return "there is no label column"
        return "the clusters were turned off or could not run"
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
    for path, title in compared():
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
    fail_over: Mapping[str, float] | None = None,
) -> list[str]:
    """Check the gates; return one line per passed gate (for the log). ``fail_over``: the
    metrics that must not be above their VALUE (higher is worse).

    Raises MissingMetricError (exit 2) when a gate's metric is not in this report or the
    baseline, and ThresholdError (exit 3) listing every failed gate, by how much.
    """
    missing: list[str] = []
    failed: list[str] = []
    passed: list[str] = []
    # The two limits: a floor (--fail-under) and a ceiling (--fail-over, higher is worse).
    for option, limits, floor in (
        ("--fail-under", fail_under, True),
        ("--fail-over", fail_over, False),
    ):
        for key, limit in sorted((limits or {}).items()):
            path = resolve_key(key)
            value = lookup(report, path)
            shown = key if key == path else f"{key} ({path})"
            if value is None:
                missing.append(f"{option} {shown}: not in this report: {why_missing(report, path)}")
            elif (value < limit) if floor else (value > limit):
                failed.append(
                    f"{shown} = {_format(value)} is {'under' if floor else 'over'} "
                    f"{_format(limit)} (by {_format(abs(value - limit))})"
                )
            else:
                passed.append(
                    f"{shown} = {_format(value)} {'≥' if floor else '≤'} {_format(limit)}"
                )
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
