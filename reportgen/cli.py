"""``reportgen build`` (and ``reportgen cache``): parse the flags, resolve the config, build,
map errors to exit codes.

Every option's flag, default and help come from the declaration in ``reportgen.config``.
Exit codes: 0 success, 1 a failed step, 2 bad input, config or output folder, 130
interrupted. A ``ReportgenError`` prints as one line; anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportgen._version import __version__
from reportgen.config import (
    find_config_file,
    option_specs,
    read_config_file,
    resolve_config,
    sections,
)
from reportgen.errors import ReportgenError
from reportgen.progress import Progress

_POSITIONAL = ("input", "vectors")  # `reportgen build VECTORS`


def _help(spec: Any) -> str:
    where = f"[{spec.section}] {spec.key}" if spec.section else spec.key
    default = spec.default
    if isinstance(default, bool):
        shown = "on" if default else "off"
    elif default is None:
        shown = "none"
    else:
        shown = str(default)
    choices = f"; one of: {', '.join(spec.choices)}" if spec.choices else ""
    if "(default:" in spec.help:  # the help already says what the default depends on
        return f"{spec.help} (config: {where}{choices})".replace("%", "%%")
    return f"{spec.help} (default: {shown}{choices}; config: {where})".replace("%", "%%")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reportgen",
        description="Turn embeddings, labels and metadata into a self-contained HTML report.",
    )
    parser.add_argument("--version", action="version", version=f"reportgen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    build = commands.add_parser(
        "build",
        help="build the report site",
        description=(
            "Build the report site. Options come from --config FILE, else reportgen.toml, "
            "else [tool.reportgen] in ./pyproject.toml; flags override the file."
        ),
    )
    build.add_argument(
        "vectors",
        nargs="?",
        # Text, not Path: a URL's "//" must survive (Path("s3://b/k") is "s3:/b/k").
        type=str,
        default=None,
        metavar="VECTORS",
        help="vectors file: .npy, .npz, .csv, .tsv, .parquet or .bytes, or a glob of shards "
        "or a URL ('shards/*.parquet', 's3://bucket/emb/*.npy') (config: [input] vectors)",
    )
    run = build.add_argument_group("running")
    run.add_argument("--config", type=Path, metavar="FILE", help="read options from this TOML file")
    run.add_argument("--quiet", "-q", action="store_true", help="print no progress")
    run.add_argument(
        "--timings", type=Path, metavar="FILE", help="write each step's seconds as JSON to FILE"
    )
    groups = {None: build.add_argument_group("build")}
    for name, (_cls, _prefix, text) in sections().items():
        groups[name] = build.add_argument_group(f"[{name}]: {text}")
    for spec in option_specs():
        if (spec.section, spec.key) == _POSITIONAL:
            continue
        kwargs: dict[str, Any] = {"dest": f"opt:{spec.dotted}", "default": argparse.SUPPRESS}
        if spec.type is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif spec.type is dict:
            kwargs["action"] = "append"
            kwargs["metavar"] = "KEY=VALUE"
        else:
            # A path stays text here: the config makes it a Path, or keeps a URL as text
            # (Path("s3://b/k") would be "s3:/b/k").
            kwargs["type"] = str if spec.type is Path else spec.type
            kwargs["metavar"] = spec.key.upper()
            if spec.choices:
                kwargs["choices"] = spec.choices
        groups[spec.section].add_argument(spec.flag, help=_help(spec), **kwargs)
    _add_cache_command(commands)
    return parser


def _add_cache_command(commands: Any) -> None:
    """``reportgen cache info`` and ``reportgen cache clear``."""
    cache = commands.add_parser(
        "cache",
        help="show or empty the analysis cache",
        description="The analysis cache: results of earlier builds, reused when unchanged.",
    )
    actions = cache.add_subparsers(dest="cache_action", metavar="ACTION", required=True)
    for name, text in (
        ("info", "show the cache folder, its entries and their size"),
        ("clear", "delete the cache's entries (only files reportgen wrote)"),
    ):
        action = actions.add_parser(name, help=text, description=text)
        action.add_argument(
            "--cache-dir",
            type=Path,
            metavar="DIR",
            help="the cache folder (default: [cache] dir of the config file, else "
            "$REPORTGEN_CACHE_DIR, else the user's cache directory)",
        )
        action.add_argument(
            "--config", type=Path, metavar="FILE", help="read [cache] from this TOML file"
        )


def _overrides(args: argparse.Namespace) -> dict[tuple[str | None, str], Any]:
    values = vars(args)
    result: dict[tuple[str | None, str], Any] = {}
    if values.get("vectors") is not None:
        result[_POSITIONAL] = values["vectors"]
    for spec in option_specs():
        dest = f"opt:{spec.dotted}"
        if dest in values:
            value = values[dest]
            result[(spec.section, spec.key)] = _pairs(value) if spec.type is dict else value
    return result


def _pairs(items: list[str]) -> dict[str, Any]:
    """``["a.b=0.9", ...]`` as ``{"a.b": 0.9}``; a value that is not a number is kept as
    text, so that the config's check names it."""
    pairs: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep:
            pairs[item] = f"{item!r} (expected KEY=VALUE)"
            continue
        try:
            pairs[key.strip()] = float(text)
        except ValueError:
            pairs[key.strip()] = text
    return pairs


