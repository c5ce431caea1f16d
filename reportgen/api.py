"""The Python API: ``reportgen.build`` and ``reportgen.load``."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from reportgen.builder import Report, run_build
from reportgen.config import Config, read_config_file, resolve_config
from reportgen.config import overrides_from_api as _overrides
from reportgen.dataset import Dataset
from reportgen.errors import ConfigError
from reportgen.io import dataset_from_arrays, load_dataset
from reportgen.progress import Progress

PathLike = str | os.PathLike


def _is_path(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


def _resolve(
    vectors: Any,
    metadata: Any,
    labels: Any,
    config_file: PathLike | None,
    options: Mapping[str, Any],
) -> tuple[Config, bool]:
    """The config for an API call, and whether the vectors are in memory."""
    overrides = _overrides(options)
    # None: the vectors come from the options (demo=) or the config file.
    in_memory = vectors is not None and not _is_path(vectors)
    if not in_memory:
        if vectors is not None:
            overrides[("input", "vectors")] = Path(vectors)
        if labels is not None:
            raise ConfigError(
                "labels= goes with in-memory vectors; with a vectors file, give the labels "
                "in a metadata file (metadata=PATH)"
            )
        if metadata is not None:
            if not _is_path(metadata):
                raise ConfigError("with a vectors file, metadata= must be a file path too")
            overrides[("input", "metadata")] = Path(metadata)
    table = path = None
    if config_file is not None:
        path = Path(config_file)
        table = read_config_file(path) or {}
    config = resolve_config(
        table,
        path,
        overrides,
        override_source="keyword arguments",
        vectors_in_memory=in_memory,
    )
    return config, in_memory


def load(
    vectors_or_path: Any,
    labels: Sequence[Any] | None = None,
    metadata: Any = None,
    *,
    config_file: PathLike | None = None,
    **options: Any,
) -> Dataset:
    """Load and validate a dataset exactly as ``build`` would, without building.

    Takes the same arguments as ``build`` (``out`` is not needed). Raises InputError
    (naming the file, row and column) or ConfigError.
    """
    config, in_memory = _resolve(vectors_or_path, metadata, labels, config_file, options)
    if in_memory:
        return dataset_from_arrays(
            vectors_or_path, labels=labels, metadata=metadata, inp=config.input
        )
    return load_dataset(config.input)


def build(
    vectors_or_path: Any,
    labels: Sequence[Any] | None = None,
    metadata: Any = None,
    out: PathLike | None = None,
    *,
    config_file: PathLike | None = None,
    progress: str = "quiet",
    **options: Any,
) -> Report:
    """Build a report site from embeddings.

    Args:
        vectors_or_path: an (N, D) array-like of numbers, or the path of a vectors file
            (.npy, .npz, .csv, .tsv, .parquet, .bytes), or None when the options name
            the input (``demo="digits"``, or ``config_file``).
        labels: N labels, with in-memory vectors (becomes the metadata column ``label``).
        metadata: a mapping of column name -> N values or a DataFrame (with in-memory
            vectors), or the path of a metadata file (.tsv, .csv, .parquet).
        out: the folder the site is written to (atomically; see ``reportgen.publish``);
            by default ``site``, or no folder when ``single_file=PATH`` is given alone.
        config_file: a TOML config to read. No file is read unless given here.
        progress: "quiet" (default), "plain" or "live": step reports on stderr.
        **options: any config option, as ``section={"key": v}``, ``section__key=v`` or its
            flag's name (``label_column="y"``, ``seed=1``, ``force=True``);
            ``compare_with`` may also be the other run's (N, D) array, matched by position.

    Returns:
        a Report with the output folder, the single file and the content of
        ``report.json``; in Jupyter it shows the report inline, ``.open()`` opens it.

    Raises:
        ConfigError, InputError, PublishError (subclasses of ReportgenError).
    """
    if out is not None:
        options = {**options, "out": Path(out)}
    # compare_with may be the other run's array (rows matched by position) instead of a file.
    other_array = options.get("compare_with")
    if other_array is not None and not isinstance(other_array, (str, os.PathLike)):
        options = {key: value for key, value in options.items() if key != "compare_with"}
    else:
        other_array = None
    config, in_memory = _resolve(vectors_or_path, metadata, labels, config_file, options)
    dataset = None
    if in_memory:
        dataset = dataset_from_arrays(
            vectors_or_path, labels=labels, metadata=metadata, inp=config.input
        )
    other = None if other_array is None else dataset_from_arrays(other_array)
    return run_build(config, dataset=dataset, progress=Progress(mode=progress), other=other)
