"""One build, top to bottom: load, analyze, render, publish."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportgen.analysis.pipeline import analyze
from reportgen.config import Config
from reportgen.dataset import Dataset
from reportgen.io import load_dataset
from reportgen.progress import Progress
from reportgen.publish import publish
from reportgen.render.site import render_site
from reportgen.thresholds import evaluate, read_baseline


@dataclass(frozen=True)
class Report:
    """What a build produced: the site's folder and the content of its ``report.json``."""

    out: Path
    report: dict[str, Any] = field(repr=False)
    timings: dict[str, float] = field(default_factory=dict, repr=False, compare=False)

    @property
    def index(self) -> Path:
        """The site's entry page."""
        return self.out / "index.html"


def run_build(
    config: Config, *, dataset: Dataset | None = None, progress: Progress | None = None
) -> Report:
    """Build the site that ``config`` describes and publish it to ``config.out``.

    ``dataset`` replaces loading from ``config.input`` (the Python API passes arrays this
    way). Everything is gathered in memory before anything is written; the previous site
    stays untouched until the new one is complete. Raises ReportgenError subclasses.
    """
    progress = progress or Progress(mode="quiet")
    gates = config.thresholds
    # Read first: a bad baseline should stop the build before minutes of analysis.
    baseline = read_baseline(gates.baseline) if gates.baseline is not None else None
    if dataset is None:
        with progress.step("load"):
            dataset = load_dataset(config.input)
    results = analyze(dataset, config, progress)
    with progress.step("render"):
        site = render_site(dataset, results, config, baseline=baseline)
    out = config.out_folder()
    with progress.step("publish"):
        publish(site, out, force=config.force)
    report = json.loads(site["report.json"])
    # The gates run after the report is written, so that a failing CI job still has it.
    for line in evaluate(report, gates.fail_under, gates.fail_if_drop, baseline):
        progress.message(f"threshold passed: {line}")
    return Report(out=Path(out), report=report, timings=dict(progress.timings))
