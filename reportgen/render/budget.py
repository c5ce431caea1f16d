"""The site's budgets: no file over ``[render] max_file_mb``, the whole under ``max_site_mb``.

GitHub refuses a file over 100 MB and GitHub Pages a site over 1 GB, so a site meant for
them is planned to fit before anything is written: the Projector export is sampled
(``render/projector.py``), a CSV export over the file limit is written gzip-compressed and,
when still too large, in numbered parts each under the limit (``fit_csv``), and
``check_site`` measures every file of the planned site and refuses (``BudgetError``, exit 2)
a site that would still not fit, naming the largest files and the flag to change.

Sizes are in MB of 10^6 bytes (95 MB is 90.6 MiB, safely under GitHub's 100 MiB).
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from reportgen.analysis.results import Analysis
from reportgen.cache import Cache, reuse_stream
from reportgen.config import RenderConfig
from reportgen.dataset import Dataset
from reportgen.errors import BudgetError
from reportgen.publish import describe_size
from reportgen.render.exports import (
    PART_TARGET,
    CsvTable,
    clusters_table,
    coordinates_csv,
    coordinates_table,
    neighbors_csv,
    neighbors_table,
    row_ranges,
)
from reportgen.render.parquet_exports import (
    ParquetTable,
    clusters_parquet,
    coordinates_parquet,
    neighbors_parquet,
    plan_parts,
    require_pyarrow,
)
from reportgen.render.site_types import Content, Producer, Site

MB = 1_000_000
# zlib's default level: near level 9's size on CSV text at a third of its time.
GZIP_LEVEL = 6
# How many of the largest files a "site too large" message names.
_LARGEST_SHOWN = 5


@dataclass(frozen=True)
class Budget:
    """The limits in bytes, from ``[render] max_file_mb`` and ``max_site_mb``."""

    max_file_mb: float
    max_site_mb: float

    @property
    def max_file_bytes(self) -> int:
        """The largest file allowed, in bytes."""
        return math.floor(self.max_file_mb * MB)

    @property
    def max_site_bytes(self) -> int:
        """The largest site allowed (all its files together), in bytes."""
        return math.floor(self.max_site_mb * MB)

    @classmethod
    def of(cls, render: RenderConfig) -> Budget:
        """The budget a render config asks for."""
        return cls(render.max_file_mb, render.max_site_mb)

    def file_flag(self) -> str:
        """``--max-file-mb 95`` as the messages write it."""
        return f"--max-file-mb {self.max_file_mb:g}"

    def site_flag(self) -> str:
        """``--max-site-mb 1000`` as the messages write it."""
        return f"--max-site-mb {self.max_site_mb:g}"


class KnownSize:
    """A producer whose byte count is known before it runs (measured, or computed)."""

    def __init__(self, producer: Producer, size: int) -> None:
        self.producer = producer
        self.size = size

    def __call__(self, target: BinaryIO) -> None:
        self.producer(target)


class _Counter:
    """A write-only sink that keeps nothing but the number of bytes written to it."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)


def _gzip_writer(target: object) -> gzip.GzipFile:
    # mtime 0 and no file name in the header: the same rows give the same bytes on every
    # build and machine (the name would also differ between a measurement and the file).
    return gzip.GzipFile(filename="", mode="wb", compresslevel=GZIP_LEVEL, fileobj=target, mtime=0)  # type: ignore[arg-type]


def gzip_producer(producer: Producer) -> Producer:
    """A producer of ``producer``'s bytes gzip-compressed (mtime 0, no name: reproducible)."""

    def produce(target: BinaryIO) -> None:
        with _gzip_writer(target) as packed:
            producer(packed)  # type: ignore[arg-type]

    return produce


def content_size(content: Content) -> int:
    """The bytes a site file will hold: its length, its known size, or what its producer
    writes into a counting sink (nothing is kept)."""
    if isinstance(content, bytes):
        return len(content)
    if isinstance(content, KnownSize):
        return content.size
    counter = _Counter()
    content(counter)  # type: ignore[arg-type]
    return counter.size


def _packed_size(producer: Producer) -> int:
    """The bytes ``producer`` writes once gzip-compressed (nothing is kept)."""
    packed = _Counter()
    with _gzip_writer(packed) as writer:
        producer(writer)  # type: ignore[arg-type]
    return packed.size


@dataclass(frozen=True)
class ExportForm:
    """How one export was written: ``files`` (one plain or gzipped CSV file, CSV parts, or
    Parquet parts) and, when a CSV export is not the plain file, the note that says so.

    ``plain_size`` is a CSV export's size uncompressed, or a Parquet export's columns' in
    memory (the parts' planning figure).
    """

    name: str  # the export's path: exports/neighbors.csv, or the folder exports/neighbors
    files: tuple[str, ...]
    plain_size: int
    note: str | None
    format: str = "csv"  # csv, csv.gz or parquet

    def to_json(self) -> dict:
        """The export's entry in report.json's ``budget`` section."""
        return {
            "name": self.name,
            "files": list(self.files),
            "format": self.format,
            "plain_bytes": self.plain_size,
        }


