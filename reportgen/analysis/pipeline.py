"""Pure numerics: the dataset in, frozen result dataclasses out. No HTML, no file writing."""

from __future__ import annotations

from dataclasses import dataclass

from reportgen.analysis.summary import DatasetSummary, summarize
from reportgen.config import Config
from reportgen.dataset import Dataset
from reportgen.progress import Progress

__all__ = ["Analysis", "analyze"]


@dataclass(frozen=True)
class Analysis:
    """Every number the site shows, computed once per build."""

    summary: DatasetSummary


def analyze(dataset: Dataset, config: Config, progress: Progress) -> Analysis:
    """Run the analysis steps in order, reporting each to ``progress``."""
    with progress.step("summarize"):
        summary = summarize(dataset.vectors, dataset.labels)
    return Analysis(summary=summary)
