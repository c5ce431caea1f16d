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
    if dataset is None:
        with progress.step("load"):
            dataset = load_dataset(config.input)
    results = analyze(dataset, config, progress)
    with progress.step("render"):
        site = render_site(dataset, results, config)
    with progress.step("publish"):
        publish(site, config.out, force=config.force)
    report = json.loads(site["report.json"])
    return Report(out=Path(config.out), report=report, timings=dict(progress.timings))
