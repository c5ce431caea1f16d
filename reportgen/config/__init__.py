"""One frozen, typed configuration for a build.

The same option names are used everywhere: in a TOML file (``reportgen.toml`` or
``[tool.reportgen]`` in ``pyproject.toml``) as ``[section] key``, on the command line as
``--prefix-key`` (each section says its prefix: ``[input] label_column`` is
``--label-column``), and in the Python API as ``section={"key": value}``,
``section__key=value`` or the flag's name with underscores (``label_column=``).

Every option is declared once, below, with its default and a one-line help; the CLI's
``--help``, the README's table and the validation all read that declaration.
"""

from __future__ import annotations

import dataclasses
import difflib
import keyword
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, get_args, get_origin, get_type_hints

from reportgen.analysis.clusters import CHOOSE_SAMPLE, CLUSTER_PARAMETERS
from reportgen.analysis.findings import NEAR_DUPLICATE_PARAMETERS
from reportgen.analysis.neighbors import AMONG_SAMPLE_ABOVE, GRAPH_PARAMETERS, METHODS
from reportgen.analysis.quality import QUALITY_PARAMETERS
from reportgen.analysis.scale import SCALE_PARAMETERS
from reportgen.analysis.similarity import SIMILARITY_PARAMETERS
from reportgen.config.declare import option, section
from reportgen.errors import ConfigError
from reportgen.validation import POSITIVE, SEED, Constraint, describe, problem

# A URL (scheme://...): an input fsspec opens, kept as text since Path would fold its "//".
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(name: str) -> bool:
    """Whether an input names a URL (``s3://bucket/key``) rather than a local path."""
    return bool(_URL.match(name))


if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIG_FILE_NAME = "reportgen.toml"
DEMOS = ("digits", "sentences")
METRICS = ("cosine", "euclidean")
EXPORT_FORMATS = ("csv", "parquet")


@dataclass(frozen=True)
class InputConfig:
    """Where the vectors, metadata and images come from, and how to read them."""

    vectors: Path | str | None = option(
        None,
        "vectors file: .npy, .npz, .csv, .tsv, .parquet or .bytes; or a glob of shards of one "
        "type, or a URL fsspec opens (s3://, gs://, file://)",
    )
    metadata: Path | str | None = option(
        None,
        "metadata file: .tsv, .csv or .parquet (one row per vector); or a glob of shards "
        "(paired in order with the vectors shards), or a URL",
    )
    array: str | None = option(None, "which array of an .npz file holds the vectors")
    dim: int | None = option(None, "number of dimensions of a raw float32 .bytes file")
    vector_columns: str | None = option(
        None,
        "which columns of a .csv/.tsv/.parquet file hold the vectors: a comma list or FIRST:LAST",
    )
    label_column: str | None = option(
        None, "metadata column used as the label (default: 'label', else the only column)"
    )
    text_column: str | None = option(None, "metadata column of free text shown on hover")
    image_column: str | None = option(
        None, "metadata column of image paths, relative to the metadata file"
    )
    images: Path | None = option(None, "folder of images, one per vector in sorted name order")
    projector_config: Path | None = option(
        None,
        "read vectors, metadata and sprite from an Embedding Projector config "
        "(projector_config.json or TensorBoard's projector_config.pbtxt)",
    )
    demo: str | None = option(None, "build from bundled demo data instead of files", choices=DEMOS)
    drop_invalid: bool = option(
        False, "drop rows whose vector has NaN or Inf instead of failing (says how many)"
    )


