"""The site in memory: a mapping from relative path to content, gathered before writing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import BinaryIO

from reportgen.render.images import static_images
from reportgen.render.inputs import RenderInput
from reportgen.render.links import FolderLinks
from reportgen.render.pages import SitePages
from reportgen.render.pages.similarity import similarity_payloads
from reportgen.render.projector import projector_site
from reportgen.render.report import encode_report
from reportgen.render.scatter import scatter_payloads
from reportgen.render.scripts import javascript_bundle
from reportgen.render.site_types import Producer, Site
from reportgen.render.templates import render_template, templates_dir

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


@dataclass(frozen=True)
class NavLink:
    """One entry of the navigation bar."""

    href: str
    title: str
    current: bool


def render_site(inputs: RenderInput, pages: SitePages) -> Site:
    """The folder site's files (nothing written yet): each page in the folder layout, then
    the exports and data files, then the assets.

    The files that are slow to format (tensors.tsv, the CSV exports, the PNG plots, the
    sprite) are copied from ``inputs.cache`` when an earlier build wrote the same bytes.
    """
    links = FolderLinks(pages.hrefs)
    site: Site = {}
    for built in pages.built:
        nav = [NavLink(other.page.href, other.page.title, other is built) for other in pages.built]
        site[built.page.href] = render_template(
            "base.html",
            page=built.page,
            chrome=pages.chrome,
            nav=nav,
            links=links,
            content=built.content(links),
            script=built.script,
        )
    for files in (*(export(inputs, pages) for export in EXPORTS), static_assets()):
        _add(site, files)
    return site


def _add(site: Site, files: Site) -> None:
    """Add ``files`` to ``site``; two producers of one path are a bug, not a silent win."""
    clash = sorted(set(site) & set(files))
    if clash:
        raise ValueError(f"two parts of the site write {', '.join(clash)}")
    site.update(files)


def _csv_exports(inputs: RenderInput, pages: SitePages) -> Site:
    """``exports/``: coordinates, neighbours and clusters, as the budget planned them."""
    return dict(inputs.exports)


def _report_files(inputs: RenderInput, pages: SitePages) -> Site:
    """``report.json`` and ``summary.md`` (for CI), and ``.nojekyll``."""
    nav = [NavLink(built.page.href, built.page.title, False) for built in pages.built]
    return {
        "report.json": encode_report(inputs.report),
        "summary.md": render_template(
            "summary.md.j2",
            page=pages.context("index.html"),
            chrome=pages.chrome,
            nav=nav,
        ),
        # GitHub Pages runs Jekyll on a published folder unless told not to; Jekyll would
        # drop files and folders whose names start with "_" or ".".
        ".nojekyll": b"",
    }


def _sprite(inputs: RenderInput, pages: SitePages) -> Site:
    """The images' sprite sheet, where every page's thumbnails come from."""
    return {} if inputs.sprite is None else {inputs.sprite_href: inputs.sprite.png}


def _projector(inputs: RenderInput, pages: SitePages) -> Site:
    """``projector/``: the Embedding Projector's and TensorBoard's files."""
    if inputs.projector is None:
        return {}
    return projector_site(
        inputs.dataset,
        inputs.analysis,
        inputs.config,
        inputs.projector,
        inputs.table,
        cache=inputs.cache,
    )


def _data(inputs: RenderInput, pages: SitePages) -> Site:
    """``data/``: the payloads the pages' scripts load when first needed."""
    return {
        **scatter_payloads(inputs.dataset, inputs.analysis),
        **similarity_payloads(inputs.analysis),
    }


def _images(inputs: RenderInput, pages: SitePages) -> Site:
    """``images/``: the static PNGs."""
    return static_images(inputs.analysis, cache=inputs.cache)


# What the site holds besides its pages and assets, in the order it is gathered.
EXPORTS: tuple[Callable[[RenderInput, SitePages], Site], ...] = (
    _csv_exports,
    _report_files,
    _sprite,
    _projector,
    _data,
    _images,
)