def _configure_logging(quiet: bool) -> None:
    logger = logging.getLogger("reportgen")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("reportgen: %(message)s"))
    logger.handlers[:] = [handler]
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    logger.propagate = False


def _build(args: argparse.Namespace) -> int:
    from reportgen.builder import run_build  # imported here: --help and --version stay fast

    _configure_logging(args.quiet)
    if args.config is not None:
        file_path: Path | None = args.config
        table = read_config_file(args.config) or {}
    else:
        found = find_config_file(Path.cwd())
        file_path, table = found if found else (None, None)
    config = resolve_config(table, file_path, _overrides(args))
    progress = Progress(mode="quiet" if args.quiet else "auto")
    result = run_build(config, progress=progress)
    if args.timings is not None:
        timings = {"steps": progress.timings, "total": sum(progress.timings.values())}
        args.timings.write_text(json.dumps(timings, indent=2, sort_keys=True) + "\n")
    if result.out is not None:  # the single file's line (with its size) is already out
        progress.message(f"wrote {result.index}")
    return 0


def _cache(args: argparse.Namespace) -> int:
    from reportgen.cache import Cache, cache_folder

    if args.config is not None:
        file_path: Path | None = args.config
        table = read_config_file(args.config) or {}
    else:
        found = find_config_file(Path.cwd())
        file_path, table = found if found else (None, {})
    overrides = {("cache", "dir"): args.cache_dir} if args.cache_dir is not None else {}
    # Only the [cache] table matters here; "in memory" spares the check for a vectors file.
    cache_table = {"cache": table["cache"]} if "cache" in table else None
    config = resolve_config(cache_table, file_path, overrides, vectors_in_memory=True).cache
    cache = Cache(cache_folder(config), config.max_size_mb * 2**20)
    if args.cache_action == "clear":
        count, size = cache.clear()
        print(f"removed {count} cache files ({_megabytes(size)}) from {cache.folder}")
        return 0
    summary = cache.summary()
    print(f"folder: {summary.folder}")
    if not summary.exists:
        print("entries: none (the folder does not exist yet)")
    elif not summary.is_cache:
        print("entries: none (not a reportgen cache folder: builds will not write into it)")
    else:
        cap = f"{config.max_size_mb:,} MB"
        print(f"entries: {summary.count} ({_megabytes(summary.size)} of at most {cap})")
        for step, (count, size) in summary.entries.items():
            print(f"  {step:<18} {count:>5}  {_megabytes(size):>10}")
    return 0


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.1f} MB"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (the console script exits with it)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "cache":
            return _cache(args)
        return _build(args)
    except ReportgenError as exc:
        print(f"reportgen: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("reportgen: interrupted; the previous site is unchanged", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