@dataclass(frozen=True)
class NeighborsConfig:
    """The one kNN graph every view, metric and the inspector share."""

    k: int = option(
        10,
        "neighbours listed by the inspector and used by the quality metrics",
        constraint=GRAPH_PARAMETERS["k"],
    )
    metric: str = option(
        "cosine", "similarity of the original vectors", choices=METRICS, flag="--metric"
    )
    method: str = option(
        "auto",
        "how the kNN graph is built: auto (exact up to exact_max_n points, faiss above), "
        "exact, faiss (IVF-Flat) or nndescent (pynndescent)",
        choices=METHODS,
    )
    exact_max_n: int = option(
        # Measured on a quiet 2-core machine, k = 90: real text 20,000 x 384, exact 5.3 s
        # against faiss 20.3 s; a mixture of 60,000 x 384, exact 44.6 s against 24.2 s.
        40_000,
        "largest N for the exact kNN graph under method auto; above it faiss's approximate one",
        constraint=GRAPH_PARAMETERS["exact_max_n"],
    )
    among_sample_above: int = option(
        AMONG_SAMPLE_ABOVE,
        "above this many points (when UMAP or t-SNE is fitted on a sample), each point's "
        "neighbours are searched among the fit sample, not among all points: the inspector, "
        "kNN label accuracy, hubness, near-duplicates and kNN recall say so",
        constraint=GRAPH_PARAMETERS["among_sample_above"],
    )
    search_dims: int = option(
        0,
        "search each point's neighbours among the fit sample (and the placed points' nearest "
        "fitted point) in this many of the sample's principal components, then rank the "
        "candidates in all dimensions, with the recall measured and stated; 0: in all "
        "dimensions (for large D: 64 cuts the search's products D / 64 times)",
        constraint=GRAPH_PARAMETERS["search_dims"],
    )


@dataclass(frozen=True)
class ProjectionsConfig:
    """Which views to compute and how to judge them."""

    pca: bool = option(True, "compute PCA 2D and 3D")
    umap: bool = option(True, "compute UMAP 2D and 3D")
    tsne: bool = option(
        True, "compute t-SNE 2D (openTSNE: FFT gradients from 5,000 points, Barnes-Hut below)"
    )
    tsne_3d: bool = option(False, "also compute t-SNE 3D (Barnes-Hut: much slower)")
    custom_column: str | None = option(
        None, "metadata column the custom projection's regexes are matched against"
    )
    custom_left: str | None = option(None, "custom x axis: regex of the rows at its left end")
    custom_right: str | None = option(None, "custom x axis: regex of the rows at its right end")
    custom_up: str | None = option(None, "custom y axis: regex of the rows at its top")
    custom_down: str | None = option(None, "custom y axis: regex of the rows at its bottom")
    trustworthiness_exact_max_n: int = option(
        5_000,
        "largest N for exact trustworthiness; above it a seeded sample of query points",
        constraint=QUALITY_PARAMETERS["exact_max_n"],
    )
    trustworthiness_sample: int = option(
        2_000,
        "query points of the sampled trustworthiness",
        constraint=QUALITY_PARAMETERS["sample_size"],
    )


@dataclass(frozen=True)
class ScaleConfig:
    """What changes above a size: the layouts fitted on a sample, the rest placed."""

    fit_sample: int | None = option(
        # None: a quarter of N, from 5,000 to 15,000, above 10,000 points (measured in
        # reportgen.analysis.scale, where the numbers live).
        None,
        "rows UMAP and t-SNE are fitted on (a seeded sample stratified by label) when there "
        "are more points; the others are placed next to their nearest fitted point "
        "(default: a quarter of N, from 5,000 to 15,000, above 10,000 points)",
        constraint=SCALE_PARAMETERS["fit_sample"],
        flag="--fit-sample",
    )


@dataclass(frozen=True)
class ClustersConfig:
    """k-means on the original vectors."""

    enabled: bool = option(True, "cluster the vectors with k-means", flag="--clusters")
    k: int | None = option(
        None,
        "number of clusters (default: chosen by silhouette over k_min..k_max)",
        constraint=CLUSTER_PARAMETERS["k"],
    )
    k_min: int = option(
        2, "smallest k the automatic choice tries", constraint=CLUSTER_PARAMETERS["k_min"]
    )
    k_max: int = option(
        12, "largest k the automatic choice tries", constraint=CLUSTER_PARAMETERS["k_max"]
    )
    follow_labels: bool = option(
        True,
        "with more labels than k_max, the automatic choice also tries k up to the number of "
        "labels (at most 50, on a coarse grid: 16, 20, 24, 32, 40, 50)",
    )
    silhouette_sample: int = option(
        2_000,
        "points of the seeded sample the silhouette is computed on",
        constraint=CLUSTER_PARAMETERS["silhouette_sample"],
    )
    choose_sample: int = option(
        CHOOSE_SAMPLE,
        "points of the seeded sample on which k is chosen (each k fitted and scored); above "
        "it, only the chosen k is fitted on all points",
        constraint=CLUSTER_PARAMETERS["choose_sample"],
    )
    blocked_above: int = option(
        50_000,
        "above this many points, the fit on all points is Lloyd iterations over blocks of "
        "rows (no copy of all points; on the workers with --engine dask) instead of "
        "scikit-learn's KMeans",
        constraint=CLUSTER_PARAMETERS["blocked_above"],
    )


