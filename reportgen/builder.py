"""One build, top to bottom: load, analyze, render, publish."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from reportgen.analysis.pipeline import analyze, client_needs_all_rows
from reportgen.cache import Cache
from reportgen.config import Config
from reportgen.dataset import Dataset
from reportgen.engine import LOCAL, Engine
from reportgen.io import load_dataset
from reportgen.io.inputs import load_comparison
from reportgen.io.shards import ShardedVectors
from reportgen.progress import Progress
from reportgen.publish import check_file_target, describe_size, publish, publish_file
from reportgen.publish_exports import check_exports_target, publish_exports
from reportgen.render.budget import check_site
from reportgen.render.inputs import render_input
from reportgen.render.pages import SitePages, build_pages
from reportgen.render.parquet_exports import require_pyarrow
from reportgen.render.single_file import single_file
from reportgen.render.site import render_site
from reportgen.thresholds import evaluate, read_baseline


@dataclass(frozen=True)
class Report:
    """What a build produced: the site's folder (None when only a single file was asked
    for), the single file (None unless asked for) and the content of ``report.json``.

    In Jupyter it shows itself inline (``_repr_html_``); ``open()`` opens it in a browser.
    """

    out: Path | None
    report: dict[str, Any] = field(repr=False)
    timings: dict[str, float] = field(default_factory=dict, repr=False, compare=False)
    single_file: Path | None = None
    # The pages as rendered, so that the single file can be made later from the folder
    # (the notebook shows a folder-only report that way); None for a report made by hand.
    pages: SitePages | None = field(default=None, repr=False, compare=False)

    @property
    def index(self) -> Path:
        """The report's entry page: the folder's index.html, else the single file."""
        if self.out is not None:
            return self.out / "index.html"
        if self.single_file is None:  # run_build always writes one or the other
            raise ValueError("this report has neither a folder nor a single file")
        return self.single_file

    def _repr_html_(self) -> str:
        from reportgen.notebook import report_html  # the notebook's needs stay out of builds

        return report_html(self)

    def open(self) -> Path:
        """Open the report in the default web browser; returns the page opened."""
        from reportgen.notebook import open_report

        return open_report(self)


def run_build(
    config: Config,
    *,
    dataset: Dataset | None = None,
    progress: Progress | None = None,
    other: Dataset | None = None,
) -> Report:
    """Build the report that ``config`` describes: the folder site (``config.out_folder()``)
    and, when asked for, the single file (``config.single_file``).

    ``dataset`` replaces loading from ``config.input`` (the Python API passes arrays this
    way), ``other`` the run compared with from ``config.compare.with_``. Everything is
    gathered in memory before anything is written; the previous site stays untouched
    until the new one is complete. Raises ReportgenError subclasses.
    """
    progress = progress or Progress(mode="quiet")
    if config.single_file is not None:  # a bad output path should stop the build early too
        check_file_target(config.single_file, force=config.force)
    if config.render.exports_dir is not None:
        check_exports_target(config.render.exports_dir, config.out_folder(), force=config.force)
    if config.render.exports_format == "parquet":
        require_pyarrow()  # before minutes of analysis, not after
    gates = config.thresholds
    # Read first: a bad baseline should stop the build before minutes of analysis.
    baseline = read_baseline(gates.baseline) if gates.baseline is not None else None
    cache = Cache.from_config(config.cache)
    if other is None and config.compare.with_ is not None:
        # Read before the analysis, so that a bad file stops the build at once.
        with progress.step("load comparison"):
            other = load_comparison(
                config.compare.with_, config.input, metadata=config.compare.metadata
            )
    with _engine_session(config, progress, dataset) as (dataset, engine):
        results = analyze(dataset, config, progress, cache, engine=engine, other=other)
    with progress.step("render"):
        inputs = render_input(dataset, results, config, baseline=baseline, cache=cache)
        pages = build_pages(inputs)
        site = render_site(inputs, pages)
    out = config.out_folder()
    if out is not None:
        # Measured before anything is written: a site over its budget writes nothing.
        with progress.step("budget"):
            sized = check_site(site, inputs.budget)
        for note in inputs.budget_notes:
            progress.message(note)
        progress.message(sized.summary())
        if config.projector.enabled and not config.render.base_url:
            # The standalone Projector resolves the config's paths against its own page.
            progress.message(
                "projector/: the relative paths load in TensorBoard and in a Projector page "
                "beside the files; for projector.tensorflow.org, build with --base-url URL "
                "(where the site will be published)"
            )
    document = None
    if config.single_file is not None:
        with progress.step("single file"):
            document = single_file(pages, site)
    with progress.step("publish"):
        if inputs.outside_exports:
            # Before the site: the site's report.json lists these files.
            publish_exports(inputs.outside_exports, config.render.exports_dir, force=config.force)
        if out is not None:
            publish(site, out, force=config.force, max_file_bytes=inputs.budget.max_file_bytes)
        if document is not None:
            publish_file(document, config.single_file, force=config.force)
    if document is not None:
        progress.message(f"wrote {config.single_file} ({describe_size(len(document))})")
    report = json.loads(site["report.json"])
    # The gates run after the report is written, so that a failing CI job still has it.
    for line in evaluate(report, gates.fail_under, gates.fail_if_drop, baseline, gates.fail_over):
        progress.message(f"threshold passed: {line}")
    return Report(
        out=None if out is None else Path(out),
        report=report,
        timings=dict(progress.timings),
        single_file=config.single_file,
        pages=pages,
    )


@contextmanager
def _engine_session(
    config: Config, progress: Progress, dataset: Dataset | None
) -> Iterator[tuple[Dataset, Engine]]:
    """The dataset (``config.input`` read, unless given) and the engine of the analysis.

    With ``--engine dask`` the cluster lives for the load and the analysis: the workers read
    and check the shards, and the analysis' reductions over all rows run there again, on the
    same rows read from the shards (``DaskEngine``), to the local engine's bits. The rows
    come to this process only when the analysis reads all of them here (the kNN graph of
    all N: ``client_needs_all_rows``); else it holds only the samples it reads.
    """
    engine = config.engine
    if engine.kind == "local":
        if dataset is None:
            with progress.step("load"):
                dataset = load_dataset(config.input)
        yield dataset, LOCAL
        return
    from reportgen.engine.dask import DaskEngine, dask_shard_mapper, start_client
    from reportgen.io.shards import ShardedRows

    with start_client(
        engine.scheduler,
        n_workers=engine.n_workers,
        memory_limit=engine.memory_limit,
        timeout_s=engine.timeout_s,
    ) as client:
        read: list[ShardedVectors] = []
        if dataset is None:
            with progress.step("load") as status:
                shards_done = lambda done, total: status.advance(done, total, "shards")  # noqa: E731
                mapper = dask_shard_mapper(client, shards_done)
                dataset = load_dataset(
                    config.input, map_shards=mapper, shards_read=read, rows_in_shards=True
                )
        mirror = ShardedRows.of(read[0]) if read else None
        # A dataset whose rows are not the shards' (given as arrays, or rows dropped by
        # --drop-invalid) is reduced here: the engine matches the array itself.
        array = None
        if isinstance(dataset.vectors, ShardedRows) and client_needs_all_rows(config, dataset.n):
            with progress.step("gather"):
                dataset = replace(dataset, vectors=dataset.vectors.gather())
            array = dataset.vectors
        yield dataset, DaskEngine(client=client, mirror=mirror, array=array)
