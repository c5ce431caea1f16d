"""docs/report-json.md documents every key a report.json can hold."""

from __future__ import annotations

import json
import re
from pathlib import Path

import reportgen

DOC = (Path(__file__).resolve().parents[1] / "docs" / "report-json.md").read_text()
# Objects whose keys are data (labels, library names, config keys): documented as a whole.
OPAQUE = {
    "dataset.label_counts",
    "findings.knn_label_accuracy.per_label",
    "provenance.libraries",
    "provenance.config",
    "projections.<view>.parameters",
}
_VIEW = re.compile(r"^projections\.[a-z0-9-]+")


def _paths(value, path=""):
    if path in OPAQUE:
        yield path
        return
    if isinstance(value, dict):
        if path:
            yield path
        for key, inner in value.items():
            child = f"{path}.{key}" if path else key
            yield from _paths(inner, _VIEW.sub("projections.<view>", child))
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        yield path  # a list of objects: its fields are named in the row's type column
    else:
        yield path


def test_every_report_key_is_documented(tmp_path, tiny_vectors, tiny_labels):
    report = reportgen.build(
        tiny_vectors,
        labels=tiny_labels,
        metadata={"caption": [f"text {i}" for i in range(40)]},
        text_column="caption",
        out=tmp_path / "site",
        tsne_perplexity=5,
    )
    written = json.loads((report.out / "report.json").read_text())
    missing = sorted({p for p in _paths(written) if f"`{p}`" not in DOC})
    assert missing == []
    assert f"`{written['schema']}`" in DOC