@dataclass(frozen=True)
class SimilarityConfig:
    """Cosine similarity between labels (or clusters) and between points."""

    sample_size: int = option(
        1_000,
        "points of the seeded stratified sample in the point heatmap",
        constraint=SIMILARITY_PARAMETERS["sample_size"],
    )
    near_duplicate_threshold: float = option(
        0.99,
        "cosine similarity from which two vectors count as near-duplicates",
        constraint=NEAR_DUPLICATE_PARAMETERS["threshold"],
    )


@dataclass(frozen=True)
class RenderConfig:
    """How the site looks and how much the browser is sent."""

    title: str | None = option(None, "report title (default: the dataset's name)")
    max_points_2d: int = option(
        200_000, "2D views show a seeded stratified sample beyond this many points", minimum=3
    )
    max_points_3d: int = option(
        50_000, "3D views show a seeded stratified sample beyond this many points", minimum=3
    )
    hover_columns: str | None = option(
        None, "metadata columns shown on hover, comma-separated (default: label and text)"
    )
    thumbnail_size: int = option(
        64,
        "side of one image thumbnail in px (shrunk so that the sprite stays within 8192 px)",
        minimum=1,
    )
    base_url: str | None = option(
        None,
        "URL where the site will be published (e.g. on GitHub Pages): makes the Projector "
        "config's paths absolute and adds an 'Open in Embedding Projector' link",
    )
    # Budgets (issue 11): GitHub refuses files over 100 MB and GitHub Pages sites over 1 GB.
    max_file_mb: float = option(
        95.0,
        "no file of the site is larger than this many MB (10^6 bytes): the Projector export "
        "is sampled, large CSV exports are gzipped and split",
        constraint=(POSITIVE,),
    )
    max_site_mb: float = option(
        1000.0,
        "the whole site stays under this many MB; the build fails (exit 2) rather than exceed it",
        constraint=(POSITIVE,),
    )
    exports_format: str = option(
        "csv",
        "the per-row exports (coordinates, neighbours, clusters): csv, or parquet (folders of "
        "parts, each under --max-file-mb; needs pyarrow: pip install 'reportgen[parquet]')",
        choices=EXPORT_FORMATS,
    )
    exports_dir: Path | str | None = option(
        None,
        "write the per-row exports to this folder or fsspec URL (s3://bucket/run/) instead "
        "of the site's exports/; they then do not count against the site's budget",
    )


@dataclass(frozen=True)
class ProjectorConfig:
    """The Embedding Projector / TensorBoard export in ``projector/``."""

    enabled: bool = option(
        True, "write the Embedding Projector / TensorBoard export", flag="--projector"
    )
    tensors: bool = option(
        True,
        "include the vectors (tensors.bytes, tensors.tsv); leave them out for a large N "
        "(the Projector then needs the vectors from elsewhere)",
    )
    tensor_tsv: bool = option(
        True, "also write tensors.tsv, the copy of the vectors TensorBoard reads"
    )
    max_points: int = option(
        100_000,
        "the export carries a seeded sample stratified by label beyond this many points "
        "(the Embedding Projector loads about 100,000); --max-file-mb may lower it further",
        minimum=1,
    )


@dataclass(frozen=True)
class ThresholdsConfig:
    """Quality gates for CI, checked after the report is written (exit code 3)."""

    baseline: Path | None = option(
        None,
        "a previous run's report.json: summary.md and the overview show old, new and change",
        flag="--baseline",
    )
    fail_under: dict[str, float] | None = option(
        None,
        "fail (exit 3) when a metric is below VALUE: KEY=VALUE, KEY a dotted path into "
        "report.json or a short alias (repeatable)",
        flag="--fail-under",
    )
    fail_if_drop: dict[str, float] | None = option(
        None,
        "with --baseline, fail (exit 3) when a metric fell by more than DELTA: KEY=DELTA "
        "(repeatable)",
        flag="--fail-if-drop",
    )
    fail_over: dict[str, float] | None = option(
        None,
        "fail (exit 3) when a metric where higher is worse is above VALUE: KEY=VALUE (repeatable)",
        flag="--fail-over",
    )


