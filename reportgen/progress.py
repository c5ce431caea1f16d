"""Progress of a build: a live line on a terminal, one plain line per step otherwise.

Timings are kept here and only here: they go to the log and to ``--timings FILE``, never
into the site, which must stay byte-identical between builds.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO


@dataclass
class StepStatus:
    """What a running step tells about itself: how many of its results came from the
    analysis cache and how many it computed (both 0 for a step that does not cache)."""

    from_cache: int = 0
    computed: int = 0

    def label(self) -> str:
        """The step line's suffix: ' (cached)', ' (2 of 5 cached)' or nothing."""
        if not self.from_cache:
            return ""
        if not self.computed:
            return " (cached)"
        return f" ({self.from_cache} of {self.from_cache + self.computed} cached)"


class Progress:
    """Reports the steps of a build and records how long each took.

    ``mode`` is ``"live"`` (a terminal: the running step is shown, then replaced by its
    result), ``"plain"`` (CI logs: one line per finished step with its seconds) or
    ``"quiet"`` (nothing). ``"auto"`` picks live or plain from ``stream.isatty()``.
    """

    def __init__(self, stream: TextIO | None = None, mode: str = "auto") -> None:
        self.stream = stream if stream is not None else sys.stderr
        if mode == "auto":
            mode = "live" if getattr(self.stream, "isatty", lambda: False)() else "plain"
        if mode not in ("live", "plain", "quiet"):
            raise ValueError(f"unknown progress mode {mode!r}")
        self.mode = mode
        self.timings: dict[str, float] = {}
        # Steps that looked up the analysis cache: name -> (results from it, results in all).
        self.cache_use: dict[str, tuple[int, int]] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[StepStatus]:
        """Time the enclosed block as step ``name`` and report it when it ends.

        The block may count on the yielded ``StepStatus`` which of its results came from the
        cache: the line then says so, e.g. ``umap-2d (cached)``.
        """
        status = StepStatus()
        if self.mode == "live":
            self.stream.write(f"\r\033[K  … {name}")
            self.stream.flush()
        start = time.perf_counter()
        try:
            yield status
        except BaseException:
            if self.mode == "live":
                self.stream.write(f"\r\033[K  ✗ {name}\n")
                self.stream.flush()
            raise
        seconds = time.perf_counter() - start
        self.timings[name] = self.timings.get(name, 0.0) + seconds
        if status.from_cache or status.computed:
            self.cache_use[name] = (status.from_cache, status.from_cache + status.computed)
        shown = name + status.label()
        if self.mode == "live":
            self.stream.write(f"\r\033[K  ✓ {shown:<12} {seconds:6.2f} s\n")
        elif self.mode == "plain":
            self.stream.write(f"reportgen: {shown} {seconds:.2f} s\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        """Show a line that is not a step (a warning or a closing summary)."""
        if self.mode != "quiet":
            self.stream.write(f"reportgen: {text}\n")
            self.stream.flush()