def part_path(name: str, part: int, parts: int) -> str:
    """``exports/neighbors.csv`` part 1 of 12 -> ``exports/neighbors-part-001.csv.gz``."""
    stem = name.removesuffix(".csv")
    width = max(3, len(str(parts)))
    return f"{stem}-part-{part:0{width}d}.csv.gz"


def fit_csv(
    name: str,
    whole: Producer,
    table: CsvTable,
    budget: Budget,
    *,
    measure: Callable[[Producer], int] = content_size,
) -> tuple[Site, ExportForm]:
    """The files of one CSV export within ``budget``'s file limit: ``name`` itself when it
    fits, else ``name + ".gz"``, else parts ``<stem>-part-001.csv.gz`` … of consecutive
    rows, each with the header and each measured under the limit.

    ``whole`` is the export's producer (it may copy from the cache), ``table`` the same rows
    for the parts. Raises BudgetError when even one row per part would be over the limit.
    """
    limit = budget.max_file_bytes
    # Plain first: most exports fit, and compressing one only to measure it was most of an
    # unchanged rebuild's time (5.4 of 12.5 s at 200,000 points).
    plain = content_size(whole)
    if plain <= limit:
        return {name: KnownSize(whole, plain)}, ExportForm(name, (name,), plain, None)
    packed = _packed_size(whole)
    too_big = f"{name} would be {describe_size(plain)}, over {budget.file_flag()}"
    if packed <= limit:
        path = name + ".gz"
        note = (
            f"{too_big}: written gzip-compressed as {path} ({describe_size(packed)}); "
            "raise --max-file-mb to get the plain file"
        )
        files = {path: KnownSize(gzip_producer(whole), packed)}
        return files, ExportForm(name, (path,), plain, note, "csv.gz")
    parts = math.ceil(packed / (PART_TARGET * limit))
    while True:
        if parts > max(table.n_rows, 1):
            raise BudgetError(
                f"{name}: even one row per file would be over {budget.file_flag()}; raise it"
            )
        producers = [
            gzip_producer(table.producer(rows)) for rows in row_ranges(table.n_rows, parts)
        ]
        sizes = [measure(producer) for producer in producers]
        if max(sizes) <= limit:
            break
        parts = max(parts + 1, math.ceil(parts * max(sizes) / (PART_TARGET * limit)))
    paths = [part_path(name, part, parts) for part in range(1, parts + 1)]
    note = (
        f"{too_big} ({describe_size(packed)} compressed): written as {parts} gzip-compressed "
        f"parts {paths[0]} … {paths[-1].rsplit('/', 1)[-1]} of consecutive rows, each with "
        "the header; raise --max-file-mb to get fewer parts"
    )
    files = {
        path: KnownSize(producer, size)
        for path, producer, size in zip(paths, producers, sizes, strict=True)
    }
    return files, ExportForm(name, tuple(paths), plain, note, "csv.gz")


def fit_parquet(
    table: ParquetTable, budget: Budget, *, measure: Callable[[Producer], int] = content_size
) -> tuple[Site, ExportForm]:
    """The parts of one Parquet export, ``exports/<name>/part-00000.parquet`` …, each
    measured under ``budget``'s file limit (``plan_parts``; raises BudgetError like it)."""
    folder = f"exports/{table.name}"
    paths, producers, sizes = plan_parts(
        folder, table, budget.max_file_bytes, measure, budget.file_flag()
    )
    files: Site = {
        path: KnownSize(producer, size)
        for path, producer, size in zip(paths, producers, sizes, strict=True)
    }
    form = ExportForm(folder, tuple(paths), table.point_bytes * table.n_points, None, "parquet")
    return files, form


def plan_exports(
    dataset: Dataset,
    analysis: Analysis,
    budget: Budget,
    cache: Cache | None,
    *,
    form: str = "csv",
    whole: bool = False,
) -> tuple[Site, list[ExportForm]]:
    """``exports/``: coordinates, neighbours and clusters (what the Projector cannot
    export) as CSV (``plan_csv_exports``) or Parquet parts (``form`` "parquet", each part
    under the file limit). ``whole``: CSV files are written plain and whole, whatever
    their size (exports written outside the site, ``--exports-dir``)."""
    if form != "parquet":
        return plan_csv_exports(dataset, analysis, budget, cache, whole=whole)
    require_pyarrow()
    projections = [view.projection for view in analysis.views]
    tables = [
        coordinates_parquet(dataset.labels, projections),
        neighbors_parquet(analysis.graph, analysis.k),
    ]
    if analysis.clustering is not None:
        clustering = analysis.clustering
        tables.append(clusters_parquet(clustering.assignments, clustering.distance_to_centroid))
    site: Site = {}
    forms = []
    for table in tables:
        files, export_form = fit_parquet(table, budget)
        site.update(files)
        forms.append(export_form)
    return site, forms