@dataclass(frozen=True)
class CompareConfig:
    """Another run of embeddings of the same items, to show what changed (compare.html)."""

    # ``with`` in TOML and messages ([compare] with); a keyword, so the field is ``with_``.
    with_: Path | str | None = option(
        None,
        "another run's vectors to compare this one with (a vectors file like the input, or "
        "a Projector config): rows matched by --id-column, else by position",
        flag="--compare-with",
    )
    id_column: str | None = option(
        None,
        "metadata column that names each item in both runs: rows are matched by it "
        "(default: row i is row i)",
        flag="--id-column",
    )
    sets: bool = option(
        False,
        "compare the two runs as two different sets of items (drift) even when their row "
        "counts agree (by default rows are then matched by position)",
        flag="--compare-sets",
    )
    metadata: Path | str | None = option(
        None,
        "the other run's metadata (.tsv, .csv or .parquet, one row per vector) when its "
        "vectors file has none: where its --id-column and label column are read",
        flag="--compare-metadata",
    )
    k: int = option(10, "neighbours compared per point (each run's own kNN graph)", minimum=1)


@dataclass(frozen=True)
class CacheConfig:
    """Analysis results kept between builds, so that an unchanged rebuild computes nothing."""

    enabled: bool = option(True, "reuse analysis results of earlier builds", flag="--cache")
    dir: Path | None = option(
        None,
        "cache folder (default: $REPORTGEN_CACHE_DIR, else the user's cache directory, "
        "e.g. ~/.cache/reportgen)",
        flag="--cache-dir",
    )
    max_size_mb: int = option(
        2048,
        "size cap of the cache folder in MB; the least recently used entries go first",
        minimum=1,
    )


ENGINES = ("local", "dask")


@dataclass(frozen=True)
class EngineConfig:
    """Where the work over all rows runs: this process, or a Dask cluster."""

    kind: str = option(
        "local",
        "local: this process; dask: the shards are read and checked on a Dask cluster's "
        "workers (needs pip install 'reportgen[dask]')",
        choices=ENGINES,
        flag="--engine",
    )
    scheduler: str | None = option(
        None,
        "address of a running Dask scheduler (tcp://host:8786); default: a LocalCluster here",
        flag="--scheduler",
    )
    n_workers: int | None = option(
        None,
        "workers of the LocalCluster started without --scheduler (default: Dask's choice)",
        minimum=1,
        flag="--n-workers",
    )
    memory_limit: str | None = option(
        None,
        "memory limit of each LocalCluster worker, as Dask reads it ('4GB', 'auto')",
        flag="--memory-limit",
    )
    timeout_s: int = option(
        30,
        "seconds to wait for the scheduler before giving up",
        minimum=1,
        flag="--scheduler-timeout",
    )


