"""Analysis steps as data, and the one loop that runs them with the cache and progress.

A ``Step`` says what it is (its name), what it needs (the steps whose results it takes),
what it reads from the config (its parameters), which libraries shape its numbers, how its
result is stored (its codec) and how it is computed (a pure function). ``run_steps`` runs a
table of them in order: for each, it checks whether the step is wanted, builds its cache
key chained from its parents' keys, reads the result from the cache or computes and stores
it, and reports it on the step's progress line. Nothing else in the analysis knows about
the cache or the progress display.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from itertools import groupby
from typing import Any

import numpy as np

from reportgen.cache import Cache, array_key, step_key
from reportgen.config import Config
from reportgen.dataset import Dataset
from reportgen.engine import LOCAL, Engine
from reportgen.errors import AnalysisError
from reportgen.progress import Progress, StepStatus

__all__ = ["DATA", "Codec", "Step", "StepContext", "run_steps"]

# The root of every key chain: the validated vectors (a step with no parents reads them).
DATA = "data"

Params = Mapping[str, Any]


@dataclass
class StepContext:
    """What a step's functions see: the dataset, the config, the engine that runs the
    passes over all N rows, and the results of the steps run before it (by name). Steps
    read it; only ``run_steps`` adds results and notes."""

    dataset: Dataset
    config: Config
    engine: Engine = LOCAL
    other: Dataset | None = None  # the run compared with (--compare-with), if any
    results: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # optional step -> its note
    # The running step's status: a long step says how far it is (``status.advance``).
    status: StepStatus = field(default_factory=StepStatus)

    def __getitem__(self, name: str) -> Any:
        return self.results[name]

    def get(self, name: str) -> Any:
        """The result of step ``name``, or None when it did not run (not wanted)."""
        return self.results.get(name)


@dataclass(frozen=True)
class Codec:
    """How a result is stored in the cache: ``encode(result) -> (arrays, value)`` and
    ``decode(arrays, value, context, params) -> result`` (raising ValueError, KeyError or
    TypeError when the entry does not fit, which makes it a miss)."""

    encode: Callable[[Any], tuple[dict[str, np.ndarray], Any]]
    decode: Callable[[Mapping[str, np.ndarray], Any, StepContext, Params], Any]


def _always(context: StepContext) -> bool:
    return True


def _no_params(context: StepContext) -> Params:
    return {}


@dataclass(frozen=True)
class Step:
    """One analysis step.

    Attributes:
        name: its name: the key of its result in the context, and its cache entries' name.
        compute: ``compute(context, params) -> result``: pure (no I/O, no global state).
        parents: the steps whose results it takes AND whose cache keys its key chains
            (``DATA`` for the vectors themselves). A parent this build does not run (not
            wanted) is left out of both: ``context.get`` gives None.
        uses: the steps whose results it takes without chaining their keys (they may not
            have run: ``context.get`` is then None); whatever it takes from them must be in
            its ``params`` or ``fingerprint`` (a coding of the labels, the build's plan).
        params: ``params(context) -> dict``: the parameters it reads (from the config or
            the plan), JSON-able; they go into its key and to ``compute``.
        fingerprint: ``fingerprint(context) -> dict``: hashes of the data besides the
            vectors that its result depends on (a metadata column); key only.
        libraries: the distributions whose versions shape its numbers (key only).
        codec: how it is cached; None for a step too cheap to cache.
        progress: the progress line it is reported on (consecutive steps may share one);
            None for a step too small to report.
        wanted: ``wanted(context) -> bool``: whether this build runs it at all.
        optional: ``optional(context) -> bool``: when true, an AnalysisError of this step
            becomes a note ("no clusters: ...") and its result None, instead of failing.
    """

    name: str
    compute: Callable[[StepContext, Params], Any]
    parents: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    params: Callable[[StepContext], Params] = _no_params
    fingerprint: Callable[[StepContext], Params] = _no_params
    libraries: tuple[str, ...] = ("numpy",)
    codec: Codec | None = None
    progress: str | None = None
    wanted: Callable[[StepContext], bool] = _always
    optional: Callable[[StepContext], bool] | None = None


def run_steps(
    steps: Iterable[Step], context: StepContext, progress: Progress, cache: Cache | None
) -> StepContext:
    """Run ``steps`` in order into ``context`` (its results, by step name, and its notes).

    Consecutive steps with the same ``progress`` share one progress line, which says how
    many of their results came from the cache. With a ``cache``, a cached step's result is
    read under its key when there, else computed and stored; without one, everything is
    computed and nothing written. Raises what a step raises (AnalysisError, ConfigError).
    """
    root = array_key(context.dataset.vectors, engine=context.engine) if cache else None
    keys = {DATA: root} if root is not None else {}
    unwanted: set[str] = set()
    for line, group in groupby(steps, key=lambda step: step.progress):
        with ExitStack() as stack:
            status = StepStatus()  # replaced by the line's own once a step is wanted
            opened = False
            for step in group:
                # Asked only now: a step may be wanted because of what the one before gave.
                if not step.wanted(context):
                    unwanted.add(step.name)
                    continue
                if line is not None and not opened:
                    status = stack.enter_context(progress.step(line))
                    opened = True
                _run(step, context, keys, cache, status, unwanted)
    _say_cache_use(progress, cache)
    return context


def _run(
    step: Step,
    context: StepContext,
    keys: dict[str, str],
    cache: Cache | None,
    status: StepStatus,
    unwanted: set[str],
) -> None:
    missing = [name for name in step.parents if _absent(name, context) and name not in unwanted]
    if missing:  # a bug in the table: a step before its parents
        raise RuntimeError(f"step {step.name!r} runs before {', '.join(missing)}")
    params = dict(step.params(context))
    key = None
    if cache is not None:
        parent_keys = [keys[name] for name in step.parents if name in keys]
        key_params = {**params, **step.fingerprint(context)}
        key = step_key(step.name, parent_keys, key_params, step.libraries)
        keys[step.name] = key
    if cache is not None and step.codec is not None:
        decode = partial(_decode, step.codec, context=context, params=params)
        found = cache.get(step.name, key, decode)
        if found is not None:
            status.from_cache += 1
            context.results[step.name] = found
            return
    context.status = status
    try:
        result = step.compute(context, params)
    except AnalysisError as error:
        if step.optional is None or not step.optional(context):
            raise
        note = f"no {step.name}: {error}"
        context.notes.append(note)
        context.skipped[step.name] = note
        context.results[step.name] = None
        return
    if step.codec is not None:
        status.computed += 1
        if cache is not None:
            cache.put(step.name, key, *step.codec.encode(result))
    context.results[step.name] = result


def _absent(name: str, context: StepContext) -> bool:
    return name != DATA and name not in context.results


def _decode(
    codec: Codec,
    arrays: Mapping[str, np.ndarray],
    value: Any,
    *,
    context: StepContext,
    params: Params,
) -> Any:
    return codec.decode(arrays, value, context, params)


def _say_cache_use(progress: Progress, cache: Cache | None) -> None:
    """One closing line: how many of the cacheable steps came from the cache."""
    if cache is None:
        return
    use = progress.cache_use
    if not any(got for got, _ in use.values()):
        return  # a cold build: the step lines say enough
    computed = [name for name, (got, total) in use.items() if got < total]
    if not computed:
        progress.message(f"analysis: all {len(use)} steps from the cache")
    else:
        progress.message(
            f"analysis: {len(use) - len(computed)} of {len(use)} steps from the cache; "
            f"computed {', '.join(computed)}"
        )