def plan_csv_exports(
    dataset: Dataset,
    analysis: Analysis,
    budget: Budget,
    cache: Cache | None,
    *,
    whole: bool = False,
) -> tuple[Site, list[ExportForm]]:
    """``exports/``: coordinates, neighbours and clusters (what the Projector cannot
    export), each fitted to the file limit (``fit_csv``), or plain and whole (``whole``).
    The whole files are copied from ``cache`` when an earlier build formatted the same
    bytes (measuring them fills it)."""
    wanted = [
        (
            "exports/coordinates.csv",
            reuse_stream(
                cache,
                "coordinates-csv",
                coordinates_csv,
                dataset.labels,
                [view.projection for view in analysis.views],
            ),
            coordinates_table(dataset.labels, [view.projection for view in analysis.views]),
        ),
        (
            "exports/neighbors.csv",
            reuse_stream(cache, "neighbors-csv", neighbors_csv, analysis.graph, analysis.k),
            neighbors_table(analysis.graph, analysis.k),
        ),
    ]
    if analysis.clustering is not None:
        clustering = analysis.clustering
        table = clusters_table(clustering.assignments, clustering.distance_to_centroid)
        wanted.append(("exports/clusters.csv", table.producer(), table))
    site: Site = {}
    forms = []
    for name, producer, table in wanted:
        if whole:
            size = content_size(producer)
            files: Site = {name: KnownSize(producer, size)}
            form = ExportForm(name, (name,), size, None)
        else:
            files, form = fit_csv(name, producer, table, budget)
        site.update(files)
        forms.append(form)
    return site, forms


# --------------------------------------------------------------------------------------
# The whole site


@dataclass(frozen=True)
class SiteSize:
    """Every file's size in bytes (path -> bytes, sorted by path) and their total."""

    sizes: dict[str, int]

    @property
    def total(self) -> int:
        """All files together, in bytes."""
        return sum(self.sizes.values())

    def largest(self, count: int = _LARGEST_SHOWN) -> list[tuple[str, int]]:
        """The ``count`` largest files, largest first (ties by path)."""
        return sorted(self.sizes.items(), key=lambda item: (-item[1], item[0]))[:count]

    def summary(self) -> str:
        """The build log's line: ``site: 412.3 MB in 40 files; largest ...``."""
        (name, size), *_ = self.largest(1) or [("", 0)]
        return (
            f"site: {describe_size(self.total)} in {len(self.sizes)} files; largest "
            f"{name} ({describe_size(size)})"
        )


def _payload_fix(name: str) -> str:
    """What to change when a browser payload (``data/*.js``) is over the file limit."""
    stem = name.removeprefix("data/")
    if stem.startswith("neighbors"):
        return "raise --max-file-mb, or lower --neighbors-k (k neighbours of every point)"
    if stem.startswith("similarity"):
        return "raise --max-file-mb, or lower --similarity-sample-size (the point heatmap)"
    if stem.startswith("column"):
        return "raise --max-file-mb (the payload holds a metadata column of every point)"
    if "3d" in stem:
        return "raise --max-file-mb, or lower --max-points-3d (the 3D views' browser sample)"
    return "raise --max-file-mb, or lower --max-points-2d (the 2D views' browser sample)"


def check_site(site: Site, budget: Budget) -> SiteSize:
    """Measure every file of ``site`` and check it against ``budget``, before any is written.

    Raises BudgetError naming each file over the file limit (a browser payload with the flag
    that shrinks it), or, when the site is over the site limit, its largest files and the
    flag to raise.
    """
    sized = SiteSize({name: content_size(site[name]) for name in sorted(site)})
    limit = budget.max_file_bytes
    problems = []
    for name, size in sized.sizes.items():
        if size <= limit:
            continue
        fix = _payload_fix(name) if name.startswith("data/") else "raise --max-file-mb"
        problems.append(
            f"{name} would be {describe_size(size)}, over {budget.file_flag()} "
            f"([render] max_file_mb): {fix}"
        )
    if problems:
        raise BudgetError("; ".join(problems) + "; nothing was written")
    if sized.total > budget.max_site_bytes:
        largest = ", ".join(f"{name} ({describe_size(size)})" for name, size in sized.largest())
        raise BudgetError(
            f"the site would be {describe_size(sized.total)} in {len(sized.sizes)} files, "
            f"over {budget.site_flag()} ([render] max_site_mb); the largest: {largest}; "
            "raise --max-site-mb, or shrink the largest (--projector-max-points, "
            "--no-projector-tensor-tsv, --max-file-mb); nothing was written"
        )
    return sized
