"""The site in memory: a mapping from relative path to content, gathered before writing."""

from __future__ import annotations

from importlib import resources
from typing import Any, BinaryIO

from reportgen.analysis.pipeline import Analysis
from reportgen.cache import Cache, reuse_stream
from reportgen.config import Config
from reportgen.dataset import Dataset
from reportgen.render.exports import clusters_csv, coordinates_csv, neighbors_csv
from reportgen.render.gallery import gallery_page, sprite_block
from reportgen.render.groups import (
    clusters_page,
    similarity_page,
    similarity_payloads,
    static_images,
)
from reportgen.render.pages import PAGES, Chrome, index_page, projections_page
from reportgen.render.projector import (
    metadata_table,
    projector_files,
    projector_page,
    projector_site,
    sprite_path,
)
from reportgen.render.report import build_provenance, build_report, encode_report, provenance_line
from reportgen.render.scatter import scatter_block, scatter_payloads
from reportgen.render.scripts import javascript_bundle
from reportgen.render.site_types import Producer, Site
from reportgen.render.sprite import build_sprite
from reportgen.render.templates import render_template, templates_dir
from reportgen.thresholds import compare

_COPY_CHUNK = 1 << 20


def _copy_file(source: resources.abc.Traversable) -> Producer:
    def produce(target: BinaryIO) -> None:
        with source.open("rb") as handle:
            while chunk := handle.read(_COPY_CHUNK):
                target.write(chunk)

    return produce


def static_assets() -> Site:
    """``assets/``: plotly.js from the installed plotly package, reportgen's CSS, and its
    JavaScript modules concatenated into one script (``render/scripts.py``)."""
    plotly_js = resources.files("plotly") / "package_data" / "plotly.min.js"
    return {
        "assets/plotly.min.js": _copy_file(plotly_js),
        "assets/reportgen.css": (templates_dir() / "static" / "reportgen.css").read_bytes(),
        "assets/reportgen.js": javascript_bundle(),
    }


def render_site(
    dataset: Dataset,
    analysis: Analysis,
    config: Config,
    *,
    baseline: dict[str, Any] | None = None,
    cache: Cache | None = None,
) -> Site:
    """Turn the dataset and its analysis into the site's files (nothing written yet);
    ``baseline`` (a previous report.json) adds the comparison to the overview and summary.

    The files that are slow to format (tensors.tsv, the CSV exports, the PNG plots, the
    sprite) are copied from ``cache`` when an earlier build wrote the same bytes.
    """
    provenance = build_provenance(dataset, config)
    report = build_report(dataset, analysis, provenance)
    comparisons = compare(report, baseline) if baseline is not None else None
    sprite = None
    if dataset.images is not None:
        sprite = build_sprite(dataset.images, config.render.thumbnail_size, cache=cache)
    present = {"gallery.html": sprite is not None, "projector.html": config.projector.enabled}
    pages = tuple(href for href, _ in PAGES if present.get(href, True))
    chrome = Chrome(
        title=config.render.title or dataset.name,
        provenance=provenance_line(provenance),
        pages=pages,
    )
    sprite_href = sprite_path(config)
    # One inline block for every page with a scatter (it encodes the label codes and samples).
    scatter = scatter_block(
        dataset, analysis, config, sprite_block(sprite, sprite_href) if sprite else None
    )
    files = None
    if config.projector.enabled:
        files = projector_files(dataset, analysis, config, sprite.thumb if sprite else None)
    table = metadata_table(dataset) if files is not None else None
    index = index_page(dataset, analysis, config, chrome, scatter, comparisons)
    site: Site = {
        "index.html": render_template("index.html", page=index),
        "projections.html": render_template(
            "projections.html", page=projections_page(dataset, analysis, chrome, scatter)
        ),
        "similarity.html": render_template(
            "similarity.html", page=similarity_page(analysis, chrome)
        ),
        "clusters.html": render_template(
            "clusters.html", page=clusters_page(dataset, analysis, chrome, scatter)
        ),
        "exports/coordinates.csv": reuse_stream(
            cache,
            "coordinates-csv",
            coordinates_csv,
            dataset.labels,
            [view.projection for view in analysis.views],
        ),
        "exports/neighbors.csv": reuse_stream(
            cache, "neighbors-csv", neighbors_csv, analysis.graph, analysis.k
        ),
        "report.json": encode_report(report),
        "summary.md": render_template("summary.md.j2", page=index),
        # GitHub Pages runs Jekyll on a published folder unless told not to; Jekyll would
        # drop files and folders whose names start with "_" or ".".
        ".nojekyll": b"",
    }
    if analysis.clustering is not None:
        site["exports/clusters.csv"] = clusters_csv(
            analysis.clustering.assignments, analysis.clustering.distance_to_centroid
        )
    if sprite is not None:
        site[sprite_href] = sprite.png
        site["gallery.html"] = render_template(
            "gallery.html", page=gallery_page(dataset, analysis, chrome, scatter, sprite)
        )
    if files is not None:
        site["projector.html"] = render_template(
            "projector.html", page=projector_page(dataset, analysis, config, chrome, files, table)
        )
        site.update(projector_site(dataset, analysis, config, files, table, cache=cache))
    site.update(scatter_payloads(dataset, analysis))
    site.update(similarity_payloads(analysis))
    site.update(static_images(analysis, cache=cache))
    site.update(static_assets())
    return site
