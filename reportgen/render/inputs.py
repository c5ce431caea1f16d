"""The one input every page and export is rendered from, gathered once per build."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from reportgen.analysis.results import Analysis
from reportgen.cache import Cache
from reportgen.config import Config, display_path
from reportgen.dataset import Dataset
from reportgen.render.budget import Budget, ExportForm, plan_exports
from reportgen.render.projector import (
    MetadataTable,
    ProjectorFiles,
    metadata_table,
    projector_files,
    projector_sample,
    sprite_path,
)
from reportgen.render.report import build_provenance, build_report, provenance_line
from reportgen.render.scatter import scatter_block
from reportgen.render.site_types import Site
from reportgen.render.sprite import SpriteSheet, build_sprite
from reportgen.thresholds import Comparison, compare


@dataclass(frozen=True)
class Chrome:
    """What every page shares: the report's title and the footer line."""

    title: str
    provenance: str


@dataclass(frozen=True)
class RenderInput:
    """Everything the pages and exports are made from; built once by ``render_input``.

    Attributes:
        dataset, analysis, config: the build's data, numbers and settings.
        chrome: the title and footer line every page shows.
        report: the content of report.json.
        comparisons: the metrics against ``--baseline``; None without one.
        sprite: the images' sprite sheet; None without images.
        sprite_href: where the site keeps the sprite (projector/ or images/).
        scatter: the inline block every page with a scatter shares (``scatter_block``).
        projector: what the Projector export holds; None when it is turned off.
        table: metadata.tsv's rows; None without the export or without metadata.
        cache: where slow files are copied from when an earlier build made the same bytes.
        exports: the files of ``exports/`` as the budget planned them (sizes measured);
            empty when they go to ``--exports-dir``.
        outside_exports: the files for ``--exports-dir``, by their path in it; else empty.
        export_forms: how each export was written (plain, gzipped or in parts; Parquet
            parts), its paths those of ``exports`` or of ``outside_exports``.
        budget: the file and site limits.
        budget_notes: what the budget sampled, compressed or left out, with the flag that
            brings it back (for the build log; the pages and report.json carry them too).
    """

    dataset: Dataset
    analysis: Analysis
    config: Config
    chrome: Chrome
    report: dict[str, Any]
    comparisons: list[Comparison] | None
    sprite: SpriteSheet | None
    sprite_href: str
    scatter: dict[str, Any]
    projector: ProjectorFiles | None
    table: MetadataTable | None
    cache: Cache | None
    exports: Site
    outside_exports: Site
    export_forms: tuple[ExportForm, ...]
    budget: Budget
    budget_notes: tuple[str, ...]


def sprite_block(sprite: SpriteSheet, href: str) -> dict[str, Any]:
    """What a page's script needs to draw row i's thumbnail from the sprite sheet."""
    return {"href": href, "thumb": sprite.thumb, "columns": sprite.columns}


def render_input(
    dataset: Dataset,
    analysis: Analysis,
    config: Config,
    *,
    baseline: dict[str, Any] | None = None,
    cache: Cache | None = None,
) -> RenderInput:
    """Gather what the pages share: the report, the sprite sheet (from ``cache`` when an
    earlier build drew it), the scatter block and the Projector export's description;
    ``baseline`` (a previous report.json) adds the comparison."""
    against = analysis.comparison or analysis.drift
    compared = against.sources if against is not None else ()
    provenance = build_provenance(dataset, config, compared)
    budget = Budget.of(config.render)
    sprite = None
    if dataset.images is not None:
        sprite = build_sprite(dataset.images, config.render.thumbnail_size, cache=cache)
    sprite_href = sprite_path(config)
    # One inline block for every page with a scatter (it encodes the label codes and samples).
    scatter = scatter_block(
        dataset, analysis, config, sprite_block(sprite, sprite_href) if sprite else None
    )
    files = None
    if config.projector.enabled:
        sample = projector_sample(dataset, analysis, config)
        files = projector_files(dataset, analysis, config, sprite.thumb if sprite else None, sample)
    outside = config.render.exports_dir is not None
    exports, forms = plan_exports(
        dataset, analysis, budget, cache, form=config.render.exports_format, whole=outside
    )
    outside_exports: Site = {}
    if outside:
        # Written to --exports-dir by their path under exports/; the site keeps none.
        outside_exports = {name.removeprefix("exports/"): exports[name] for name in exports}
        exports = {}
        forms = [
            replace(
                form,
                name=form.name.removeprefix("exports/"),
                files=tuple(name.removeprefix("exports/") for name in form.files),
            )
            for form in forms
        ]
    notes = (*(files.notes if files else ()), *(form.note for form in forms if form.note))
    report = build_report(dataset, analysis, provenance)
    if report["comparison"] is not None:
        report["comparison"]["with"] = _shown_place(config.compare.with_) or "an array"
    report["budget"] = {
        "max_file_mb": budget.max_file_mb,
        "max_site_mb": budget.max_site_mb,
        "projector": files.to_json() if files else None,
        "exports": [form.to_json() for form in forms],
        "exports_dir": _shown_place(config.render.exports_dir),
        "notes": list(notes),
    }
    return RenderInput(
        dataset=dataset,
        analysis=analysis,
        config=config,
        chrome=Chrome(
            title=config.render.title or dataset.name, provenance=provenance_line(provenance)
        ),
        report=report,
        comparisons=compare(report, baseline) if baseline is not None else None,
        sprite=sprite,
        sprite_href=sprite_href,
        scatter=scatter,
        projector=files,
        table=metadata_table(dataset, files.rows) if files is not None else None,
        cache=cache,
        exports=exports,
        outside_exports=outside_exports,
        export_forms=tuple(forms),
        budget=budget,
        budget_notes=notes,
    )


def _shown_place(place: Path | str | None) -> str | None:
    """Where ``--exports-dir`` put the exports, as report.json states it: a URL as given,
    a local folder as ``display_path`` shows paths (never absolute); None: in the site."""
    if place is None:
        return None
    if isinstance(place, str):
        return place
    return display_path(place)