@dataclass(frozen=True)
class Config:
    """The whole configuration of one build. Frozen: never changed after loading."""

    out: Path | None = option(
        None, "output folder of the site (default: site, or none with --single-file)"
    )
    single_file: Path | None = option(
        None,
        "also write the whole report as one HTML file that opens offline (the folder site "
        "only when --out is given too)",
    )
    seed: int = option(
        0, "seed of every random choice, so that builds are reproducible", constraint=SEED
    )
    force: bool = option(
        False, "replace a non-empty output folder even though reportgen did not create it"
    )
    input: InputConfig = section(InputConfig, "", "inputs and how to read them")
    neighbors: NeighborsConfig = section(NeighborsConfig, "neighbors-", "the kNN graph")
    projections: ProjectionsConfig = section(ProjectionsConfig, "", "views and their quality")
    scale: ScaleConfig = section(ScaleConfig, "", "large N: fit on a sample, place the rest")
    clusters: ClustersConfig = section(ClustersConfig, "clusters-", "k-means clusters")
    similarity: SimilarityConfig = section(SimilarityConfig, "similarity-", "similarity")
    render: RenderConfig = section(RenderConfig, "", "presentation")
    projector: ProjectorConfig = section(
        ProjectorConfig, "projector-", "Embedding Projector / TensorBoard export"
    )
    compare: CompareConfig = section(CompareConfig, "compare-", "what changed against another run")
    thresholds: ThresholdsConfig = section(ThresholdsConfig, "", "quality gates for CI")
    cache: CacheConfig = section(CacheConfig, "cache-", "the analysis cache")
    engine: EngineConfig = section(EngineConfig, "", "where the work over all rows runs")
    # The projection methods' own sections ([umap], [tsne]): the registry declares them, so
    # a new method brings its section along. Read them as attributes: ``config.umap``.
    methods: Mapping[str, Any] = field(default_factory=lambda: _method_defaults())

    def __getattr__(self, name: str) -> Any:
        # Only called for names that are not fields: a method's section, or an error.
        methods = self.__dict__.get("methods")
        if methods is not None and name in methods:
            return methods[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def out_folder(self) -> Path | None:
        """Where the folder site goes: ``out``; by default ``site``, or none when only a
        single file was asked for."""
        if self.out is not None:
            return self.out
        return None if self.single_file is not None else Path("site")

    def to_dict(self, *, for_provenance: bool = False) -> dict[str, Any]:
        """The config as plain JSON-able values (paths as display strings).

        With ``for_provenance``, options that do not change the site's content (where it
        goes, the cache, the pass/fail gates) are left out, so that the same inputs give the
        same site wherever and however it is written.
        """
        result: dict[str, Any] = {}
        for f in fields(self):
            if f.metadata.get("section") or f.name == "methods":
                continue
            if not (for_provenance and f.name in _NOT_PROVENANCE):
                result[f.name] = _plain(getattr(self, f.name))
        for name in sections():
            value = getattr(self, name)
            if for_provenance and name in _NOT_PROVENANCE:
                continue
            if for_provenance and name == "thresholds":
                result[name] = {"baseline": _plain(value.baseline)}
                continue
            result[name] = {sf.name: _plain(getattr(value, sf.name)) for sf in fields(value)}
        return result


# Options that say where and how the output is written, not what it holds.
# The engine too: any engine gives the same site, byte for byte.
_NOT_PROVENANCE = ("out", "force", "single_file", "cache", "engine")


# --------------------------------------------------------------------------------------
# Introspection of the declaration above


@dataclass(frozen=True)
class OptionSpec:
    """One option as the loaders see it."""

    section: str | None  # None for top-level options
    key: str
    type: type  # the non-optional type: bool, int, float, str, Path or dict (str -> float)
    optional: bool
    default: Any
    help: str
    choices: tuple[str, ...] | None
    constraint: tuple[Constraint, ...] | None  # shared with the compute function it feeds
    flag: str  # "--label-column"

    @property
    def dest(self) -> str:
        """The flag's name with underscores: the flat keyword of the Python API."""
        return self.flag[2:].replace("-", "_")

    @property
    def dotted(self) -> str:
        """``section.key`` (or ``key`` at the top level), as messages name the option."""
        return f"{self.section}.{self.key}" if self.section else self.key


def _unwrap(annotation: Any) -> tuple[type, bool]:
    args = get_args(annotation)
    if get_origin(annotation) is not None and type(None) in args:
        inner = [a for a in args if a is not type(None)]
        # Path | str: a path, or a URL kept as text (see _coerce).
        return (Path if set(inner) == {Path, str} else inner[0]), True
    return annotation, False


def _specs_of(cls: type, section_name: str | None, prefix: str) -> list[OptionSpec]:
    hints = get_type_hints(cls)
    specs = []
    for f in fields(cls):
        if f.metadata.get("section") or f.name == "methods":
            continue
        typ, optional = _unwrap(hints[f.name])
        if get_origin(typ) is dict:  # KEY=VALUE pairs: a TOML table, or a repeated flag
            typ = dict
        specs.append(
            OptionSpec(
                section=section_name,
                key=f.name.removesuffix("_"),  # with_ is [compare] with
                type=typ,
                optional=optional,
                default=f.default,
                help=f.metadata["help"],
                choices=f.metadata["choices"],
                constraint=f.metadata["constraint"],
                flag=f.metadata["flag"] or "--" + prefix + f.name.replace("_", "-"),
            )
        )
    return specs


def sections() -> dict[str, tuple[type, str, str]]:
    """Section name -> (dataclass, flag prefix, help), in declaration order; the projection
    methods' sections come right after [projections]."""
    hints = get_type_hints(Config)
    result = {}
    for f in fields(Config):
        if f.metadata.get("section"):
            result[f.name] = (hints[f.name], f.metadata["flag_prefix"], f.metadata["help"])
        if f.name == "projections":
            result.update(_method_sections())
    return result


def _method_sections() -> dict[str, tuple[type, str, str]]:
    # Imported here: the methods' modules import this package's fields module.
    from reportgen.analysis.projections import methods

    return {
        m.section.name: (m.section.options, m.section.flag_prefix, m.section.help)
        for m in methods()
        if m.section is not None
    }


def _method_defaults() -> Mapping[str, Any]:
    return MappingProxyType({name: cls() for name, (cls, _, _) in _method_sections().items()})


def option_specs() -> list[OptionSpec]:
    """Every option of the config, top-level ones first, in declaration order."""
    specs = _specs_of(Config, None, "")
    for name, (cls, prefix, _help) in sections().items():
        specs.extend(_specs_of(cls, name, prefix))
    return specs


# --------------------------------------------------------------------------------------
# Loading


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return display_path(value)
    return value


def display_path(path: Path) -> str:
    """How a path appears in the site: relative to the working directory when inside it,
    else its bare name. Never absolute, so that the site does not depend on the machine."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return Path(path).name


def _coerce(spec: OptionSpec, value: Any, base_dir: Path | None) -> Any:
    """Check and convert one value; raise ValueError with a message on a bad one."""
    if value is None:
        if spec.optional:
            return None
        raise ValueError("must be set")
    if spec.type is bool:
        if isinstance(value, bool):
            return value
        raise ValueError(f"must be true or false, got {value!r}")
    if spec.type in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"must be a number, got {value!r}")
        if spec.type is int and not isinstance(value, int):
            raise ValueError(f"must be a whole number, got {value!r}")
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"must be a finite number, got {value!r}")
        if spec.constraint is not None and problem(spec.constraint, value) is not None:
            raise ValueError(f"must be {describe(spec.constraint, value)}, got {value!r}")
        return spec.type(value)
    if spec.type is Path:
        if isinstance(value, str) and is_url(value):
            return value  # a URL of shards (reportgen.io.shards) stays text: "//" matters
        if isinstance(value, (str, os.PathLike)) and str(value):
            path = Path(value).expanduser()
            if base_dir is not None and not path.is_absolute():
                path = base_dir / path
            return path
        raise ValueError(f"must be a path, got {value!r}")
    if spec.type is str:
        if not isinstance(value, str):
            raise ValueError(f"must be text, got {value!r}")
        if spec.choices is not None and value not in spec.choices:
            raise ValueError(f"must be one of {', '.join(spec.choices)}; got {value!r}")
        return value
    if spec.type is dict:
        if not isinstance(value, Mapping):
            raise ValueError(f"must be a table of KEY = number, got {value!r}")
        result = {}
        for key, number in value.items():
            if not isinstance(key, str) or not key:
                raise ValueError(f"has an empty or non-text key {key!r}")
            if isinstance(number, bool) or not isinstance(number, (int, float)):
                raise ValueError(f"{key} must be a number, got {number!r}")
            if number != number or number in (float("inf"), float("-inf")):
                raise ValueError(f"{key} must be a finite number, got {number!r}")
            result[key] = float(number)
        return dict(sorted(result.items()))
    raise TypeError(f"unsupported option type {spec.type}")  # a bug in the declaration


# Options that were renamed, so that an old config file gets the new name, not a guess.
_RENAMED = {
    "minibatch_above": ("blocked_above", "the final k-means fit is no longer MiniBatchKMeans"),
}


def _suggest(name: str, candidates: list[str]) -> str:
    if name in _RENAMED:
        new_name, why = _RENAMED[name]
        return f" (renamed: use '{new_name}'; {why})"
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _read_mapping(
    data: Mapping[str, Any], source: str, base_dir: Path | None, problems: list[str]
) -> dict[tuple[str | None, str], Any]:
    """Validate a nested mapping (TOML or API) into {(section, key): value}."""
    specs = {(s.section, s.key): s for s in option_specs()}
    section_names = list(sections())
    top_keys = [k for (sec, k) in specs if sec is None]
    values: dict[tuple[str | None, str], Any] = {}
    for name, value in data.items():
        if name in section_names:
            if not isinstance(value, Mapping):
                problems.append(f"{source}: [{name}] must be a table of options")
                continue
            keys = [k for (sec, k) in specs if sec == name]
            for key, inner in value.items():
                spec = specs.get((name, key))
                if spec is None:
                    problems.append(
                        f"{source}: unknown option '{key}' in [{name}]{_suggest(key, keys)}"
                    )
                    continue
                try:
                    values[(name, key)] = _coerce(spec, inner, base_dir)
                except ValueError as exc:
                    problems.append(f"{source}: {name}.{key} {exc}")
        elif name in top_keys:
            spec = specs[(None, name)]
            try:
                values[(None, name)] = _coerce(spec, value, base_dir)
            except ValueError as exc:
                problems.append(f"{source}: {name} {exc}")
        else:
            everything = section_names + top_keys + [k for (_s, k) in specs]
            hint = _suggest(name, everything)
            owner = next((s.section for s in specs.values() if s.key == name and s.section), None)
            if owner:
                hint = f" (did you mean '{name}' in [{owner}]?)"
            problems.append(f"{source}: unknown option or section '{name}'{hint}")
    return values


def find_config_file(cwd: Path) -> tuple[Path, dict[str, Any]] | None:
    """The config file a CLI build reads when ``--config`` is not given.

    ``reportgen.toml`` in ``cwd``, else the ``[tool.reportgen]`` table of ``cwd``'s
    ``pyproject.toml``, else None. Returns the file and its reportgen table.
    """
    candidate = cwd / CONFIG_FILE_NAME
    if candidate.is_file():
        return candidate, read_config_file(candidate)
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file():
        table = read_config_file(pyproject)
        if table is not None:
            return pyproject, table
    return None


def read_config_file(path: Path) -> dict[str, Any] | None:
    """Parse a config file into its reportgen table.

    For a ``pyproject.toml`` that is ``[tool.reportgen]`` (None when it has none); for any
    other file, the whole document. Raises ConfigError on unreadable or invalid TOML.
    """
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        table = document.get("tool", {}).get("reportgen")
        if table is not None and not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.reportgen] must be a table")
        return table
    return document


def _assemble(values: dict[tuple[str | None, str], Any]) -> Config:
    section_objects = {}
    for name, (cls, _prefix, _help) in sections().items():
        # A key that is a Python keyword ([compare] with) is its field name less "_".
        kwargs = {
            (key + "_" if keyword.iskeyword(key) else key): v
            for (sec, key), v in values.items()
            if sec == name
        }
        section_objects[name] = cls(**kwargs)
    method_names = _method_sections()
    methods = {name: section_objects.pop(name) for name in method_names}
    top = {key: v for (sec, key), v in values.items() if sec is None}
    return Config(**top, **section_objects, methods=MappingProxyType(methods))


def _check_consistency(config: Config, problems: list[str], vectors_in_memory: bool) -> None:
    """Problems that involve several options at once."""
    inp = config.input
    if vectors_in_memory:
        if inp.vectors is not None or inp.demo is not None or inp.projector_config is not None:
            problems.append(
                "vectors were passed as an array: input.vectors, demo and projector_config "
                "must be unset"
            )
    elif inp.demo is not None and inp.vectors is not None:
        problems.append("give either a vectors file or --demo, not both")
    elif inp.projector_config is not None and (inp.vectors is not None or inp.demo is not None):
        problems.append("give either --projector-config or a vectors file/--demo, not several")
    elif inp.demo is None and inp.vectors is None and inp.projector_config is None:
        problems.append("no vectors given: pass a vectors file (or --demo digits)")
    if inp.image_column is not None and inp.images is not None:
        problems.append("give either --image-column or --images, not both")
    if inp.dim is not None and inp.dim < 1:
        problems.append(f"input.dim must be at least 1, got {inp.dim}")
    proj = config.projections
    custom = {k: getattr(proj, f"custom_{k}") for k in ("left", "right", "up", "down")}
    if any(v is not None for v in custom.values()) or proj.custom_column is not None:
        if proj.custom_column is None:
            problems.append("the custom projection needs projections.custom_column")
        if custom["left"] is None or custom["right"] is None:
            problems.append("the custom projection needs both custom_left and custom_right")
        if (custom["up"] is None) != (custom["down"] is None):
            problems.append("give both custom_up and custom_down, or neither")
    if config.clusters.k_min > config.clusters.k_max:
        problems.append(
            f"clusters.k_min={config.clusters.k_min} must not exceed "
            f"clusters.k_max={config.clusters.k_max}"
        )
    if proj.tsne_3d and not proj.tsne:
        problems.append("projections.tsne_3d needs projections.tsne")
    for source_option, flag in (("demo", "--demo"), ("projector_config", "--projector-config")):
        if getattr(inp, source_option) is None:
            continue
        for key in ("metadata", "array", "dim", "vector_columns", "image_column", "images"):
            if getattr(inp, key) is not None:
                problems.append(f"input.{key} cannot be used with {flag}")
    from reportgen.thresholds import check_keys  # here: thresholds imports the errors only

    check_keys(config.thresholds.fail_under, "--fail-under", problems)
    check_keys(config.thresholds.fail_if_drop, "--fail-if-drop", problems)
    check_keys(config.thresholds.fail_over, "--fail-over", problems)
    if config.thresholds.fail_if_drop and config.thresholds.baseline is None:
        problems.append("--fail-if-drop compares with a baseline: give --baseline OLD/report.json")
    base_url = config.render.base_url
    if base_url is not None and not base_url.startswith(("https://", "http://")):
        problems.append(f"render.base_url must start with https:// or http://, got {base_url!r}")


def resolve_config(
    file_table: Mapping[str, Any] | None = None,
    file_path: Path | None = None,
    overrides: Mapping[tuple[str | None, str], Any] | None = None,
    override_source: str = "command line",
    vectors_in_memory: bool = False,
) -> Config:
    """Build the config from a file's table and overrides (flags or API keywords).

    Paths in the file are relative to the file's folder; paths in ``overrides`` relative to
    the working directory. ``vectors_in_memory`` says the vectors come as an array (the
    Python API), not from ``input.vectors`` or a demo. Every problem is collected and raised
    at once as a ConfigError.
    """
    problems: list[str] = []
    values: dict[tuple[str | None, str], Any] = {}
    if file_table is not None:
        source = str(file_path) if file_path is not None else "config"
        base = file_path.parent if file_path is not None else None
        values.update(_read_mapping(file_table, source, base, problems))
    specs = {(s.section, s.key): s for s in option_specs()}
    for (sec, key), value in (overrides or {}).items():
        spec = specs[(sec, key)]
        try:
            values[(sec, key)] = _coerce(spec, value, None)
        except ValueError as exc:
            problems.append(f"{override_source}: {spec.flag} {exc}")
    config = None
    if not problems:
        config = _assemble(values)
        _check_consistency(config, problems, vectors_in_memory)
    if problems:
        raise ConfigError(problems)
    return config


def overrides_from_api(kwargs: Mapping[str, Any]) -> dict[tuple[str | None, str], Any]:
    """Map Python API keywords onto options.

    Accepts ``section={"key": value}``, ``section__key=value``, top-level names
    (``seed=1``) and flat flag names (``label_column="y"``). Unknown names are a ConfigError
    with a suggestion; all of them are reported at once.
    """
    specs = option_specs()
    by_dotted = {(s.section, s.key): s for s in specs}
    by_dest = {s.dest: s for s in specs}
    section_names = list(sections())
    problems: list[str] = []
    result: dict[tuple[str | None, str], Any] = {}
    for name, value in kwargs.items():
        # `umap=False` is the flag --umap ([projections] umap), `umap={...}` the section.
        if name in section_names and not isinstance(value, Mapping) and name in by_dest:
            spec = by_dest[name]
            result[(spec.section, spec.key)] = value
        elif name in section_names:
            if not isinstance(value, Mapping):
                problems.append(f"{name}= must be a dict of options")
                continue
            for key, inner in value.items():
                if (name, key) in by_dotted:
                    result[(name, key)] = inner
                else:
                    keys = [k for (s, k) in by_dotted if s == name]
                    problems.append(f"unknown option {name}.{key}{_suggest(key, keys)}")
        elif "__" in name:
            sec, _, key = name.partition("__")
            if (sec, key) in by_dotted:
                result[(sec, key)] = value
            else:
                candidates = [f"{s}__{k}" for (s, k) in by_dotted if s]
                problems.append(f"unknown option {name}{_suggest(name, candidates)}")
        elif name in by_dest:
            spec = by_dest[name]
            result[(spec.section, spec.key)] = value
        else:
            problems.append(f"unknown option {name}{_suggest(name, list(by_dest))}")
    if problems:
        raise ConfigError(problems)
    return result


def replace(config: Config, **changes: Any) -> Config:
    """A copy of ``config`` with some top-level fields changed (the config stays frozen)."""
    return dataclasses.replace(config, **changes)
